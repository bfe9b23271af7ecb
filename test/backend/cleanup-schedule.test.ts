/**
 * The pg_cron migration (20261124000300_video_call_cleanup_schedule.sql), as hosted projects get
 * it. On PostgreSQL (the backend-postgres suite) the server has pg_cron preloaded
 * (scripts/with-postgres.sh) and this stack runs in its cron.database_name: the job exists with its
 * schedule and command, its command performs the cleanup, and pg_cron itself runs it. Without
 * pg_cron there this fails, saying what to install. On PGlite, which has no pg_cron, the migration
 * applies and schedules nothing, and the stack's own scheduler has the cleanup instead.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../supabase/local/config.ts';
import { startTestStack, type TestStack, type TestUser } from '../support/stack.ts';

const MIGRATION = '20261124000300_video_call_cleanup_schedule.sql';
const onPostgres = Boolean(process.env.TEST_DATABASE_URL);
const supabaseDir = fileURLToPath(new URL('../../supabase', import.meta.url));

/** Polls `probe` until it returns something, for at most `ms`. */
async function eventually<T>(probe: () => Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('the cleanup schedule (pg_cron migration)', () => {
  let stack: TestStack;
  let host: TestUser;
  let guest: TestUser;

  before(async () => {
    if (onPostgres && !process.env.TEST_CRON_DATABASE_URL) {
      throw new Error(
        'pg_cron is not available on the test PostgreSQL server: install Debian\'s postgresql-15-cron ' +
          '(apt-get install -y postgresql-15-cron); scripts/with-postgres.sh then preloads it and sets TEST_CRON_DATABASE_URL',
      );
    }
    stack = await startTestStack(onPostgres ? { databaseUrl: process.env.TEST_CRON_DATABASE_URL } : { scheduler: true });
    host = await stack.createUser({ name: 'Anna' });
    guest = await stack.createUser({ name: 'Boris' });
  });
  after(async () => stack?.close());

  /** An active call whose one present member was last seen an hour ago, with a two-hour-old signal. */
  async function abandonedCall(title: string): Promise<string> {
    const { data, error } = await host.client.from('video_call_sessions').insert({ title }).select().single();
    assert.ifError(error);
    assert.ifError((await host.client.from('video_call_participants').insert({ session_id: data.id, user_id: guest.id })).error);
    assert.ifError((await guest.client.rpc('join_video_call', { p_session_id: data.id })).error);
    assert.ifError((await guest.client.from('video_call_signals').insert({ session_id: data.id, kind: 'bye', payload: {} })).error);
    await stack.db.query(`update public.video_call_participants set last_seen_at = now() - interval '1 hour' where session_id = $1`, [data.id]);
    await stack.db.query(`update public.video_call_sessions set last_activity_at = now() - interval '1 hour' where id = $1`, [data.id]);
    await stack.db.query(`update public.video_call_signals set created_at = now() - interval '2 hours' where session_id = $1`, [data.id]);
    return data.id;
  }

  /** What the cleanup leaves of a call: its status, who is still present, how many signals. */
  async function stateOf(sessionId: string) {
    const result = await stack.db.query<{ status: string; present: number; signals: number }>(
      `select s.status,
              (select count(*)::int from public.video_call_participants p
                where p.session_id = s.id and p.presence_status in ('joining', 'connected')) as present,
              (select count(*)::int from public.video_call_signals g where g.session_id = s.id) as signals
         from public.video_call_sessions s where s.id = $1`,
      [sessionId],
    );
    return result.rows[0];
  }

  it('applied the migration', () => {
    assert.ok(stack.migrations.applied.includes(MIGRATION), `applied: ${stack.migrations.applied.join(', ')}`);
  });

  if (onPostgres) {
    it('schedules video-call-cleanup every minute in this database, calling cleanup_video_calls()', async () => {
      const jobs = await stack.db.query<{ schedule: string; command: string; database: string; active: boolean }>(
        `select schedule, command, database, active from cron.job where jobname = 'video-call-cleanup'`,
      );
      const database = (await stack.db.query<{ name: string }>('select current_database() as name')).rows[0].name;
      assert.deepEqual(jobs.rows, [{ schedule: '* * * * *', command: 'select public.cleanup_video_calls()', database, active: true }]);
    });

    it('its command ends abandoned calls, marks their people left and purges old signals', async () => {
      const call = await abandonedCall('Cleaned by the command');
      assert.deepEqual(await stateOf(call), { status: 'active', present: 1, signals: 1 });
      const { rows } = await stack.db.query<{ command: string }>(`select command from cron.job where jobname = 'video-call-cleanup'`);
      await stack.db.exec(rows[0].command);
      assert.deepEqual(await stateOf(call), { status: 'ended', present: 0, signals: 0 });
    });

    it('is run by pg_cron itself, which performs the cleanup', async () => {
      const call = await abandonedCall('Cleaned by pg_cron');
      const since = (await stack.db.query<{ now: string }>('select clock_timestamp()::text as now')).rows[0].now;
      // The schedule is every minute, on the minute: the next run starts within 60 s.
      const run = await eventually(
        async () =>
          (
            await stack.db.query<{ status: string; return_message: string }>(
              `select d.status, d.return_message from cron.job_run_details d join cron.job j using (jobid)
                where j.jobname = 'video-call-cleanup' and d.start_time > $1::timestamptz
                  and d.status in ('succeeded', 'failed')
                order by d.start_time limit 1`,
              [since],
            )
          ).rows[0],
        75_000,
        'a finished pg_cron run of video-call-cleanup',
      );
      assert.equal(run.status, 'succeeded', run.return_message);
      assert.deepEqual(await stateOf(call), { status: 'ended', present: 0, signals: 0 });
    });
  } else {
    it('schedules nothing where pg_cron is absent, and the stack runs the cleanup every minute itself', async () => {
      const cron = await stack.db.query(`select 1 from pg_namespace where nspname = 'cron'`);
      assert.equal(cron.rows.length, 0);
      assert.match(readFileSync(`${supabaseDir}/migrations/${MIGRATION}`, 'utf8'), /pg_available_extensions/);
      const schedule = loadConfig(`${supabaseDir}/config.toml`).schedule.find((entry) => entry.function === 'video-call-cleanup');
      assert.equal(schedule?.everySeconds, 60);
      const call = await abandonedCall('Cleaned by the local scheduler');
      assert.ok(stack.scheduler, 'the stack runs its scheduler');
      await stack.scheduler.runAll();
      assert.deepEqual(await stateOf(call), { status: 'ended', present: 0, signals: 0 });
    });
  }
});
