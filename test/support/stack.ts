/**
 * Starts a throwaway local stack (in-memory PGlite, random port) for a test file, and hands out
 * users and official supabase-js clients acting as them.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import WebSocket from 'ws';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../supabase/local/server.ts';

export interface TestUser {
  id: string;
  email: string;
  /** A valid access token for this user, signed with the stack's secret. */
  token: string;
  /** supabase-js acting as this user (REST, Realtime, Functions). */
  client: SupabaseClient;
}

export interface TestStack extends LocalStack {
  /** Creates a user row directly in auth.users and a client for them (no Auth service needed). */
  createUser(options?: { email?: string; name?: string }): Promise<TestUser>;
  /** supabase-js with the anon key and no user. */
  anonClient(): SupabaseClient;
  /** supabase-js with the service-role key (bypasses RLS). */
  serviceClient(): SupabaseClient;
  /** Signs arbitrary claims with the stack's secret (expired, other roles, …). */
  sign(claims: Record<string, unknown>): string;
}

/** supabase-js options for Node 20, which has no WebSocket of its own for Realtime. */
export const clientOptions = { auth: { persistSession: false, autoRefreshToken: false }, realtime: { transport: WebSocket } };

/**
 * `databaseUrl` in the options: that database as it is (kept at close); else, with
 * TEST_DATABASE_URL, a new database on that server (dropped at close); else in-memory PGlite.
 */
export async function startTestStack(options: LocalStackOptions = {}): Promise<TestStack> {
  const server =
    !options.databaseUrl && process.env.TEST_DATABASE_URL ? await createServerDatabase(process.env.TEST_DATABASE_URL) : undefined;
  // A throwaway server database keeps its VAPID keys in a throwaway folder, fresh as in memory.
  const keysDir = server ? mkdtempSync(join(tmpdir(), 'call-widgets-test-keys-')) : undefined;
  const stack = await startLocalStack({
    port: 0,
    memory: !server && !options.databaseUrl,
    databaseUrl: server?.url,
    dataDir: keysDir,
    scheduler: false,
    log: () => undefined,
    // The developer's own CALL_JOIN_URL or SMTP_HOST must not reach the tests' functions.
    env: {},
    // Never the default ports: test files run in parallel.
    mail: { port: 0, smtpPort: 0 },
    // coturn only for the tests that ask (turn: true), on a free port.
    turn: false,
    // Janus likewise only for the tests that ask (sfu: true), on free ports.
    sfu: false,
    ...options,
    ...(options.turn === true ? { turn: { port: 0, required: true } } : {}),
    ...(options.sfu === true ? { sfu: { port: 0, required: true } } : {}),
  });
  const { JwtKeys } = await import('../../supabase/local/auth/jwt.ts');
  const keys = new JwtKeys(stack.jwtSecret);
  const clients: SupabaseClient[] = [];
  const track = (client: SupabaseClient) => {
    clients.push(client);
    return client;
  };
  return {
    ...stack,
    sign: (claims) => keys.sign(claims as never),
    anonClient: () => track(createClient(stack.url, stack.anonKey, clientOptions as never)),
    serviceClient: () => track(createClient(stack.url, stack.serviceRoleKey, clientOptions as never)),
    async createUser({ email = `${randomUUID()}@example.test`, name } = {}) {
      const id = randomUUID();
      await stack.db.query(
        `insert into auth.users (id, email, email_confirmed_at, raw_user_meta_data)
         values ($1, $2, now(), $3::jsonb)`,
        [id, email, JSON.stringify(name ? { display_name: name } : {})],
      );
      const now = Math.floor(Date.now() / 1000);
      const token = keys.sign({
        sub: id,
        role: 'authenticated',
        aud: 'authenticated',
        email,
        iat: now,
        exp: now + 3600,
        is_anonymous: false,
      });
      const client = track(
        createClient(stack.url, stack.anonKey, { ...clientOptions, accessToken: async () => token } as never),
      );
      // supabase-js hands the token to Realtime asynchronously; a channel joined before that
      // would join as anon. Settle it first, as an app awaiting its session would.
      await client.realtime.setAuth();
      return { id, email, token, client };
    },
    async close() {
      for (const client of clients) await client.removeAllChannels().catch(() => undefined);
      await stack.close();
      await server?.drop();
      if (keysDir) rmSync(keysDir, { recursive: true, force: true });
    },
  };
}

/**
 * With a real server, each test stack gets a database of its own so test files run in parallel;
 * a test that restarts a stack on the same data makes one itself and drops it after.
 */
export async function createServerDatabase(adminUrl: string) {
  const { default: pg } = await import('pg');
  const name = `call_widgets_test_${randomUUID().replaceAll('-', '')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}
