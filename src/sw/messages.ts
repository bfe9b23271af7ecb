/**
 * What the page and the call widgets' service worker say to each other, and what a push of ours
 * carries. Shared by the worker (src/sw/) and the core (src/core/push.ts), so both read the same
 * shapes; nothing here touches the DOM or the worker's globals.
 */

/** The decrypted payload `webpush-send` pushes (ARCHITECTURE 9.1). */
export interface CallPushPayload {
  kind: 'invite' | 'reminder';
  session_id: string;
  event_id: string | null;
  title: string | null;
  starts_at: string | null;
  url: string | null;
  host_name: string | null;
}

/** page → worker: who is signed in, so Decline can answer without opening a page. */
export interface WorkerAuthMessage {
  type: 'call-widgets:auth';
  supabaseUrl: string;
  anonKey: string;
  /** The user's access token: never the refresh token, so the worker cannot stay signed in for good. */
  accessToken: string;
  /** Unix seconds, as supabase-js's `session.expires_at`. */
  expiresAt: number;
  /** The page's language (`ru`, `en-GB` …) for the notifications' texts. */
  lang: string | null;
}

/** page → worker: the user signed out (or turned push off); forget the token. */
export interface WorkerSignedOutMessage {
  type: 'call-widgets:signed-out';
}

export type WorkerMessage = WorkerAuthMessage | WorkerSignedOutMessage;

const text = (value: unknown): value is string => typeof value === 'string';
const textOrNull = (value: unknown) => value === null || value === undefined || typeof value === 'string';

/**
 * A push payload of ours, or null for anyone else's: a host's own worker that imports ours keeps
 * its pushes, so only `{ kind: 'invite' | 'reminder', session_id }` is taken.
 */
export function readCallPush(value: unknown): CallPushPayload | null {
  if (!value || typeof value !== 'object') return null;
  const push = value as Record<string, unknown>;
  if ((push.kind !== 'invite' && push.kind !== 'reminder') || !text(push.session_id) || !push.session_id) return null;
  for (const key of ['event_id', 'title', 'starts_at', 'url', 'host_name']) if (!textOrNull(push[key])) return null;
  return {
    kind: push.kind,
    session_id: push.session_id,
    event_id: (push.event_id as string | null | undefined) ?? null,
    title: (push.title as string | null | undefined) ?? null,
    starts_at: (push.starts_at as string | null | undefined) ?? null,
    url: (push.url as string | null | undefined) ?? null,
    host_name: (push.host_name as string | null | undefined) ?? null,
  };
}

/** A page's message to the worker, checked field by field; null for anything else. */
export function readWorkerMessage(value: unknown): WorkerMessage | null {
  if (!value || typeof value !== 'object') return null;
  const message = value as Record<string, unknown>;
  if (message.type === 'call-widgets:signed-out') return { type: 'call-widgets:signed-out' };
  if (message.type !== 'call-widgets:auth') return null;
  const { supabaseUrl, anonKey, accessToken, expiresAt, lang } = message;
  if (!text(supabaseUrl) || !/^https?:\/\//.test(supabaseUrl) || !text(anonKey) || !text(accessToken) || !accessToken) return null;
  if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt)) return null;
  return { type: 'call-widgets:auth', supabaseUrl: supabaseUrl.replace(/\/+$/, ''), anonKey, accessToken, expiresAt, lang: text(lang) ? lang : null };
}
