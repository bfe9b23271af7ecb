/**
 * `supabase-call-widgets smoke`: the list of checks, in the order they build on each other, and
 * the two ways of telling the result (a table as it goes, or the JSON report alone).
 */
import { checkAnonKey, checkMigrations, checkReachable, checkRls, checkServiceKey, checkSessionCreate, checkUsers, cleanUp } from './checks-backend.ts';
import { checkCleanup, checkIceServers, checkReminders, checkSignal, checkVapid } from './checks-functions.ts';
import { checkBroadcast, checkMemberChannel, checkOutsiderRefused, checkPresence } from './checks-realtime.ts';
import { SmokeProject, type SmokeOptions } from './project.ts';
import { runChecks, type Check, type CheckResult, type SmokeReport } from './runner.ts';

/** The browser check's own limit: Chromium's start, two sign-ins, ICE and the first frames. */
const MEDIA_TIMEOUT_MS = 60_000;

export function smokeChecks(project: SmokeProject): Check[] {
  const reachable = 'project reachable';
  const keys = ['anon key', 'service role key'];
  const users = 'sign-up and sign-in';
  const session = 'session create';
  const channel = 'private channel: member allowed';
  const checks: Check[] = [
    { name: reachable, run: () => checkReachable(project) },
    { name: 'anon key', needs: [reachable], run: () => checkAnonKey(project) },
    { name: 'service role key', needs: [reachable], run: () => checkServiceKey(project) },
    { name: 'migrations', needs: keys, run: () => checkMigrations(project) },
    { name: users, needs: keys, run: () => checkUsers(project) },
    { name: session, needs: ['migrations', users], run: () => checkSessionCreate(project) },
    { name: 'RLS refusals across users', needs: [session], run: () => checkRls(project) },
    { name: channel, needs: [session], run: () => checkMemberChannel(project) },
    { name: 'private channel: outsider refused', needs: [session], run: () => checkOutsiderRefused(project) },
    { name: 'broadcast round trip', needs: [channel], run: () => checkBroadcast(project) },
    { name: 'presence between two clients', needs: [channel], run: () => checkPresence(project) },
    { name: 'video-call-signal status codes', needs: [session], run: () => checkSignal(project) },
    { name: 'cleanup function', needs: [users], run: () => checkCleanup(project) },
    { name: 'reminders dry run', needs: [users], run: () => checkReminders(project) },
    { name: 'VAPID configured', needs: [session], run: () => checkVapid(project) },
    { name: 'ICE servers and TURN', needs: [session], run: () => checkIceServers(project) },
  ];
  if (project.options.browser) {
    const browser = project.options.browser;
    checks.push({
      name: 'media between two browsers',
      needs: [session, channel],
      timeoutMs: MEDIA_TIMEOUT_MS,
      run: async () => (await import('./checks-media.ts')).checkMedia(project, browser),
    });
  }
  checks.push({ name: 'clean up', always: true, run: () => cleanUp(project) });
  return checks;
}

/** One line of the table: ✓ / ✗, the name, the time, and the note or the error. */
export function formatResult(result: CheckResult, note: string | undefined, colour: boolean): string {
  const mark = result.ok ? (colour ? '\x1b[32m✓\x1b[0m' : '✓') : colour ? '\x1b[31m✗\x1b[0m' : '✗';
  const time = `${result.ms} ms`.padStart(9);
  const said = result.ok ? (note ?? '') : (result.error ?? '');
  return `${mark} ${result.name.padEnd(36)}${time}${said ? `  ${said}` : ''}`;
}

export interface SmokeOutput {
  json: boolean;
  /** Where the table goes (stdout), and whether it is a terminal (colour). */
  write(line: string): void;
  colour: boolean;
}

export async function smoke(options: SmokeOptions & { runTimeoutMs: number }, output: SmokeOutput): Promise<SmokeReport> {
  const project = new SmokeProject(options);
  if (!output.json) output.write(`Smoke test of ${project.url}\n`);
  const report = await runChecks(smokeChecks(project), {
    project: project.url,
    checkTimeoutMs: options.checkTimeoutMs,
    runTimeoutMs: options.runTimeoutMs,
    onResult: output.json ? undefined : (result, note) => output.write(`${formatResult(result, note, output.colour)}\n`),
  });
  if (output.json) output.write(`${JSON.stringify(report, null, 2)}\n`);
  else {
    const failed = report.checks.filter((check) => !check.ok).length;
    output.write(`\n${failed === 0 ? `All ${report.checks.length} checks passed.` : `${failed} of ${report.checks.length} checks failed.`}\n`);
  }
  return report;
}
