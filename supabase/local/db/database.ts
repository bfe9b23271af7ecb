/**
 * One Postgres for the whole local stack, behind one small interface so that every service (REST,
 * Realtime, Auth, the scheduler) is written once:
 * - by default a PostgreSQL server process of the stack's own (embedded-postgres.ts), persisted;
 * - PGlite (PostgreSQL compiled to WebAssembly, in this process) in memory for throwaway stacks,
 *   or persisted with `engine: 'pglite'`: fast to start, but it runs on the event loop (a slow
 *   query holds every service), enforces no statement timeout, takes no lock on its folder and
 *   does not fsync, so it does not promise that an acknowledged write survives a crash;
 * - or a server of the user's own by DATABASE_URL.
 */
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { startEmbeddedPostgres } from './embedded-postgres.ts';

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
  /** What runs, for the start-up line: `postgres (embedded PostgreSQL 15.17 on 127.0.0.1:54322, data in …)`. */
  readonly description: string;
  /** The embedded server's connection URL, for psql and other tools; absent otherwise. */
  readonly serverUrl?: string;
  /** Runs `fn` inside BEGIN … COMMIT; any throw rolls the whole transaction back. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** LISTEN on a channel; resolves to a function that stops listening. */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres://… for a server of the user's own; the options below are then ignored. */
  databaseUrl?: string;
  /** The embedded engine: a PostgreSQL server process (default) or PGlite. */
  engine?: 'postgres' | 'pglite';
  /** The embedded engine's folder; required unless `memory`. */
  dataDir?: string;
  /** Throwaway in-memory PGlite. */
  memory?: boolean;
  /** The embedded server's port; by default 54322 when free, else any free port. */
  port?: number;
  /** Where the database layer reports (lost connections, the server starting). */
  log?: (message: string) => void;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const log = options.log ?? ((message) => console.error(`[db] ${message}`));
  if (options.databaseUrl) {
    const { host, pathname } = new URL(options.databaseUrl);
    return openPostgres(options.databaseUrl, log, `postgres (server at ${host}${pathname})`);
  }
  if (options.memory) return openPglite(undefined);
  if (!options.dataDir) throw new Error('an embedded database needs a data directory (or memory: true)');
  if (options.engine === 'pglite') return openPglite(options.dataDir);
  const server = await startEmbeddedPostgres({ dir: options.dataDir, port: options.port, log });
  try {
    const db = await openPostgres(server.url, log, '');
    const version = (await db.query<{ version: string }>(`select current_setting('server_version') as version`)).rows[0].version;
    return {
      ...db,
      description: `postgres (embedded PostgreSQL ${version} on 127.0.0.1:${server.port}, data in ${options.dataDir})`,
      serverUrl: server.url,
      async close() {
        await db.close();
        await server.stop();
      },
    };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

async function openPglite(dataDir: string | undefined): Promise<Database> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir ? { dataDir } : {});
  return {
    kind: 'pglite',
    description: dataDir ? `pglite (data in ${dataDir})` : 'pglite (in memory)',
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

async function openPostgres(databaseUrl: string, log: (message: string) => void, description: string): Promise<Database> {
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
    description,
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

/**
 * Inside a transaction: from here on act as `role` with these claims (and extra settings). `set
 * local role` does not apply the role's own settings (`alter role … set`), so its statement_timeout
 * is applied here, as PostgREST does for the role it impersonates: the setting for this database,
 * else the role's global one, else the connection's.
 */
export async function actAs(
  tx: Queryable,
  role: ApiRole,
  claims: Record<string, unknown>,
  settings: Record<string, string> = {},
): Promise<void> {
  const names = Object.keys(settings);
  await tx.query(
    `select set_config('role', $1, true), set_config('request.jwt.claims', $2, true),
            set_config('request.jwt.claim.sub', $3, true), set_config('request.jwt.claim.role', $1, true),
            set_config('statement_timeout', coalesce(role_timeout.value, current_setting('statement_timeout')), true)` +
      names.map((_, i) => `, set_config($${4 + 2 * i}, $${5 + 2 * i}, true)`).join('') +
      `
       from (select (select substr(setting, length('statement_timeout=') + 1)
                       from pg_db_role_setting, unnest(setconfig) as setting
                      where setrole = (select oid from pg_roles where rolname = $1)
                        and setdatabase in (0, (select oid from pg_database where datname = current_database()))
                        and starts_with(setting, 'statement_timeout=')
                      order by setdatabase desc
                      limit 1) as value) as role_timeout`,
    [role, JSON.stringify(claims), typeof claims.sub === 'string' ? claims.sub : '', ...names.flatMap((name) => [name, settings[name]])],
  );
}
