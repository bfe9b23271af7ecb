/**
 * video-call-reminders in real Deno behind the local stack, pushing to the stand-in push service
 * (test/support/push-service.ts: VAPID checked, every message decrypted) and mailing through the
 * stack's mail catcher over SMTP, read back with its Mailpit API. The run claims each
 * reminder in the database before it sends, so each test counts what arrived, not what was tried.
 * Every test drains what it made due, so the next one starts with nothing due.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { after, before, beforeEach, describe, it } from 'node:test';
import { loadConfig } from '../../supabase/local/config.ts';
import { createServerDatabase, startTestStack, type TestStack, type TestUser } from '../support/stack.ts';
import { callFunction } from '../support/functions.ts';
import { Inbox } from '../support/mail.ts';
import { PushService, subscriptionValues, vapidKeys } from '../support/push-service.ts';

const onPostgres = Boolean(process.env.TEST_DATABASE_URL);
const supabaseDir = fileURLToPath(new URL('../../supabase', import.meta.url));
const MINUTE = 60_000;

interface RunAnswer {
  due: number;
  participants: number;
  pushed: number;
  push_failed: number;
  push_removed: number;
  emailed: number;
  email_failed: number;
  outbox_sent: number;
  outbox_failed: number;
  released: number;
  more: boolean;
}

const vapid = vapidKeys();
const functionEnv = {
  VAPID_PUBLIC_KEY: vapid.publicKey,
  VAPID_PRIVATE_KEY: vapid.privateKey,
  VAPID_SUBJECT: 'mailto:calls@example.test',
  CALL_JOIN_URL: 'https://crm.example.test/calls/{session_id}',
  // Long enough for a push under a loaded full suite (1.5 s was not: every push of a run then
  // timed out), short enough that the hanging push service's test ends well within its 10 s.
  PUSH_TIMEOUT_MS: '4000',
};

/** A call's people on one stack, each with one browser subscribed at a path of their own. */
class Meetings {
  constructor(
    private readonly stack: TestStack,
    private readonly push: PushService,
  ) {}

  /** A user with a browser at `/<status>/<name>-<random>` (status: ok, gone, hang, …). */
  async person(name: string, status = 'ok'): Promise<TestUser & { path: string }> {
    const user = await this.stack.createUser({ name });
    const path = `/${status}/${name}-${randomUUID()}`;
    const { error } = await user.client.from('video_call_push_subscriptions').insert(subscriptionValues(this.push.browser(path)));
    assert.ifError(error);
    return { ...user, path };
  }

  /** A session of `host` starting in `minutes`, inviting `guests`; returns its id. */
  async session(host: TestUser, guests: TestUser[], minutes: number, settings?: Record<string, unknown>): Promise<string> {
    const { data, error } = await host.client
      .from('video_call_sessions')
      .insert({ title: 'Обзор сделки / Deal review', scheduled_at: new Date(Date.now() + minutes * MINUTE).toISOString(), ...(settings ? { settings } : {}) })
      .select('id')
      .single();
    assert.ifError(error);
    for (const guest of guests) {
      assert.ifError((await host.client.from('video_call_participants').insert({ session_id: data!.id, user_id: guest.id })).error);
    }
    return data!.id as string;
  }

  async run(body: unknown = {}): Promise<RunAnswer> {
    const response = await callFunction(this.stack, 'video-call-reminders', body, this.stack.serviceRoleKey);
    const answer = await response.json();
    assert.equal(response.status, 200, JSON.stringify(answer));
    return answer as RunAnswer;
  }
}

const REMINDER_SUBJECT = /^(Напоминание|Reminder): /;

/** The subjects of every message to `address`, oldest first. */
const subjectsTo = async (inbox: Inbox, address: string) => (await inbox.to(address)).map((message) => message.Subject);

const counts = (answer: RunAnswer) => ({
  due: answer.due,
  pushed: answer.pushed,
  push_failed: answer.push_failed,
  push_removed: answer.push_removed,
  emailed: answer.emailed,
  email_failed: answer.email_failed,
});

