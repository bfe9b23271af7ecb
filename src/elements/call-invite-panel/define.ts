import { defineCallParticipants } from '../call-participants/define.ts';
import { CallInvitePanel } from './call-invite-panel.ts';

/** Registers `<call-invite-panel>` and the list it shows (`<call-participants>`); registering twice is harmless. */
export function defineCallInvitePanel(tag = 'call-invite-panel'): void {
  defineCallParticipants();
  if (!customElements.get(tag)) customElements.define(tag, tag === 'call-invite-panel' ? CallInvitePanel : class extends CallInvitePanel {});
}
