/**
 * What a CallSession tells (its events) and what it is made with (its options), apart from the
 * session itself so hosts and elements can name them without the class.
 */
import type { CallReactionDetail } from './call-reactions.ts';
import type { CallState } from './call-state.ts';
import type { CallError } from './errors.ts';
import type { CallFallbackDetail, LinkRung } from './fallback.ts';
import type { IceServersWarning } from './ice-servers.ts';
import type { LocalMediaState, MediaRequest } from './local-media.ts';
import type { ModerationMessage, WaitingGuest } from './moderation.ts';
import type { Participant } from './participant.ts';
import type { SignalSigner } from './signal-keys.ts';
import type { TransportName } from './signaling.ts';

/** What CallSession.prepare() is making ready: the signer first (join() needs its key), then the rest. */
export interface Preparation {
  signer: Promise<SignalSigner | undefined>;
  ready: Promise<void>;
}

export interface CallSessionEvents {
  state: { state: CallState; previous: CallState; error?: CallError };
  participants: Participant[];
  'participant-joined': Participant;
  'participant-left': Participant;
  'local-media': LocalMediaState;
  error: CallError;
  /**
   * The call, or one link of it, stepped down the fallback ladder (ARCHITECTURE 9.2): to the TURN
   * relay, to the session's external meeting, or nowhere (`none`). `peerId` is set for one link.
   */
  fallback: CallFallbackDetail;
  /** A link's rung on the ladder changed (`failed`: media cannot flow with that peer, retrying). */
  'link-rung': { peerId: string; rung: LinkRung };
  /** The host's list of guests waiting in the lobby changed (the host's session only). */
  waiting: WaitingGuest[];
  /** A `moderation` message from the host for us: `mute` (the microphone is off already), `mute-request`… */
  moderation: ModerationMessage;
  /** Something the call can live without is missing: TURN servers (the call is STUN only). */
  warning: { code: IceServersWarning; message: string };
  /** Someone present (or the local user) sent a reaction (broadcast `reaction`, see call-reactions.ts). */
  reaction: CallReactionDetail;
}

/** What join() may be told at the last moment (a pre-join screen's choices). */
export interface JoinOptions {
  /** Replaces the session's `media` option, for this join and the ones after it (a lobby's). */
  media?: MediaRequest | false;
}

export interface CallSessionOptions {
  /** `broadcast` (default) or `table` (the durable path through video-call-signal). */
  transport?: TransportName;
  /**
   * STUN/TURN servers for the peer connections. Given, they replace the ones fetched from the
   * `video-call-ice-servers` function (which is then not asked).
   */
  iceServers?: RTCIceServer[];
  /** What to ask the browser for; `false` joins to watch and listen only. */
  media?: MediaRequest | false;
  /** How often `touch_video_call` marks us as still here (default 20 s). */
  heartbeatMs?: number;
  /** How long someone gone from presence keeps their tile while their media still flows (default 6 s). */
  presenceGraceMs?: number;
  log?(message: string): void;
  /** Peer-mesh timings, for tests: see PeerMeshOptions. */
  connectTimeoutMs?: number;
  retryFailedMs?: number;
}
