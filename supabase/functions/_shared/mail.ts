/**
 * Call e-mail: invitations (with an iCalendar REQUEST), reminders and cancellations (CANCEL), in
 * Russian or English, sent by SMTP. Shared by video-call-email and the reminders run.
 *
 * One message per recipient, so each carries only its own address in the calendar part and in
 * the language that recipient reads; a refused address, a timeout or a failing server counts that
 * message as failed and the others go on. What a person reads is built in `mailContent`; the
 * calendar text in ics.ts.
 *
 * Settings: SMTP_HOST (required: without it 503 `mail_unavailable`), SMTP_PORT (default 587;
 * 465 means TLS from the start, other ports STARTTLS when the server offers it), SMTP_USER /
 * SMTP_PASS (login, when both are set), SMTP_FROM (the sender), MAIL_TIMEOUT_MS (per message,
 * default 15 s), CALL_JOIN_URL (the join link, see join-link.ts).
 */
// @deno-types="npm:@types/nodemailer@7.0.12"
import nodemailer from 'npm:nodemailer@7.0.13';
import { calendarText, participationStatus, type CalendarMethod } from './ics.ts';
import { FunctionError } from './http.ts';
import { joinUrl } from './join-link.ts';
import type { SupabaseClient } from './supabase.ts';

export const MAIL_KINDS = ['invite', 'reminder', 'cancel'] as const;
export type MailKind = (typeof MAIL_KINDS)[number];

export interface MailOutcome {
  sent: number;
  failed: number;
}

/** What a message is about: the three kinds asked for, plus the new time the outbox sends. */
type MessageKind = MailKind | 'update';

type Language = 'ru' | 'en';

/** A participant as `video_call_mail_snapshot` gives them. */
interface MailParticipant {
  user_id: string | null;
  /** Where this participant's mail goes: the invited address, else the account's. */
  email: string | null;
  /** The address the host invited, if any (never an account's address). */
  invited_email: string | null;
  name: string | null;
  role: string;
  invite_status: string;
  lang: string | null;
}

/** `video_call_mail_snapshot`: the session, its calendar sequence and everyone in it. */
interface MailSnapshot {
  session: {
    id: string;
    title: string;
    event_id: string | null;
    status: string;
    scheduled_at: string | null;
    host_id: string;
    duration_minutes: unknown;
    tz: unknown;
  };
  sequence: number;
  participants: MailParticipant[];
}

interface OutboxRow {
  id: number;
  kind: 'update' | 'cancel';
  snapshot: MailSnapshot;
}

