/**
 * video-call-signal: the durable signaling path. A participant POSTs
 * `{ session_id, to?, kind, payload }` with their JWT; the signal is checked, stored in
 * video_call_signals, and reaches its addressee through Realtime postgres_changes.
 *
 * 201 { id, created_at } | 400 malformed/invalid | 401 no or bad token | 403 not a participant
 * (removed ones included), waiting in the lobby (`waiting_for_host`) or session ended | 404 unknown
 * session | 405 other methods | 413 body too large.
 */
import { requireUser } from '../_shared/auth.ts';
import { FunctionError, isUuid, json, preflight, readJsonObject, serveFunction } from '../_shared/http.ts';
import { MAX_PAYLOAD_BYTES, payloadBytes, SIGNAL_KINDS } from '../_shared/signal-limits.ts';
import { readSession, refuseEnded } from '../_shared/sessions.ts';
import { serviceClient } from '../_shared/supabase.ts';

export { MAX_PAYLOAD_BYTES, SIGNAL_KINDS };
/** The envelope around a maximal payload, generously. */
const MAX_BODY_BYTES = MAX_PAYLOAD_BYTES + 4 * 1024;

interface SignalRequest {
  session_id: string;
  to: string | null;
  kind: (typeof SIGNAL_KINDS)[number];
  payload: unknown;
}

function parseSignal(body: Record<string, unknown>): SignalRequest {
  const { session_id, to = null, kind, payload = {} } = body;
  if (!isUuid(session_id)) throw new FunctionError(400, 'invalid_session_id', 'session_id must be a UUID');
  if (to !== null && !isUuid(to)) throw new FunctionError(400, 'invalid_recipient', 'to must be a user id (UUID) or absent');
  if (typeof kind !== 'string' || !(SIGNAL_KINDS as readonly string[]).includes(kind)) {
    throw new FunctionError(400, 'invalid_kind', `kind must be one of ${SIGNAL_KINDS.join(', ')}`);
  }
  if (payload === null || typeof payload !== 'object') {
    throw new FunctionError(400, 'invalid_payload', 'payload must be a JSON object or array');
  }
  const size = payloadBytes(payload);
  if (size > MAX_PAYLOAD_BYTES) {
    throw new FunctionError(400, 'payload_too_large', `payload is ${size} bytes; the limit is ${MAX_PAYLOAD_BYTES}`);
  }
  return { session_id, to, kind: kind as SignalRequest['kind'], payload };
}

async function handle(request: Request): Promise<Response> {
  const early = preflight(request);
  if (early) return early;

  const caller = (await requireUser(request)).id;
  const signal = parseSignal(await readJsonObject(request, MAX_BODY_BYTES));

  const admin = serviceClient();
  refuseEnded(await readSession(admin, signal.session_id, 'id, status'));

  // Where caller and addressee stand (video_call_standing, asked as the service role): a guest
  // still in the lobby is told so, a removed one is no participant any more.
  const standing = async (userId: string): Promise<string | null> => {
    const { data, error } = await admin.rpc('video_call_standing', { p_session_id: signal.session_id, p_user_id: userId });
    if (error) throw error;
    return data as string | null;
  };
  const callerStanding = await standing(caller);
  if (callerStanding === 'waiting') throw new FunctionError(403, 'waiting_for_host', 'the host has not admitted you to this video call yet');
  if (callerStanding !== 'host' && callerStanding !== 'admitted') {
    throw new FunctionError(403, 'not_participant', 'you are not a participant of this video call');
  }
  if (signal.to && !['host', 'admitted', 'waiting'].includes((await standing(signal.to)) ?? '')) {
    throw new FunctionError(400, 'invalid_recipient', 'the addressee is not a participant of this video call');
  }

  const { data: stored, error: insertError } = await admin
    .from('video_call_signals')
    .insert({ session_id: signal.session_id, from_user: caller, to_user: signal.to, kind: signal.kind, payload: signal.payload })
    .select('id, created_at')
    .single();
  if (insertError) throw insertError;
  return json(201, stored);
}

serveFunction(handle);
