/**
 * `supabase-call-widgets smoke` as a user runs it: the built bin (dist/cli/main.js) through node,
 * a child process, against the real local stack — with coturn and Chromium every check passes and
 * nothing of the run is left; a stack without the functions, one without the migrations, a wrong
 * key and a URL that never answers each give named failed checks and exit 1, never a stack trace.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { allocateAndRelease, parseTurnUrl } from '../../src/cli/turn-client.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'dist/cli/main.js');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** A run that has not ended by then has hung: the bound the CLI promises is far below it. */
const HANG_MS = 240_000;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the bin as `npx supabase-call-widgets …` would, asynchronously (the stack is in this process). */
function cli(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: tmpdir(), timeout: HANG_MS, env: { ...process.env, NO_COLOR: '' }, maxBuffer: 10 * 1024 * 1024 }, (error, stdout, stderr) => {
      const failure = error as (Error & { code?: number | string; signal?: NodeJS.Signals }) | null;
      resolve({ code: failure ? (typeof failure.code === 'number' ? failure.code : null) : 0, signal: failure?.signal ?? null, stdout, stderr });
    });
  });
}

const keysOf = (stack: TestStack) => ['--url', stack.url, '--anon-key', stack.anonKey, '--service-role-key', stack.serviceRoleKey];

interface Report {
  ok: boolean;
  project: string;
  checks: { name: string; ok: boolean; ms: number; error?: string }[];
}

/** The --json report, checked for the contract's shape on the way. */
function reportOf(run: Run): Report {
  const report = JSON.parse(run.stdout) as Report;
  assert.deepEqual(Object.keys(report).sort(), ['checks', 'ok', 'project']);
  for (const check of report.checks) {
    assert.deepEqual(Object.keys(check).sort(), check.ok ? ['ms', 'name', 'ok'] : ['error', 'ms', 'name', 'ok']);
    assert.equal(typeof check.name, 'string');
    assert.ok(Number.isInteger(check.ms) && check.ms >= 0);
    if (!check.ok) assert.ok(check.error && check.error.length > 0, `${check.name} says why it failed`);
  }
  assert.equal(report.ok, report.checks.every((check) => check.ok));
  return report;
}

const failedNames = (report: Report) => report.checks.filter((check) => !check.ok).map((check) => check.name);
const check = (report: Report, name: string) => {
  const found = report.checks.find((entry) => entry.name === name);
  assert.ok(found, `the report has "${name}"`);
  return found;
};
/** No stack trace anywhere in what the user sees. */
const noStackTrace = (run: Run) => assert.doesNotMatch(`${run.stdout}\n${run.stderr}`, /\n\s+at [\w.<>]+ \(|node:internal/);

/** A copy of supabase/ with only what `keep` names (config.toml always). */
function projectWith(keep: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'call-widgets-smoke-project-'));
  cpSync(join(ROOT, 'supabase/config.toml'), join(dir, 'config.toml'));
  for (const name of keep) cpSync(join(ROOT, 'supabase', name), join(dir, name), { recursive: true });
  mkdirSync(join(dir, 'migrations'), { recursive: true });
  return dir;
}

const FULL_CHECKS = [
  'project reachable',
  'anon key',
  'service role key',
  'migrations',
  'sign-up and sign-in',
  'session create',
  'RLS refusals across users',
  'private channel: member allowed',
  'private channel: outsider refused',
  'broadcast round trip',
  'presence between two clients',
  'video-call-signal status codes',
  'cleanup function',
  'reminders dry run',
  'VAPID configured',
  'ICE servers and TURN',
  'media between two browsers',
  'clean up',
];

before(() => {
  // The package as it ships: the bin and the ESM bundle the browser check serves.
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'pipe' });
});

