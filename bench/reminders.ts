/**
 * The reminders run under a full minute's load: a stack on its embedded PostgreSQL server (as
 * `npm run backend` starts it) with its mail catcher, 100 sessions × 10 participants (the host
 * and 9 guests) starting in five minutes, every participant with one browser subscribed at the
 * stand-in push service (test/support/push-service.ts: it checks each VAPID JWT and decrypts each
 * message, then answers 201) and an address the reminder mail goes to over SMTP. The claims are
 * deleted before each run, so every run does the whole work: 1,000 reminders. Three shapes, each
 * the median of a few runs: push and mail together (what a run does), pushes alone (the users'
 * addresses taken away), mail alone (the subscriptions taken away); and the due query's own time
 * (the claims taken in SQL with nothing sent).
 *
 * BENCH_REMINDER_SESSIONS (100), BENCH_REMINDER_PEOPLE (10 per session), BENCH_REMINDER_RUNS (3)
 * change the shape. Standalone: `node --import tsx bench/reminders.ts`.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startLocalStack, type LocalStack } from '../supabase/local/server.ts';
import { PushService, subscriptionValues } from '../test/support/push-service.ts';

const SESSIONS = Number(process.env.BENCH_REMINDER_SESSIONS ?? 100);
const PEOPLE = Number(process.env.BENCH_REMINDER_PEOPLE ?? 10);
const RUNS = Number(process.env.BENCH_REMINDER_RUNS ?? 3);

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Users, sessions, invitations and subscriptions, written straight into the database in four statements. */
async function seed(stack: LocalStack, push: PushService) {
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
  const subscribe = () =>
    stack.db.query(
      `insert into public.video_call_push_subscriptions (user_id, endpoint, p256dh, auth)
       select * from unnest($1::uuid[], $2::text[], $3::text[], $4::text[])`,
      [browsers.map((b) => b.user), browsers.map((b) => b.endpoint), browsers.map((b) => b.p256dh), browsers.map((b) => b.auth)],
    );
  await subscribe();
  return {
    /** Takes the subscriptions away for `during`, then puts them back. */
    async withoutPush<T>(during: () => Promise<T>): Promise<T> {
      await stack.db.query('delete from public.video_call_push_subscriptions');
      try {
        return await during();
      } finally {
        await subscribe();
      }
    },
    /** Takes the users' addresses away for `during` (people without one get no mail), then puts them back. */
    async withoutMail<T>(during: () => Promise<T>): Promise<T> {
      // The hosts' own rows carry their address too.
      const { rows: kept } = await stack.db.query<{ id: string; email: string }>(
        'select id, email from public.video_call_participants where email is not null and user_id = any($1::uuid[])',
        [users.map((user) => user.id)],
      );
      await stack.db.query('update public.video_call_participants set email = null where id = any($1::uuid[])', [kept.map((row) => row.id)]);
      await stack.db.query('update auth.users set email = null where id = any($1::uuid[])', [users.map((user) => user.id)]);
      try {
        return await during();
      } finally {
        await stack.db.query(
          'update auth.users u set email = v.email from unnest($1::uuid[], $2::text[]) as v(id, email) where u.id = v.id',
          [users.map((user) => user.id), users.map((user) => user.email)],
        );
        await stack.db.query(
          'update public.video_call_participants p set email = v.email from unnest($1::uuid[], $2::text[]) as v(id, email) where p.id = v.id',
          [kept.map((row) => row.id), kept.map((row) => row.email)],
        );
      }
    },
  };
}

/** CPU seconds so far of this process (the stack, its mail catcher, the stand-in push service) and of its Deno and PostgreSQL descendants (Linux /proc; zero elsewhere). */
function cpuSeconds(): { stack: number; deno: number; postgres: number } {
  const usage = process.cpuUsage();
  const totals = { stack: (usage.user + usage.system) / 1e6, deno: 0, postgres: 0 };
  let stats: { pid: number; ppid: number; comm: string; seconds: number }[];
  try {
    stats = readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .flatMap((pid) => {
        try {
          const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
          const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
          const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          // Fields after the name: state ppid … utime (12th) stime (13th), in clock ticks (100 a second).
          return [{ pid: Number(pid), ppid: Number(fields[1]), comm, seconds: (Number(fields[11]) + Number(fields[12])) / 100 }];
        } catch {
          return [];
        }
      });
  } catch {
    return totals;
  }
  const mine = new Set([process.pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const stat of stats) {
      if (!mine.has(stat.pid) && mine.has(stat.ppid)) {
        mine.add(stat.pid);
        grew = true;
      }
    }
  }
  for (const stat of stats) {
    if (!mine.has(stat.pid) || stat.pid === process.pid) continue;
    if (stat.comm.startsWith('deno')) totals.deno += stat.seconds;
    else if (stat.comm.startsWith('postgres')) totals.postgres += stat.seconds;
  }
  return totals;
}

