/**
 * `npm run backend`: starts the local stack and prints the keys a client needs.
 *   --memory            throwaway in-memory database (PGlite)
 *   --port N            (or PORT) listen port, default from config.toml (54321)
 *   --data-dir DIR      embedded database folder (default .supabase-local/pg15, with --pglite .supabase-local/db)
 *   --pglite            PGlite in this process instead of the embedded PostgreSQL server (fast to
 *                       start; a slow query holds every service, and a crash may lose writes)
 *   DB_PORT             the embedded PostgreSQL server's port (default 54322, or a free one)
 *   --supabase-dir DIR  project folder with config.toml, migrations and functions (default supabase/)
 *   DATABASE_URL        use a Postgres server of your own instead of an embedded one
 *   JWT_SECRET          sign and verify with another secret
 *   --mail-port N       (or MAIL_PORT) the mail catcher's API and inbox page, default 54324 (or a free one)
 *   --smtp-port N       (or SMTP_PORT) the mail catcher's SMTP port, default 54325 (or a free one)
 *   --no-mail           no mail catcher (the functions then get SMTP_* only from .env or the environment)
 *   --turn              require coturn (Debian's turnserver): an error when it is not installed
 *   --no-turn           no TURN server (by default coturn runs when installed, and is skipped with a note when not)
 *   --turn-port N       (or TURN_PORT) coturn's STUN/TURN port (UDP and TCP), default 3478 (or a free one);
 *                       relays on UDP 30000–30199; the functions get TURN_SECRET (made at start),
 *                       TURN_URLS and STUN_URLS for it
 *   --sfu               require Janus (Debian's janus) as the SFU: an error when it is not installed
 *   --no-sfu            no SFU (by default Janus runs when installed, and is skipped with a note when not)
 *   SFU_PORT            Janus' WebSocket port (default a free one); the functions get JANUS_URL,
 *                       JANUS_ADMIN_KEY, JANUS_SECRET (made at start) and SFU_URL for it
 *   SFU_TOKEN_TTL_S     how long a room token of video-call-sfu lasts (default 3600)
 *   SMTP_HOST, SMTP_FROM  mail elsewhere than the catcher (these, and supabase/functions/.env, win)
 *   ALERT_WEBHOOK_URL   where the functions POST their failure alerts (JSON; at most one per
 *                       function per 5 minutes); every function request is logged on this console
 *   CALL_JOIN_URL       the join link in pushes and mail, `{session_id}` / `{event_id}` filled in
 *   VAPID_SUBJECT       the push subject (default mailto:video-calls@localhost); the VAPID keys
 *                       are made on first boot and kept with the data (fresh ones with --memory)
 *
 * SIGINT, SIGTERM and SIGHUP close the stack in order (function processes, connections, database);
 * a second signal, or a close that hangs, ends the process at once. However the process ends, the
 * functions' Deno processes, the PostgreSQL server, coturn and Janus end with it (see functions/service.ts,
 * db/embedded-postgres.ts, turn/coturn.ts, sfu/janus.ts).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startLocalStack } from './server.ts';

/** How long an orderly close may take before the process exits anyway. */
const CLOSE_TIMEOUT_MS = 10_000;

const { values } = parseArgs({
  options: {
    memory: { type: 'boolean', default: false },
    pglite: { type: 'boolean', default: false },
    port: { type: 'string' },
    'data-dir': { type: 'string' },
    'supabase-dir': { type: 'string' },
    'mail-port': { type: 'string' },
    'smtp-port': { type: 'string' },
    'no-mail': { type: 'boolean', default: false },
    turn: { type: 'boolean', default: false },
    'no-turn': { type: 'boolean', default: false },
    'turn-port': { type: 'string' },
    sfu: { type: 'boolean', default: false },
    'no-sfu': { type: 'boolean', default: false },
  },
});

const port = values.port ?? process.env.PORT;
/** A port given on the command line or in the environment must be a port; nothing starts otherwise. */
function portOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535) {
    console.error(`${name} must be a port number (0–65535), not ${JSON.stringify(value)}`);
    process.exit(2);
  }
  return parsed;
}
const mailPort = portOption('--mail-port / MAIL_PORT', values['mail-port'] ?? process.env.MAIL_PORT);
const smtpPort = portOption('--smtp-port / SMTP_PORT', values['smtp-port'] ?? process.env.SMTP_PORT);
const turnPort = portOption('--turn-port / TURN_PORT', values['turn-port'] ?? process.env.TURN_PORT);
if (values.turn && values['no-turn']) {
  console.error('--turn and --no-turn contradict each other; give one');
  process.exit(2);
}
if (values.sfu && values['no-sfu']) {
  console.error('--sfu and --no-sfu contradict each other; give one');
  process.exit(2);
}
const sfuPort = portOption('SFU_PORT', process.env.SFU_PORT);
const started = Date.now();
const stack = await startLocalStack({
  port: port === undefined ? undefined : Number(port),
  memory: values.memory,
  pglite: values.pglite,
  dataDir: values['data-dir'],
  dbPort: process.env.DB_PORT ? Number(process.env.DB_PORT) : undefined,
  supabaseDir: values['supabase-dir'],
  databaseUrl: process.env.DATABASE_URL || undefined,
  jwtSecret: process.env.JWT_SECRET || undefined,
  mail: values['no-mail'] ? false : { port: mailPort, smtpPort },
  turn: values['no-turn'] ? false : { port: turnPort, required: values.turn },
  sfu: values['no-sfu'] ? false : { port: sfuPort, required: values.sfu },
}).catch((error: unknown) => {
  // What could not start (a port taken, coturn missing with --turn), without a stack trace.
  console.error(`the local stack did not start: ${(error as Error)?.message ?? error}`);
  process.exit(1);
});

console.log(`SUPABASE_URL=${stack.url}`);
console.log(`SUPABASE_ANON_KEY=${stack.anonKey}`);
console.log(`SUPABASE_SERVICE_ROLE_KEY=${stack.serviceRoleKey}`);
console.log(`VAPID_PUBLIC_KEY=${stack.vapidPublicKey}`);
if (stack.mailUrl) console.log(`MAIL_URL=${stack.mailUrl}`);
if (stack.turnUrl) console.log(`TURN_URL=${stack.turnUrl}`);
if (stack.sfuUrl) console.log(`SFU_URL=${stack.sfuUrl}`);
console.log(`DATABASE=${stack.db.description}`);
if (stack.db.serverUrl) console.log(`DB_URL=${stack.db.serverUrl}`);
const earlierPglite = join(process.cwd(), '.supabase-local', 'db');
if (stack.db.serverUrl && !values['data-dir'] && existsSync(join(earlierPglite, 'PG_VERSION'))) {
  console.error(`${earlierPglite} holds the PGlite database of an earlier version; it is left as it was (--pglite opens it)`);
}
console.error(
  `local stack ready in ${Date.now() - started} ms (${stack.db.kind}` +
    `${stack.migrations.applied.length ? `, applied ${stack.migrations.applied.join(', ')}` : ''})`,
);

let closing = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (closing) process.exit(1);
    closing = true;
    setTimeout(() => {
      console.error(`the stack did not close within ${CLOSE_TIMEOUT_MS / 1000} s; exiting`);
      process.exit(1);
    }, CLOSE_TIMEOUT_MS).unref();
    stack.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`closing the stack failed: ${(error as Error)?.stack ?? error}`);
        process.exit(1);
      },
    );
  });
}