interface SmtpSettings {
  host: string;
  port: number;
  user: string | null;
  pass: string | null;
  from: string;
  timeoutMs: number;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_DURATION_MINUTES = 60;
/** Messages in flight at once: each is its own SMTP connection. */
const CONCURRENCY = 4;
/**
 * After this many messages in a row failed for the server's sake (no connection, timeout), the
 * rest of the run counts as failed without trying: a dead server would otherwise hold the run for
 * a timeout per recipient.
 */
const SERVER_FAILURES_TO_GIVE_UP = 3;
/** Outbox rows one drain takes. */
const DRAIN_BATCH = 20;

function smtpSettings(): SmtpSettings | null {
  const host = Deno.env.get('SMTP_HOST')?.trim();
  if (!host) return null;
  const port = Number(Deno.env.get('SMTP_PORT') || 587);
  const user = Deno.env.get('SMTP_USER') || null;
  const pass = Deno.env.get('SMTP_PASS') || null;
  const timeout = Number(Deno.env.get('MAIL_TIMEOUT_MS'));
  return {
    host,
    port: Number.isInteger(port) && port > 0 && port < 65536 ? port : 587,
    user,
    pass,
    from: Deno.env.get('SMTP_FROM') || (user?.includes('@') ? user : 'Video calls <video-calls@localhost>'),
    timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : DEFAULT_TIMEOUT_MS,
  };
}

function requireSmtp(): SmtpSettings {
  const settings = smtpSettings();
  if (!settings) throw new FunctionError(503, 'mail_unavailable', 'e-mail is not configured: set SMTP_HOST (and SMTP_PORT, SMTP_FROM)');
  return settings;
}

/** Whether e-mail can be sent at all (SMTP_HOST is set). */
export function mailConfigured(): boolean {
  return smtpSettings() !== null;
}

// ---- Who gets what ------------------------------------------------------------------------

/** ru for any Russian tag (ru, ru-RU), en for everything else that is known. */
function languageOf(tag: string | null | undefined): Language | null {
  if (!tag) return null;
  return /^ru(?:[-_]|$)/i.test(tag.trim()) ? 'ru' : 'en';
}

/**
 * The recipient's own language when anything says it (see video_call_mail_language), else the
 * host's — the person who wrote the invitation and most likely shares a language with those they
 * invite, and the only signal there is for an invitation by e-mail — else English.
 */
function recipientLanguage(recipient: MailParticipant, host: MailParticipant | undefined): Language {
  return languageOf(recipient.lang) ?? languageOf(host?.lang) ?? 'en';
}

/**
 * The participants `kind` goes to: those named (a user id matches the row's user, an e-mail the
 * row's invited address — never an account's, which the host may not learn), or when none are
 * named everyone; never those who declined; for
 * invitations, updates and cancellations never the host. Named people outside the call are a 400.
 * People without any address (anonymous accounts) are left out.
 */
function recipientsOf(
  snapshot: MailSnapshot,
  kind: MessageKind,
  target?: { userIds?: string[] | null; emails?: string[] | null },
): MailParticipant[] {
  const userIds = target?.userIds ? new Set(target.userIds.map((id) => id.toLowerCase())) : null;
  const emails = target?.emails ? new Set(target.emails.map((email) => email.trim().toLowerCase())) : null;
  const people = snapshot.participants;
  if (userIds || emails) {
    const strangers = [
      ...[...(userIds ?? [])].filter((id) => !people.some((person) => person.user_id === id)),
      ...[...(emails ?? [])].filter((email) => !people.some((person) => person.invited_email?.toLowerCase() === email)),
    ];
    if (strangers.length > 0) {
      throw new FunctionError(400, 'invalid_recipient', `not participants of this video call: ${strangers.slice(0, 5).join(', ')}`);
    }
  }
  return people
    .filter((person) => !userIds && !emails ? true : (person.user_id !== null && !!userIds?.has(person.user_id)) || (!!person.invited_email && !!emails?.has(person.invited_email.toLowerCase())))
    .filter((person) => person.invite_status !== 'declined')
    .filter((person) => kind === 'reminder' || person.role !== 'host')
    .filter((person) => !!person.email);
}

// ---- What they read -----------------------------------------------------------------------

export interface MailContent {
  subject: string;
  text: string;
  html: string;
}

const TEXTS = {
  en: {
    untitled: 'Video call',
    someone: 'The host',
    subject: {
      invite: (title: string, when: string) => `Invitation: ${title} — ${when}`,
      update: (title: string, when: string) => `New time: ${title} — ${when}`,
      reminder: (title: string, when: string) => `Reminder: ${title} — ${when}`,
      cancel: (title: string, _when: string) => `Cancelled: ${title}`,
    },
    lead: {
      invite: (host: string) => `${host} invites you to a video call.`,
      update: (host: string) => `${host} moved the video call to a new time.`,
      reminder: (_host: string) => 'Your video call starts soon.',
      cancel: (host: string) => `${host} cancelled the video call.`,
    },
    when: 'When',
    host: 'Host',
    join: 'Join the call',
    noTime: 'no time set: join when the host starts the call',
    calendar: 'The calendar invitation is attached.',
    calendarCancel: 'Your calendar removes the event with the attached cancellation.',
    footer: 'You get this message because you were invited to this call.',
  },
  ru: {
    untitled: 'Видеозвонок',
    someone: 'Организатор',
    subject: {
      invite: (title: string, when: string) => `Приглашение: ${title} — ${when}`,
      update: (title: string, when: string) => `Новое время: ${title} — ${when}`,
      reminder: (title: string, when: string) => `Напоминание: ${title} — ${when}`,
      cancel: (title: string, _when: string) => `Отменено: ${title}`,
    },
    lead: {
      invite: (host: string) => `${host} приглашает вас на видеозвонок.`,
      // Past tense in Russian has gender, which a name does not tell: say it without a verb of theirs.
      update: (host: string) => `${host}: видеозвонок перенесён на другое время.`,
      reminder: (_host: string) => 'Скоро начнётся ваш видеозвонок.',
      cancel: (host: string) => `${host}: видеозвонок отменён.`,
    },
    when: 'Когда',
    host: 'Организатор',
    join: 'Присоединиться к звонку',
    noTime: 'время не назначено: присоединяйтесь, когда организатор начнёт звонок',
    calendar: 'Приглашение для календаря — во вложении.',
    calendarCancel: 'Календарь удалит событие по вложенной отмене.',
    footer: 'Вы получили это письмо, потому что вас пригласили на этот звонок.',
  },
} as const;

/** Letters people read: titles and names are user text, so no line breaks or control characters. */
// deno-lint-ignore no-control-regex
const oneLine = (value: string) => value.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').trim();

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** A time zone from settings.tz that Intl knows, else null. */
function timeZoneOf(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > 64) return null;
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return value;
  } catch {
    return null;
  }
}

