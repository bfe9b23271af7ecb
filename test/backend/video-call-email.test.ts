/**
 * video-call-email in real Deno behind the local stack, sending by SMTP (nodemailer) to the
 * stack's real mail catcher and read back through its Mailpit API: invitations with their
 * calendar REQUEST, reminders, cancellations, the outbox the database fills when a scheduled call
 * moves, ends or is deleted, and every refusal. A second and third stack check a server that
 * never answers and a project without SMTP.
 */
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startTestStack, type TestStack, type TestUser } from '../support/stack.ts';
import { callFunction } from '../support/functions.ts';
import { Inbox, parseCalendar, unescapeText, type CaughtMail } from '../support/mail.ts';
import { calendarText, escapeText, foldLine } from '../../supabase/functions/_shared/ics.ts';

const JOIN_URL = 'https://crm.example.test/calls/{session_id}?event={event_id}';

const errorOf = async (response: Response) => {
  const body = await response.json();
  assert.equal(typeof body.error?.message, 'string', `error JSON shape: ${JSON.stringify(body)}`);
  return { status: response.status, code: body.error.code as string };
};

/** Sets what a user's profile says about their language (as an OAuth sign-in or the app would). */
async function setProfileLanguage(stack: TestStack, user: TestUser, lang: string) {
  await stack.db.query(`update auth.users set raw_user_meta_data = raw_user_meta_data || jsonb_build_object('lang', $2::text) where id = $1`, [user.id, lang]);
}

