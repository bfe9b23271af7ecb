/**
 * video-call-reminders: run every minute (pg_cron + pg_net on hosted projects, the local stack's
 * scheduler here) with the service-role key. Before a scheduled call, at each offset of
 * `settings.reminder_minutes` (default [10]), it sends each participant who has not declined a
 * `reminder` push and e-mail — the host too: they need reminding as much as anyone. People
 * invited by e-mail only get the e-mail; people without an address, the push only; people
 * already in the call are claimed but not sent to.
 *
 * Exactly once per participant and offset: claim_video_call_reminders() records each reminder
 * before anything is sent, so overlapping runs and restarts skip what another run took. Several
 * offsets due at once (a call set up late, a stack that was down) make one reminder; the payload
 * carries the start time, so the browser says "starts in 3 minutes". A push service that fails
 * or hangs (PUSH_TIMEOUT_MS) counts as failed and the run goes on; so does mail (MAIL_TIMEOUT_MS;
 * without SMTP_HOST every e-mail counts as failed and the pushes still go). Failed reminders are
 * not retried.
 *
 * Bounded, so one run stays under a minute: people are claimed in batches of BATCH, at most
 * `max_participants` (default 1000) per run, no new batch once RUN_BUDGET_MS has passed, and a
 * session whose sending has not started by the delivery deadline (REMINDERS_DELIVERY_DEADLINE_MS,
 * default 40 s: push services or SMTP timing out one after another) gives its claims back
 * (`released`). `more: true` says the rest waits for the next minute.
 *
 * Each run first sends one batch of the mail outbox (new times and cancellations of scheduled
 * calls, queued by the database), so a call moved and reminded in the same minute announces its
 * new time first; reminders wait for it OUTBOX_HEAD_START_MS at most, so a silent SMTP server
 * does not hold the pushes back.
 *
 * Optional body: { max_participants?: 1..5000 }.
 * 200 { due, participants, pushed, push_failed, push_removed, emailed, email_failed, outbox_sent,
 * outbox_failed, released, more } | 400 malformed body | 401 no or bad token | 403 not the
 * service role | 405 other methods | 413 body too large.
 */
import { requireServiceRole } from '../_shared/auth.ts';
import { FunctionError, json, preflight, readJsonObject, serveFunction } from '../_shared/http.ts';
import { serviceClient, type SupabaseClient } from '../_shared/supabase.ts';
import { type MailOutcome, sendCallEmails, sendQueuedCallEmails } from '../_shared/mail.ts';
import { type PushOutcome, type PushSession, sendCallPushes } from '../_shared/web-push.ts';

/** People claimed per round trip: small enough that one batch's pushes end in seconds. */
const BATCH = 100;
const DEFAULT_MAX_PARTICIPANTS = 1000;
const MAX_PARTICIPANTS = 5000;
/** No batch is claimed after this; what is claimed is always sent. */
const RUN_BUDGET_MS = 20_000;
/** Sessions delivered side by side (each has its own pushes and SMTP connections in flight). */
const SESSION_CONCURRENCY = 8;
/** A session not started by then is given back for the next run. */
const DEFAULT_DELIVERY_DEADLINE_MS = 40_000;

/** How long reminders wait for the outbox before they start anyway. */
const OUTBOX_HEAD_START_MS = 10_000;

function deliveryDeadlineMs(): number {
  const value = Number(Deno.env.get('REMINDERS_DELIVERY_DEADLINE_MS'));
  return Number.isFinite(value) && value > 0 ? value : DEFAULT_DELIVERY_DEADLINE_MS;
}

/** One participant's reminder, as claim_video_call_reminders returns it. */
interface ClaimedReminder {
  session_id: string;
  participant_id: string;
  user_id: string | null;
  email: string | null;
  present: boolean;
  offset_minutes: number[];
  scheduled_at: string;
}

