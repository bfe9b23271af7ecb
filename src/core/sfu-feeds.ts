/**
 * What the SFU connection reads from Janus about feeds: who a feed id belongs to, the claim a
 * publisher carries, which of its streams are on, and what each subscriber mid carries.
 */
import type { StreamRole } from './peer-link.ts';
import type { SignedSignal } from './signal-keys.ts';

export interface Feed {
  id: string;
  userId: string;
  /** Its stream mids we subscribed to (a screen share adds one later). */
  mids: Set<string>;
}

/** The mids of a publisher's streams that are on. */
export function liveMids(streams: unknown): string[] {
  if (!Array.isArray(streams)) return [];
  return streams.flatMap((stream: { mid?: unknown; disabled?: unknown }) => (typeof stream.mid === 'string' && stream.disabled !== true ? [stream.mid] : []));
}

/** Which feed and role a subscriber mid carries (from Janus's `streams` list). */
export interface MidInfo {
  feed: string;
  role: StreamRole;
  kind: 'audio' | 'video';
  active: boolean;
}

/** The claim a publisher's `display` carries (Janus 1.1 has no publisher metadata yet). */
export function parseClaim(display: unknown): SignedSignal | undefined {
  if (typeof display !== 'string') return undefined;
  try {
    const claim = JSON.parse(display) as SignedSignal;
    return typeof claim === 'object' && claim !== null && typeof claim.sig === 'string' ? claim : undefined;
  } catch {
    return undefined;
  }
}

/** The user id in a feed id `<user id>:<nonce>`. */
export function feedUser(feedId: string): string | undefined {
  const at = feedId.lastIndexOf(':');
  return at > 0 ? feedId.slice(0, at) : undefined;
}

/** Janus's `streams` list of the subscriber (mid → feed, kind, camera or screen, active). */
export function readStreams(streams: readonly unknown[]): Map<string, MidInfo> {
  const mids = new Map<string, MidInfo>();
  for (const entry of streams) {
    const stream = entry as { mid?: string; type?: string; feed_id?: string; feed_description?: string; active?: boolean };
    if (!stream.mid || !stream.feed_id || (stream.type !== 'audio' && stream.type !== 'video')) continue;
    mids.set(stream.mid, {
      feed: stream.feed_id,
      kind: stream.type,
      role: stream.feed_description === 'screen' ? 'screen' : 'camera',
      active: stream.active !== false,
    });
  }
  return mids;
}
