import { CallNotifications } from './call-notifications.ts';

/** Registers `<call-notifications>`; registering twice is harmless. */
export function defineCallNotifications(tag = 'call-notifications'): void {
  if (!customElements.get(tag)) customElements.define(tag, tag === 'call-notifications' ? CallNotifications : class extends CallNotifications {});
}