interface SessionRow {
  id: string;
  title: string;
  event_id: string | null;
  scheduled_at: string | null;
}

interface ReminderRun {
  /** Reminders (participant × offset) this run claimed and kept. */
  due: number;
  /** People reminded: one message each, however many of their offsets were due. */
  participants: number;
  pushed: number;
  push_failed: number;
  push_removed: number;
  /** Reminder e-mails, one per person with an address. */
  emailed: number;
  email_failed: number;
  /** What the mail outbox held (new times, cancellations) and this run sent. */
  outbox_sent: number;
  outbox_failed: number;
  /** People whose claims this run gave back unsent, out of time; the next run takes them. */
  released: number;
  /** The run stopped at its bound; reminders may still be due (the next run takes them). */
  more: boolean;
}

function maxParticipants(body: Record<string, unknown>): number {
  const value = body.max_participants ?? DEFAULT_MAX_PARTICIPANTS;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_PARTICIPANTS) {
    throw new FunctionError(400, 'invalid_option', `max_participants must be a whole number from 1 to ${MAX_PARTICIPANTS}`);
  }
  return value;
}

async function claim(admin: SupabaseClient, limit: number): Promise<ClaimedReminder[]> {
  const { data, error } = await admin.rpc('claim_video_call_reminders', { p_max_participants: limit });
  if (error) throw error;
  return (data ?? []) as ClaimedReminder[];
}

/** The sessions of a batch with their hosts' names, in two reads. */
async function pushSessions(admin: SupabaseClient, sessionIds: string[]): Promise<Map<string, PushSession>> {
  const [sessions, hosts] = await Promise.all([
    admin.from('video_call_sessions').select('id, title, event_id, scheduled_at').in('id', sessionIds),
    admin.from('video_call_participants').select('session_id, display_name').in('session_id', sessionIds).eq('role', 'host'),
  ]);
  if (sessions.error) throw sessions.error;
  if (hosts.error) throw hosts.error;
  const hostNames = new Map((hosts.data ?? []).map((row) => [row.session_id as string, (row.display_name as string | null) ?? null]));
  return new Map(
    ((sessions.data ?? []) as SessionRow[]).map((session) => [session.id, { ...session, host_name: hostNames.get(session.id) ?? null }]),
  );
}

/** One session's pushes; a failure of the whole send counts its recipients as failed. */
async function pushReminder(admin: SupabaseClient, session: PushSession, userIds: string[]): Promise<PushOutcome> {
  try {
    return await sendCallPushes(admin, 'reminder', session, userIds);
  } catch (error) {
    console.error(`reminder pushes for ${session.id}: ${(error as Error).message}`);
    return { sent: 0, failed: userIds.length, removed: 0 };
  }
}

/** One session's e-mails; a failure of the whole send (no SMTP, call ended since) counts them failed. */
async function mailReminder(admin: SupabaseClient, sessionId: string, people: ClaimedReminder[]): Promise<MailOutcome> {
  const userIds = people.filter((person) => person.user_id).map((person) => person.user_id!);
  const emails = people.filter((person) => !person.user_id && person.email).map((person) => person.email!);
  if (userIds.length + emails.length === 0) return { sent: 0, failed: 0 };
  try {
    return await sendCallEmails(admin, 'reminder', sessionId, { userIds, emails });
  } catch (error) {
    console.error(`reminder e-mails for ${sessionId}: ${(error as Error).message}`);
    return { sent: 0, failed: userIds.length + emails.length };
  }
}

/** One batch of the outbox; a failing drain (no SMTP with mail queued) leaves it queued. */
async function drainOutbox(admin: SupabaseClient, run: ReminderRun): Promise<void> {
  try {
    const outcome = await sendQueuedCallEmails(admin);
    run.outbox_sent += outcome.sent;
    run.outbox_failed += outcome.failed;
  } catch (error) {
    console.error(`mail outbox: ${(error as Error).message}`);
  }
}

