/**
 * video-call-email: e-mail for call invitations (with a calendar REQUEST), reminders and
 * cancellations (calendar CANCEL). POST
 * `{ session_id, kind: 'invite' | 'reminder' | 'cancel', user_ids?: uuid[], emails?: string[] }`
 * with the service-role key (any kind), or with the JWT of the session's host for `invite` and
 * `cancel` (a host may withdraw their own call from the invitees' calendars). Goes to every
 * invitee who has not declined (the host too for reminders); `user_ids` / `emails` narrow that.
 *
 * The service role may also POST `{ "queued": true }`: sends what the database queued (a
 * scheduled call's new time, a scheduled call ended or deleted), as the reminders run does each
 * minute.
 *
 * 200 { sent, failed } | 400 malformed/invalid, recipient not a participant, too many recipients
 * | 401 no or bad token | 403 other callers, or an ended session (except for `cancel`) | 404
 * unknown session | 405 other methods | 413 body too large | 503 SMTP_HOST not configured.
 */
import { serviceRoleOrUser } from '../_shared/auth.ts';
import { FunctionError, isUuid, json, preflight, readJsonObject, serveFunction } from '../_shared/http.ts';
import { MAIL_KINDS, type MailKind, mailConfigured, sendCallEmails, sendQueuedCallEmails } from '../_shared/mail.ts';
import { readSession, refuseEnded } from '../_shared/sessions.ts';
import { serviceClient } from '../_shared/supabase.ts';

const MAX_RECIPIENTS = 1000;
const MAX_BODY_BYTES = 64 * 1024;
/** RFC 5321's limit on a path's address. */
const MAX_EMAIL_LENGTH = 254;

interface MailRequest {
  session_id: string;
  kind: MailKind;
  user_ids: string[] | null;
  emails: string[] | null;
}

const isEmail = (value: unknown): value is string =>
  typeof value === 'string' && value.trim().length <= MAX_EMAIL_LENGTH && /^[^@\s]+@[^@\s]+$/.test(value.trim());

function parseRequest(body: Record<string, unknown>): MailRequest {
  const { session_id, kind, user_ids = null, emails = null } = body;
  if (!isUuid(session_id)) throw new FunctionError(400, 'invalid_session_id', 'session_id must be a UUID');
  if (typeof kind !== 'string' || !(MAIL_KINDS as readonly string[]).includes(kind)) {
    throw new FunctionError(400, 'invalid_kind', `kind must be one of ${MAIL_KINDS.join(', ')}`);
  }
  if (user_ids !== null && (!Array.isArray(user_ids) || !user_ids.every(isUuid))) {
    throw new FunctionError(400, 'invalid_user_ids', 'user_ids must be an array of user ids (UUIDs) or absent');
  }
  if (emails !== null && (!Array.isArray(emails) || !emails.every(isEmail))) {
    throw new FunctionError(400, 'invalid_emails', 'emails must be an array of e-mail addresses or absent');
  }
  const ids = user_ids ? [...new Set((user_ids as string[]).map((id) => id.toLowerCase()))] : null;
  const addresses = emails ? [...new Set((emails as string[]).map((email) => email.trim().toLowerCase()))] : null;
  if ((ids?.length ?? 0) + (addresses?.length ?? 0) > MAX_RECIPIENTS) {
    throw new FunctionError(400, 'too_many_recipients', `at most ${MAX_RECIPIENTS} user_ids and emails at once`);
  }
  return { session_id, kind: kind as MailKind, user_ids: ids, emails: addresses };
}

async function handle(request: Request): Promise<Response> {
  const early = preflight(request);
  if (early) return early;

  const userId = await serviceRoleOrUser(request, 'only the service role or the session\'s host may send call e-mail');
  const body = await readJsonObject(request, MAX_BODY_BYTES);
  const admin = serviceClient();

  if (body.queued !== undefined) {
    if (body.queued !== true || Object.keys(body).length !== 1) {
      throw new FunctionError(400, 'invalid_body', 'to send queued mail, the body is exactly { "queued": true }');
    }
    if (userId !== null) throw new FunctionError(403, 'service_role_required', 'only the service role may send queued mail');
    return json(200, await sendQueuedCallEmails(admin));
  }

  const mail = parseRequest(body);
  if (userId !== null && mail.kind === 'reminder') {
    throw new FunctionError(403, 'service_role_required', 'only the service role may send reminders');
  }
  const session = await readSession<{ status: string; host_id: string }>(admin, mail.session_id, 'status, host_id');
  if (userId !== null && session.host_id !== userId) {
    throw new FunctionError(403, 'not_host', 'only the host of this video call may send its e-mail');
  }
  // A cancellation is news about a call that is over; the rest is not.
  if (mail.kind !== 'cancel') refuseEnded(session);
  if (!mailConfigured()) {
    throw new FunctionError(503, 'mail_unavailable', 'e-mail is not configured: set SMTP_HOST (and SMTP_PORT, SMTP_FROM)');
  }

  const outcome = await sendCallEmails(admin, mail.kind, mail.session_id, { userIds: mail.user_ids, emails: mail.emails });
  return json(200, outcome);
}

serveFunction(handle);
