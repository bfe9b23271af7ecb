import { defineCallChat } from './elements/call-chat/define.ts';
import { defineCallHistory } from './elements/call-history/define.ts';
import { defineCallInvitePanel } from './elements/call-invite-panel/define.ts';
import { defineCallNotifications } from './elements/call-notifications/define.ts';
import { defineCallParticipants } from './elements/call-participants/define.ts';
import { defineEventCallButton } from './elements/event-call-button/define.ts';
import { defineVideoCallRoom } from './elements/video-call-room/define.ts';

/** Registers every element of the library; safe to call more than once. */
export function defineAll(): void {
  defineVideoCallRoom();
  defineCallParticipants();
  defineCallInvitePanel();
  defineEventCallButton();
  defineCallNotifications();
  defineCallChat();
  defineCallHistory();
}