describe('video-call-email', () => {
  let stack: TestStack;
  let inbox: Inbox;
  let host: TestUser;
  let boris: TestUser; // profile says en
  let vera: TestUser; // no profile language; her browser subscribed to pushes in Russian
  let dana: TestUser; // declines
  let outsider: TestUser;
  const olga = 'olga@mail.example.test'; // invited by e-mail, no account
  const startsAt = new Date(Date.now() + 26 * 3600 * 1000);
  startsAt.setUTCSeconds(0, 0);

  const post = (body: unknown, token?: string, init: RequestInit = {}) => callFunction(stack, 'video-call-email', body, token, init);
  const drain = async () => {
    const response = await post({ queued: true }, stack.serviceRoleKey);
    assert.equal(response.status, 200);
    return (await response.json()) as { sent: number; failed: number };
  };
  const newSession = async (values: Record<string, unknown> = {}) => {
    const { data, error } = await host.client
      .from('video_call_sessions')
      .insert({ title: 'Планёрка / Stand-up', event_id: `evt-${randomUUID().slice(0, 8)}`, scheduled_at: startsAt.toISOString(), ...values })
      .select('id')
      .single();
    assert.ifError(error);
    const id = data!.id as string;
    for (const invitee of [{ user_id: boris.id }, { user_id: vera.id }, { user_id: dana.id }, { email: olga }]) {
      assert.ifError((await host.client.from('video_call_participants').insert({ session_id: id, ...invitee })).error);
    }
    const answer = await dana.client.rpc('answer_video_call_invitation', { p_session_id: id, p_status: 'declined' });
    assert.ifError(answer.error);
    return id;
  };
  const sessionRow = async (id: string) =>
    (await stack.serviceClient().from('video_call_sessions').select('scheduled_at, event_id').eq('id', id).single()).data!;
  const calendarOf = async (message: CaughtMail) => {
    const calendar = await inbox.calendar(message);
    assert.ok(calendar, `a calendar part in "${message.Subject}"`);
    return calendar;
  };

  before(async () => {
    stack = await startTestStack({ functionEnv: { CALL_JOIN_URL: JOIN_URL, MAIL_TIMEOUT_MS: '3000' } });
    assert.ok(stack.mailUrl, 'the stack runs its mail catcher');
    inbox = new Inbox(stack.mailUrl);
    host = await stack.createUser({ name: 'Анна', email: `anna-${randomUUID().slice(0, 8)}@example.test` });
    boris = await stack.createUser({ name: 'Boris' });
    vera = await stack.createUser({ name: 'Вера' });
    dana = await stack.createUser({ name: 'Dana' });
    outsider = await stack.createUser({ name: 'Eve' });
    await setProfileLanguage(stack, host, 'ru-RU');
    await setProfileLanguage(stack, boris, 'en');
    const subscription = await vera.client.from('video_call_push_subscriptions').insert({
      endpoint: 'https://push.example.test/vera',
      p256dh: `B${'A'.repeat(86)}`,
      auth: 'A'.repeat(22),
      lang: 'ru',
    });
    assert.ifError(subscription.error);
  });
  beforeEach(async () => {
    await inbox.clear();
  });
  after(async () => {
    await stack?.close();
  });

  it('mails each invitee who has not declined an invitation with a calendar REQUEST of their own', async () => {
    const sessionId = await newSession({ settings: { duration_minutes: 45 } });
    const response = await post({ session_id: sessionId, kind: 'invite' }, host.token);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { sent: 3, failed: 0 });
    const list = await inbox.list();
    assert.deepEqual(list.map((message) => message.To[0].Address).sort(), [boris.email, vera.email, olga].sort(), 'not the host, not Dana who declined');
    assert.ok(list.every((message) => message.To.length === 1), 'one recipient per message');

    const mail = await inbox.only(boris.email);
    assert.equal(mail.From.Address, 'video-calls@localhost');
    const calendar = await calendarOf(mail);
    assert.equal(calendar.get('METHOD')!.value, 'REQUEST');
    assert.equal(calendar.get('UID')!.value, `${sessionId}@supabase-call-widgets`);
    assert.equal(calendar.get('SEQUENCE')!.value, '0');
    assert.equal(calendar.get('STATUS')!.value, 'CONFIRMED');
    const { scheduled_at, event_id } = await sessionRow(sessionId);
    const stamp = (date: Date) => date.toISOString().replace(/[-:]/g, '').replace('.000', '');
    assert.equal(calendar.get('DTSTART')!.value, stamp(new Date(scheduled_at)));
    assert.equal(calendar.get('DTEND')!.value, stamp(new Date(new Date(scheduled_at).getTime() + 45 * 60_000)));
    assert.match(calendar.get('DTSTAMP')!.value, /^\d{8}T\d{6}Z$/);
    assert.equal(unescapeText(calendar.get('SUMMARY')!.value), 'Планёрка / Stand-up');
    const organizer = calendar.get('ORGANIZER')!;
    assert.equal(organizer.value, `mailto:${host.email}`);
    assert.equal(organizer.params.CN, 'Анна');
    const attendees = calendar.properties.filter((property) => property.name === 'ATTENDEE');
    assert.equal(attendees.length, 1, 'only the recipient is listed: nobody sees the other invitees');
    assert.equal(attendees[0].value, `mailto:${boris.email}`);
    assert.equal(attendees[0].params.PARTSTAT, 'NEEDS-ACTION');
    assert.equal(attendees[0].params.RSVP, 'TRUE');
    const joinLink = `https://crm.example.test/calls/${sessionId}?event=${event_id}`;
    assert.equal(calendar.get('URL')!.value, joinLink);
    assert.equal(unescapeText(calendar.get('LOCATION')!.value), joinLink);
    assert.ok(mail.Text.includes(joinLink) && mail.HTML.includes(`href="${joinLink}"`), 'the join link in text and HTML');

    // Sent again, the invitation is the same calendar event: the calendar updates, not adds.
    await inbox.clear();
    assert.deepEqual(await (await post({ session_id: sessionId, kind: 'invite', user_ids: [boris.id] }, host.token)).json(), { sent: 1, failed: 0 });
    const again = await calendarOf(await inbox.only(boris.email));
    assert.equal(again.get('UID')!.value, calendar.get('UID')!.value);
    assert.equal(again.get('SEQUENCE')!.value, '0');
  });

  it('writes in the invitee\'s language: their profile, else their browser, else the host\'s; times in UTC or settings.tz', async () => {
    const sessionId = await newSession({ settings: { tz: 'Europe/Moscow' } });
    assert.equal((await post({ session_id: sessionId, kind: 'invite' }, host.token)).status, 200);
    const english = await inbox.only(boris.email);
    assert.match(english.Subject, /^Invitation: Планёрка \/ Stand-up — /);
    assert.match(english.Text, /Анна invites you to a video call\./);
    const russian = await inbox.only(vera.email);
    assert.match(russian.Subject, /^Приглашение: Планёрка \/ Stand-up — /);
    assert.match(russian.Text, /Анна приглашает вас на видеозвонок\./);
    // Olga has no account: the host's language (ru) is the best guess there is.
    assert.match((await inbox.only(olga)).Subject, /^Приглашение:/);
    // Moscow is UTC+3 all year: the local time with the zone named, and UTC beside it.
    const utc = new Date((await sessionRow(sessionId)).scheduled_at);
    const hhmm = (date: Date) => date.toISOString().slice(11, 16);
    const moscow = new Date(utc.getTime() + 3 * 3600 * 1000);
    assert.ok(english.Text.includes(`${hhmm(moscow)} (Europe/Moscow; ${hhmm(utc)} UTC)`), english.Text);
    const noZone = await newSession({ title: 'UTC call' });
    await inbox.clear();
    await post({ session_id: noZone, kind: 'invite', user_ids: [boris.id] }, host.token);
    assert.ok((await inbox.only(boris.email)).Text.includes(`${hhmm(utc)} UTC`));
  });

  it('falls back to English when neither the invitee nor the host has a language', async () => {
    const quietHost = await stack.createUser({ name: 'Sam' });
    const { data } = await quietHost.client.from('video_call_sessions').insert({ title: 'Sync', scheduled_at: startsAt.toISOString() }).select('id').single();
    assert.ifError((await quietHost.client.from('video_call_participants').insert({ session_id: data!.id, email: 'nobody@mail.example.test' })).error);
    assert.deepEqual(await (await post({ session_id: data!.id, kind: 'invite' }, quietHost.token)).json(), { sent: 1, failed: 0 });
    const mail = await inbox.only('nobody@mail.example.test');
    assert.match(mail.Subject, /^Invitation: Sync — /);
    assert.match(mail.Text, /^Sam invites you to a video call\./);
  });

  it('shows HTML in a title as text and escapes it in the calendar', async () => {
    const title = '<img src=x onerror=alert(1)> Q1; plan, draft & "notes"';
    const sessionId = await newSession({ title });
    assert.equal((await post({ session_id: sessionId, kind: 'invite', user_ids: [boris.id] }, host.token)).status, 200);
    const mail = await inbox.only(boris.email);
    assert.ok(!mail.HTML.includes('<img'), 'no markup from the title');
    assert.ok(mail.HTML.includes('&#60;img src=x onerror=alert(1)&#62; Q1; plan, draft &#38; &#34;notes&#34;'), mail.HTML);
    assert.equal(mail.Subject, `Invitation: ${title} — ${mail.Subject.split(' — ').at(-1)}`);
    const calendar = await calendarOf(mail);
    assert.equal(calendar.get('SUMMARY')!.value, '<img src=x onerror=alert(1)> Q1\\; plan\\, draft & "notes"');
  });

  it('gives each invitee their own answer in the calendar and keeps a long Russian title whole', async () => {
    const title = 'Еженедельная встреча отдела продаж по итогам квартала, планы; вопросы '.repeat(2).trim();
    const sessionId = await newSession({ title });
    assert.ifError((await vera.client.rpc('answer_video_call_invitation', { p_session_id: sessionId, p_status: 'accepted' })).error);
    assert.ifError((await boris.client.rpc('answer_video_call_invitation', { p_session_id: sessionId, p_status: 'tentative' })).error);
    assert.deepEqual(await (await post({ session_id: sessionId, kind: 'invite' }, host.token)).json(), { sent: 3, failed: 0 });
    const vera_ = await calendarOf(await inbox.only(vera.email));
    assert.equal(vera_.get('ATTENDEE')!.params.PARTSTAT, 'ACCEPTED');
    assert.equal(vera_.get('ATTENDEE')!.params.RSVP, undefined, 'no answer asked of someone who answered');
    assert.equal((await calendarOf(await inbox.only(boris.email))).get('ATTENDEE')!.params.PARTSTAT, 'TENTATIVE');
    // parseCalendar checks that every line is at most 75 octets; unfolded, the title is intact.
    assert.ok(vera_.raw.split('\r\n').some((line) => line.startsWith(' ')), 'the summary is folded');
    assert.equal(unescapeText(vera_.get('SUMMARY')!.value), title);
  });

  it('sends a call without a time as plain mail: no calendar part', async () => {
    const sessionId = await newSession({ scheduled_at: null });
    assert.deepEqual(await (await post({ session_id: sessionId, kind: 'invite', user_ids: [boris.id] }, host.token)).json(), { sent: 1, failed: 0 });
    const mail = await inbox.only(boris.email);
    assert.equal(await inbox.calendar(mail), null);
    assert.match(mail.Text, /no time set/);
  });

  it('reminds everyone who has not declined, the host included, without a calendar part', async () => {
    const sessionId = await newSession();
    const response = await post({ session_id: sessionId, kind: 'reminder' }, stack.serviceRoleKey);
    assert.deepEqual(await response.json(), { sent: 4, failed: 0 });
    const reminder = await inbox.only(host.email);
    assert.match(reminder.Subject, /^Напоминание: Планёрка \/ Stand-up — /);
    assert.equal(reminder.Attachments.length, 0);
    assert.match((await inbox.only(boris.email)).Subject, /^Reminder: /);
    assert.equal((await inbox.to(dana.email)).length, 0);
  });

  it('sends only to the user_ids and emails asked for', async () => {
    const sessionId = await newSession();
    const response = await post({ session_id: sessionId, kind: 'reminder', user_ids: [vera.id], emails: ['OLGA@mail.example.test'] }, stack.serviceRoleKey);
    assert.deepEqual(await response.json(), { sent: 2, failed: 0 });
    assert.deepEqual((await inbox.list()).map((message) => message.To[0].Address).sort(), [olga, vera.email].sort());
  });

  it('sends the invitees an updated REQUEST with a higher SEQUENCE when the host moves the time, once', async () => {
    const sessionId = await newSession();
    const later = new Date(startsAt.getTime() + 2 * 3600 * 1000);
    assert.ifError((await host.client.from('video_call_sessions').update({ scheduled_at: later.toISOString() }).eq('id', sessionId)).error);
    assert.deepEqual(await drain(), { sent: 3, failed: 0 });
    const mail = await inbox.only(boris.email);
    assert.match(mail.Subject, /^New time: /);
    const calendar = await calendarOf(mail);
    assert.equal(calendar.get('METHOD')!.value, 'REQUEST');
    assert.equal(calendar.get('UID')!.value, `${sessionId}@supabase-call-widgets`);
    assert.equal(calendar.get('SEQUENCE')!.value, '1');
    assert.equal(calendar.get('DTSTART')!.value, later.toISOString().replace(/[-:]/g, '').replace('.000', ''));
    const russian = await inbox.only(vera.email);
    assert.match(russian.Subject, /^Новое время: /);
    assert.match(russian.Text, /^Анна: видеозвонок перенесён на другое время\./);
    assert.deepEqual(await drain(), { sent: 0, failed: 0 }, 'a drained row is not sent again');

    // A title change alone is no news for calendars; an invitation after the move carries the new sequence.
    assert.ifError((await host.client.from('video_call_sessions').update({ title: 'Renamed' }).eq('id', sessionId)).error);
    assert.deepEqual(await drain(), { sent: 0, failed: 0 });
    await inbox.clear();
    await post({ session_id: sessionId, kind: 'invite', user_ids: [boris.id] }, host.token);
    assert.equal((await calendarOf(await inbox.only(boris.email))).get('SEQUENCE')!.value, '1');
  });

  it('sends the latest time only when the host moves a call twice before the outbox is drained', async () => {
    const sessionId = await newSession();
    for (const hours of [1, 5]) {
      const update = await host.client.from('video_call_sessions').update({ scheduled_at: new Date(startsAt.getTime() + hours * 3600 * 1000).toISOString() }).eq('id', sessionId);
      assert.ifError(update.error);
    }
    assert.deepEqual(await drain(), { sent: 3, failed: 0 });
    assert.equal((await calendarOf(await inbox.only(boris.email))).get('SEQUENCE')!.value, '2');
  });

  it('sends a CANCEL with the same UID and a higher SEQUENCE when the host ends a scheduled call', async () => {
    const sessionId = await newSession();
    assert.ifError((await host.client.from('video_call_sessions').update({ status: 'ended' }).eq('id', sessionId)).error);
    assert.deepEqual(await drain(), { sent: 3, failed: 0 });
    const mail = await inbox.only(boris.email);
    assert.match(mail.Subject, /^Cancelled: Планёрка \/ Stand-up$/);
    assert.ok(!mail.Text.includes('crm.example.test'), 'no join link for a cancelled call');
    const calendar = await calendarOf(mail);
    assert.equal(calendar.get('METHOD')!.value, 'CANCEL');
    assert.equal(calendar.get('STATUS')!.value, 'CANCELLED');
    assert.equal(calendar.get('UID')!.value, `${sessionId}@supabase-call-widgets`);
    assert.equal(calendar.get('SEQUENCE')!.value, '1');
    const russian = await inbox.only(olga);
    assert.match(russian.Subject, /^Отменено: Планёрка \/ Stand-up$/);
    assert.match(russian.Text, /^Анна: видеозвонок отменён\./);
    assert.match(mail.Text, /^Анна cancelled the video call\./);
    assert.equal((await inbox.to(dana.email)).length, 0);
    assert.equal((await inbox.to(host.email)).length, 0);
  });

  it('sends a CANCEL from what the outbox kept when the host deletes a scheduled call', async () => {
    const sessionId = await newSession();
    const moved = await host.client.from('video_call_sessions').update({ scheduled_at: new Date(startsAt.getTime() + 3600 * 1000).toISOString() }).eq('id', sessionId);
    assert.ifError(moved.error);
    assert.ifError((await host.client.from('video_call_sessions').delete().eq('id', sessionId)).error);
    const participants = await stack.serviceClient().from('video_call_participants').select('id').eq('session_id', sessionId);
    assert.deepEqual(participants.data, [], 'the participants are gone with the session');
    assert.deepEqual(await drain(), { sent: 3, failed: 0 }, 'the cancellation supersedes the unsent new time');
    for (const address of [boris.email, vera.email, olga]) {
      const calendar = await calendarOf(await inbox.only(address));
      assert.equal(calendar.get('METHOD')!.value, 'CANCEL');
      assert.equal(calendar.get('UID')!.value, `${sessionId}@supabase-call-widgets`);
      assert.equal(calendar.get('SEQUENCE')!.value, '2');
    }
  });

  it('queues nothing for calls that were already under way, and nothing for a call nobody else is in', async () => {
    const sessionId = await newSession();
    assert.ifError((await boris.client.rpc('join_video_call', { p_session_id: sessionId })).error);
    assert.ifError((await host.client.from('video_call_sessions').update({ status: 'ended' }).eq('id', sessionId)).error);
    const alone = (await host.client.from('video_call_sessions').insert({ title: 'Alone', scheduled_at: startsAt.toISOString() }).select('id').single()).data!.id;
    assert.ifError((await host.client.from('video_call_sessions').delete().eq('id', alone)).error);
    assert.deepEqual(await drain(), { sent: 0, failed: 0 });
    assert.equal((await inbox.list()).length, 0);
  });

  it('expires mail queued two days ago unsent, and hands out again a claim a dead drain left behind', async () => {
    const stale = await newSession();
    const abandoned = await newSession();
    for (const id of [stale, abandoned]) assert.ifError((await host.client.from('video_call_sessions').update({ status: 'ended' }).eq('id', id)).error);
    await stack.db.query(`update video_call_mail_outbox set created_at = now() - interval '3 days' where session_id = $1`, [stale]);
    // A drain claimed this row an hour ago and never finished: crashed, or the function was killed.
    await stack.db.query(`update video_call_mail_outbox set state = 'sending', attempts = 1, claimed_at = now() - interval '1 hour' where session_id = $1`, [abandoned]);
    assert.deepEqual(await drain(), { sent: 3, failed: 0 });
    const rows = await stack.serviceClient().from('video_call_mail_outbox').select('session_id, state, attempts, sent').in('session_id', [stale, abandoned]);
    assert.deepEqual(
      rows.data!.sort((a, b) => (a.session_id === stale ? -1 : 1) - (b.session_id === stale ? -1 : 1)),
      [
        { session_id: stale, state: 'expired', attempts: 0, sent: null },
        { session_id: abandoned, state: 'sent', attempts: 2, sent: 3 },
      ],
    );
  });

  it('raises the sequence of a move nobody is written to, so a later invitation still outranks the old time', async () => {
    const { data } = await host.client.from('video_call_sessions').insert({ title: 'Declined', scheduled_at: startsAt.toISOString() }).select('id').single();
    const sessionId = data!.id as string;
    assert.ifError((await host.client.from('video_call_participants').insert({ session_id: sessionId, user_id: boris.id })).error);
    assert.deepEqual(await (await post({ session_id: sessionId, kind: 'invite' }, host.token)).json(), { sent: 1, failed: 0 });
    assert.ifError((await boris.client.rpc('answer_video_call_invitation', { p_session_id: sessionId, p_status: 'declined' })).error);
    const moved = await host.client.from('video_call_sessions').update({ scheduled_at: new Date(startsAt.getTime() + 3600_000).toISOString() }).eq('id', sessionId);
    assert.ifError(moved.error);
    assert.deepEqual(await drain(), { sent: 0, failed: 0 }, 'Boris declined: no news for him');
    assert.ifError((await boris.client.rpc('answer_video_call_invitation', { p_session_id: sessionId, p_status: 'accepted' })).error);
    await inbox.clear();
    assert.deepEqual(await (await post({ session_id: sessionId, kind: 'invite' }, host.token)).json(), { sent: 1, failed: 0 });
    assert.equal((await calendarOf(await inbox.only(boris.email))).get('SEQUENCE')!.value, '1');
  });

  it('sends each queued mail once when two drains run at once', async () => {
    const sessions = await Promise.all([newSession(), newSession(), newSession()]);
    for (const id of sessions) assert.ifError((await host.client.from('video_call_sessions').update({ status: 'ended' }).eq('id', id)).error);
    const [first, second] = await Promise.all([drain(), drain()]);
    assert.equal(first.sent + second.sent, 9);
    assert.equal(first.failed + second.failed, 0);
    assert.equal((await inbox.list()).length, 9);
    assert.equal((await inbox.to(boris.email)).length, 3);
  });

  it('lets the host cancel their own call for the invitees, also once it has ended', async () => {
    const sessionId = await newSession();
    assert.deepEqual(await (await post({ session_id: sessionId, kind: 'cancel', user_ids: [boris.id] }, host.token)).json(), { sent: 1, failed: 0 });
    const first = await calendarOf(await inbox.only(boris.email));
    assert.equal(first.get('METHOD')!.value, 'CANCEL');
    assert.equal(first.get('SEQUENCE')!.value, '1');
    const ended = await newSession();
    assert.ifError((await host.client.from('video_call_sessions').update({ status: 'ended' }).eq('id', ended)).error);
    await drain();
    await inbox.clear();
    const response = await post({ session_id: ended, kind: 'cancel', emails: [olga] }, stack.serviceRoleKey);
    assert.deepEqual(await response.json(), { sent: 1, failed: 0 });
    assert.equal((await calendarOf(await inbox.only(olga))).get('SEQUENCE')!.value, '2', 'above the cancellation the end queued');
  });

  it('counts an address the SMTP server refuses as failed and sends the others', async () => {
    const sessionId = await newSession();
    // The database takes this address; the SMTP server refuses its RCPT (two dots in a row).
    assert.ifError((await host.client.from('video_call_participants').insert({ session_id: sessionId, email: 'bad..dots@mail.example.test' })).error);
    const response = await post({ session_id: sessionId, kind: 'invite' }, host.token);
    assert.deepEqual(await response.json(), { sent: 3, failed: 1 });
    assert.equal((await inbox.list()).length, 3);
  });

  it('answers 400 to malformed JSON, wrong types, unknown kinds, strangers and too many recipients, and sends nothing', async () => {
    const sessionId = await newSession();
    const cases: Array<[unknown, string]> = [
      ['{"session_id":', 'invalid_json'],
      ['[1]', 'invalid_body'],
      [{ session_id: 7, kind: 'invite' }, 'invalid_session_id'],
      [{ session_id: sessionId, kind: 'party' }, 'invalid_kind'],
      [{ session_id: sessionId }, 'invalid_kind'],
      [{ session_id: sessionId, kind: 'invite', user_ids: 'all' }, 'invalid_user_ids'],
      [{ session_id: sessionId, kind: 'invite', user_ids: [boris.id, 5] }, 'invalid_user_ids'],
      [{ session_id: sessionId, kind: 'invite', emails: ['not an address'] }, 'invalid_emails'],
      [{ session_id: sessionId, kind: 'invite', emails: {} }, 'invalid_emails'],
      [{ session_id: sessionId, kind: 'invite', user_ids: [outsider.id] }, 'invalid_recipient'],
      [{ session_id: sessionId, kind: 'invite', emails: ['stranger@mail.example.test'] }, 'invalid_recipient'],
      // Boris was invited by user id: his account's address is not an invitation the host can name.
      [{ session_id: sessionId, kind: 'invite', emails: [boris.email] }, 'invalid_recipient'],
      [{ session_id: sessionId, kind: 'invite', user_ids: Array.from({ length: 1001 }, () => randomUUID()) }, 'too_many_recipients'],
      [{ queued: 'yes' }, 'invalid_body'],
      [{ queued: true, session_id: sessionId }, 'invalid_body'],
    ];
    for (const [body, code] of cases) {
      assert.deepEqual(await errorOf(await post(body, host.token)), { status: 400, code }, JSON.stringify(body).slice(0, 80));
    }
    assert.equal((await post({ session_id: sessionId, kind: 'invite', pad: 'x'.repeat(100 * 1024) }, host.token)).status, 413);
    assert.equal((await inbox.list()).length, 0);
  });

  it('answers 401 to a missing, forged or expired token', async () => {
    const sessionId = await newSession();
    assert.deepEqual(await errorOf(await post({ session_id: sessionId, kind: 'invite' })), { status: 401, code: 'missing_token' });
    assert.equal((await post({ session_id: sessionId, kind: 'invite' }, host.token.slice(0, -4) + 'AAAA')).status, 401);
    const past = Math.floor(Date.now() / 1000) - 60;
    const expired = stack.sign({ sub: host.id, role: 'authenticated', aud: 'authenticated', exp: past, iat: past - 3600 });
    assert.deepEqual(await errorOf(await post({ session_id: sessionId, kind: 'invite' }, expired)), { status: 401, code: 'invalid_token' });
    const forgedService = stack.sign({ role: 'service_role', exp: Math.floor(Date.now() / 1000) + 3600 });
    assert.equal((await post({ queued: true }, forgedService)).status, 401);
    assert.equal((await inbox.list()).length, 0);
  });

  it('answers 403 to guests, outsiders, the anon key, a host sending reminders or draining, and invitations of ended calls', async () => {
    const sessionId = await newSession();
    assert.deepEqual(await errorOf(await post({ session_id: sessionId, kind: 'invite' }, boris.token)), { status: 403, code: 'not_host' });
    assert.deepEqual(await errorOf(await post({ session_id: sessionId, kind: 'cancel' }, outsider.token)), { status: 403, code: 'not_host' });
    assert.deepEqual(await errorOf(await post({ session_id: sessionId, kind: 'invite' }, stack.anonKey)), { status: 403, code: 'not_allowed' });
    assert.deepEqual(await errorOf(await post({ session_id: sessionId, kind: 'reminder' }, host.token)), { status: 403, code: 'service_role_required' });
    assert.deepEqual(await errorOf(await post({ queued: true }, host.token)), { status: 403, code: 'service_role_required' });
    assert.ifError((await host.client.from('video_call_sessions').update({ status: 'ended' }).eq('id', sessionId)).error);
    await drain();
    await inbox.clear();
    assert.deepEqual(await errorOf(await post({ session_id: sessionId, kind: 'invite' }, host.token)), { status: 403, code: 'session_ended' });
    assert.deepEqual(await errorOf(await post({ session_id: sessionId, kind: 'reminder' }, stack.serviceRoleKey)), { status: 403, code: 'session_ended' });
    assert.equal((await inbox.list()).length, 0);
  });

  it('answers 404 to an unknown session, 405 to other methods and 204 to a preflight', async () => {
    assert.deepEqual(await errorOf(await post({ session_id: randomUUID(), kind: 'invite' }, stack.serviceRoleKey)), { status: 404, code: 'session_not_found' });
    assert.deepEqual(await errorOf(await post(undefined, host.token, { method: 'GET' })), { status: 405, code: 'method_not_allowed' });
    assert.equal((await fetch(`${stack.url}/functions/v1/video-call-email`, { method: 'OPTIONS' })).status, 204);
  });

  it('keeps the outbox, the sequences and the mail snapshot from signed-in users and the anon key', async () => {
    const sessionId = await newSession();
    assert.ifError((await host.client.from('video_call_sessions').update({ status: 'ended' }).eq('id', sessionId)).error);
    for (const client of [host.client, stack.anonClient()]) {
      for (const table of ['video_call_mail_outbox', 'video_call_calendar_sequences']) {
        const read = await client.from(table).select('*');
        assert.ok(read.error, `${table} is not readable: ${JSON.stringify(read.data)}`);
      }
      assert.ok((await client.rpc('video_call_mail_snapshot', { p_session_id: sessionId })).error);
      assert.ok((await client.rpc('claim_video_call_mail', { p_limit: 5 })).error);
    }
    assert.deepEqual(await drain(), { sent: 3, failed: 0 }, 'the row was left for the drain');
  });
});