describe('video-call-reminders', () => {
  const push = new PushService(vapid.publicKey);
  let stack: TestStack;
  let meetings: Meetings;
  let inbox: Inbox;
  const pathsPushed = () => push.deliveries.map((delivery) => delivery.path).sort();

  before(async () => {
    await push.start();
    stack = await startTestStack({ functionEnv });
    meetings = new Meetings(stack, push);
    inbox = new Inbox(stack.mailUrl!);
  });
  beforeEach(async () => {
    push.deliveries.length = 0;
    push.problems.length = 0;
    await inbox.clear();
  });
  after(async () => {
    await stack?.close();
    await push.close();
  });

  it('pushes a reminder to the host and every guest who has not declined, with the call in the payload', async () => {
    const host = await meetings.person('anna');
    const guest = await meetings.person('boris');
    const maybe = await meetings.person('vera');
    const declined = await meetings.person('dana');
    const sessionId = await meetings.session(host, [guest, maybe, declined], 5);
    assert.ifError((await maybe.client.from('video_call_participants').update({ invite_status: 'tentative' }).eq('session_id', sessionId).eq('user_id', maybe.id)).error);
    assert.ifError((await declined.client.from('video_call_participants').update({ invite_status: 'declined' }).eq('session_id', sessionId).eq('user_id', declined.id)).error);

    const answer = await meetings.run();
    assert.deepEqual(answer, {
      due: 3,
      participants: 3,
      pushed: 3,
      push_failed: 0,
      push_removed: 0,
      emailed: 3,
      email_failed: 0,
      outbox_sent: 0,
      outbox_failed: 0,
      released: 0,
      more: false,
    });
    assert.deepEqual(push.problems, []);
    assert.deepEqual(pathsPushed(), [host.path, guest.path, maybe.path].sort());
    const scheduledAt = (await stack.serviceClient().from('video_call_sessions').select('scheduled_at').eq('id', sessionId).single()).data!.scheduled_at;
    for (const delivery of push.deliveries) {
      assert.deepEqual(delivery.payload, {
        kind: 'reminder',
        session_id: sessionId,
        event_id: null,
        title: 'Обзор сделки / Deal review',
        starts_at: scheduledAt,
        url: `https://crm.example.test/calls/${sessionId}`,
        host_name: 'anna',
      });
    }
    for (const person of [host, guest, maybe]) {
      const mail = await inbox.only(person.email);
      assert.match(mail.Subject, REMINDER_SUBJECT);
      assert.match(mail.Subject, /Обзор сделки \/ Deal review/);
      assert.ok(mail.Text.includes(`https://crm.example.test/calls/${sessionId}`), 'the join link is in the mail');
    }
    assert.deepEqual(await inbox.to(declined.email), [], 'nothing to the one who declined');
  });

  it('mails people invited by e-mail only, who have no browser to push to', async () => {
    const host = await meetings.person('anna');
    const sessionId = await meetings.session(host, [], 5);
    const address = `kira-${randomUUID()}@example.test`;
    assert.ifError((await host.client.from('video_call_participants').insert({ session_id: sessionId, email: address })).error);
    assert.deepEqual(counts(await meetings.run()), { due: 2, pushed: 1, push_failed: 0, push_removed: 0, emailed: 2, email_failed: 0 });
    assert.match((await inbox.only(address)).Subject, REMINDER_SUBJECT);
    assert.match((await inbox.only(host.email)).Subject, REMINDER_SUBJECT);
    assert.deepEqual(pathsPushed(), [host.path]);
  });

  it('sends the reminder once across two runs', async () => {
    const host = await meetings.person('anna');
    const guest = await meetings.person('boris');
    await meetings.session(host, [guest], 5);
    assert.deepEqual(counts(await meetings.run()), { due: 2, pushed: 2, push_failed: 0, push_removed: 0, emailed: 2, email_failed: 0 });
    assert.deepEqual(counts(await meetings.run()), { due: 0, pushed: 0, push_failed: 0, push_removed: 0, emailed: 0, email_failed: 0 });
    assert.deepEqual(pathsPushed(), [host.path, guest.path].sort());
    for (const person of [host, guest]) assert.match((await inbox.only(person.email)).Subject, REMINDER_SUBJECT);
  });

  it('sends the reminder once across three overlapping runs', async () => {
    const host = await meetings.person('anna');
    const guests = await Promise.all(['boris', 'vera', 'gleb', 'dana', 'egor'].map((name) => meetings.person(name)));
    await meetings.session(host, guests, 5);
    const runs = await Promise.all([meetings.run(), meetings.run(), meetings.run()]);
    assert.equal(runs.reduce((sum, run) => sum + run.due, 0), 6, JSON.stringify(runs));
    assert.equal(runs.reduce((sum, run) => sum + run.pushed, 0), 6);
    assert.equal(runs.reduce((sum, run) => sum + run.emailed, 0), 6);
    assert.deepEqual(pathsPushed(), [host.path, ...guests.map((guest) => guest.path)].sort());
    for (const person of [host, ...guests]) assert.match((await inbox.only(person.email)).Subject, REMINDER_SUBJECT);
  });

  it('skips ended sessions, meetings already under way or past, sessions without a time and reminder_minutes []', async () => {
    const host = await meetings.person('anna');
    const guest = await meetings.person('boris');
    const ended = await meetings.session(host, [guest], 5);
    assert.ifError((await host.client.from('video_call_sessions').update({ status: 'ended' }).eq('id', ended)).error);
    await meetings.session(host, [guest], -1);
    await meetings.session(host, [guest], 5, { reminder_minutes: [] });
    assert.ifError((await host.client.from('video_call_sessions').insert({ title: 'No time set' })).error);
    assert.deepEqual(counts(await meetings.run()), { due: 0, pushed: 0, push_failed: 0, push_removed: 0, emailed: 0, email_failed: 0 });
    assert.deepEqual(push.deliveries, []);
  });

  it('sends nothing before the moment of the earliest offset', async () => {
    const host = await meetings.person('anna');
    await meetings.session(host, [], 30, { reminder_minutes: [10] });
    assert.deepEqual(counts(await meetings.run()), { due: 0, pushed: 0, push_failed: 0, push_removed: 0, emailed: 0, email_failed: 0 });
  });

  it('sends one "starts in 3 minutes" reminder for a call set up after its offsets\' moments, and claims them all', async () => {
    const host = await meetings.person('anna');
    const sessionId = await meetings.session(host, [], 3, { reminder_minutes: [60, 10] });
    const answer = await meetings.run();
    assert.deepEqual({ ...counts(answer), participants: answer.participants }, { due: 2, pushed: 1, push_failed: 0, push_removed: 0, emailed: 1, email_failed: 0, participants: 1 });
    const claims = await stack.db.query<{ offset_minutes: number }>(
      'select offset_minutes from public.video_call_reminder_claims where session_id = $1 order by offset_minutes',
      [sessionId],
    );
    assert.deepEqual(claims.rows.map((row) => row.offset_minutes), [10, 60]);
    assert.deepEqual(counts(await meetings.run()), { due: 0, pushed: 0, push_failed: 0, push_removed: 0, emailed: 0, email_failed: 0 });
  });

  it('sends twice for two offsets, each when its moment comes', async () => {
    const host = await meetings.person('anna');
    // The 10-minute moment is a second and a half away; the 60-minute one has passed.
    const startsAt = new Date(Date.now() + 10 * MINUTE + 1500).toISOString();
    const { data, error } = await host.client
      .from('video_call_sessions')
      .insert({ title: 'Two reminders', scheduled_at: startsAt, settings: { reminder_minutes: [10, 60] } })
      .select('id')
      .single();
    assert.ifError(error);
    assert.deepEqual(counts(await meetings.run()), { due: 1, pushed: 1, push_failed: 0, push_removed: 0, emailed: 1, email_failed: 0 });
    await untilDatabaseTime(stack, new Date(Date.parse(startsAt) - 10 * MINUTE));
    assert.deepEqual(counts(await meetings.run()), { due: 1, pushed: 1, push_failed: 0, push_removed: 0, emailed: 1, email_failed: 0 });
    assert.deepEqual(pathsPushed(), [host.path, host.path]);
    assert.ok(push.deliveries.every((delivery) => delivery.payload.session_id === data!.id));
  });

  it('reminds again for the new time when the call is moved, after the outbox\'s mail with the new time', async () => {
    const host = await meetings.person('anna');
    const guest = await meetings.person('boris');
    const sessionId = await meetings.session(host, [guest], 5);
    assert.equal((await meetings.run()).pushed, 2);
    const later = new Date(Date.now() + 8 * MINUTE).toISOString();
    assert.ifError((await host.client.from('video_call_sessions').update({ scheduled_at: later }).eq('id', sessionId)).error);
    const again = await meetings.run();
    assert.deepEqual(counts(again), { due: 2, pushed: 2, push_failed: 0, push_removed: 0, emailed: 2, email_failed: 0 });
    assert.deepEqual({ sent: again.outbox_sent, failed: again.outbox_failed }, { sent: 1, failed: 0 }, 'the new time went to the guest');
    const guestMail = await subjectsTo(inbox, guest.email);
    assert.equal(guestMail.length, 3, guestMail.join(' | '));
    assert.match(guestMail[0], REMINDER_SUBJECT);
    assert.match(guestMail[1], /^(Новое время|New time): /);
    assert.match(guestMail[2], REMINDER_SUBJECT);
    const moved = push.deliveries.slice(2);
    const stored = (await stack.serviceClient().from('video_call_sessions').select('scheduled_at').eq('id', sessionId).single()).data!.scheduled_at;
    assert.ok(moved.every((delivery) => delivery.payload.starts_at === stored), 'the second reminder names the new time');
    assert.deepEqual(counts(await meetings.run()), { due: 0, pushed: 0, push_failed: 0, push_removed: 0, emailed: 0, email_failed: 0 });
  });

  it('claims but does not push to people already in the call', async () => {
    const host = await meetings.person('anna');
    const guest = await meetings.person('boris');
    const sessionId = await meetings.session(host, [guest], 5);
    assert.ifError((await guest.client.rpc('join_video_call', { p_session_id: sessionId })).error);
    const answer = await meetings.run();
    assert.deepEqual({ ...counts(answer), participants: answer.participants }, { due: 2, pushed: 1, push_failed: 0, push_removed: 0, emailed: 1, email_failed: 0, participants: 2 });
    assert.deepEqual(pathsPushed(), [host.path]);
  });

  it('removes a subscription the push service says is gone (410)', async () => {
    const host = await meetings.person('anna', 'gone');
    const guest = await meetings.person('boris');
    await meetings.session(host, [guest], 5);
    assert.deepEqual(counts(await meetings.run()), { due: 2, pushed: 1, push_failed: 0, push_removed: 1, emailed: 2, email_failed: 0 });
    const { data } = await stack.serviceClient().from('video_call_push_subscriptions').select('id').eq('user_id', host.id);
    assert.deepEqual(data, []);
  });

  it('counts a push service that hangs as failed, and finishes the run with the others delivered', async () => {
    const host = await meetings.person('anna', 'hang');
    const guest = await meetings.person('boris');
    const other = await meetings.person('vera');
    await meetings.session(host, [guest], 5);
    await meetings.session(other, [], 5);
    const started = Date.now();
    assert.deepEqual(counts(await meetings.run()), { due: 3, pushed: 2, push_failed: 1, push_removed: 0, emailed: 3, email_failed: 0 });
    assert.ok(Date.now() - started < 10_000, 'the hanging push is cut off by PUSH_TIMEOUT_MS');
    assert.deepEqual(pathsPushed(), [guest.path, other.path].sort());
    const { data } = await stack.serviceClient().from('video_call_push_subscriptions').select('failure_count').eq('user_id', host.id).single();
    assert.equal(data!.failure_count, 1);
    // Failed is failed: the reminder is not tried again.
    assert.deepEqual(counts(await meetings.run()), { due: 0, pushed: 0, push_failed: 0, push_removed: 0, emailed: 0, email_failed: 0 });
  });

  it('takes at most max_participants people per run and leaves the rest for the next', async () => {
    const host = await meetings.person('anna');
    const guests = await Promise.all(['boris', 'vera'].map((name) => meetings.person(name)));
    await meetings.session(host, guests, 5);
    const first = await meetings.run({ max_participants: 2 });
    assert.deepEqual({ due: first.due, pushed: first.pushed, more: first.more }, { due: 2, pushed: 2, more: true });
    const second = await meetings.run({ max_participants: 2 });
    assert.deepEqual({ due: second.due, pushed: second.pushed, more: second.more }, { due: 1, pushed: 1, more: false });
    assert.deepEqual(pathsPushed(), [host.path, ...guests.map((guest) => guest.path)].sort());
  });

  it('answers 401 and 403 to callers other than the service role, 400 to bad bodies, 405 to GET, and claims nothing then', async () => {
    const host = await meetings.person('anna');
    await meetings.session(host, [], 5);
    const call = (body: unknown, token?: string, init?: RequestInit) => callFunction(stack, 'video-call-reminders', body, token, init);
    const refusal = async (response: Response) => ({ status: response.status, code: (await response.json()).error?.code });
    assert.deepEqual(await refusal(await call({})), { status: 401, code: 'missing_token' });
    const forged = stack.sign({ role: 'service_role', exp: Math.floor(Date.now() / 1000) + 3600 });
    assert.deepEqual(await refusal(await call({}, forged)), { status: 401, code: 'invalid_token' });
    assert.deepEqual(await refusal(await call({}, stack.anonKey)), { status: 403, code: 'service_role_required' });
    assert.deepEqual(await refusal(await call({}, host.token)), { status: 403, code: 'service_role_required' });
    assert.deepEqual(await refusal(await call('{"max_participants":', stack.serviceRoleKey)), { status: 400, code: 'invalid_json' });
    assert.deepEqual(await refusal(await call([], stack.serviceRoleKey)), { status: 400, code: 'invalid_body' });
    for (const max_participants of ['10', 0, 1.5, 5001]) {
      assert.deepEqual(await refusal(await call({ max_participants }, stack.serviceRoleKey)), { status: 400, code: 'invalid_option' });
    }
    assert.equal((await call({ pad: 'x'.repeat(8192) }, stack.serviceRoleKey)).status, 413);
    assert.deepEqual(await refusal(await call(undefined, stack.serviceRoleKey, { method: 'GET' })), { status: 405, code: 'method_not_allowed' });
    assert.equal((await fetch(`${stack.url}/functions/v1/video-call-reminders`, { method: 'OPTIONS' })).status, 204);
    assert.deepEqual(push.deliveries, [], 'nothing was sent');
    // Nothing was lost either: the reminder goes out with the next good run.
    assert.deepEqual(counts(await meetings.run()), { due: 1, pushed: 1, push_failed: 0, push_removed: 0, emailed: 1, email_failed: 0 });
  });

  it('refuses reminder_minutes other than up to 10 whole minutes from 0 to 10080, for hosts and the service role alike', async () => {
    const host = await meetings.person('anna');
    const bad = [
      'ten',
      { at: 10 },
      ['10'],
      [1.5],
      [-1],
      [10081],
      [null],
      Array.from({ length: 11 }, (_, i) => i),
    ];
    for (const reminder_minutes of bad) {
      const { error } = await host.client.from('video_call_sessions').insert({ title: 'Bad reminders', settings: { reminder_minutes } });
      assert.equal(error?.code, '22023', `refused: ${JSON.stringify(reminder_minutes)}`);
      assert.match(error!.message, /reminder_minutes/);
    }
    const sessionId = await meetings.session(host, [], 120);
    const update = await host.client.from('video_call_sessions').update({ settings: { reminder_minutes: [5, 'soon'] } }).eq('id', sessionId);
    assert.equal(update.error?.code, '22023');
    assert.match(update.error!.message, /whole minutes from 0 to 10080/);
    const service = await stack.serviceClient().from('video_call_sessions').update({ settings: { reminder_minutes: 30 } }).eq('id', sessionId);
    assert.equal(service.error?.code, '22023');
    const { data } = await stack.serviceClient().from('video_call_sessions').select('settings').eq('id', sessionId).single();
    assert.deepEqual(data!.settings, {}, 'the session is as it was');
    for (const reminder_minutes of [[], [0, 10080], [10, 10], null, Array.from({ length: 10 }, (_, i) => i * 5)]) {
      const { error } = await host.client.from('video_call_sessions').update({ settings: { reminder_minutes } }).eq('id', sessionId);
      assert.ifError(error);
    }
  });

  it('keeps the claims table and the claiming function to the service role', async () => {
    const host = await meetings.person('anna');
    const read = await host.client.from('video_call_reminder_claims').select('*');
    assert.ok(read.error, 'a user cannot read the claims');
    const claimed = await host.client.rpc('claim_video_call_reminders', { p_max_participants: 10 });
    assert.ok(claimed.error, 'a user cannot claim reminders');
    assert.equal((await stack.anonClient().rpc('claim_video_call_reminders', {})).error?.code !== undefined, true);
  });

  it('is scheduled every minute by the local stack, and the hosted schedule needs pg_cron and pg_net', async () => {
    const schedule = loadConfig(`${supabaseDir}/config.toml`).schedule.find((entry) => entry.function === 'video-call-reminders');
    assert.equal(schedule?.everySeconds, 60);
    assert.deepEqual({ ...(schedule?.body as object) }, {});
    assert.ok(stack.migrations.applied.includes('20261201000500_video_call_reminders_schedule.sql'));
    // Neither PGlite nor the test PostgreSQL has pg_net: no job, and the knock says what is missing.
    const net = await stack.db.query(`select 1 from pg_available_extensions where name = 'pg_net'`);
    assert.equal(net.rows.length, 0);
    const cron = await stack.db.query(`select 1 from pg_namespace where nspname = 'cron'`);
    if (cron.rows.length > 0) {
      const jobs = await stack.db.query(`select 1 from cron.job where jobname = 'video-call-reminders'`);
      assert.equal(jobs.rows.length, 0);
    }
    await assert.rejects(stack.db.query('select public.invoke_video_call_reminders()'), /pg_net and Vault/);
  });

  it('knocks with what pg_net would send: the project URL and the service-role key from Vault, and that request runs the reminders', async () => {
    // Stand-ins with pg_net's and Vault's signatures, recording instead of sending; the test then
    // sends the recorded request itself. Dropped afterwards, so no other test sees them.
    await stack.db.exec(`
      create schema net;
      create table net.knocks (url text, body jsonb, headers jsonb, timeout_milliseconds integer);
      create function net.http_post(url text, body jsonb default '{}'::jsonb, params jsonb default '{}'::jsonb,
          headers jsonb default '{}'::jsonb, timeout_milliseconds integer default 5000)
        returns bigint language sql as $$
          insert into net.knocks values (url, body, headers, timeout_milliseconds); select 7::bigint $$;
      create schema vault;
      create table vault.decrypted_secrets (name text primary key, decrypted_secret text);`);
    try {
      await assert.rejects(stack.db.query('select public.invoke_video_call_reminders()'), /set the Vault secrets project_url and service_role_key/);
      await stack.db.query(`insert into vault.decrypted_secrets values ('project_url', $1), ('service_role_key', $2)`, [`${stack.url}/`, stack.serviceRoleKey]);
      const { rows } = await stack.db.query<{ id: string }>('select public.invoke_video_call_reminders()::text as id');
      assert.equal(rows[0].id, '7');
      const knocks = await stack.db.query<{ url: string; body: unknown; headers: Record<string, string>; timeout_milliseconds: number }>('select * from net.knocks');
      assert.equal(knocks.rows.length, 1);
      const knock = knocks.rows[0];
      assert.equal(knock.url, `${stack.url}/functions/v1/video-call-reminders`);
      assert.deepEqual(knock.headers, { 'content-type': 'application/json', authorization: `Bearer ${stack.serviceRoleKey}` });
      assert.ok(knock.timeout_milliseconds >= 55_000, 'pg_net waits for a whole run');

      const host = await meetings.person('anna');
      await meetings.session(host, [], 5);
      const response = await fetch(knock.url, { method: 'POST', headers: knock.headers, body: JSON.stringify(knock.body) });
      assert.equal(response.status, 200);
      assert.deepEqual(counts(await response.json()), { due: 1, pushed: 1, push_failed: 0, push_removed: 0, emailed: 1, email_failed: 0 });
    } finally {
      await stack.db.exec('drop schema net cascade; drop schema vault cascade;');
    }
    const user = await meetings.person('eve');
    assert.ok((await user.client.rpc('invoke_video_call_reminders')).error, 'users cannot knock');
  });
});

