/**
 * video-call-ice-servers: the STUN and TURN servers a signed-in user's browser should use, with a
 * TURN credential that expires (coturn's REST-API scheme, see _shared/turn.ts). GET, or POST with
 * a JSON body, with the user's JWT; optional `session_id` (query or body) names the call.
 *
 * - No session_id: TURN for any signed-in user, except an anonymous sign-in, who gets TURN only for
 *   a call they belong to (otherwise anyone could mint relay credentials with the anon key).
 * - session_id of a call the caller belongs to (host or invitee, by user id or e-mail): TURN.
 * - session_id of a call the caller is not part of (removed from it included), is waiting to be
 *   admitted to, or that has ended: STUN only, with `warning: 'not_a_participant'` /
 *   `'waiting_for_host'` / `'session_ended'`: the page still gets an answer it can use,
 *   and a relay is never paid for on behalf of outsiders.
 * - TURN not configured (no TURN_SECRET, or no TURN_URLS): STUN only, `warning: 'turn_not_configured'`.
 *
 * 200 { iceServers: [{ urls, username?, credential? }], ttl, warning? } | 400 malformed | 401 no,
 * bad or expired token, or the anon key alone | 404 unknown session | 405 other methods | 413 body
 * too large.
 */
import { requireUser, type User } from '../_shared/auth.ts';
import { corsHeaders, errorResponse, FunctionError, isUuid, json, readJsonObject } from '../_shared/http.ts';
import { readSession } from '../_shared/sessions.ts';
import { serviceClient, userClient } from '../_shared/supabase.ts';
import { iceServersFor, stunServers, turnSettings, type IceServer } from '../_shared/turn.ts';

/** A session id fits in far less; anything bigger is not a request of ours. */
const MAX_BODY_BYTES = 4 * 1024;
const METHODS = 'GET, POST, OPTIONS';

type Warning = 'turn_not_configured' | 'not_a_participant' | 'waiting_for_host' | 'session_ended' | 'session_required';

interface IceServersAnswer {
  iceServers: IceServer[];
  ttl: number;
  warning?: Warning;
}

function withMethods(response: Response): Response {
  response.headers.set('access-control-allow-methods', METHODS);
  return response;
}

/** The session the request names, from the query (GET) or the body (POST), or null. */
async function requestedSession(request: Request): Promise<string | null> {
  const url = new URL(request.url);
  let value: unknown = url.searchParams.get('session_id');
  if (request.method === 'POST') {
    const body = await readJsonObject(request, MAX_BODY_BYTES);
    if ('session_id' in body) value = body.session_id;
  }
  if (value === null || value === undefined || value === '') return null;
  if (!isUuid(value)) throw new FunctionError(400, 'invalid_session_id', 'session_id must be a UUID');
  return value.toLowerCase();
}

/** Whether the caller may use a relay for this session, or why not (404 when it does not exist). */
async function sessionRefusal(token: string, sessionId: string): Promise<Warning | null> {
  const session = await readSession<{ status: string }>(serviceClient(), sessionId, 'id, status');
  // Asked as the caller, so standing means what the policies mean (e-mail invitations too). A
  // guest in the lobby is no member yet: STUN only, like outsiders.
  const { data: standing, error } = await userClient(token).rpc('video_call_standing', { p_session_id: sessionId });
  if (error) throw error;
  if (standing === 'waiting') return 'waiting_for_host';
  if (standing !== 'host' && standing !== 'admitted') return 'not_a_participant';
  if (session.status === 'ended') return 'session_ended';
  return null;
}

async function handle(request: Request): Promise<Response> {
  if (request.method === 'OPTIONS') return new Response(null, { status: 204, headers: { ...corsHeaders, 'access-control-allow-methods': METHODS } });
  if (request.method !== 'GET' && request.method !== 'POST') {
    const response = json(405, { error: { code: 'method_not_allowed', message: `${request.method} is not allowed; use GET or POST` } });
    response.headers.set('allow', METHODS);
    return response;
  }

  const user: User = await requireUser(request);
  const token = request.headers.get('authorization')!.trim().split(/\s+/)[1];
  const sessionId = await requestedSession(request);

  const settings = turnSettings((name) => Deno.env.get(name));
  for (const problem of settings.problems) console.warn(`video-call-ice-servers: ${problem}`);

  let refusal: Warning | null = null;
  if (sessionId) refusal = await sessionRefusal(token, sessionId);
  else if (user.is_anonymous) refusal = 'session_required';

  const answer: IceServersAnswer = refusal
    ? { iceServers: stunServers(settings), ttl: settings.ttl, warning: refusal }
    : { iceServers: await iceServersFor(settings, user.id), ttl: settings.ttl };
  if (!refusal && !settings.turn) answer.warning = 'turn_not_configured';
  const response = json(200, answer);
  // Credentials: no cache, shared or private, may keep them beyond this answer.
  response.headers.set('cache-control', 'no-store');
  return response;
}

Deno.serve(async (request) => {
  try {
    return withMethods(await handle(request));
  } catch (error) {
    return withMethods(errorResponse(error));
  }
});