describe('smoke against the full local stack (coturn, Chromium)', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack({ turn: true });
  });
  after(() => stack.close());

  it('passes every check, exits 0, and leaves no user or row of its own behind', async () => {
    const before = Number((await stack.db.query<{ n: string }>('select count(*)::text as n from auth.users')).rows[0].n);
    const run = await cli(['smoke', ...keysOf(stack), '--json', '--browser', CHROMIUM, '--timeout', '60']);
    const report = reportOf(run);
    assert.deepEqual(failedNames(report), [], run.stdout);
    assert.equal(run.code, 0);
    assert.equal(report.ok, true);
    assert.equal(report.project, stack.url);
    assert.deepEqual(report.checks.map((entry) => entry.name), FULL_CHECKS);
    // --json: the report alone on stdout (it parsed whole above).
    assert.match(run.stdout, /^\{/);
    const users = await stack.db.query<{ n: string }>(`select count(*)::text as n from auth.users where email like 'smoke-%'`);
    assert.equal(users.rows[0].n, '0', 'the throwaway users are deleted');
    const sessions = await stack.db.query<{ n: string }>(`select count(*)::text as n from public.video_call_sessions where title like 'Smoke test %'`);
    assert.equal(sessions.rows[0].n, '0', 'their sessions are deleted');
    assert.equal(Number((await stack.db.query<{ n: string }>('select count(*)::text as n from auth.users')).rows[0].n), before);
  });

  it('prints a table as it goes, ✓ per check with its time, without colour when not a terminal', async () => {
    const run = await cli(['smoke', ...keysOf(stack)]);
    assert.equal(run.code, 0, run.stdout);
    const lines = run.stdout.split('\n');
    assert.match(lines[0], new RegExp(`^Smoke test of ${stack.url.replaceAll('.', '\\.')}$`));
    for (const name of FULL_CHECKS.filter((name) => name !== 'media between two browsers')) {
      assert.ok(lines.some((line) => line.startsWith(`✓ ${name} `) && / \d+ ms/.test(line)), `a ✓ line for ${name}`);
    }
    assert.ok(!lines.some((line) => line.includes('media between two browsers')), 'no browser check without --browser');
    assert.match(run.stdout, /All 17 checks passed\.\n$/);
    assert.doesNotMatch(run.stdout, /\x1b\[/, 'no colour codes');
    assert.match(run.stdout, /ICE servers and TURN .*→ relay /, 'a real TURN allocation');
  });

  it('reads TURN URLs, and its TURN client is refused a wrong credential by coturn, saying so', async () => {
    assert.deepEqual(parseTurnUrl('turn:turn.example.com?transport=tcp'), { host: 'turn.example.com', port: 3478, transport: 'tcp' });
    assert.deepEqual(parseTurnUrl('turns:[2001:db8::1]:443'), { host: '2001:db8::1', port: 443, transport: 'tls' });
    assert.equal(parseTurnUrl('stun:stun.example.com'), undefined);
    const target = parseTurnUrl(`${stack.turnUrl}?transport=udp`)!;
    const username = `${Math.floor(Date.now() / 1000) + 600}:someone`;
    await assert.rejects(allocateAndRelease(target, username, 'bm90IHRoZSBzZWNyZXQncyBITUFD'), /the TURN server refused the credential \(401/);
    // Nothing listening on that UDP port: no answer, within the limit given.
    await assert.rejects(allocateAndRelease({ host: '127.0.0.1', port: 9, transport: 'udp' }, username, 'x', 1500), /no answer from 127\.0\.0\.1:9 over UDP within 1500 ms/);
  });

  it('fails the media check, naming it, when the browser is not there', async () => {
    const run = await cli(['smoke', ...keysOf(stack), '--json', '--browser', '/nonexistent/chromium']);
    const report = reportOf(run);
    assert.equal(run.code, 1);
    assert.deepEqual(failedNames(report), ['media between two browsers']);
    assert.match(check(report, 'media between two browsers').error!, /^no browser at \/nonexistent\/chromium$/);
    noStackTrace(run);
  });

  it('names the service role key as the failure when it is wrong, and still exits 1 cleanly', async () => {
    const run = await cli(['smoke', '--url', stack.url, '--anon-key', stack.anonKey, '--service-role-key', stack.sign({ role: 'service_role', iss: 'supabase-demo' }).slice(0, -4) + 'AAAA', '--json']);
    const report = reportOf(run);
    assert.equal(run.code, 1);
    assert.equal(check(report, 'service role key').ok, false);
    assert.match(check(report, 'service role key').error!, /service role key is not accepted/);
    assert.equal(check(report, 'anon key').ok, true);
    assert.match(check(report, 'sign-up and sign-in').error!, /not run: "service role key" failed/);
    noStackTrace(run);
  });

  it('names the anon key as the failure when it is wrong', async () => {
    const run = await cli(['smoke', '--url', stack.url, '--anon-key', 'not-a-key', '--service-role-key', stack.serviceRoleKey, '--json']);
    const report = reportOf(run);
    assert.equal(run.code, 1);
    assert.match(check(report, 'anon key').error!, /anon key is not accepted \(401/);
    assert.equal(check(report, 'service role key').ok, true);
    noStackTrace(run);
  });
});

describe('smoke against a stack without the edge functions', () => {
  let stack: TestStack;
  let dir: string;
  before(async () => {
    dir = projectWith(['migrations']);
    stack = await startTestStack({ supabaseDir: dir });
  });
  after(async () => {
    await stack.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails each function check saying the function is not deployed, the rest pass, exit 1', async () => {
    const run = await cli(['smoke', ...keysOf(stack), '--json']);
    const report = reportOf(run);
    assert.equal(run.code, 1);
    assert.deepEqual(failedNames(report), ['video-call-signal status codes', 'cleanup function', 'reminders dry run', 'VAPID configured', 'ICE servers and TURN']);
    for (const [name, fn] of [['video-call-signal status codes', 'video-call-signal'], ['cleanup function', 'video-call-cleanup'], ['reminders dry run', 'video-call-reminders'], ['VAPID configured', 'webpush-send'], ['ICE servers and TURN', 'video-call-ice-servers']]) {
      assert.match(check(report, name).error!, new RegExp(`${fn} is not deployed`));
    }
    assert.equal(check(report, 'clean up').ok, true);
    noStackTrace(run);
  });
});

describe('smoke against a project without the migrations', () => {
  let stack: TestStack;
  let dir: string;
  before(async () => {
    dir = projectWith([]);
    stack = await startTestStack({ supabaseDir: dir });
  });
  after(async () => {
    await stack.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails "migrations" naming what is missing, deletes its users anyway, exit 1', async () => {
    const run = await cli(['smoke', ...keysOf(stack), '--json']);
    const report = reportOf(run);
    assert.equal(run.code, 1);
    assert.match(check(report, 'migrations').error!, /missing table video_call_sessions, .*rpc join_video_call/);
    assert.match(check(report, 'session create').error!, /not run: "migrations" failed/);
    assert.equal(check(report, 'sign-up and sign-in').ok, true);
    assert.equal(check(report, 'clean up').ok, true);
    const users = await stack.db.query<{ n: string }>(`select count(*)::text as n from auth.users where email like 'smoke-%'`);
    assert.equal(users.rows[0].n, '0');
    noStackTrace(run);
  });
});

describe('smoke against a URL that does not answer', () => {
  let silent: Server;
  const sockets: Socket[] = [];
  let port: number;
  before(async () => {
    // Accepts connections and never says a word: the worst case, a firewall or a hung proxy.
    silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    port = (silent.address() as { port: number }).port;
  });
  after(() => {
    for (const socket of sockets) socket.destroy();
    silent.close();
  });

  it('fails every check within its limits and exits 1 by itself', async () => {
    const run = await cli(['smoke', '--url', `http://127.0.0.1:${port}`, '--anon-key', 'a', '--service-role-key', 'b', '--json', '--timeout', '2']);
    assert.equal(run.signal, null, 'the run ended by itself');
    assert.equal(run.code, 1);
    const report = reportOf(run);
    assert.match(check(report, 'project reachable').error!, /cannot reach http:\/\/127\.0\.0\.1:\d+: no answer within 2 s/);
    assert.deepEqual(report.checks.filter((entry) => entry.ok).map((entry) => entry.name), ['clean up'], 'nothing else passes');
    noStackTrace(run);
  });

  it('fails with the reason when nothing listens there', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const free = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const run = await cli(['smoke', '--url', `http://127.0.0.1:${free}`, '--anon-key', 'a', '--service-role-key', 'b']);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /✗ project reachable .*cannot reach .*ECONNREFUSED/);
    assert.match(run.stdout, /checks failed\.\n$/);
    noStackTrace(run);
  });
});

describe('smoke usage', () => {
  it('prints the usage for --help and exits 0', async () => {
    const run = await cli(['smoke', '--help']);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /^Usage: supabase-call-widgets smoke --url URL --anon-key KEY --service-role-key KEY/);
  });

  it('exits 2 with the usage for an unknown flag, a missing key or no command', async () => {
    for (const args of [['smoke', '--url', 'http://x', '--anon-key', 'a', '--service-role-key', 'b', '--colour'], ['smoke', '--url', 'http://x'], [], ['deploy']]) {
      const run = await cli(args);
      assert.equal(run.code, 2, args.join(' '));
      assert.match(run.stderr, /Usage: supabase-call-widgets smoke/);
      assert.equal(run.stdout, '');
    }
    const missing = await cli(['smoke', '--url', 'http://x']);
    assert.match(missing.stderr, /^Missing --anon-key, --service-role-key/);
  });
});
