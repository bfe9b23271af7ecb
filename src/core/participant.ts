/**
 * A participant of a call: who they are and how they answered (the `video_call_participants`
 * row), whether they are in the call and with what (presence), and the order lists show them in.
 * Shared by the joined session's ParticipantStore and the ParticipantRoster that reads rows alone.
 */
import type { ConnectionQuality } from './connection-quality.ts';

export type PresenceStatus = 'offline' | 'joining' | 'connected' | 'left';
export type InviteStatus = 'invited' | 'accepted' | 'declined' | 'tentative';

export interface Participant {
  /** User id (or `email:<address>` for an invitation nobody has claimed yet). */
  id: string;
  /** The `video_call_participants.id` of their invitation (absent for someone seen only in presence). */
  rowId?: string;
  userId: string | null;
  name: string;
  email: string | null;
  avatarUrl: string | null;
  role: 'host' | 'guest';
  inviteStatus: InviteStatus;
  presence: PresenceStatus;
  isLocal: boolean;
  mic: boolean;
  cam: boolean;
  screen: boolean;
  speaking: boolean;
  /** Their hand is raised (`handRaisedAt` says since when, when their presence tells). */
  hand: boolean;
  /** When they raised their hand (ms since the epoch, their clock); absent while it is down. */
  handRaisedAt?: number;
  /** The host removed them (for good, `removed_at`): no longer in the call, cannot come back. */
  removed?: boolean;
  /** The peer connection's state, for remote people in the call. */
  connection?: RTCPeerConnectionState;
  camera?: MediaStream;
  screenStream?: MediaStream;
  /**
   * How their connection is (sampled from getStats every 2 s, see connection-quality.ts): for a
   * remote person how their media arrives here, for the local person how ours reaches the others.
   */
  quality?: ConnectionQuality;
}

/** What each member publishes in presence (contract: keyed by user id). */
export interface PresenceMeta {
  name: string;
  avatar_url: string | null;
  mic: boolean;
  cam: boolean;
  screen: boolean;
  speaking: boolean;
  /**
   * When the hand went up (ms since the epoch); absent while it is down. `true`/`false` came from
   * pages before raised hands had a time: `true` counts as raised, listed after the timed ones.
   */
  hand?: number | boolean;
  /** Some of their connections are still forming (cameras stay small meanwhile, see PeerMesh). */
  forming?: boolean;
  /** Mesh or SFU: who joins a running call follows it (topology.ts). */
  topology?: 'mesh' | 'sfu';
}

/** A `video_call_participants` row as the core reads it. */
export interface ParticipantRecord {
  id: string;
  user_id: string | null;
  email: string | null;
  display_name: string | null;
  avatar_url: string | null;
  role: 'host' | 'guest';
  invite_status: InviteStatus;
  presence_status: PresenceStatus;
  mic_on: boolean;
  cam_on: boolean;
  /** The lobby's columns (20261203000100), read by a joined session. */
  admitted_at?: string | null;
  removed_at?: string | null;
  knocked_at?: string | null;
}

/** The columns of `ParticipantRecord`, for `select()`. */
export const PARTICIPANT_COLUMNS = 'id, user_id, email, display_name, avatar_url, role, invite_status, presence_status, mic_on, cam_on';

/** A participant row as a joined session reads it: the roster's columns plus the signing key. */
export interface KeyedParticipantRecord extends ParticipantRecord {
  signal_key?: unknown;
}
export const KEYED_PARTICIPANT_COLUMNS = `${PARTICIPANT_COLUMNS}, signal_key, admitted_at, removed_at, knocked_at`;

/** The key a participant is known by: the user id, or `email:<address>` for an unclaimed invitation. */
export const participantKey = (row: Pick<ParticipantRecord, 'user_id' | 'email'>): string => row.user_id ?? `email:${row.email}`;

/** A participant as far as the stored row tells: mic and camera count only while the row says connected. */
export function participantFromRecord(row: ParticipantRecord, localUserId: string | null): Participant {
  const id = participantKey(row);
  return {
    id,
    rowId: row.id,
    userId: row.user_id,
    name: row.display_name || row.email || id.slice(0, 8),
    email: row.email,
    avatarUrl: row.avatar_url,
    role: row.role,
    inviteStatus: row.invite_status,
    presence: row.presence_status,
    isLocal: row.user_id !== null && row.user_id === localUserId,
    mic: row.presence_status === 'connected' && row.mic_on,
    cam: row.presence_status === 'connected' && row.cam_on,
    screen: false,
    speaking: false,
    hand: false,
    ...(row.removed_at ? { removed: true } : {}),
  };
}

const PRESENCE_ORDER: Record<PresenceStatus, number> = { connected: 0, joining: 1, offline: 2, left: 3 };
const INVITE_ORDER: Record<InviteStatus, number> = { accepted: 0, tentative: 1, invited: 2, declined: 3 };

/**
 * The order people are listed in: raised hands first, by who raised first; then who is in the call, then by their answer (accepted,
 * tentative, no answer yet, declined); within each, the host, then by name.
 */
export function compareParticipants(a: Participant, b: Participant): number {
  return compareHands(a, b) || compareInvitees(a, b);
}

/** Raised hands before the rest, the first raised first (a hand with no time after the timed ones). */
export function compareHands(a: Participant, b: Participant): number {
  if (a.hand !== b.hand) return a.hand ? -1 : 1;
  if (!a.hand) return 0;
  return (a.handRaisedAt ?? Infinity) - (b.handRaisedAt ?? Infinity) || 0;
}

/** The order without hands: see compareParticipants. */
function compareInvitees(a: Participant, b: Participant): number {
  return (
    PRESENCE_ORDER[a.presence] - PRESENCE_ORDER[b.presence] ||
    INVITE_ORDER[a.inviteStatus] - INVITE_ORDER[b.inviteStatus] ||
    Number(b.role === 'host') - Number(a.role === 'host') ||
    a.name.localeCompare(b.name)
  );
}
