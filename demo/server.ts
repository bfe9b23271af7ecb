/**
 * `npm start`: the local stack (embedded Postgres, persisted in .supabase-local/) plus the CRM
 * demo page that embeds the script-tag bundle, with seeded demo users. Prints the demo's URL.
 *
 *   --memory        throwaway database
 *   --port N        demo page port (default 5173; the stack keeps 54321 from config.toml)
 *   --stack-port N  stack port
 *
 * Pushes and e-mails link to the demo page itself (`CALL_JOIN_URL`, unless the environment sets
 * one): `http://127.0.0.1:<port>/?event={event_id}` opens that meeting's card.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { buildScriptTagBundle, buildServiceWorker } from '../scripts/script-tag-bundle.ts';
import { startLocalStack, type LocalStack } from '../supabase/local/server.ts';

const here = import.meta.dirname;

/** The people of the demo CRM: two colleagues and a client contact. Password for all: DEMO_PASSWORD. */
export const DEMO_USERS = [
  { key: 'anna', email: 'anna@northwind.test', name: 'Anna Petrova', title: 'Account executive' },
  { key: 'boris', email: 'boris@northwind.test', name: 'Boris Ivanov', title: 'Solutions engineer' },
  { key: 'maria', email: 'maria@acme.test', name: 'Maria Chen', title: 'Head of IT, Acme' },
] as const;
export const DEMO_PASSWORD = 'demo-password';

/** The demo page's join link for `port`: pushes and e-mails open the meeting's card. */
export function demoJoinUrl(port: number): string {
  return `http://127.0.0.1:${port}/?event={event_id}`;
}

/** Creates the demo users through the Auth admin API unless they exist. */
export async function seedDemoUsers(stack: LocalStack): Promise<void> {
  const headers = { apikey: stack.serviceRoleKey, authorization: `Bearer ${stack.serviceRoleKey}`, 'content-type': 'application/json' };
  for (const user of DEMO_USERS) {
    const response = await fetch(`${stack.url}/auth/v1/admin/users`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ email: user.email, password: DEMO_PASSWORD, email_confirm: true, user_metadata: { display_name: user.name } }),
    });
    // 422: the user is already there from an earlier start.
    if (!response.ok && response.status !== 422) throw new Error(`could not create demo user ${user.email}: ${response.status} ${await response.text()}`);
  }
}

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml' };
const STATIC = new Set(['/index.html', '/crm.js', '/crm.css', '/favicon.svg']);

export interface DemoServer {
  url: string;
  close(): Promise<void>;
}

/** Serves the demo page against `stack`; `/config.js` tells the page where the backend is. */
export async function startDemoServer(stack: LocalStack, options: { port?: number; host?: string } = {}): Promise<DemoServer> {
  const [bundle, serviceWorker] = await Promise.all([buildScriptTagBundle(), buildServiceWorker()]);
  // The CRM knows its users' ids, as a real one sharing the Supabase project would: the page
  // invites attendees by id, which shows their names at once (an e-mail address is never resolved).
  const { rows } = await stack.db.query<{ id: string; email: string }>('select id, lower(email) as email from auth.users');
  const users = DEMO_USERS.map((user) => ({ ...user, id: rows.find((row) => row.email === user.email)?.id ?? null }));
  const config = `window.DEMO_CONFIG = ${JSON.stringify({
    supabaseUrl: stack.url,
    anonKey: stack.anonKey,
    vapidPublicKey: stack.vapidPublicKey,
    password: DEMO_PASSWORD,
    users,
  })};\n`;
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://demo').pathname;
    const file = path === '/' ? '/index.html' : path;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (file === '/call-widgets.min.js') {
      res.writeHead(200, { 'content-type': TYPES['.js'], 'cache-control': 'no-store' }).end(bundle);
    } else if (file === '/call-widgets-sw.js') {
      // At the site's root, so its scope is the whole demo, as a CRM would serve it.
      res.writeHead(200, { 'content-type': TYPES['.js'], 'cache-control': 'no-store' }).end(serviceWorker);
    } else if (file === '/config.js') {
      res.writeHead(200, { 'content-type': TYPES['.js'], 'cache-control': 'no-store' }).end(config);
    } else if (STATIC.has(file)) {
      const type = TYPES[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream';
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(readFileSync(join(here, file.slice(1))));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 5173, options.host ?? '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}/`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { memory: { type: 'boolean', default: false }, port: { type: 'string' }, 'stack-port': { type: 'string' } } });
  const port = values.port ? Number(values.port) : Number(process.env.DEMO_PORT ?? 5173);
  const stack = await startLocalStack({
    port: values['stack-port'] ? Number(values['stack-port']) : undefined,
    memory: values.memory,
    databaseUrl: process.env.DATABASE_URL || undefined,
    functionEnv: { CALL_JOIN_URL: process.env.CALL_JOIN_URL || demoJoinUrl(port) },
  });
  await seedDemoUsers(stack);
  const demo = await startDemoServer(stack, { port });
  console.log(`SUPABASE_URL=${stack.url}`);
  console.log(`SUPABASE_ANON_KEY=${stack.anonKey}`);
  console.log(`SUPABASE_SERVICE_ROLE_KEY=${stack.serviceRoleKey}`);
  console.log(`\nCRM demo: ${demo.url}`);
  console.log(`  open it in two windows and pick a different person in each (${DEMO_USERS.map((u) => u.email).join(', ')}; password ${DEMO_PASSWORD}),`);
  console.log(`  or go straight to ${demo.url}?user=anna and ${demo.url}?user=boris`);
  let closing = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (closing) return;
      closing = true;
      Promise.all([demo.close(), stack.close()]).then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
}