describe('video-call-reminders across a restart', () => {
  const push = new PushService(vapid.publicKey);
  let server: { url: string; drop(): Promise<void> } | undefined;
  let dataDir: string | undefined;

  before(async () => {
    await push.start();
    if (onPostgres) server = await createServerDatabase(process.env.TEST_DATABASE_URL!);
    else dataDir = mkdtempSync(join(tmpdir(), 'call-widgets-reminders-'));
  });
  after(async () => {
    await push.close();
    await server?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** A stack on the same data each time: a server database of its own, or PGlite in a folder. */
  const start = (scheduler = false) =>
    startTestStack({ functionEnv, scheduler, ...(server ? { databaseUrl: server.url } : { memory: false, pglite: true, dataDir }) });

  it('sends nothing again after the stack restarts on the same data, and its scheduler sends what became due', async () => {
    const first = await start();
    let firstPaths: string[];
    try {
      const meetings = new Meetings(first, push);
      const host = await meetings.person('anna');
      const guest = await meetings.person('boris');
      await meetings.session(host, [guest], 5);
      assert.deepEqual(counts(await meetings.run()), { due: 2, pushed: 2, push_failed: 0, push_removed: 0, emailed: 2, email_failed: 0 });
      firstPaths = [host.path, guest.path].sort();
    } finally {
      await first.close();
    }
    const second = await start(true);
    try {
      const meetings = new Meetings(second, push);
      assert.deepEqual(counts(await meetings.run()), { due: 0, pushed: 0, push_failed: 0, push_removed: 0, emailed: 0, email_failed: 0 });
      const host = await meetings.person('gleb');
      await meetings.session(host, [], 5);
      assert.ok(second.scheduler, 'the stack runs its scheduler');
      await second.scheduler.runAll();
      assert.deepEqual(push.deliveries.map((delivery) => delivery.path).sort(), [...firstPaths, host.path].sort());
      const mailed = (await new Inbox(second.mailUrl!).list()).map((message) => message.To[0].Address);
      assert.deepEqual(mailed, [host.email], 'the new stack mailed only the new reminder');
    } finally {
      await second.close();
    }
  });
});

describe('video-call-reminders without SMTP', () => {
  const push = new PushService(vapid.publicKey);
  let stack: TestStack;

  before(async () => {
    await push.start();
    stack = await startTestStack({ functionEnv, mail: false });
  });
  after(async () => {
    await stack?.close();
    await push.close();
  });

  it('counts the e-mails as failed and still pushes, and the reminders are not sent again', async () => {
    const meetings = new Meetings(stack, push);
    const host = await meetings.person('anna');
    const guest = await meetings.person('boris');
    await meetings.session(host, [guest], 5);
    assert.deepEqual(counts(await meetings.run()), { due: 2, pushed: 2, push_failed: 0, push_removed: 0, emailed: 0, email_failed: 2 });
    assert.deepEqual(counts(await meetings.run()), { due: 0, pushed: 0, push_failed: 0, push_removed: 0, emailed: 0, email_failed: 0 });
  });
});

describe('video-call-reminders out of time', () => {
  const push = new PushService(vapid.publicKey);
  let stack: TestStack;

  before(async () => {
    await push.start();
    // Push services that hang for 3 s, and a run that must start every session within 1 s.
    stack = await startTestStack({ functionEnv: { ...functionEnv, PUSH_TIMEOUT_MS: '3000', REMINDERS_DELIVERY_DEADLINE_MS: '1000' } });
  });
  after(async () => {
    await stack?.close();
    await push.close();
  });

  it('gives back the claims of sessions it had no time to start, and the next run sends them once', async () => {
    const meetings = new Meetings(stack, push);
    // Nine sessions, more than a run delivers side by side: eight hang, the last (latest) is fine.
    const stuck = await Promise.all(Array.from({ length: 8 }, (_, i) => meetings.person(`stuck${i}`, 'hang')));
    for (const host of stuck) await meetings.session(host, [], 5);
    const last = await meetings.person('last');
    await meetings.session(last, [], 6);

    const first = await meetings.run();
    assert.ok(first.released >= 1, `the first run gave back what it could not start: ${JSON.stringify(first)}`);
    assert.equal(first.more, true);
    assert.equal(first.due + first.released, 9);
    const runs = [first];
    while (runs.at(-1)!.more && runs.length < 6) runs.push(await meetings.run());
    assert.equal(runs.at(-1)!.more, false, 'everything was sent within a few runs');
    assert.equal(runs.reduce((sum, run) => sum + run.due, 0), 9, 'each reminder was kept by exactly one run');
    assert.deepEqual(push.deliveries.map((delivery) => delivery.path), [last.path], 'the last host was pushed to once');
    const { data } = await stack.serviceClient().from('video_call_push_subscriptions').select('failure_count').in('user_id', stuck.map((host) => host.id));
    assert.deepEqual(data!.map((row) => row.failure_count), Array(8).fill(1), 'each hanging push service was tried once');
  });
});

/** Waits until the database's clock has passed `moment` (the run compares with now() there). */
async function untilDatabaseTime(stack: TestStack, moment: Date): Promise<void> {
  for (;;) {
    const { rows } = await stack.db.query<{ passed: boolean }>('select now() >= $1::timestamptz as passed', [moment.toISOString()]);
    if (rows[0].passed) return;
    await new Promise((resolve) => setTimeout(resolve, Math.max(20, moment.getTime() - Date.now())));
  }
}
