/**
 * The local stack: one HTTP server on one port with Supabase's paths, each path served by its own
 * service (auth, rest, realtime, functions) over one shared Postgres.
 */
import { createServer, maxHeaderSize, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAuthService } from './auth/service.ts';
import { DEFAULT_JWT_SECRET, JwtKeys } from './auth/jwt.ts';
import { loadConfig } from './config.ts';
import { openDatabase, type Database } from './db/database.ts';
import { prepareDatabase, type MigrationReport } from './db/migrate.ts';
import { SchemaCache } from './db/schema-cache.ts';
import { createFunctionsService } from './functions/service.ts';
import { CORS_HEADERS, HttpError, sendJson } from './http.ts';
import { createRealtimeService } from './realtime/service.ts';
import { startMailCatcher, type MailCatcher } from './mail/catcher.ts';
import { loadVapidKeys, generateVapidKeys, VAPID_FILE, type VapidKeys } from './push/vapid.ts';
import { createRestService } from './rest/service.ts';
import { findJanus, startJanus, type JanusServer } from './sfu/janus.ts';
import { findTurnserver, startCoturn, type TurnServer } from './turn/coturn.ts';
import { startScheduler, type Scheduler } from './scheduler.ts';
import type { Service, StackContext } from './service.ts';

export const DEFAULT_SUPABASE_DIR = fileURLToPath(new URL('..', import.meta.url));

export interface LocalStackOptions {
  port?: number;
  host?: string;
  jwtSecret?: string;
  /** A Postgres server of the user's own; the embedded database options are then ignored. */
  databaseUrl?: string;
  /** PGlite instead of the embedded PostgreSQL server (see db/database.ts for what it does not promise). */
  pglite?: boolean;
  /**
   * The embedded database's folder (the VAPID keys are kept there too, with any database):
   * default `.supabase-local/pg15` (PostgreSQL) or
   * `.supabase-local/db` (PGlite) in the working directory.
   */
  dataDir?: string;
  /** Throwaway in-memory PGlite. */
  memory?: boolean;
  /** The embedded PostgreSQL server's port: default 54322 when free, else any free port. */
  dbPort?: number;
  supabaseDir?: string;
  /** Runs the scheduled functions (default true). */
  scheduler?: boolean;
  /** What the edge functions see beside the stack's own variables (see StackContext.functionEnv). */
  functionEnv?: Record<string, string>;
  /**
   * The stack's environment as far as the functions take settings from it (default
   * `process.env`): `CALL_JOIN_URL`, `VAPID_SUBJECT`, `SMTP_HOST` / `SMTP_PORT` / `SMTP_FROM`, `SFU_TOKEN_TTL_S`.
   */
  env?: Record<string, string | undefined>;
  /**
   * The mail catcher (SMTP in, Mailpit's API out): ports default to 54324 (HTTP) and 54325 (SMTP)
   * when free, else any free ones; `false` runs none.
   */
  mail?: false | { port?: number; smtpPort?: number };
  /**
   * coturn as the stack's TURN server (turn/coturn.ts): by default started when `turnserver` is
   * on PATH and skipped otherwise; `true` or `{ required: true }` fails the start without it;
   * `false` runs none. The port defaults to 3478 when free (UDP and TCP), else any free one.
   */
  turn?: boolean | { port?: number; required?: boolean; binary?: string };
  /**
   * Janus as the stack's SFU (sfu/janus.ts): by default started when `janus` is on PATH and
   * skipped otherwise; `true` or `{ required: true }` fails the start without it; `false` runs
   * none. The WebSocket port is any free one unless given.
   */
  sfu?: boolean | { port?: number; required?: boolean; binary?: string };
  log?: (service: string, message: string) => void;
}