interface Timed {
  ms: number;
  /** CPU seconds the run took: this process, the function's Deno, PostgreSQL. */
  cpu: { stack: number; deno: number; postgres: number };
  /** Reminders the run took on: all that were due, unless it stopped at its time bound. */
  handled: number;
}

/**
 * RUNS runs, each on fresh claims, checking that every reminder a run took on went out as
 * expected (`push` / `mail`: whether that half has anyone to reach) and arrived.
 */
async function timeRuns(stack: LocalStack, push: PushService, halves: { push: boolean; mail: boolean }): Promise<Timed[]> {
  const due = SESSIONS * PEOPLE;
  const runs: Timed[] = [];
  for (let run = 0; run < RUNS; run++) {
    await stack.db.query('delete from public.video_call_reminder_claims');
    push.deliveries.length = 0;
    const cpuBefore = cpuSeconds();
    const started = performance.now();
    const response = await fetch(`${stack.url}/functions/v1/video-call-reminders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.serviceRoleKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ max_participants: due }),
    });
    const answer = await response.json();
    const ms = performance.now() - started;
    const cpuAfter = cpuSeconds();
    const cpu = { stack: cpuAfter.stack - cpuBefore.stack, deno: cpuAfter.deno - cpuBefore.deno, postgres: cpuAfter.postgres - cpuBefore.postgres };
    const handled = answer.participants;
    const right =
      response.status === 200 &&
      handled > 0 &&
      (answer.more || handled === due) &&
      answer.pushed === (halves.push ? handled : 0) &&
      answer.emailed === (halves.mail ? handled : 0) &&
      push.deliveries.length === answer.pushed &&
      push.problems.length === 0;
    if (!right) {
      throw new Error(`reminders run: ${response.status} ${JSON.stringify(answer)}, ${push.deliveries.length} pushes arrived, problems: ${push.problems.slice(0, 3).join('; ')}`);
    }
    runs.push({ ms, cpu, handled });
  }
  return runs;
}

export async function benchReminders(report: (label: string, value: string) => void): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'call-widgets-bench-reminders-'));
  const stack = await startLocalStack({ port: 0, dataDir, scheduler: false, mail: { port: 0, smtpPort: 0 }, env: {}, log: () => undefined });
  const push = new PushService(stack.vapidPublicKey);
  await push.start();
  try {
    const people = await seed(stack, push);
    const due = SESSIONS * PEOPLE;
    const shape = `${due} due (${SESSIONS} × ${PEOPLE})`;
    // A run stops claiming after its time bound (20 s): the rate is what it handled in its time.
    const figure = (label: string, runs: Timed[], rate: string) => {
      const typical = [...runs].sort((x, y) => x.ms - y.ms)[Math.floor(runs.length / 2)];
      const slowest = Math.max(...runs.map((run) => run.ms));
      const all = runs.every((run) => run.handled === due) ? 'all' : `${Math.min(...runs.map((run) => run.handled))}–${Math.max(...runs.map((run) => run.handled))} of ${due}`;
      report(label, `${typical.ms.toFixed(0)} ms (${all})   slowest ${slowest.toFixed(0)} ms   ${((typical.handled / typical.ms) * 1000).toFixed(0)} ${rate}/s`);
      const { stack: own, deno, postgres } = typical.cpu;
      report('    CPU s: stack+catcher+push stand-in / Deno / PG', `${own.toFixed(1)} / ${deno.toFixed(1)} / ${postgres.toFixed(1)}   (load ${loadavg()[0].toFixed(1)} on ${cpus().length} cores)`);
    };
    figure(`one run, push + mail, ${shape}`, await timeRuns(stack, push, { push: true, mail: true }), 'reminders');
    figure('one run, pushes alone', await people.withoutMail(() => timeRuns(stack, push, { push: true, mail: false })), 'pushes');
    figure('one run, mail alone', await people.withoutPush(() => timeRuns(stack, push, { push: false, mail: true })), 'mails');
    // The database's share: the same claims taken by the due query alone, nothing sent.
    const claimTimes: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      await stack.db.query('delete from public.video_call_reminder_claims');
      const started = performance.now();
      const { rows } = await stack.db.query<{ people: number }>('select count(*)::int as people from public.claim_video_call_reminders($1)', [due]);
      claimTimes.push(performance.now() - started);
      if (rows[0].people !== due) throw new Error(`the due query claimed ${rows[0].people} of ${due}`);
    }
    report(`due query alone: ${due} claimed, nothing sent`, `${median(claimTimes).toFixed(0)} ms`);
    report('runs each', `${RUNS}, median shown`);
  } finally {
    await push.close();
    await stack.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchReminders((label, value) => console.log(`${label.padEnd(46)} ${value}`));
}