/** Gives one session's claims back; they count as neither due nor sent in this run. */
async function release(admin: SupabaseClient, people: ClaimedReminder[], run: ReminderRun): Promise<void> {
  const pairs = people.flatMap((person) => person.offset_minutes.map((offset) => [person.participant_id, offset] as const));
  const { error } = await admin.rpc('release_video_call_reminders', {
    p_session_id: people[0].session_id,
    p_scheduled_at: people[0].scheduled_at,
    p_participant_ids: pairs.map(([id]) => id),
    p_offsets: pairs.map(([, offset]) => offset),
  });
  // Not given back: these reminders are lost rather than ever sent twice.
  if (error) console.error(`releasing reminders of ${people[0].session_id}: ${error.message}`);
  run.released += people.length;
  run.participants -= people.length;
  run.due -= pairs.length;
  run.more = true;
}

async function deliver(admin: SupabaseClient, reminders: ClaimedReminder[], run: ReminderRun, deadline: number): Promise<void> {
  const bySession = new Map<string, ClaimedReminder[]>();
  for (const reminder of reminders) {
    bySession.set(reminder.session_id, [...(bySession.get(reminder.session_id) ?? []), reminder]);
  }
  const sessions = await pushSessions(admin, [...bySession.keys()]);
  const queue = [...bySession.entries()];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const [sessionId, people] = next;
      const session = sessions.get(sessionId);
      // Deleted since the claim: nobody to remind.
      if (!session) continue;
      if (Date.now() > deadline) {
        await release(admin, people, run);
        continue;
      }
      const absent = people.filter((person) => !person.present);
      const userIds = absent.filter((person) => person.user_id).map((person) => person.user_id!);
      const [pushes, mails] = await Promise.all([pushReminder(admin, session, userIds), mailReminder(admin, sessionId, absent)]);
      run.pushed += pushes.sent;
      run.push_failed += pushes.failed;
      run.push_removed += pushes.removed;
      run.emailed += mails.sent;
      run.email_failed += mails.failed;
    }
  };
  await Promise.all(Array.from({ length: Math.min(SESSION_CONCURRENCY, queue.length) }, worker));
}

/** Claims and sends until nothing is due, the run's limit is reached or its time is up. */
async function runReminders(admin: SupabaseClient, limit: number): Promise<ReminderRun> {
  const started = Date.now();
  const run: ReminderRun = {
    due: 0,
    participants: 0,
    pushed: 0,
    push_failed: 0,
    push_removed: 0,
    emailed: 0,
    email_failed: 0,
    outbox_sent: 0,
    outbox_failed: 0,
    released: 0,
    more: false,
  };
  const deadline = started + deliveryDeadlineMs();
  const outbox = drainOutbox(admin, run);
  let headStart: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([outbox, new Promise((resolve) => (headStart = setTimeout(resolve, OUTBOX_HEAD_START_MS)))]);
  clearTimeout(headStart);
  for (;;) {
    const left = limit - run.participants;
    if (left <= 0 || Date.now() - started > RUN_BUDGET_MS) {
      run.more = true;
      break;
    }
    const asked = Math.min(BATCH, left);
    const reminders = await claim(admin, asked);
    run.participants += reminders.length;
    run.due += reminders.reduce((sum, reminder) => sum + reminder.offset_minutes.length, 0);
    if (reminders.length > 0) await deliver(admin, reminders, run, deadline);
    // Fewer than asked: nothing else was due when this batch was claimed. Out of time: stop.
    if (reminders.length < asked || run.released > 0) break;
  }
  await outbox;
  return run;
}

async function handle(request: Request): Promise<Response> {
  const early = preflight(request);
  if (early) return early;
  await requireServiceRole(request);
  const limit = maxParticipants(await readJsonObject(request, 4096));
  return json(200, await runReminders(serviceClient(), limit));
}

serveFunction(handle);
