import { defineCallChat } from '../call-chat/define.ts';
import { VideoCallRoom } from './video-call-room.ts';

/** Registers `<video-call-room>`, and `<call-chat>` it shows in its chat panel; registering twice is harmless. */
export function defineVideoCallRoom(tag = 'video-call-room'): void {
  defineCallChat();
  if (!customElements.get(tag)) customElements.define(tag, tag === 'video-call-room' ? VideoCallRoom : class extends VideoCallRoom {});
}
