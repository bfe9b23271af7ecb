import { defineCallParticipants } from '../call-participants/define.ts';
import { defineVideoCallRoom } from '../video-call-room/define.ts';
import { EventCallButton } from './event-call-button.ts';

/** Registers `<event-call-button>` and the elements it shows (`<video-call-room>`, `<call-participants>`). */
export function defineEventCallButton(tag = 'event-call-button'): void {
  defineVideoCallRoom();
  defineCallParticipants();
  if (!customElements.get(tag)) customElements.define(tag, tag === 'event-call-button' ? EventCallButton : class extends EventCallButton {});
}