/**
 * The call's time as people read it: in the session's `settings.tz` with the zone's name when
 * one is set, always with UTC beside it, so nobody has to guess which clock is meant.
 */
export function formatCallTime(startsAt: Date, language: Language, tz: string | null): string {
  const format = (timeZone: string) =>
    new Intl.DateTimeFormat(language === 'ru' ? 'ru-RU' : 'en-GB', { dateStyle: 'full', timeStyle: 'short', timeZone }).format(startsAt);
  const utc = `${format('UTC')} UTC`;
  if (!tz || tz === 'UTC' || tz === 'Etc/UTC') return utc;
  const utcTime = new Intl.DateTimeFormat('en-GB', { timeStyle: 'short', timeZone: 'UTC' }).format(startsAt);
  return `${format(tz)} (${tz}; ${utcTime} UTC)`;
}

function durationOf(value: unknown): number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 && value <= 24 * 60 ? value : DEFAULT_DURATION_MINUTES;
}

/** Subject, text and HTML of one message. Exported for tests of the wording only. */
export function mailContent(
  kind: MessageKind,
  language: Language,
  call: { title: string; startsAt: Date | null; tz: string | null; hostName: string | null; url: string | null; withCalendar: boolean },
): MailContent {
  const words = TEXTS[language];
  const title = oneLine(call.title) || words.untitled;
  const host = oneLine(call.hostName ?? '') || words.someone;
  const when = call.startsAt ? formatCallTime(call.startsAt, language, call.tz) : words.noTime;
  const calendarNote = call.withCalendar ? (kind === 'cancel' ? words.calendarCancel : words.calendar) : null;
  const lead = words.lead[kind](host);
  const subject = words.subject[kind](title, when).slice(0, 250);
  const showJoin = call.url !== null && kind !== 'cancel';

  const text = [
    lead,
    '',
    title,
    `${words.when}: ${when}`,
    `${words.host}: ${host}`,
    ...(showJoin ? ['', `${words.join}: ${call.url}`] : []),
    ...(calendarNote ? ['', calendarNote] : []),
    '',
    '—',
    words.footer,
  ].join('\n');

  const html = [
    '<!doctype html>',
    `<html lang="${language}"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>`,
    '<body style="font-family: system-ui, sans-serif; line-height: 1.5; color: #1f2328;">',
    `<p>${escapeHtml(lead)}</p>`,
    `<h1 style="font-size: 1.25em;">${kind === 'cancel' ? `<s>${escapeHtml(title)}</s>` : escapeHtml(title)}</h1>`,
    `<p><strong>${escapeHtml(words.when)}:</strong> ${escapeHtml(when)}<br><strong>${escapeHtml(words.host)}:</strong> ${escapeHtml(host)}</p>`,
    ...(showJoin
      ? [`<p><a href="${escapeHtml(call.url!)}" style="display: inline-block; padding: 0.5em 1em; background: #1a7f37; color: #fff; border-radius: 6px; text-decoration: none;">${escapeHtml(words.join)}</a></p>`, `<p style="font-size: 0.9em;">${escapeHtml(call.url!)}</p>`]
      : []),
    ...(calendarNote ? [`<p>${escapeHtml(calendarNote)}</p>`] : []),
    `<p style="font-size: 0.85em; color: #59636e;">${escapeHtml(words.footer)}</p>`,
    '</body></html>',
  ].join('\n');
  return { subject, text, html };
}

