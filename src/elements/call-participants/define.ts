import { CallParticipants } from './call-participants.ts';

/** Registers `<call-participants>`; registering twice is harmless. */
export function defineCallParticipants(tag = 'call-participants'): void {
  if (!customElements.get(tag)) customElements.define(tag, tag === 'call-participants' ? CallParticipants : class extends CallParticipants {});
}
