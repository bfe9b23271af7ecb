/** The framework-free core: everything a host needs without the elements. */
export {
  CallClient,
  CallClientError,
  type CalendarEventCall,
  type CallClientErrorCode,
  type CallClientView,
  type RosterView,
  type CallClientInit,
  type CallSessionRecord,
  type CallUser,
  type InviteOptions,
  type NewCallSession,
} from './call-client.ts';
export { callHistoryCsv, CSV_LABELS_EN, csvCell, readCallHistory, type CallHistoryAttendee, type CallHistoryCsvLabels, type CallHistoryRecord } from './call-history.ts';
export { isReaction, REACTION_INTERVAL_MS, REACTIONS, type CallReactionDetail, type Reaction } from './call-reactions.ts';
export { CallSession, type CallSessionEvents, type CallSessionOptions, type CallSessionView, type CallState, type JoinOptions } from './call-session.ts';
export {
  CallChat,
  CHAT_MESSAGE_LIMIT,
  CHAT_PAGE_SIZE,
  checkChatBody,
  type CallChatEvents,
  type CallChatView,
  type ChatMessage,
  type ChatMessageRecord,
  type ChatMessageState,
  type ChatStatus,
} from './chat.ts';
export { CallError, toCallError, type CallErrorCode, type CallErrorContext, type CallErrorOptions } from './errors.ts';
export { CallStateMachine, canTransition, InvalidTransitionError } from './call-state.ts';
export { IceBatcher } from './ice-batcher.ts';
export { checkedFallbackUrl, fallbackSettings, nextRung, type CallFallbackDetail, type FallbackReason, type FallbackSettings, type FallbackStep, type LinkRung } from './fallback.ts';
export { fetchIceServers, hasRelay, IceServerLease, parseIceServers, STUN_ONLY, type IceServersAnswer, type IceServersWarning } from './ice-servers.ts';
export { INVITATION_ANSWERS, type InvitationAnswer, type InvitationNotice, type NotificationOutcome } from './invitations.ts';
export {
  QUALITY_HYSTERESIS,
  QUALITY_THRESHOLDS,
  levelOf,
  nextLevel,
  readStats,
  type ConnectionQuality,
  type QualityLevel,
  type QualityPath,
} from './connection-quality.ts';
export { QualitySampler, type QualitySamplerOptions } from './quality-sampler.ts';
export { LocalMedia, type LocalMediaState, type MediaRequest, type MediaStatus } from './local-media.ts';
export { Moderation, type ModerationAction, type ModerationMessage, type Standing, type WaitingGuest } from './moderation.ts';
export {
  compareHands,
  compareParticipants,
  participantFromRecord,
  type InviteStatus,
  type Participant,
  type ParticipantRecord,
  type PresenceMeta,
  type PresenceStatus,
} from './participant.ts';
export { ParticipantRoster, type ParticipantRosterEvents, type RosterStatus } from './participant-roster.ts';
export { CallPush, pushSupported, vapidKeyBytes, type EnablePushOptions, type PushRegistration, type PushState, type PushStateOptions } from './push.ts';
export type { CallPushPayload, WorkerAuthMessage, WorkerMessage, WorkerSignedOutMessage } from '../sw/messages.ts';
export { PeerMesh, type LocalStreams, type StreamRole } from './peer-mesh.ts';
/** `session.mesh`: a PeerMesh or the SFU connection behind one interface (issue 18). */
export type { CallMedia } from './call-media.ts';
export type { Topology, TopologySetting } from './topology.ts';
export { isPolite, SenderRateLimit, SIGNAL_KINDS, validateSignal, type Signal, type SignalKind } from './signal.ts';
export { SignalSigner, verifySignal } from './signal-keys.ts';
export { scaleForTile, VIEW_SCALES, type ViewScale } from './view-requests.ts';
export type { TransportName } from './signaling.ts';