// ---- Sending ------------------------------------------------------------------------------

interface Envelope {
  to: { name: string; address: string };
  replyTo: string | undefined;
  content: MailContent;
  calendar: { method: CalendarMethod; text: string } | null;
}

/** One message per recipient of `snapshot`, in each one's language, with its calendar part. */
function envelopes(kind: MessageKind, snapshot: MailSnapshot, recipients: MailParticipant[]): Envelope[] {
  const session = snapshot.session;
  const host = snapshot.participants.find((person) => person.role === 'host');
  const startsAt = session.scheduled_at ? new Date(session.scheduled_at) : null;
  const start = startsAt && !Number.isNaN(startsAt.getTime()) ? startsAt : null;
  const tz = timeZoneOf(session.tz);
  const url = joinUrl(session.id, session.event_id);
  // Reminders carry no calendar part, nor does a call without a time (a calendar has nowhere
  // to put it); a cancellation of one is plain mail too.
  const method: CalendarMethod | null = !start || kind === 'reminder' || !host?.email ? null : kind === 'cancel' ? 'CANCEL' : 'REQUEST';
  return recipients.map((recipient) => {
    const language = recipientLanguage(recipient, host);
    const name = oneLine(recipient.name ?? '');
    return {
      to: { name, address: recipient.email! },
      replyTo: host?.email && recipient !== host ? host.email : undefined,
      content: mailContent(kind, language, { title: session.title, startsAt: start, tz, hostName: host?.name ?? null, url, withCalendar: method !== null }),
      calendar:
        method === null
          ? null
          : {
              method,
              text: calendarText({
                method,
                sessionId: session.id,
                sequence: snapshot.sequence,
                start: start!,
                durationMinutes: durationOf(session.duration_minutes),
                summary: oneLine(session.title) || TEXTS[language].untitled,
                description: url ? `${TEXTS[language].join}: ${url}` : '',
                url,
                organizer: { name: host!.name, email: host!.email! },
                attendee: { name: name || null, email: recipient.email!, status: participationStatus(recipient.invite_status) },
              }),
            },
    };
  });
}

type Result = 'sent' | 'refused' | 'server';

/** Whether an error is about this message (its address refused) rather than the server. */
function refusedByServer(error: unknown): boolean {
  const code = (error as { code?: string })?.code;
  return code === 'EENVELOPE' || code === 'EMESSAGE';
}

