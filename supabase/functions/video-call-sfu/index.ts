/**
 * video-call-sfu: a room on the SFU (Janus VideoRoom, see _shared/janus.ts) for a call, and a
 * token that opens that room alone. POST `{ session_id }` with the user's JWT.
 *
 * Every call first reconciles the room: tokens that expired, are not ours, or belong to a user
 * who is no longer a member (removed, or uninvited) leave its allowed list, and that user's
 * publishers are kicked. The host's page calls this right after removing someone, so a removal
 * takes effect on the SFU at once; video-call-cleanup does the same for every open room.
 *
 * 200 { url, room, token, expires_at } | 400 malformed | 401 no, bad or expired token | 403 not a
 * member, waiting in the lobby, or removed | 404 unknown session | 405 other methods | 409 ended |
 * 413 body too large | 503 sfu_unavailable (no SFU configured) or sfu_unreachable (Janus does not
 * answer within a few seconds).
 */
import { bearerToken, requireUser } from '../_shared/auth.ts';
import { FunctionError, isUuid, json, preflight, readJsonObject, serveFunction } from '../_shared/http.ts';
import { allowToken, ensureRoom, isRoomMember, janusSettings, makeToken, reconcileRoom, withVideoRoom } from '../_shared/janus.ts';
import { readSession } from '../_shared/sessions.ts';
import { serviceClient, userClient } from '../_shared/supabase.ts';

/** A session id fits in far less. */
const MAX_BODY_BYTES = 4 * 1024;

async function handle(request: Request): Promise<Response> {
  const early = preflight(request);
  if (early) return early;
  const user = await requireUser(request);
  const jwt = bearerToken(request);
  const body = await readJsonObject(request, MAX_BODY_BYTES);
  if (!('session_id' in body)) throw new FunctionError(400, 'invalid_session_id', 'session_id is required');
  if (!isUuid(body.session_id)) throw new FunctionError(400, 'invalid_session_id', 'session_id must be a UUID');
  const sessionId = body.session_id.toLowerCase();

  const settings = janusSettings((name) => Deno.env.get(name));
  if (!settings) throw new FunctionError(503, 'sfu_unavailable', 'this project runs no SFU (JANUS_URL, JANUS_ADMIN_KEY, JANUS_SECRET and SFU_URL)');

  const admin = serviceClient();
  const session = await readSession<{ status: string }>(admin, sessionId, 'id, status');
  // Asked as the caller, so standing means what the policies mean (e-mail invitations too).
  const { data: standing, error } = await userClient(jwt).rpc('video_call_standing', { p_session_id: sessionId });
  if (error) throw error;
  if (standing === 'removed') throw new FunctionError(403, 'removed', 'you were removed from this video call');
  if (standing === 'waiting') throw new FunctionError(403, 'waiting_for_host', 'the host has not admitted you yet');
  if (standing !== 'host' && standing !== 'admitted') throw new FunctionError(403, 'not_a_participant', 'you are not part of this video call');
  if (session.status === 'ended') throw new FunctionError(409, 'session_ended', 'this video call has ended');

  const exp = Math.floor(Date.now() / 1000) + settings.tokenTtl;
  const token = await makeToken(settings, sessionId, user.id, exp);
  await withVideoRoom(settings, async (room) => {
    await ensureRoom(room, settings, sessionId);
    const { tokensRevoked, publishersKicked } = await reconcileRoom(room, settings, sessionId, (userId) => isRoomMember(admin, sessionId, userId));
    if (tokensRevoked || publishersKicked) console.log(`video-call-sfu: room ${sessionId}: ${tokensRevoked} tokens revoked, ${publishersKicked} publishers kicked`);
    await allowToken(room, settings, sessionId, token);
  });
  const response = json(200, { url: settings.sfuUrl, room: sessionId, token, expires_at: new Date(exp * 1000).toISOString() });
  response.headers.set('cache-control', 'no-store');
  return response;
}

serveFunction(handle);
