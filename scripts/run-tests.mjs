#!/usr/bin/env node
/**
 * `npm test`: every suite in turn, each one's own output shown, and at the end one line summing
 * them all: `N passed, N failed`. Exit code is non-zero when anything failed.
 *
 *   node scripts/run-tests.mjs [suite…]     run only the named suites (see SUITES)
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const node = process.execPath;
const tsc = join('node_modules', 'typescript', 'bin', 'tsc');
// Node 20's --test does not look for .ts files in a folder: name them. The backend suites are the
// backend's contract (test/backend: schema, RLS, events, edge functions, the pg_cron schedule —
// what holds on hosted Supabase too) and the local stack's own services (test/local).
const backendFiles = [...testFiles('test/backend'), ...testFiles('test/local')];
const postgresAvailable = existsSync('/usr/lib/postgresql/15/bin/initdb');
const chromiumAvailable = existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium');
const firefoxAvailable = existsSync(process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr');
const networkToolsMissing = ['unshare', 'ip', 'nft'].filter((tool) => !['/usr/bin', '/usr/sbin', '/bin', '/sbin'].some((dir) => existsSync(join(dir, tool))));

/**
 * Each suite reports its counts: node:test's spec summary ('spec'), the runner's own
 * "N passed, N failed" line ('summary'), or one check for a single command ('exit-code').
 */
const SUITES = {
  typecheck: { command: [node, tsc, '-p', 'tsconfig.json'], counts: 'exit-code' },
  'deno-check': {
    command: [
      join('node_modules', '.bin', 'deno'),
      'check',
      // The functions' npm: packages as supabase/functions/deno.lock pins them; an import the lock
      // lacks fails here (update it with `deno cache --lock=supabase/functions/deno.lock …`).
      '--lock=supabase/functions/deno.lock',
      '--frozen',
      ...functionEntries(),
    ],
    env: { DENO_NO_PACKAGE_JSON: '1', DENO_DIR: join('node_modules', '.cache', 'deno') },
    counts: 'exit-code',
  },
  backend: { command: [node, '--import', 'tsx', '--test', ...backendFiles], counts: 'spec' },
  core: { command: [node, '--import', 'tsx', '--test', ...testFiles('test/core')], counts: 'spec' },
  // The npm package: build, pack list, exports, declarations, tree-shaking, manifest staleness.
  package: { command: [node, '--import', 'tsx', '--test', ...testFiles('test/package')], counts: 'spec' },
  // Elements in Chromium through @web/test-runner; it prints "N passed, N failed".
  elements: {
    command: [node, '--import', 'tsx', join('node_modules', '@web', 'test-runner', 'dist', 'bin.js'), '--config', 'web-test-runner.config.mjs'],
    counts: 'summary',
    requires: chromiumAvailable ? undefined : 'Chromium (apt-get install -y chromium)',
  },
  // The same element tests in Firefox ESR over WebDriver BiDi; the few it cannot run are named,
  // with the reason, in its config (and counted skipped there, not passed).
  'elements-firefox': {
    command: [node, '--import', 'tsx', join('node_modules', '@web', 'test-runner', 'dist', 'bin.js'), '--config', 'web-test-runner.firefox.config.mjs'],
    counts: 'summary',
    requires: firefoxAvailable ? undefined : 'Firefox ESR (apt-get install -y firefox-esr)',
  },
  // Real calls between Chromium pages, and between Chromium and Firefox (firefox.test.ts): one file at a time, the machine has two cores.
  e2e: {
    command: [node, '--import', 'tsx', '--test', '--test-concurrency=1', ...testFiles('test/e2e')],
    counts: 'spec',
    requires: chromiumAvailable ? undefined : 'Chromium (apt-get install -y chromium)',
  },
  // Calls whose network is cut for real (nft), in a network namespace of their own.
  network: {
    command: ['scripts/with-private-network.sh', node, '--import', 'tsx', '--test', '--test-concurrency=1', ...testFiles('test/network')],
    counts: 'spec',
    requires: !chromiumAvailable ? 'Chromium (apt-get install -y chromium)' : networkToolsMissing.length ? `${networkToolsMissing.join(', ')} (apt-get install -y iproute2 nftables)` : undefined,
  },
  'backend-postgres': {
    command: ['scripts/with-postgres.sh', node, '--import', 'tsx', '--test', ...backendFiles],
    counts: 'spec',
    requires: postgresAvailable ? undefined : 'PostgreSQL 15 (apt-get install -y postgresql-15)',
  },
};

const chosen = process.argv.slice(2);
for (const name of chosen) {
  if (!(name in SUITES)) {
    console.error(`unknown suite "${name}"; suites: ${Object.keys(SUITES).join(', ')}`);
    process.exit(2);
  }
}
const totals = { passed: 0, failed: 0 };
const notRun = [];
/** What failed, repeated at the very end: CI logs are often read from their tail. */
const recap = [];

