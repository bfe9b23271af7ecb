import { CallChatElement } from './call-chat.ts';

/** Registers `<call-chat>`; registering twice is harmless. */
export function defineCallChat(tag = 'call-chat'): void {
  if (!customElements.get(tag)) customElements.define(tag, tag === 'call-chat' ? CallChatElement : class extends CallChatElement {});
}