async function deliver(settings: SmtpSettings, envelope: Envelope): Promise<Result> {
  const transport = nodemailer.createTransport({
    host: settings.host,
    port: settings.port,
    secure: settings.port === 465,
    auth: settings.user && settings.pass ? { user: settings.user, pass: settings.pass } : undefined,
    connectionTimeout: settings.timeoutMs,
    greetingTimeout: settings.timeoutMs,
    socketTimeout: settings.timeoutMs,
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const sending = transport.sendMail({
      from: settings.from,
      to: envelope.to,
      replyTo: envelope.replyTo,
      subject: envelope.content.subject,
      text: envelope.content.text,
      html: envelope.content.html,
      icalEvent: envelope.calendar
        ? { method: envelope.calendar.method, content: envelope.calendar.text, filename: envelope.calendar.method === 'CANCEL' ? 'cancel.ics' : 'invite.ics' }
        : undefined,
    });
    // The socket timeouts cover a silent server; this covers one that trickles bytes forever.
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${settings.timeoutMs} ms`), { code: 'ETIMEDOUT' })), settings.timeoutMs + 1000);
    });
    await Promise.race([sending, timeout]);
    return 'sent';
  } catch (error) {
    // Function logs are read by more people than the addresses are meant for: the domain only.
    console.error(`mail to …@${envelope.to.address.split('@').pop()}: ${(error as Error).message}`);
    return refusedByServer(error) ? 'refused' : 'server';
  } finally {
    clearTimeout(timer);
    transport.close();
  }
}

async function deliverAll(settings: SmtpSettings, all: Envelope[]): Promise<MailOutcome> {
  const outcome: MailOutcome = { sent: 0, failed: 0 };
  let next = 0;
  let serverFailuresInARow = 0;
  const worker = async () => {
    while (next < all.length) {
      const envelope = all[next++];
      if (serverFailuresInARow >= SERVER_FAILURES_TO_GIVE_UP) {
        outcome.failed++;
        continue;
      }
      const result = await deliver(settings, envelope);
      if (result === 'sent') outcome.sent++;
      else outcome.failed++;
      serverFailuresInARow = result === 'server' ? serverFailuresInARow + 1 : 0;
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, all.length) }, worker));
  return outcome;
}

async function readSnapshot(admin: SupabaseClient, sessionId: string): Promise<MailSnapshot> {
  const { data, error } = await admin.rpc('video_call_mail_snapshot', { p_session_id: sessionId });
  if (error) throw error;
  if (!data) throw new FunctionError(404, 'session_not_found', `video call ${sessionId} does not exist`);
  return data as MailSnapshot;
}

/**
 * Sends `kind` for the session to the given participants (user ids resolve to their account
 * address, `emails` to e-mail invitations of that session); none given = every invitee who has
 * not declined (the host excluded for invite/cancel). Those who declined and people without an
 * address are never written to.
 *
 * Throws FunctionError: 503 `mail_unavailable` without SMTP_HOST, 404 `session_not_found`, 403
 * `session_ended` for an invitation or reminder of an ended call, 400 `invalid_recipient` when
 * someone named is not a participant (nothing is sent then). A cancellation raises the event's
 * calendar SEQUENCE, so it wins over every invitation sent before it.
 */
export async function sendCallEmails(
  admin: SupabaseClient,
  kind: MailKind,
  sessionId: string,
  target?: { userIds?: string[] | null; emails?: string[] | null },
): Promise<MailOutcome> {
  const settings = requireSmtp();
  const snapshot = await readSnapshot(admin, sessionId);
  if (kind !== 'cancel' && snapshot.session.status === 'ended') {
    throw new FunctionError(403, 'session_ended', 'this video call has ended');
  }
  const recipients = recipientsOf(snapshot, kind, target);
  if (recipients.length === 0) return { sent: 0, failed: 0 };
  if (kind === 'cancel') {
    const { data, error } = await admin.rpc('next_video_call_calendar_sequence', { p_session_id: sessionId });
    if (error) throw error;
    snapshot.sequence = Number(data);
  }
  return deliverAll(settings, envelopes(kind, snapshot, recipients));
}

/**
 * Sends what the database queued (a scheduled call's new time, a scheduled call ended or deleted)
 * and marks it sent; returns counts. Each queued row goes to one drain only, however many run at
 * once. With nothing queued it needs no SMTP settings; with something queued and no SMTP_HOST it
 * throws 503 `mail_unavailable` and leaves the rows queued.
 */
export async function sendQueuedCallEmails(admin: SupabaseClient): Promise<MailOutcome> {
  const settings = smtpSettings();
  if (!settings) {
    const { data, error } = await admin.from('video_call_mail_outbox').select('id').eq('state', 'queued').limit(1);
    if (error) throw error;
    if ((data ?? []).length === 0) return { sent: 0, failed: 0 };
    requireSmtp();
  }
  const { data, error } = await admin.rpc('claim_video_call_mail', { p_limit: DRAIN_BATCH });
  if (error) throw error;
  const total: MailOutcome = { sent: 0, failed: 0 };
  for (const row of (data ?? []) as OutboxRow[]) {
    const outcome = await deliverAll(settings!, envelopes(row.kind, row.snapshot, recipientsOf(row.snapshot, row.kind)));
    const finished = await admin.rpc('finish_video_call_mail', { p_id: row.id, p_sent: outcome.sent, p_failed: outcome.failed });
    if (finished.error) throw finished.error;
    total.sent += outcome.sent;
    total.failed += outcome.failed;
  }
  return total;
}
