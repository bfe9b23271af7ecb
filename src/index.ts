/**
 * supabase-call-widgets: side-effect-free exports. Import `supabase-call-widgets/define.js` (or
 * call `defineAll()`) to register the custom elements.
 */
export * from './core/index.ts';
export { configure, getDefaultClient } from './client-registry.ts';
export { registerStrings, type StringKey, type Strings } from './i18n/index.ts';
export { VideoCallRoom, type VideoCallRoomEventMap, type CallErrorDetail, type CallJoinedDetail, type CallLeftDetail, type CallParticipantDetail } from './elements/video-call-room/video-call-room.ts';
export { defineVideoCallRoom } from './elements/video-call-room/define.ts';
export { CallParticipants, type CallParticipantsEventMap, type ParticipantRemoveDetail } from './elements/call-participants/call-participants.ts';
export { defineCallParticipants } from './elements/call-participants/define.ts';
export { CallInvitePanel, type CallInviteDetail, type CallInvitePanelEventMap, type CallInvitePanelState } from './elements/call-invite-panel/call-invite-panel.ts';
export { defineCallInvitePanel } from './elements/call-invite-panel/define.ts';
export {
  EventCallButton,
  type CallInvitationAnswerDetail,
  type CallOpenDetail,
  type CallSessionCreatedDetail,
  type CallStateDetail,
  type EventCallButtonEventMap,
  type EventCallOpenMode,
  type EventCallState,
} from './elements/event-call-button/event-call-button.ts';
export { defineEventCallButton } from './elements/event-call-button/define.ts';
export {
  CallNotifications,
  type CallNotificationsChangeDetail,
  type CallNotificationsEventMap,
  type CallNotificationsState,
} from './elements/call-notifications/call-notifications.ts';
export { defineCallNotifications } from './elements/call-notifications/define.ts';
export { CallChatElement, type CallChatEventMap, type CallChatMessageDetail, type CallChatState } from './elements/call-chat/call-chat.ts';
export { defineCallChat } from './elements/call-chat/define.ts';
export { messageParts, linkTarget, type MessagePart } from './elements/call-chat/message-links.ts';
export { CallHistory, type CallHistoryEventMap, type CallHistoryExportDetail } from './elements/call-history/call-history.ts';
export { defineCallHistory } from './elements/call-history/define.ts';
export { type CallHistoryState } from './controllers/call-history-controller.ts';
export { defineAll } from './define-all.ts';
