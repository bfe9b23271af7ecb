import { VideoCallRoom } from './video-call-room.ts';

/** Registers `<video-call-room>`; registering twice is harmless. */
export function defineVideoCallRoom(tag = 'video-call-room'): void {
  if (!customElements.get(tag)) customElements.define(tag, tag === 'video-call-room' ? VideoCallRoom : class extends VideoCallRoom {});
}
