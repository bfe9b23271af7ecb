/**
 * The SFU (Janus' VideoRoom plugin) as the functions see it: its HTTP API, the room each call has
 * and the tokens that open it (video-call-sfu hands them out, video-call-cleanup reconciles and
 * destroys rooms).
 *
 * - Configured = JANUS_URL (the HTTP API base, e.g. http://127.0.0.1:8088/janus), JANUS_ADMIN_KEY
 *   (VideoRoom's admin_key), JANUS_SECRET (an HMAC key Janus never sees) and SFU_URL (the WebSocket
 *   URL browsers use) all set.
 * - Room id = the session id (VideoRoom string_ids); its `secret` = HMAC(JANUS_SECRET,
 *   'room:' + session id), so any function instance can manage any room without storing anything.
 * - Token = `<user_id>.<exp unix s>.<base64url HMAC(JANUS_SECRET, session_id|user_id|exp)>`: the
 *   room's `allowed` list holds it; a token names its user, so revoking a user is finding theirs.
 * - Publisher ids are `<user_id>:<nonce>` (the browser joins with that id), so a removed user's
 *   publishers can be found and kicked.
 * Every exchange is bounded (REQUEST_TIMEOUT_MS in all): a Janus that does not answer is a 503
 * `sfu_unreachable`, never a hanging function.
 */
import { FunctionError } from './http.ts';
import type { SupabaseClient } from './supabase.ts';

export interface JanusSettings {
  url: string;
  adminKey: string;
  secret: string;
  sfuUrl: string;
  /** SFU_TOKEN_TTL_S, default 3600. */
  tokenTtl: number;
}

/** All that is needed to hand out rooms, or null when the project runs no SFU. */
export function janusSettings(get: (name: string) => string | undefined): JanusSettings | null {
  const url = get('JANUS_URL')?.trim();
  const adminKey = get('JANUS_ADMIN_KEY')?.trim();
  const secret = get('JANUS_SECRET')?.trim();
  const sfuUrl = get('SFU_URL')?.trim();
  if (!url || !adminKey || !secret || !sfuUrl) return null;
  const ttl = Number(get('SFU_TOKEN_TTL_S') ?? '');
  return { url: url.replace(/\/+$/, ''), adminKey, secret, sfuUrl, tokenTtl: Number.isInteger(ttl) && ttl > 0 ? ttl : 3600 };
}

/** The whole conversation with Janus for one request may take this long. */
export const REQUEST_TIMEOUT_MS = 3000;

/**
 * Rooms allow 16 publishers: a call beyond that many cameras is not one this widget promises
 * (its grid and the subscribers' bandwidth would not hold), and Janus' default of 3 is too few.
 */
export const MAX_PUBLISHERS = 16;
/** Per-publisher video bitrate cap (bit/s): 720p VP8 fits, and 16 of them still fit a subscriber. */
export const PUBLISHER_BITRATE = 1_500_000;

/** Janus could not be reached or did not answer in time. */
export const unreachable = (detail: string) => new FunctionError(503, 'sfu_unreachable', `the SFU did not answer: ${detail}`);

/** A VideoRoom error answer (error_code: 426 no such room, 427 exists, 433 unauthorized, …). */
export class VideoRoomError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

type Json = Record<string, unknown>;

/** One Janus session with the VideoRoom plugin attached: synchronous plugin requests. */
export interface VideoRoomHandle {
  request(body: Json): Promise<Json>;
}

/**
 * Creates a Janus session, attaches VideoRoom, runs `work`, and destroys the session (also when
 * `work` fails). Throws `sfu_unreachable` when Janus does not answer within the deadline.
 */
