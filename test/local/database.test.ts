/**
 * The database layer on PostgreSQL (the embedded server, or TEST_DATABASE_URL's): hosted Supabase's
 * per-role statement timeouts, and a slow query holding nobody else up.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestStack, type TestStack } from '../support/stack.ts';

describe('database on PostgreSQL', () => {
  let stack: TestStack;
  let dataDir: string;
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'call-widgets-database-'));
    // Not in memory: the embedded PostgreSQL server, unless TEST_DATABASE_URL names a server.
    stack = await startTestStack({ memory: false, dataDir });
    // Test-only functions, created by the owner as a migration would.
    await stack.db.exec(`
      create function public.test_sleep(seconds double precision) returns boolean
      language sql as $$ select pg_sleep(seconds) is null $$;
      create function public.test_statement_timeout() returns text
      language sql stable as $$ select current_setting('statement_timeout') $$;
      grant execute on function public.test_sleep(double precision), public.test_statement_timeout() to anon, authenticated, service_role;
    `);
  });
  after(async () => {
    await stack.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs on a PostgreSQL server', () => {
    assert.equal(stack.db.kind, 'postgres');
  });

  it('knows the case of non-ASCII letters, as hosted Postgres does', async () => {
    const { rows } = await stack.db.query<{ lower: string; matches: boolean }>(`select lower('АННА Ёж') as lower, 'анна' ilike 'АННА' as matches`);
    assert.deepEqual(rows[0], { lower: 'анна ёж', matches: true });
  });

  it("gives each API role hosted Supabase's statement timeout inside its request", async () => {
    const user = await stack.createUser();
    const timeouts: Record<string, unknown> = {};
    for (const [role, client] of [
      ['anon', stack.anonClient()],
      ['authenticated', user.client],
      ['service_role', stack.serviceClient()],
    ] as const) {
      const { data, error } = await client.rpc('test_statement_timeout');
      assert.ifError(error);
      timeouts[role] = data;
    }
    assert.deepEqual(timeouts, { anon: '3s', authenticated: '8s', service_role: '0' });
  });

  it("prefers a role's timeout set for this database over its global one", async () => {
    const database = (await stack.db.query<{ name: string }>('select current_database() as name')).rows[0].name;
    await stack.db.exec(`alter role authenticated in database "${database}" set statement_timeout = '5s'`);
    try {
      const user = await stack.createUser();
      const { data, error } = await user.client.rpc('test_statement_timeout');
      assert.ifError(error);
      assert.equal(data, '5s');
    } finally {
      await stack.db.exec(`alter role authenticated in database "${database}" reset statement_timeout`);
    }
  });

  it('cancels an anon query running past 3 s with a clear error, while the other services answer', async () => {
    const user = await stack.createUser();
    const finished: string[] = [];
    const slow = fetch(`${stack.url}/rest/v1/rpc/test_sleep`, {
      method: 'POST',
      headers: { apikey: stack.anonKey, 'content-type': 'application/json' },
      body: JSON.stringify({ seconds: 6 }),
    }).then(async (response) => {
      finished.push('slow query');
      return { status: response.status, body: await response.json() };
    });
    // Started once the slow query holds its connection.
    for (let running = false; !running; ) {
      const { rows } = await stack.db.query(`select 1 from pg_stat_activity where query like '%test_sleep%' and state = 'active' and pid <> pg_backend_pid()`);
      running = rows.length > 0;
    }
    const health = await fetch(`${stack.url}/auth/v1/health`);
    finished.push('auth health');
    assert.equal(health.status, 200);
    const { error } = await user.client.from('video_call_sessions').select('id').limit(1);
    assert.ifError(error);
    finished.push('rest read');

    const { status, body } = await slow;
    assert.equal(status, 500);
    assert.equal(body.code, '57014');
    assert.match(body.message, /canceling statement due to statement timeout/);
    assert.deepEqual(finished, ['auth health', 'rest read', 'slow query']);
  });
});
