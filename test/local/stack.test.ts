import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createClient } from '@supabase/supabase-js';
import { startLocalStack } from '../../supabase/local/server.ts';
import { clientOptions, startTestStack, type TestStack } from '../support/stack.ts';

describe('local stack', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack();
  });
  after(() => stack.close());

  it('signs the Supabase CLI well-known local keys with the default secret', () => {
    assert.equal(
      stack.anonKey,
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6ImFub24iLCJleHAiOjE5ODM4MTI5OTZ9.CRXP1A7WOeoJeXxjNni43kdQwgnWNReilDMblYTn_I0',
    );
    assert.equal(
      stack.serviceRoleKey,
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6InNlcnZpY2Vfcm9sZSIsImV4cCI6MTk4MzgxMjk5Nn0.EGIM96RAZx35lJzdJsyH-qQwv8Hdp7fsn3W0YpN81IU',
    );
  });

  it('creates the Supabase built-ins at boot', async () => {
    const { rows } = await stack.db.query<{ rolname: string }>(
      `select rolname from pg_roles where rolname in ('anon', 'authenticated', 'service_role') order by 1`,
    );
    assert.deepEqual(
      rows.map((row) => row.rolname),
      ['anon', 'authenticated', 'service_role'],
    );
    const user = await stack.createUser();
    const uid = await stack.db.transaction(async (tx) => {
      await tx.query(`select set_config('request.jwt.claims', $1, true)`, [JSON.stringify({ sub: user.id, role: 'authenticated' })]);
      return (await tx.query<{ uid: string; role: string }>('select auth.uid()::text as uid, auth.role() as role')).rows[0];
    });
    assert.deepEqual(uid, { uid: user.id, role: 'authenticated' });
  });

  it('answers unknown paths with a JSON 404', async () => {
    const response = await fetch(`${stack.url}/nowhere`);
    assert.equal(response.status, 404);
    assert.match((await response.json()).message, /no route/);
  });

  for (const [engine, kind, options] of [
    ['PostgreSQL server', 'postgres', {}],
    ['PGlite', 'pglite', { pglite: true }],
  ] as const) {
    it(`keeps users and rows across a restart of the embedded ${engine}, migrating only once`, async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'call-widgets-restart-'));
      try {
        const first = await startLocalStack({ port: 0, dataDir, scheduler: false, log: () => undefined, ...options });
        assert.equal(first.db.kind, kind);
        assert.ok(first.migrations.applied.length >= 3);
        const client = createClient(first.url, first.anonKey, clientOptions as never);
        const signUp = await client.auth.signUp({ email: 'keep@example.test', password: 'secret123' });
        assert.ifError(signUp.error);
        const created = await client.from('video_call_sessions').insert({ title: 'Survives restarts' }).select('id').single();
        assert.ifError(created.error);
        await first.close();

        const second = await startLocalStack({ port: 0, dataDir, scheduler: false, log: () => undefined, ...options });
        try {
          assert.deepEqual(second.migrations.applied, []);
          const again = createClient(second.url, second.anonKey, clientOptions as never);
          const signIn = await again.auth.signInWithPassword({ email: 'keep@example.test', password: 'secret123' });
          assert.ifError(signIn.error);
          const { data, error } = await again.from('video_call_sessions').select('title').eq('id', created.data.id).single();
          assert.ifError(error);
          assert.equal(data.title, 'Survives restarts');
        } finally {
          await second.close();
        }
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  }
});

// Only a real server has connections to lose: this part runs in the backend-postgres suite
// (`npm run test:postgres`, part of `npm test`), where TEST_DATABASE_URL names the server.
if (process.env.TEST_DATABASE_URL) {
  describe('local stack on a PostgreSQL server', () => {
    it('keeps serving REST and postgres_changes when the server terminates its connections', async () => {
      const logged: string[] = [];
      const stack = await startTestStack({ log: (service, message) => logged.push(`[${service}] ${message}`) });
      try {
        const host = await stack.createUser({ name: 'Anna' });
        const { data: session, error } = await host.client.from('video_call_sessions').insert({ title: 'Outage' }).select().single();
        assert.ifError(error);
        const kinds: string[] = [];
        const channel = host.client
          .channel(`outage-${session.id}`)
          .on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'video_call_signals', filter: `session_id=eq.${session.id}` }, (change) =>
            kinds.push(String(change.new.kind)),
          );
        await new Promise<void>((resolve, reject) =>
          channel.subscribe((status, err) => (status === 'SUBSCRIBED' ? resolve() : status !== 'CLOSED' && reject(err ?? new Error(status)))),
        );
        const send = async (kind: string) => assert.ifError((await host.client.from('video_call_signals').insert({ session_id: session.id, kind, payload: {} })).error);
        const waitFor = async (predicate: () => boolean, what: string) => {
          for (let waited = 0; !predicate(); waited += 50) {
            if (waited > 5000) assert.fail(`${what}; log: ${logged.join(' | ')}`);
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
        };
        await send('offer');
        await waitFor(() => kinds.length === 1, 'the first change arrives');

        // What a server restart or an administrator does: end every backend of this database.
        const database = (await stack.db.query<{ name: string }>('select current_database() as name')).rows[0].name;
        const { default: pg } = await import('pg');
        const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
        await admin.connect();
        const { rows } = await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [database]);
        await admin.end();
        assert.ok(rows.length >= 1, 'the stack had connections to end');

        await waitFor(() => logged.some((line) => line.includes('the LISTEN connection is back')), 'the LISTEN connection comes back');
        assert.ok(logged.some((line) => line.startsWith('[db] the LISTEN connection was lost')), 'the loss is logged');
        await send('answer');
        await waitFor(() => kinds.length === 2, 'changes after the outage arrive');
        assert.deepEqual(kinds, ['offer', 'answer']);
        const { data: again, error: readError } = await host.client.from('video_call_sessions').select('title').eq('id', session.id).single();
        assert.ifError(readError);
        assert.equal(again.title, 'Outage', 'REST answers on fresh pooled connections');
        await channel.unsubscribe();
      } finally {
        await stack.close();
      }
    });
  });
}
