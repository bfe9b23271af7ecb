import { defineCallInvitePanel } from '../call-invite-panel/define.ts';
import { defineVideoCallRoom } from '../video-call-room/define.ts';
import { EventCallButton } from './event-call-button.ts';

/** Registers `<event-call-button>` and the elements it shows (`<video-call-room>`, `<call-invite-panel>` with its `<call-participants>`). */
export function defineEventCallButton(tag = 'event-call-button'): void {
  defineVideoCallRoom();
  defineCallInvitePanel();
  if (!customElements.get(tag)) customElements.define(tag, tag === 'event-call-button' ? EventCallButton : class extends EventCallButton {});
}
