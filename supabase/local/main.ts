/**
 * `npm run backend`: starts the local stack and prints the keys a client needs.
 *   --memory            throwaway in-memory database
 *   --port N            (or PORT) listen port, default from config.toml (54321)
 *   DATABASE_URL        use a real Postgres server instead of embedded PGlite
 *   JWT_SECRET          sign and verify with another secret
 */
import { parseArgs } from 'node:util';
import { startLocalStack } from './server.ts';

const { values } = parseArgs({
  options: {
    memory: { type: 'boolean', default: false },
    port: { type: 'string' },
    'data-dir': { type: 'string' },
  },
});

const port = values.port ?? process.env.PORT;
const started = Date.now();
const stack = await startLocalStack({
  port: port === undefined ? undefined : Number(port),
  memory: values.memory,
  dataDir: values['data-dir'],
  databaseUrl: process.env.DATABASE_URL || undefined,
  jwtSecret: process.env.JWT_SECRET || undefined,
});

console.log(`SUPABASE_URL=${stack.url}`);
console.log(`SUPABASE_ANON_KEY=${stack.anonKey}`);
console.log(`SUPABASE_SERVICE_ROLE_KEY=${stack.serviceRoleKey}`);
console.error(
  `local stack ready in ${Date.now() - started} ms (${stack.db.kind}` +
    `${stack.migrations.applied.length ? `, applied ${stack.migrations.applied.join(', ')}` : ''})`,
);

let closing = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    stack.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