export interface LocalStack {
  url: string;
  port: number;
  anonKey: string;
  serviceRoleKey: string;
  jwtSecret: string;
  db: Database;
  migrations: MigrationReport;
  /** Present unless started with `scheduler: false`. */
  scheduler?: Scheduler;
  /** The Web Push public key (base64url) the functions sign with; browsers subscribe with it. */
  vapidPublicKey: string;
  /** The mail catcher's API and inbox page, unless started with `mail: false`. */
  mailUrl?: string;
  /** The mail catcher's SMTP port on 127.0.0.1, unless started with `mail: false`. */
  smtpPort?: number;
  /** `turn:127.0.0.1:<port>` while the stack's coturn runs. */
  turnUrl?: string;
  /** The stack's coturn, with stop() / start() / restart() for fault tests; absent when none runs. */
  turn?: TurnServer;
  /** `ws://127.0.0.1:<port>` while the stack's Janus runs: what browsers connect to (SFU_URL). */
  sfuUrl?: string;
  /** The stack's Janus, with stop() / start() / restart() for fault tests; absent when none runs. */
  sfu?: JanusServer;
  close(): Promise<void>;
}

/** Who the push services may contact about the stack's pushes (RFC 8292 `sub`). */
export const DEFAULT_VAPID_SUBJECT = 'mailto:video-calls@localhost';

/**
 * Kept beside the database: in the embedded database's folder, or for a server of the user's own
 * in `dataDir` when given, else `.supabase-local/`; an in-memory stack gets fresh ones.
 */
function vapidKeysFor(options: LocalStackOptions): VapidKeys {
  if (options.memory && !options.databaseUrl) return generateVapidKeys();
  const dir = options.dataDir ?? (options.databaseUrl ? join(process.cwd(), '.supabase-local') : join(process.cwd(), '.supabase-local', options.pglite ? 'db' : 'pg15'));
  return loadVapidKeys(join(dir, VAPID_FILE));
}

/** The sender the functions use unless told otherwise. */
export const DEFAULT_SMTP_FROM = 'Video calls <video-calls@localhost>';

