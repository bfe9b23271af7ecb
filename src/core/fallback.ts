/**
 * The fallback ladder of a call (ARCHITECTURE 9.2): direct → relay → external.
 *
 * Each link starts direct (or relay-only with `settings.force_relay`). When its ICE fails, it
 * restarts relay-only through TURN if the call has TURN servers; when the relay fails too (or
 * there is none), media cannot flow between these two browsers and the next step is the
 * session's external meeting (`settings.fallback_url`), or nothing more to try (`none`).
 * Reasons that concern the whole call (no WebRTC, the channel gone) come from the session.
 */

/** Why the call stepped down. */
export type FallbackReason = 'webrtc-unsupported' | 'media-denied' | 'ice-failed' | 'relay-failed' | 'signaling-unreachable' | 'sfu-unreachable';

/** Where it went: the TURN relay, the external meeting, back to the mesh (SFU gone), or nowhere. */
export type FallbackStep = 'relay' | 'external' | 'mesh' | 'none';

/** The `call-fallback` event's detail (ARCHITECTURE 9.2). */
export interface CallFallbackDetail {
  reason: FallbackReason;
  step: FallbackStep;
  /** The external meeting, with step `external`. */
  url?: string;
  /** The remote participant whose link stepped down, for per-peer steps. */
  peerId?: string;
}

/** Where one link stands on the ladder. */
export type LinkRung = 'direct' | 'relay' | 'failed';

export interface FallbackSettings {
  forceRelay: boolean;
  /** A checked `settings.fallback_url`, or undefined. */
  fallbackUrl: string | undefined;
}

/**
 * Reads `settings.force_relay` and `settings.fallback_url` of a session row. A URL that is not
 * https (or http on localhost) is ignored: the room would otherwise put any link a host's
 * settings hold in front of every participant.
 */
export function fallbackSettings(settings: unknown): FallbackSettings {
  const record = typeof settings === 'object' && settings !== null ? (settings as Record<string, unknown>) : {};
  return { forceRelay: record.force_relay === true, fallbackUrl: checkedFallbackUrl(record.fallback_url) };
}

export function checkedFallbackUrl(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 2048) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  const local = url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
  if (url.protocol === 'https:' || (url.protocol === 'http:' && local)) return url.href;
  return undefined;
}

/** What a link does when its ICE failed, given where it stands. */
export interface LadderDecision {
  /** The rung the link moves to. */
  rung: LinkRung;
  /** What to tell the session (and the room). */
  fallback: CallFallbackDetail;
}

/**
 * The next rung for a link whose ICE failed on `rung`: relay when TURN servers are known and it
 * was not relay-only already, else failed, pointing at the external meeting when there is one.
 */
export function nextRung(rung: LinkRung, relayKnown: boolean, settings: FallbackSettings, peerId?: string): LadderDecision {
  const who = peerId ? { peerId } : {};
  if (rung === 'direct' && relayKnown) return { rung: 'relay', fallback: { reason: 'ice-failed', step: 'relay', ...who } };
  const reason: FallbackReason = rung === 'relay' ? 'relay-failed' : 'ice-failed';
  return { rung: 'failed', fallback: external(reason, settings.fallbackUrl, peerId) };
}

/** The last step for `reason`: the external meeting when the session has one, else none. */
export function external(reason: FallbackReason, url: string | undefined, peerId?: string): CallFallbackDetail {
  return { reason, step: url ? 'external' : 'none', ...(url ? { url } : {}), ...(peerId ? { peerId } : {}) };
}
