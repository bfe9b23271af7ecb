import { CallHistory } from './call-history.ts';

/** Registers `<call-history>`; registering twice is harmless. */
export function defineCallHistory(tag = 'call-history'): void {
  if (!customElements.get(tag)) customElements.define(tag, tag === 'call-history' ? CallHistory : class extends CallHistory {});
}
