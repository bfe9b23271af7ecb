import { defineVideoCallRoom } from './elements/video-call-room/define.ts';

/** Registers every element of the library; safe to call more than once. */
export function defineAll(): void {
  defineVideoCallRoom();
}
