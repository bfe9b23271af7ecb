/**
 * One Postgres for the whole local stack: embedded PGlite by default, or a real server when
 * DATABASE_URL is given. Both are exposed through the same small interface so that every service
 * (REST, Realtime, Auth, the scheduler) is written once.
 */
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

export interface QueryResult<R> {
  rows: R[];
  /** Rows touched by INSERT/UPDATE/DELETE, or rows returned by SELECT. */
  rowCount: number;
}

export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<R>>;
  /** Runs a script of several statements without parameters (migrations, bootstrap). */
  exec(sql: string): Promise<void>;
}

export interface Database extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Runs `fn` inside BEGIN … COMMIT; any throw rolls the whole transaction back. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** LISTEN on a channel; resolves to a function that stops listening. */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres://… for a real server; when absent PGlite is used. */
  databaseUrl?: string;
  /** PGlite data directory; ignored with `memory` or `databaseUrl`. */
  dataDir?: string;
  /** Throwaway in-memory PGlite. */
  memory?: boolean;
  /** Where a real server's lost connections are reported (the stack's log). */
  log?: (message: string) => void;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options.log ?? ((message) => console.error(`[db] ${message}`)));
  return openPglite(options.memory ? undefined : options.dataDir);
}

async function openPglite(dataDir: string | undefined): Promise<Database> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir ? { dataDir } : {});
  return {
    kind: 'pglite',
    async query<R>(sql: string, params?: unknown[]) {
      const result = await db.query<R>(sql, params);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>) {
      return db.transaction(async (tx) =>
        fn({
          async query<R>(sql: string, params?: unknown[]) {
            const result = await tx.query<R>(sql, params);
            return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
          },
          async exec(sql: string) {
            await tx.exec(sql);
          },
        }),
      );
    },
    async exec(sql: string) {
      await db.exec(sql);
    },
    async listen(channel, onNotify) {
      const unlisten = await db.listen(channel, onNotify);
      return async () => unlisten();
    },
    async close() {
      await db.close();
    },
  };
}

