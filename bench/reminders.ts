/**
 * The reminders run under a full minute's load: a stack on its embedded PostgreSQL server (as
 * `npm run backend` starts it), 100 sessions × 10 participants (the host and 9 guests) starting in
 * five minutes, every participant with one browser subscribed at the stand-in push service
 * (test/support/push-service.ts: it checks each VAPID JWT and decrypts each message, then answers
 * 201). One run claims and pushes all 1,000 reminders; the claims are deleted before each run, so
 * every run does the whole work. Reports the median run time, pushes/s, the slowest run, and the
 * due query's own time (the claims taken in SQL with nothing sent).
 *
 * BENCH_REMINDER_SESSIONS (100), BENCH_REMINDER_PEOPLE (10 per session), BENCH_REMINDER_RUNS (3)
 * change the shape. Standalone: `node --import tsx bench/reminders.ts`.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startLocalStack, type LocalStack } from '../supabase/local/server.ts';
import { PushService, subscriptionValues } from '../test/support/push-service.ts';

const SESSIONS = Number(process.env.BENCH_REMINDER_SESSIONS ?? 100);
const PEOPLE = Number(process.env.BENCH_REMINDER_PEOPLE ?? 10);
const RUNS = Number(process.env.BENCH_REMINDER_RUNS ?? 3);

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Users, sessions, invitations and subscriptions, written straight into the database in four statements. */
async function seed(stack: LocalStack, push: PushService): Promise<void> {
  const users = Array.from({ length: SESSIONS * PEOPLE }, (_, i) => ({ id: randomUUID(), email: `reminder-${i}-${randomUUID()}@example.test` }));
  await stack.db.query(
    `insert into auth.users (id, email, email_confirmed_at, raw_user_meta_data)
     select id, email, now(), jsonb_build_object('display_name', 'Person ' || n)
       from unnest($1::uuid[], $2::text[]) with ordinality as u(id, email, n)`,
    [users.map((user) => user.id), users.map((user) => user.email)],
  );
  const sessions = Array.from({ length: SESSIONS }, () => randomUUID());
  const startsAt = new Date(Date.now() + 5 * 60_000).toISOString();
  // The session trigger adds each host's own participant row.
  await stack.db.query(
    `insert into public.video_call_sessions (id, title, host_id, scheduled_at)
     select id, 'Reminder bench ' || n, host_id, $3::timestamptz
       from unnest($1::uuid[], $2::uuid[]) with ordinality as s(id, host_id, n)`,
    [sessions, sessions.map((_, s) => users[s * PEOPLE].id), startsAt],
  );
  const guests = sessions.flatMap((session, s) => users.slice(s * PEOPLE + 1, (s + 1) * PEOPLE).map((user) => ({ session, user: user.id })));
  await stack.db.query(
    `insert into public.video_call_participants (session_id, user_id)
     select * from unnest($1::uuid[], $2::uuid[])`,
    [guests.map((guest) => guest.session), guests.map((guest) => guest.user)],
  );
  const browsers = users.map((user) => ({ user: user.id, ...subscriptionValues(push.browser(`/ok/${user.id}`)) }));
  await stack.db.query(
    `insert into public.video_call_push_subscriptions (user_id, endpoint, p256dh, auth)
     select * from unnest($1::uuid[], $2::text[], $3::text[], $4::text[])`,
    [browsers.map((b) => b.user), browsers.map((b) => b.endpoint), browsers.map((b) => b.p256dh), browsers.map((b) => b.auth)],
  );
}

export async function benchReminders(report: (label: string, value: string) => void): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'call-widgets-bench-reminders-'));
  const stack = await startLocalStack({ port: 0, dataDir, scheduler: false, mail: false, env: {}, log: () => undefined });
  const push = new PushService(stack.vapidPublicKey);
  await push.start();
  try {
    await seed(stack, push);
    const due = SESSIONS * PEOPLE;
    const times: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      await stack.db.query('delete from public.video_call_reminder_claims');
      push.deliveries.length = 0;
      const started = performance.now();
      const response = await fetch(`${stack.url}/functions/v1/video-call-reminders`, {
        method: 'POST',
        headers: { authorization: `Bearer ${stack.serviceRoleKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ max_participants: due }),
      });
      const answer = await response.json();
      times.push(performance.now() - started);
      if (response.status !== 200 || answer.due !== due || answer.pushed !== due || push.deliveries.length !== due || push.problems.length) {
        throw new Error(`reminders run ${run + 1}: ${response.status} ${JSON.stringify(answer)}, ${push.deliveries.length} delivered, problems: ${push.problems.slice(0, 3).join('; ')}`);
      }
    }
    // The database's share: the same claims taken by the due query alone, no pushes.
    const claimTimes: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      await stack.db.query('delete from public.video_call_reminder_claims');
      const started = performance.now();
      const { rows } = await stack.db.query<{ people: number }>('select count(*)::int as people from public.claim_video_call_reminders($1)', [due]);
      claimTimes.push(performance.now() - started);
      if (rows[0].people !== due) throw new Error(`the due query claimed ${rows[0].people} of ${due}`);
    }
    const typical = median(times);
    report(`one run, ${due} due (${SESSIONS} × ${PEOPLE}), median of ${RUNS}`, `${typical.toFixed(0)} ms   slowest ${Math.max(...times).toFixed(0)} ms`);
    report('pushes delivered per second', `${((due / typical) * 1000).toFixed(0)} /s`);
    report(`due query alone: ${due} claimed, nothing sent`, `${median(claimTimes).toFixed(0)} ms`);
  } finally {
    await push.close();
    await stack.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchReminders((label, value) => console.log(`${label.padEnd(46)} ${value}`));
}
