/**
 * webpush-send: Web Push for call invitations and reminders. POST
 * `{ session_id, kind: 'invite' | 'reminder', user_ids?: uuid[] }` with the service-role key, or
 * with the JWT of the session's host for `invite`. Goes to every invited user who has not declined
 * (`user_ids` narrows that; an invitation skips the host), to each of their subscribed browsers.
 *
 * 200 { sent, failed, removed } | 400 malformed/invalid | 401 no or bad token | 403 neither the
 * service role nor the host inviting, or session ended | 404 unknown session | 405 other methods |
 * 413 body too large | 503 VAPID keys not configured.
 */
import { serviceRoleOrUser } from '../_shared/auth.ts';
import { FunctionError, isUuid, json, preflight, readJsonObject, serveFunction } from '../_shared/http.ts';
import { readSession, refuseEnded } from '../_shared/sessions.ts';
import { serviceClient } from '../_shared/supabase.ts';
import { PUSH_KINDS, type PushKind, sendCallPushes } from '../_shared/web-push.ts';

const MAX_RECIPIENTS = 1000;
const MAX_BODY_BYTES = 64 * 1024;

interface SessionRow {
  id: string;
  title: string;
  event_id: string | null;
  scheduled_at: string | null;
  status: string;
  host_id: string;
}

interface PushRequest {
  session_id: string;
  kind: PushKind;
  user_ids: string[] | null;
}

function parseRequest(body: Record<string, unknown>): PushRequest {
  const { session_id, kind, user_ids = null } = body;
  if (!isUuid(session_id)) throw new FunctionError(400, 'invalid_session_id', 'session_id must be a UUID');
  if (typeof kind !== 'string' || !(PUSH_KINDS as readonly string[]).includes(kind)) {
    throw new FunctionError(400, 'invalid_kind', `kind must be one of ${PUSH_KINDS.join(', ')}`);
  }
  if (user_ids !== null) {
    if (!Array.isArray(user_ids) || !user_ids.every(isUuid)) {
      throw new FunctionError(400, 'invalid_user_ids', 'user_ids must be an array of user ids (UUIDs) or absent');
    }
    if (user_ids.length > MAX_RECIPIENTS) {
      throw new FunctionError(400, 'too_many_recipients', `at most ${MAX_RECIPIENTS} user_ids at once`);
    }
  }
  return { session_id, kind: kind as PushKind, user_ids: user_ids ? [...new Set(user_ids.map((id) => id.toLowerCase()))] : null };
}

async function handle(request: Request): Promise<Response> {
  const early = preflight(request);
  if (early) return early;

  const userId = await serviceRoleOrUser(request, 'only the service role or the session\'s host may send pushes');
  const push = parseRequest(await readJsonObject(request, MAX_BODY_BYTES));
  if (userId !== null && push.kind !== 'invite') {
    throw new FunctionError(403, 'service_role_required', 'only the service role may send reminders');
  }

  const admin = serviceClient();
  const session = await readSession<SessionRow>(admin, push.session_id, 'id, title, event_id, scheduled_at, status, host_id');
  if (userId !== null && session.host_id !== userId) {
    throw new FunctionError(403, 'not_host', 'only the host of this video call may send its invitations');
  }
  refuseEnded(session);

  const { data: participants, error: participantsError } = await admin
    .from('video_call_participants')
    .select('user_id, role, invite_status, display_name')
    .eq('session_id', push.session_id)
    .not('user_id', 'is', null);
  if (participantsError) throw participantsError;
  const people = (participants ?? []) as Array<{ user_id: string; role: string; invite_status: string; display_name: string | null }>;
  if (push.user_ids) {
    const known = new Set(people.map((person) => person.user_id));
    const strangers = push.user_ids.filter((id) => !known.has(id));
    if (strangers.length > 0) {
      throw new FunctionError(400, 'invalid_recipient', `not participants of this video call: ${strangers.slice(0, 5).join(', ')}`);
    }
  }
  const wanted = push.user_ids ? new Set(push.user_ids) : null;
  const recipients = people
    .filter((person) => person.invite_status !== 'declined')
    .filter((person) => !(push.kind === 'invite' && person.role === 'host'))
    .filter((person) => !wanted || wanted.has(person.user_id))
    .map((person) => person.user_id);
  const hostName = people.find((person) => person.role === 'host')?.display_name ?? null;

  const outcome = await sendCallPushes(
    admin,
    push.kind,
    { id: session.id, title: session.title, event_id: session.event_id, scheduled_at: session.scheduled_at, host_name: hostName },
    recipients,
  );
  return json(200, outcome);
}

serveFunction(handle);