async function openPostgres(databaseUrl: string, log: (message: string) => void): Promise<Database> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
  // A server restart or an administrator terminating backends breaks idle pooled connections;
  // the pool drops them and opens new ones on demand. Unhandled, that error would end the process.
  pool.on('error', (error) => log(`an idle connection was lost (${error.message}); the next query opens a new one`));
  // pool.end() resolves before its connections' sockets have closed; close() waits for them, so
  // whoever drops the database next does not cut connections that are still saying goodbye.
  const connected = new Set<pg.PoolClient>();
  let lastGone: (() => void) | undefined;
  pool.on('connect', (client) => connected.add(client));
  pool.on('remove', (client) => {
    connected.delete(client);
    if (connected.size === 0) lastGone?.();
  });
  // Fail fast with a clear message when the server is not there.
  const probe = await pool.connect();
  probe.release();
  const handlers = new Map<string, Set<(payload: string) => void>>();
  let closed = false;

  /**
   * The one LISTEN connection, opened by the first listen(). When it is lost (server restart,
   * terminated backend) it is opened again with backoff and LISTENs on every channel again.
   * Notifications sent while it was down are missed: Realtime keeps its changes in a table and
   * delivers them with the next notification; REST reloads its schema cache when it meets a table
   * it does not know.
   */
  let current: pg.Client | undefined;
  let ready: Promise<void> | undefined;
  let retryDelay = 250;
  const openListener = (): Promise<void> => {
    const client = new pg.Client({ connectionString: databaseUrl });
    current = client;
    const lost = (reason: string) => {
      if (closed || current !== client) return;
      current = undefined;
      ready = undefined;
      client.end().catch(() => undefined);
      log(`the LISTEN connection was lost (${reason}); reconnecting in ${retryDelay} ms`);
      const delay = retryDelay;
      retryDelay = Math.min(retryDelay * 2, 10_000);
      setTimeout(() => {
        if (closed || current) return;
        void openListener().then(() => {
          if (current) log('the LISTEN connection is back');
        });
      }, delay).unref();
    };
    client.on('error', (error) => lost(error.message));
    client.on('end', () => lost('connection ended'));
    client.on('notification', (message) => {
      handlers.get(message.channel)?.forEach((handler) => handler(message.payload ?? ''));
    });
    ready = (async () => {
      try {
        await client.connect();
        for (const channel of handlers.keys()) await client.query(`listen ${quoteIdent(channel)}`);
        retryDelay = 250;
      } catch (error) {
        lost((error as Error).message);
      }
    })();
    return ready;
  };

  const wrap = (client: pg.Pool | pg.PoolClient): Queryable => ({
    async query<R>(sql: string, params?: unknown[]) {
      const result = await client.query(sql, params as unknown[]);
      return { rows: result.rows as R[], rowCount: result.rowCount ?? result.rows.length };
    },
    async exec(sql: string) {
      await client.query(sql);
    },
  });
  return {
    kind: 'postgres',
    ...wrap(pool),
    async transaction<T>(fn: (tx: Queryable) => Promise<T>) {
      const client = await pool.connect();
      try {
        await client.query('begin');
        const value = await fn(wrap(client));
        await client.query('commit');
        return value;
      } catch (error) {
        await client.query('rollback').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    async listen(channel, onNotify) {
      let set = handlers.get(channel);
      if (!set) {
        set = new Set();
        handlers.set(channel, set);
        if (!ready) await openListener(); // listens on every known channel, this one included
        else {
          await ready;
          // Lost meanwhile: the reconnect listens on every channel, this one included.
          await current?.query(`listen ${quoteIdent(channel)}`).catch(() => undefined);
        }
      }
      set.add(onNotify);
      return async () => {
        set.delete(onNotify);
      };
    },
    async close() {
      closed = true;
      await ready;
      await current?.end().catch(() => undefined);
      const gone = new Promise<void>((resolve) => {
        lastGone = resolve;
        if (connected.size === 0) resolve();
      });
      await pool.end();
      // Bounded, so a socket that never reports its end cannot hold the stack's shutdown.
      await Promise.race([gone, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
    },
  };
}

/** Quotes an identifier for SQL text; values always travel as parameters instead. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The database roles a JWT may name, as in Supabase. */
export const API_ROLES = ['anon', 'authenticated', 'service_role'] as const;
export type ApiRole = (typeof API_ROLES)[number];

/**
 * Runs `fn` in one transaction as the JWT's role with `request.jwt.claims` set, the way PostgREST
 * does, so that row-level security is Postgres's own.
 */
export async function withClaims<T>(
  db: Database,
  claims: Record<string, unknown>,
  fn: (tx: Queryable) => Promise<T>,
): Promise<T> {
  const role = apiRole(claims);
  return db.transaction(async (tx) => {
    await actAs(tx, role, claims);
    return fn(tx);
  });
}

/** The JWT's role, refused unless it is one of the API roles. */
export function apiRole(claims: Record<string, unknown>): ApiRole {
  const role = String(claims.role ?? 'anon');
  if (!(API_ROLES as readonly string[]).includes(role)) {
    throw new Error(`role "${role}" is not an API role`);
  }
  return role as ApiRole;
}

/** Inside a transaction: from here on act as `role` with these claims (and extra settings). */
export async function actAs(
  tx: Queryable,
  role: ApiRole,
  claims: Record<string, unknown>,
  settings: Record<string, string> = {},
): Promise<void> {
  const names = Object.keys(settings);
  await tx.query(
    `select set_config('role', $1, true), set_config('request.jwt.claims', $2, true),
            set_config('request.jwt.claim.sub', $3, true), set_config('request.jwt.claim.role', $1, true)` +
      names.map((_, i) => `, set_config($${4 + 2 * i}, $${5 + 2 * i}, true)`).join(''),
    [role, JSON.stringify(claims), typeof claims.sub === 'string' ? claims.sub : '', ...names.flatMap((name) => [name, settings[name]])],
  );
}
