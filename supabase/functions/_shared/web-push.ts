/**
 * Web Push delivery for invitations and reminders, shared by webpush-send and the reminders run.
 * web-push builds the request (VAPID JWT, aes128gcm encryption); fetch sends it, because
 * web-push's own sender speaks https only and a stand-in push service in tests is plain http.
 * Each push service answer is recorded in one statement: delivered, failed (counted), or gone
 * (404/410: the browser unsubscribed; the row is deleted).
 */
import webpush from 'npm:web-push@3.6.7';
import { FunctionError } from './http.ts';
import { joinUrl } from './join-link.ts';
import type { SupabaseClient } from './supabase.ts';

export const PUSH_KINDS = ['invite', 'reminder'] as const;
export type PushKind = (typeof PUSH_KINDS)[number];

/** The decrypted push message, as the service worker reads it. */
export interface CallPushPayload {
  kind: PushKind;
  session_id: string;
  event_id: string | null;
  title: string;
  starts_at: string | null;
  url: string | null;
  host_name: string | null;
}

export interface PushSession {
  id: string;
  title: string;
  event_id: string | null;
  scheduled_at: string | null;
  host_name: string | null;
}

export interface PushOutcome {
  sent: number;
  failed: number;
  removed: number;
}

interface SubscriptionRow {
  id: string;
  endpoint: string;
  p256dh: string;
  auth: string;
}

/** How long a push service may take to answer before the push counts as failed. */
const DEFAULT_TIMEOUT_MS = 10_000;
/** Pushes in flight at once, so a thousand reminders neither queue forever nor flood the service. */
const CONCURRENCY = 16;
const MAX_TTL_SECONDS = 4 * 7 * 24 * 3600;

interface Vapid {
  subject: string;
  publicKey: string;
  privateKey: string;
}

function vapidDetails(): Vapid {
  const publicKey = Deno.env.get('VAPID_PUBLIC_KEY');
  const privateKey = Deno.env.get('VAPID_PRIVATE_KEY');
  if (!publicKey || !privateKey) {
    throw new FunctionError(503, 'push_unavailable', 'push is not configured: set VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY');
  }
  return { subject: Deno.env.get('VAPID_SUBJECT') || 'mailto:calls@localhost.invalid', publicKey, privateKey };
}

function timeoutMs(): number {
  const value = Number(Deno.env.get('PUSH_TIMEOUT_MS'));
  return Number.isFinite(value) && value > 0 ? value : DEFAULT_TIMEOUT_MS;
}

/** A push is worth delivering until the call starts (at least a minute), else for a day. */
function ttlSeconds(startsAt: string | null): number {
  if (!startsAt) return 24 * 3600;
  const left = Math.round((Date.parse(startsAt) - Date.now()) / 1000);
  return Math.min(MAX_TTL_SECONDS, Math.max(60, left));
}

export function pushPayload(kind: PushKind, session: PushSession): CallPushPayload {
  return {
    kind,
    session_id: session.id,
    event_id: session.event_id,
    title: session.title,
    starts_at: session.scheduled_at,
    url: joinUrl(session.id, session.event_id),
    host_name: session.host_name,
  };
}

type Answer = 'sent' | 'failed' | 'gone';

async function deliver(subscription: SubscriptionRow, body: string, vapid: Vapid, ttl: number, timeout: number): Promise<Answer> {
  let details;
  try {
    details = webpush.generateRequestDetails(
      { endpoint: subscription.endpoint, keys: { p256dh: subscription.p256dh, auth: subscription.auth } },
      body,
      { vapidDetails: vapid, TTL: ttl, contentEncoding: 'aes128gcm', urgency: 'high' },
    );
  } catch (error) {
    // A key the browser sent that does not make a point on the curve: this row can never work.
    console.error(`push ${subscription.id}: ${(error as Error).message}`);
    return 'failed';
  }
  try {
    const response = await fetch(details.endpoint, {
      method: details.method,
      headers: details.headers as Record<string, string>,
      body: new Uint8Array(details.body as Uint8Array),
      signal: AbortSignal.timeout(timeout),
    });
    await response.body?.cancel();
    if (response.status === 404 || response.status === 410) return 'gone';
    return response.ok ? 'sent' : 'failed';
  } catch (error) {
    console.error(`push ${subscription.id}: ${(error as Error).name}: ${(error as Error).message}`);
    return 'failed';
  }
}

/** Sends `kind` for `session` to every browser of `userIds`; records what each push service said. */
export async function sendCallPushes(
  admin: SupabaseClient,
  kind: PushKind,
  session: PushSession,
  userIds: string[],
): Promise<PushOutcome> {
  if (userIds.length === 0) return { sent: 0, failed: 0, removed: 0 };
  const vapid = vapidDetails();
  const { data, error } = await admin
    .from('video_call_push_subscriptions')
    .select('id, endpoint, p256dh, auth')
    .in('user_id', userIds);
  if (error) throw error;
  const subscriptions = (data ?? []) as SubscriptionRow[];
  const body = JSON.stringify(pushPayload(kind, session));
  const ttl = ttlSeconds(session.scheduled_at);
  const timeout = timeoutMs();

  const answers = new Map<Answer, string[]>([['sent', []], ['failed', []], ['gone', []]]);
  let next = 0;
  const worker = async () => {
    while (next < subscriptions.length) {
      const subscription = subscriptions[next++];
      answers.get(await deliver(subscription, body, vapid, ttl, timeout))!.push(subscription.id);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, subscriptions.length) }, worker));

  const sent = answers.get('sent')!;
  const failed = answers.get('failed')!;
  const gone = answers.get('gone')!;
  if (subscriptions.length > 0) {
    const recorded = await admin.rpc('record_video_call_push_results', { p_sent: sent, p_failed: failed, p_gone: gone });
    if (recorded.error) throw recorded.error;
  }
  return { sent: sent.length, failed: failed.length, removed: gone.length };
}