describe('video-call-email with an SMTP server that never answers', () => {
  let stack: TestStack;
  let silent: Server;
  const sockets: Socket[] = [];

  before(async () => {
    // Takes connections and says nothing, not even the greeting.
    silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    stack = await startTestStack({
      mail: false,
      functionEnv: { SMTP_HOST: '127.0.0.1', SMTP_PORT: String((silent.address() as AddressInfo).port), MAIL_TIMEOUT_MS: '800' },
    });
  });
  after(async () => {
    await stack?.close();
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it('counts each message failed after the timeout, and stops trying once the server has failed three in a row', async () => {
    const host = await stack.createUser({ name: 'Anna' });
    const { data } = await host.client.from('video_call_sessions').insert({ title: 'Hang', scheduled_at: new Date(Date.now() + 3600_000).toISOString() }).select('id').single();
    for (let i = 0; i < 10; i++) {
      assert.ifError((await host.client.from('video_call_participants').insert({ session_id: data!.id, email: `guest${i}@mail.example.test` })).error);
    }
    const response = await callFunction(stack, 'video-call-email', { session_id: data!.id, kind: 'invite' }, host.token);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { sent: 0, failed: 10 });
    // Four go out at once; each of the first two timeouts still lets a worker try one more.
    assert.ok(sockets.length >= 3 && sockets.length <= 6, `${sockets.length} connections: the rest were not tried`);
  });
});

describe('video-call-email without SMTP settings', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack({ mail: false });
  });
  after(async () => {
    await stack?.close();
  });

  it('answers 503 mail_unavailable, drains an empty outbox as nothing, and keeps queued mail for later', async () => {
    const host = await stack.createUser({ name: 'Anna' });
    const guest = await stack.createUser({ name: 'Boris' });
    const { data } = await host.client.from('video_call_sessions').insert({ title: 'No mail', scheduled_at: new Date(Date.now() + 3600_000).toISOString() }).select('id').single();
    assert.ifError((await host.client.from('video_call_participants').insert({ session_id: data!.id, user_id: guest.id })).error);
    assert.deepEqual(await errorOf(await callFunction(stack, 'video-call-email', { session_id: data!.id, kind: 'invite' }, host.token)), {
      status: 503,
      code: 'mail_unavailable',
    });
    const empty = await callFunction(stack, 'video-call-email', { queued: true }, stack.serviceRoleKey);
    assert.deepEqual(await empty.json(), { sent: 0, failed: 0 });
    assert.ifError((await host.client.from('video_call_sessions').update({ status: 'ended' }).eq('id', data!.id)).error);
    assert.deepEqual(await errorOf(await callFunction(stack, 'video-call-email', { queued: true }, stack.serviceRoleKey)), {
      status: 503,
      code: 'mail_unavailable',
    });
    const rows = await stack.serviceClient().from('video_call_mail_outbox').select('kind, state').eq('session_id', data!.id);
    assert.deepEqual(rows.data, [{ kind: 'cancel', state: 'queued' }]);
  });
});