for (const [name, suite] of Object.entries(SUITES)) {
  if (chosen.length && !chosen.includes(name)) continue;
  if (suite.requires) {
    notRun.push(`${name} (needs ${suite.requires})`);
    continue;
  }
  console.log(`\n=== ${name} ===`);
  const command =
    suite.counts === 'spec'
      ? [
          ...suite.command.slice(0, suite.command.indexOf('--test') + 1),
          // A test file's process ends when its tests have: supabase-js's Realtime disconnect
          // leaves a 10 s timer running (supabase/supabase-js#2666), which kept every file that
          // used Realtime alive 10 s longer. Leaks of our own are tested where they matter (the
          // stack's close stops Deno and the database connections). A forced exit cuts a report
          // written to a file short, so the counts come from the spec summary on stdout.
          '--test-force-exit',
          // node:test's mock timers are stable in use but still flagged experimental in Node 22.
          '--disable-warning=ExperimentalWarning',
          '--test-reporter=spec',
          ...suite.command.slice(suite.command.indexOf('--test') + 1),
        ]
      : suite.command;
  const started = Date.now();
  const { code, output } = await run(command, suite.env, suite.counts !== 'exit-code');
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  let passed = 0;
  let failed = 0;
  if (suite.counts === 'spec') {
    // The summary's lines ("ℹ pass 12"); the last of each, should a test print something alike.
    const count = (label) => Number([...output.matchAll(new RegExp(`^ℹ ${label} (\\d+)$`, 'gm'))].at(-1)?.[1] ?? 0);
    passed = count('pass');
    failed = count('fail') + count('cancelled');
    // A skipped or to-do test is not a passing one.
    const notRunHere = count('skipped') + count('todo');
    if (notRunHere) console.log(`${notRunHere} skipped or to-do test(s) in ${name}: counted as failed`);
    failed += notRunHere;
    // A runner that died before its summary still failed.
    if (code !== 0 && failed === 0) failed = 1;
    // A suite that ran no test at all is broken, not green.
    if (passed + failed === 0) failed = 1;
  } else if (suite.counts === 'summary') {
    const summaries = [...output.matchAll(/(\d+) passed, (\d+) failed/g)];
    const last = summaries.at(-1);
    passed = Number(last?.[1] ?? 0);
    failed = Number(last?.[2] ?? 0);
    if (code !== 0 && failed === 0) failed = 1;
    if (passed + failed === 0) failed = 1;
  } else if (code === 0) passed = 1;
  else failed = 1;
  totals.passed += passed;
  totals.failed += failed;
  if (failed) {
    // node:test marks a failed test `✖ name`; @web/test-runner a failed one `❌ name`.
    const names = [...new Set(output.split('\n').filter((line) => /^\s*(✖|❌) /.test(line) && !/failing tests:/.test(line)).map((line) => line.trim()))];
    recap.push(`${name}: ${failed} failed${names.length ? '' : ` (exit code ${code}, no failing test named)`}`, ...names.slice(0, 15).map((line) => `  ${line}`));
    // What each failure said (node:test's "failing tests:" section, stack frames left out): a CI
    // log that keeps only its tail must still say why.
    const section = output.split(/^\s*✖ failing tests:\s*$/m).at(-1);
    if (section !== output) {
      const said = section.split('\n').filter((line) => line.trim() && !/^\s+at /.test(line) && !/^\s*(ℹ|test at )/.test(line));
      recap.push(...said.slice(0, 40).map((line) => `    ${line.trimEnd().slice(0, 300)}`));
    }
  }
  console.log(`=== ${name}: ${passed} passed, ${failed} failed (${seconds} s) ===`);
}

if (notRun.length) console.log(`\nnot run on this machine: ${notRun.join('; ')}`);
if (recap.length) console.log(`\nfailures:\n${recap.join('\n')}`);
console.log(`\n${totals.passed} passed, ${totals.failed} failed`);
process.exit(totals.failed === 0 && totals.passed > 0 ? 0 : 1);

/** Every edge function's entry, `supabase/functions/<name>/index.ts` (`_shared` is not one). */
function functionEntries() {
  return readdirSync('supabase/functions', { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('_') && existsSync(join('supabase/functions', entry.name, 'index.ts')))
    .map((entry) => join('supabase/functions', entry.name, 'index.ts'))
    .sort();
}

function testFiles(dir) {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.test.ts'))
    .sort()
    .map((name) => join(dir, name));
}

function run([command, ...args], env = {}, capture = false) {
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(command, args, { stdio: capture ? ['inherit', 'pipe', 'pipe'] : 'inherit', env: { ...process.env, ...env } });
    if (capture) {
      child.stdout.on('data', (chunk) => {
        output += chunk;
        process.stdout.write(chunk);
      });
      child.stderr.on('data', (chunk) => process.stderr.write(chunk));
    }
    child.on('exit', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output }));
    child.on('error', (error) => {
      console.error(`could not start ${command}: ${error.message}`);
      resolve({ code: 1, output });
    });
  });
}