export async function withVideoRoom<T>(settings: JanusSettings, work: (handle: VideoRoomHandle) => Promise<T>): Promise<T> {
  const deadline = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
  const post = async (path: string, body: Json): Promise<Json> => {
    let response: Response;
    try {
      response = await fetch(`${settings.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...body, transaction: crypto.randomUUID() }),
        signal: deadline,
      });
    } catch (error) {
      throw unreachable(deadline.aborted ? `no answer within ${REQUEST_TIMEOUT_MS / 1000} s` : (error as Error).message);
    }
    let answer: Json;
    try {
      answer = (await response.json()) as Json;
    } catch {
      throw unreachable(`HTTP ${response.status} without a Janus answer`);
    }
    if (answer.janus === 'error') {
      const error = answer.error as { code?: number; reason?: string } | undefined;
      throw unreachable(`Janus error ${error?.code}: ${error?.reason}`);
    }
    return answer;
  };
  const session = await post('', { janus: 'create' });
  const sessionId = (session.data as { id: number }).id;
  try {
    const attached = await post(`/${sessionId}`, { janus: 'attach', plugin: 'janus.plugin.videoroom' });
    const handleId = (attached.data as { id: number }).id;
    return await work({
      async request(body) {
        const answer = await post(`/${sessionId}/${handleId}`, { janus: 'message', body });
        const data = (answer.plugindata as { data?: Json } | undefined)?.data;
        if (!data) throw unreachable('a plugin answer without data');
        if (typeof data.error_code === 'number') throw new VideoRoomError(data.error_code, String(data.error));
        return data;
      },
    });
  } finally {
    // Best effort, and never past the deadline: Janus' session_timeout collects what is left.
    await post(`/${sessionId}`, { janus: 'destroy' }).catch(() => undefined);
  }
}

const encoder = new TextEncoder();

async function hmac(secret: string, text: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const signature = new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(text)));
  let binary = '';
  for (const byte of signature) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/** The room's secret: needed to change its allowed list, kick, and destroy it. */
export const roomSecret = (settings: JanusSettings, sessionId: string) => hmac(settings.secret, `room:${sessionId}`);

export async function makeToken(settings: JanusSettings, sessionId: string, userId: string, exp: number): Promise<string> {
  return `${userId}.${exp}.${await hmac(settings.secret, `${sessionId}|${userId}|${exp}`)}`;
}

/** The user and expiry of a well-formed, correctly signed token for this room, else null. */
export async function readToken(settings: JanusSettings, sessionId: string, token: string): Promise<{ userId: string; exp: number } | null> {
  const match = /^([0-9a-f-]{36})\.([0-9]{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return null;
  const [, userId, expText, signature] = match;
  const expected = await hmac(settings.secret, `${sessionId}|${userId}|${expText}`);
  // Constant time is moot for a list only the server reads, but costs nothing.
  let difference = expected.length ^ signature.length;
  for (let i = 0; i < expected.length; i++) difference |= expected.charCodeAt(i) ^ signature.charCodeAt(i);
  return difference === 0 ? { userId, exp: Number(expText) } : null;
}

/** Creates the call's room when it does not exist ("room exists" from a racing create is fine). */
export async function ensureRoom(handle: VideoRoomHandle, settings: JanusSettings, sessionId: string): Promise<void> {
  try {
    await handle.request({
      request: 'create',
      room: sessionId,
      admin_key: settings.adminKey,
      secret: await roomSecret(settings, sessionId),
      description: `call ${sessionId}`,
      is_private: true,
      // A kicked user's subscriptions end with their publisher only when they carry its private id.
      require_pvtid: true,
      publishers: MAX_PUBLISHERS,
      allowed: [],
      audiocodec: 'opus',
      videocodec: 'vp8',
      bitrate: PUBLISHER_BITRATE,
      bitrate_cap: true,
      fir_freq: 10,
      notify_joining: false,
    });
  } catch (error) {
    if (!(error instanceof VideoRoomError && error.code === 427)) throw error;
  }
}

/** Adds a token to the room's allowed list. */
export async function allowToken(handle: VideoRoomHandle, settings: JanusSettings, sessionId: string, token: string): Promise<void> {
  await handle.request({ request: 'allowed', room: sessionId, secret: await roomSecret(settings, sessionId), action: 'add', allowed: [token] });
}

export interface Reconciled {
  tokensRevoked: number;
  publishersKicked: number;
}

/**
 * Takes out of the room what no longer belongs: tokens expired, malformed, badly signed or of a
 * user `mayStay` refuses, and every publisher `<user_id>:…` of such a user (kicked). `mayStay` is
 * asked once per user. Throws VideoRoomError 426 when the room does not exist.
 */
export async function reconcileRoom(
  handle: VideoRoomHandle,
  settings: JanusSettings,
  sessionId: string,
  mayStay: (userId: string) => Promise<boolean>,
): Promise<Reconciled> {
  const secret = await roomSecret(settings, sessionId);
  const verdicts = new Map<string, Promise<boolean>>();
  const stays = (userId: string) => {
    if (!verdicts.has(userId)) verdicts.set(userId, mayStay(userId));
    return verdicts.get(userId)!;
  };
  const now = Math.floor(Date.now() / 1000);
  const current = await handle.request({ request: 'allowed', room: sessionId, secret, action: 'add', allowed: [] });
  const revoke: string[] = [];
  for (const token of (current.allowed as string[] | undefined) ?? []) {
    const read = await readToken(settings, sessionId, token);
    if (!read || read.exp <= now || !(await stays(read.userId))) revoke.push(token);
  }
  if (revoke.length) await handle.request({ request: 'allowed', room: sessionId, secret, action: 'remove', allowed: revoke });

  const listed = await handle.request({ request: 'listparticipants', room: sessionId });
  let kicked = 0;
  for (const participant of (listed.participants as Array<{ id: string }> | undefined) ?? []) {
    const userId = String(participant.id).split(':')[0];
    // An id not of our form was not made by our pages: out as well.
    if (/^[0-9a-f-]{36}$/.test(userId) && (await stays(userId))) continue;
    try {
      await handle.request({ request: 'kick', room: sessionId, secret, id: participant.id });
      kicked++;
    } catch (error) {
      // Left between the list and the kick.
      if (!(error instanceof VideoRoomError && error.code === 428)) throw error;
    }
  }
  return { tokensRevoked: revoke.length, publishersKicked: kicked };
}

/** The rooms Janus holds (private ones too: the admin_key lifts list's filter). */
export async function listRooms(handle: VideoRoomHandle, settings: JanusSettings): Promise<string[]> {
  const answer = await handle.request({ request: 'list', admin_key: settings.adminKey });
  return ((answer.list as Array<{ room: unknown }> | undefined) ?? []).map((room) => String(room.room));
}

/** Destroys a room (its participants are told and dropped); one that is gone already is fine. */
export async function destroyRoom(handle: VideoRoomHandle, settings: JanusSettings, sessionId: string): Promise<void> {
  try {
    await handle.request({ request: 'destroy', room: sessionId, secret: await roomSecret(settings, sessionId) });
  } catch (error) {
    if (!(error instanceof VideoRoomError && error.code === 426)) throw error;
  }
}

/** Whether `userId` may be in the call's room now: its host or an admitted member (service role). */
export async function isRoomMember(admin: SupabaseClient, sessionId: string, userId: string): Promise<boolean> {
  const { data, error } = await admin.rpc('video_call_standing', { p_session_id: sessionId, p_user_id: userId });
  if (error) throw error;
  return data === 'host' || data === 'admitted';
}

export type RoomSweep = 'skipped' | 'unreachable' | { rooms_destroyed: number; rooms_reconciled: number; tokens_revoked: number; publishers_kicked: number };

/**
 * The cleanup's pass over the SFU: rooms of ended or deleted sessions destroyed, the others
 * reconciled. Never throws: 'skipped' without an SFU, 'unreachable' when Janus fails to answer.
 */
export async function sweepRooms(admin: SupabaseClient, settings: JanusSettings | null): Promise<RoomSweep> {
  if (!settings) return 'skipped';
  try {
    return await withVideoRoom(settings, async (handle) => {
      const counts = { rooms_destroyed: 0, rooms_reconciled: 0, tokens_revoked: 0, publishers_kicked: 0 };
      const rooms = (await listRooms(handle, settings)).filter((room) => /^[0-9a-f-]{36}$/i.test(room));
      if (rooms.length === 0) return counts;
      const { data, error } = await admin.from('video_call_sessions').select('id, status').in('id', rooms);
      if (error) throw error;
      const open = new Set((data as Array<{ id: string; status: string }>).filter((row) => row.status !== 'ended').map((row) => row.id));
      for (const room of rooms) {
        if (!open.has(room)) {
          await destroyRoom(handle, settings, room);
          counts.rooms_destroyed++;
          continue;
        }
        const done = await reconcileRoom(handle, settings, room, (userId) => isRoomMember(admin, room, userId)).catch((error) => {
          if (error instanceof VideoRoomError && error.code === 426) return null;
          throw error;
        });
        if (!done) continue;
        counts.rooms_reconciled++;
        counts.tokens_revoked += done.tokensRevoked;
        counts.publishers_kicked += done.publishersKicked;
      }
      return counts;
    });
  } catch (error) {
    console.error('video-call-cleanup: the SFU pass failed:', error instanceof Error ? error.message : error);
    return 'unreachable';
  }
}
