/**
 * A joined call's place on the fallback ladder (ARCHITECTURE 9.2): the session's
 * `force_relay` / `fallback_url` settings, the STUN/TURN servers (the host's, else a lease on
 * `video-call-ice-servers` kept fresh for the call), the latest step down — by a link, or by the
 * channel once it stays unreachable — and when that step is over.
 */
import type { SupabaseClient } from '@supabase/supabase-js';
import { external, fallbackSettings, type CallFallbackDetail, type FallbackSettings } from './fallback.ts';
import { IceServerLease, type IceServersAnswer, type IceServersWarning } from './ice-servers.ts';

export interface CallFallbackHooks {
  log(message: string): void;
  /** The call, or one link of it, stepped down. */
  stepped(detail: CallFallbackDetail): void;
  /** TURN is missing: the call is STUN only. */
  warned(code: IceServersWarning, message: string): void;
  /** A refreshed lease: live links get the new servers. */
  refreshed(servers: RTCIceServer[]): void;
}

/**
 * How long the call's channel may stay down before the call counts as `signaling-unreachable`:
 * the backoff of five rejoins (0.5 + 1 + 2 + 4 + 8 s). Timed rather than counted, because after
 * a socket drop realtime-js rejoins by itself and says nothing per try.
 */
export const SIGNALING_GIVE_UP_MS = 15_500;

export class CallFallback {
  /** The latest step down, until the call (or that link) works again. */
  detail: CallFallbackDetail | undefined;
  /** The servers the peer connections use, once joining has got them. */
  iceServers: IceServersAnswer | undefined;
  settings: FallbackSettings = { forceRelay: false, fallbackUrl: undefined };
  /** The session's `settings` as read (the topology is chosen from them, topology.ts). */
  rawSettings: unknown;
  #lease: IceServerLease | undefined;
  #signalingLost = false;
  #giveUp: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly supabase: SupabaseClient,
    private readonly sessionId: string,
    /** The host's own servers (a CallSession option): used as they are, nothing fetched. */
    private readonly hostServers: RTCIceServer[] | undefined,
    private readonly hooks: CallFallbackHooks,
  ) {}

  /** `settings.force_relay` and `settings.fallback_url`; unreadable settings mean neither. */
  async readSettings(): Promise<void> {
    const { data, error } = await this.supabase.from('video_call_sessions').select('settings').eq('id', this.sessionId).maybeSingle();
    if (error) this.hooks.log(`could not read the call's settings: ${error.message}`);
    this.rawSettings = (data as { settings?: unknown } | null)?.settings;
    this.settings = fallbackSettings(this.rawSettings);
  }

  /** Never rejects: without TURN the call is STUN only, with a warning. */
  async startIceServers(): Promise<RTCIceServer[]> {
    if (this.hostServers) {
      this.iceServers = { iceServers: this.hostServers };
      return this.hostServers;
    }
    this.#lease?.stop();
    const lease = new IceServerLease(this.supabase, this.sessionId, {
      onRefresh: (answer) => {
        this.iceServers = answer;
        this.hooks.refreshed(answer.iceServers);
      },
    });
    this.#lease = lease;
    const answer = await lease.start();
    this.iceServers = answer;
    if (answer.warning) {
      const message = `no TURN relay for this call (${answer.warning}${answer.detail ? `: ${answer.detail}` : ''}); STUN only`;
      console.warn(`[supabase-call-widgets] ${message}`);
      this.hooks.warned(answer.warning, message);
    }
    return answer.iceServers;
  }

  /** A new join: what the last one stepped down to no longer holds. */
  begin(): void {
    this.detail = undefined;
    this.#signalingLost = false;
    clearTimeout(this.#giveUp);
    this.#giveUp = undefined;
  }

  stepDown(detail: CallFallbackDetail): void {
    this.detail = detail;
    this.hooks.log(`fallback: ${detail.reason} → ${detail.step}${detail.peerId ? ` (peer ${detail.peerId})` : ''}`);
    this.hooks.stepped(detail);
  }

  /** The step for the whole call: no WebRTC, or the channel past its retries. */
  stepOut(reason: 'webrtc-unsupported' | 'signaling-unreachable'): void {
    this.stepDown(external(reason, this.settings.fallbackUrl));
  }

  /** A link (`undefined`: the call itself) works again: its notice goes. */
  works(peerId: string | undefined): void {
    if (this.detail && this.detail.peerId === peerId) this.detail = undefined;
  }

  /** The channel went down: unless it is back within SIGNALING_GIVE_UP_MS, the call steps out. */
  signalingDown(): void {
    if (this.#giveUp || this.#signalingLost) return;
    this.#giveUp = setTimeout(() => {
      this.#giveUp = undefined;
      this.signalingLost();
    }, SIGNALING_GIVE_UP_MS);
  }

  /** The channel stayed down past its retry budget (once until it is back). */
  signalingLost(): void {
    if (this.#signalingLost) return;
    // Media already flowing keeps flowing; nobody new can reach us until the channel is back.
    this.#signalingLost = true;
    this.stepOut('signaling-unreachable');
  }

  /** The channel is joined again: a pending give-up is off, and the notice of one goes. */
  signalingBack(): void {
    clearTimeout(this.#giveUp);
    this.#giveUp = undefined;
    if (!this.#signalingLost) return;
    this.#signalingLost = false;
    this.works(undefined);
  }

  stop(): void {
    clearTimeout(this.#giveUp);
    this.#giveUp = undefined;
    this.#lease?.stop();
    this.#lease = undefined;
  }
}