/** Answers on a raw socket (a refused upgrade, a request Node could not parse) and closes it. */
function answerOnSocket(socket: Duplex, status: number, message: string): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify({ message });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
      `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
      `access-control-allow-origin: *\r\nconnection: close\r\n\r\n${body}`,
  );
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const supabaseDir = options.supabaseDir ?? DEFAULT_SUPABASE_DIR;
  const config = loadConfig(join(supabaseDir, 'config.toml'));
  const host = options.host ?? '127.0.0.1';
  const keys = new JwtKeys(options.jwtSecret ?? DEFAULT_JWT_SECRET);
  const log = options.log ?? ((service, message) => console.error(`[${service}] ${message}`));
  const db = await openDatabase({
    databaseUrl: options.databaseUrl,
    engine: options.pglite ? 'pglite' : 'postgres',
    dataDir: options.dataDir ?? join(process.cwd(), '.supabase-local', options.pglite ? 'db' : 'pg15'),
    memory: options.memory,
    port: options.dbPort,
    log: (message) => log('db', message),
  });
  let migrations: MigrationReport;
  let vapid: VapidKeys;
  try {
    migrations = await prepareDatabase(db, supabaseDir);
    // After the database, whose start makes (and owns) the folder the keys are kept in.
    vapid = vapidKeysFor(options);
  } catch (error) {
    await db.close();
    throw error;
  }

  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? config.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Once listening, a failed accept (out of file descriptors, say) is logged, not fatal.
  server.on('error', (error) => log('server', `server error: ${error.message}`));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? config.port);
  const url = `http://${host}:${port}`;
  const schema = await SchemaCache.start(db);
  const env = options.env ?? process.env;
  const functionEnv: Record<string, string> = {
    VAPID_PUBLIC_KEY: vapid.publicKey,
    VAPID_PRIVATE_KEY: vapid.privateKey,
    VAPID_SUBJECT: env.VAPID_SUBJECT || DEFAULT_VAPID_SUBJECT,
    ...(env.CALL_JOIN_URL ? { CALL_JOIN_URL: env.CALL_JOIN_URL } : {}),
    ...options.functionEnv,
  };
  // Settings from the stack's environment beat supabase/functions/.env, which beats the catcher.
  for (const name of ['SMTP_HOST', 'SMTP_PORT', 'SMTP_FROM', 'ALERT_WEBHOOK_URL', 'SFU_TOKEN_TTL_S'] as const) {
    if (env[name] && !(name in functionEnv)) functionEnv[name] = env[name]!;
  }
  let mail: MailCatcher | undefined;
  if (options.mail !== false) {
    try {
      mail = await startMailCatcher({ host, port: options.mail?.port, smtpPort: options.mail?.smtpPort, log: (message) => log('mail', message) });
    } catch (error) {
      await schema.close().catch(() => undefined);
      server.close();
      await db.close();
      throw error;
    }
  }
  let turn: TurnServer | undefined;
  const turnOptions = options.turn === undefined ? {} : options.turn === true ? { required: true } : options.turn;
  if (turnOptions !== false) {
    try {
      const binary = turnOptions.binary ?? findTurnserver(env.PATH ?? process.env.PATH);
      if (binary) turn = await startCoturn({ host, port: turnOptions.port, binary, log: (message) => log('turn', message) });
      else if (turnOptions.required) throw new Error('coturn is not installed (no turnserver on PATH): apt-get install coturn, or start without --turn');
      else log('turn', 'coturn is not installed (no turnserver on PATH): no TURN server, so calls connect directly or not at all (apt-get install coturn)');
    } catch (error) {
      await mail?.close().catch(() => undefined);
      await schema.close().catch(() => undefined);
      server.close();
      await db.close();
      throw error;
    }
  }
  let sfu: JanusServer | undefined;
  const sfuOptions = options.sfu === undefined ? {} : options.sfu === true ? { required: true } : options.sfu;
  if (sfuOptions !== false) {
    try {
      const binary = sfuOptions.binary ?? findJanus(env.PATH ?? process.env.PATH);
      if (binary) sfu = await startJanus({ host, port: sfuOptions.port, binary, log: (message) => log('sfu', message) });
      else if (sfuOptions.required) throw new Error('Janus is not installed (no janus on PATH): apt-get install janus, or start without --sfu');
      else log('sfu', 'Janus is not installed (no janus on PATH): no SFU, so calls stay peer-to-peer (apt-get install janus)');
    } catch (error) {
      await turn?.stop().catch(() => undefined);
      await mail?.close().catch(() => undefined);
      await schema.close().catch(() => undefined);
      server.close();
      await db.close();
      throw error;
    }
  }
  const functionDefaults: Record<string, string> = {
    ...(mail ? { SMTP_HOST: mail.smtpHost, SMTP_PORT: String(mail.smtpPort), SMTP_FROM: DEFAULT_SMTP_FROM } : {}),
    ...(turn ? { TURN_SECRET: turn.secret, TURN_URLS: turn.turnUrls.join(','), STUN_URLS: turn.stunUrls.join(',') } : {}),
    ...(sfu ? { JANUS_URL: sfu.httpUrl, JANUS_ADMIN_KEY: sfu.adminKey, JANUS_SECRET: sfu.secret, SFU_URL: sfu.url } : {}),
  };
  const context: StackContext = { db, schema, keys, url, supabaseDir, config, functionDefaults, functionEnv, log };

  const services: Record<string, Service> = {
    '/auth/v1': createAuthService(context),
    '/rest/v1': createRestService(context),
    '/realtime/v1': await createRealtimeService(context),
    '/functions/v1': createFunctionsService(context),
  };
  const route = (url: URL): [Service, string] | undefined => {
    for (const [prefix, service] of Object.entries(services)) {
      if (url.pathname === prefix || url.pathname.startsWith(`${prefix}/`)) {
        return [service, url.pathname.slice(prefix.length) || '/'];
      }
    }
    return undefined;
  };

  const parseUrl = (req: IncomingMessage): URL => {
    try {
      return new URL(req.url ?? '/', url);
    } catch {
      throw new HttpError(400, 'the request URL is not valid');
    }
  };

  // Whatever a service throws, synchronously or not, ends as an answer to that request alone.
  const respond = async (req: IncomingMessage, res: ServerResponse) => {
    let requestUrl: URL | undefined;
    try {
      requestUrl = parseUrl(req);
      if (req.method === 'OPTIONS' && !requestUrl.pathname.startsWith('/functions/v1/')) {
        res.writeHead(204, CORS_HEADERS).end();
        return;
      }
      const target = route(requestUrl);
      if (!target) throw new HttpError(404, `no route for ${requestUrl.pathname}`);
      await target[0].handle(req, res, requestUrl, target[1]);
    } catch (error) {
      try {
        if (res.headersSent) res.destroy();
        else if (error instanceof HttpError) sendJson(res, error.status, error.body);
        else {
          log('server', `unexpected error on ${req.method} ${requestUrl?.pathname ?? req.url}: ${(error as Error)?.stack ?? error}`);
          sendJson(res, 500, { message: 'internal error', details: (error as Error)?.message ?? String(error) });
        }
      } catch {
        res.destroy();
      }
    }
  };
  server.on('request', (req, res) => void respond(req, res));

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node stops listening for errors on a socket it hands over; a client resetting it must not
    // become an uncaught exception.
    socket.on('error', () => socket.destroy());
    try {
      const requestUrl = parseUrl(req);
      const target = route(requestUrl);
      if (!target || !target[0].upgrade) {
        answerOnSocket(socket, 404, `no route for ${requestUrl.pathname}`);
        return;
      }
      target[0].upgrade(req, socket, head, requestUrl, target[1]);
    } catch (error) {
      if (!(error instanceof HttpError)) log('server', `unexpected error on upgrade ${req.url}: ${(error as Error)?.stack ?? error}`);
      // Half an answer already on the wire cannot be followed by another.
      if ((socket as Duplex & { bytesWritten?: number }).bytesWritten) socket.destroy();
      else if (error instanceof HttpError) answerOnSocket(socket, error.status, error.message);
      else answerOnSocket(socket, 500, 'internal error');
    }
  });

  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // As Node's own default: answer only when no response has started on this connection.
    const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage;
    if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    if (error.code === 'HPE_HEADER_OVERFLOW') answerOnSocket(socket, 431, `the request headers are larger than ${maxHeaderSize} bytes`);
    else if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') answerOnSocket(socket, 408, 'the request took too long to arrive');
    else answerOnSocket(socket, 400, 'the request is not valid HTTP');
  });

  const scheduler = options.scheduler === false ? undefined : startScheduler(context);

  return {
    url,
    port,
    anonKey: keys.anonKey,
    serviceRoleKey: keys.serviceRoleKey,
    jwtSecret: keys.secret,
    db,
    migrations,
    scheduler,
    vapidPublicKey: vapid.publicKey,
    mailUrl: mail?.url,
    smtpPort: mail?.smtpPort,
    turnUrl: turn?.url,
    turn,
    sfuUrl: sfu?.url,
    sfu,
    async close() {
      scheduler?.stop();
      // One service failing to close must not leave the others (and their Deno processes) running.
      const failures: unknown[] = [];
      for (const service of Object.values(services)) await service.close().catch((error: unknown) => failures.push(error));
      await schema.close().catch((error: unknown) => failures.push(error));
      await mail?.close().catch((error: unknown) => failures.push(error));
      await turn?.stop().catch((error: unknown) => failures.push(error));
      await sfu?.stop().catch((error: unknown) => failures.push(error));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await db.close();
      if (failures.length > 0) throw failures[0];
    },
  };
}
