#!/usr/bin/env node
/**
 * The package's command line (`npx supabase-call-widgets …`). One command so far:
 *
 *   supabase-call-widgets smoke --url URL --anon-key KEY --service-role-key KEY [--json] [--browser PATH]
 *
 * Exit 0 when every check passed, 1 when one failed, 2 for a usage error (`--help` prints it).
 */
import { parseArgs } from 'node:util';
import { smoke } from './smoke.ts';

const USAGE = `Usage: supabase-call-widgets smoke --url URL --anon-key KEY --service-role-key KEY [options]

Checks a deployed project (or the local stack) end to end with throwaway users, which it deletes
again with their rows: the migrations, sign-in, sessions and RLS, the private call channel,
broadcast and presence, the edge functions, VAPID, ICE servers and TURN.

Options:
  --url URL                 the project's URL (https://<ref>.supabase.co, http://127.0.0.1:54321)
  --anon-key KEY            the project's anon (publishable) key
  --service-role-key KEY    the service role key: creates and deletes the throwaway users
  --json                    print only the JSON report { ok, project, checks: [{ name, ok, ms, error? }] }
  --browser PATH            also a two-peer video call in this Chromium (needs playwright-core)
  --timeout SECONDS         each check's limit (default 20); the whole run has 10 times that
  -h, --help                this text

Exit status: 0 all checks passed, 1 a check failed, 2 wrong usage.
`;

function usageError(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}`);
  process.exit(2);
}

let parsed: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    allowPositionals: true,
    strict: true,
    options: {
      url: { type: 'string' },
      'anon-key': { type: 'string' },
      'service-role-key': { type: 'string' },
      json: { type: 'boolean', default: false },
      browser: { type: 'string' },
      timeout: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}
try {
  parsed = parse();
} catch (error) {
  usageError((error as Error).message);
}
const { values, positionals } = parsed;
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(positionals.length === 0 || positionals[0] === 'smoke' ? 0 : 2);
}
if (positionals[0] !== 'smoke' || positionals.length > 1) usageError(positionals.length === 0 ? 'Give a command: smoke' : `Unknown command: ${positionals.join(' ')}`);
const missing = (['url', 'anon-key', 'service-role-key'] as const).filter((name) => !values[name]);
if (missing.length > 0) usageError(`Missing ${missing.map((name) => `--${name}`).join(', ')}`);
const timeout = values.timeout === undefined ? 20 : Number(values.timeout);
if (!Number.isFinite(timeout) || timeout <= 0 || timeout > 600) usageError('--timeout must be a number of seconds from 1 to 600');

// A check given up on at its limit may still fail later; its failure is already in the report.
process.on('unhandledRejection', () => undefined);
const report = await smoke(
  {
    url: values.url!,
    anonKey: values['anon-key']!,
    serviceRoleKey: values['service-role-key']!,
    browser: values.browser,
    checkTimeoutMs: timeout * 1000,
    runTimeoutMs: timeout * 10_000,
  },
  { json: values.json, colour: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR, write: (line) => process.stdout.write(line) },
);
// Sockets a failed check left open (a Realtime client still retrying) must not hold the exit.
process.stdout.write('', () => process.exit(report.ok ? 0 : 1));