describe('call calendar text (ics.ts)', () => {
  it('escapes TEXT values: backslash, semicolon, comma and line breaks', () => {
    assert.equal(escapeText('a\\b;c,d\r\ne\nf'), 'a\\\\b\\;c\\,d\\ne\\nf');
  });

  it('folds lines at 75 octets without splitting a UTF-8 character', () => {
    const line = `SUMMARY:${'Планёрка '.repeat(12)}`;
    const folded = foldLine(line);
    for (const part of folded.split('\r\n')) assert.ok(Buffer.byteLength(part) <= 75, part);
    assert.equal(folded.replace(/\r\n /g, ''), line);
    assert.ok(!folded.includes('\uFFFD'));
  });

  it('makes a calendar that parses back to what it was given', () => {
    const text = calendarText({
      method: 'CANCEL',
      sessionId: '11111111-2222-4333-8444-555555555555',
      sequence: 3,
      start: new Date('2026-12-24T09:30:00Z'),
      durationMinutes: 90,
      summary: 'Итоги года; plan, "Q4"\nline two',
      description: '',
      url: null,
      organizer: { name: 'Анна "A" Smith', email: 'anna@example.test' },
      attendee: { name: 'Boris', email: 'boris@example.test', status: 'DECLINED' },
      stamp: new Date('2026-12-01T00:00:00Z'),
    });
    const calendar = parseCalendar(text);
    assert.equal(calendar.get('METHOD')!.value, 'CANCEL');
    assert.equal(calendar.get('DTSTART')!.value, '20261224T093000Z');
    assert.equal(calendar.get('DTEND')!.value, '20261224T110000Z');
    assert.equal(calendar.get('DTSTAMP')!.value, '20261201T000000Z');
    assert.equal(calendar.get('SEQUENCE')!.value, '3');
    assert.equal(unescapeText(calendar.get('SUMMARY')!.value), 'Итоги года; plan, "Q4"\nline two');
    assert.equal(calendar.get('ORGANIZER')!.params.CN, 'Анна  A  Smith');
    assert.equal(calendar.get('ATTENDEE')!.params.PARTSTAT, 'DECLINED');
    assert.equal(calendar.get('ATTENDEE')!.params.RSVP, undefined);
    assert.equal(calendar.get('URL'), undefined);
  });
});
