/**
 * The local stack's Janus (sfu/janus.ts): what it loads and where it listens, restart for fault
 * tests, and that it ends with the stack however the stack ends; `npm run backend` prints
 * SFU_URL= and honours --sfu / --no-sfu / SFU_PORT. Needs Debian's janus (.ci/run installs it):
 * without it these tests fail rather than skip.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { findJanus, startJanus, SFU_RTP_PORTS } from '../../supabase/local/sfu/janus.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

const mainModule = fileURLToPath(new URL('../../supabase/local/main.ts', import.meta.url));
const fixture = fileURLToPath(new URL('../fixtures/functions-project', import.meta.url));

type Info = { janus: string; plugins: Record<string, unknown>; transports: Record<string, unknown>; 'session-timeout': number; 'api_secret': boolean; 'auth_token': boolean };

const info = async (httpUrl: string) => (await (await fetch(`${httpUrl}/info`)).json()) as Info;

/** Janus processes and their -F folder, read from /proc as `ps` would. */
function janusProcesses(): Array<{ pid: number; ppid: number; configs: string }> {
  return readdirSync('/proc').flatMap((entry) => {
    if (!/^\d+$/.test(entry)) return [];
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (!args[0].endsWith('janus')) return [];
      const ppid = Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
      return [{ pid: Number(entry), ppid, configs: args[args.indexOf('-F') + 1] ?? '' }];
    } catch {
      return [];
    }
  });
}

const alive = (pid: number) => janusProcesses().some((process) => process.pid === pid);

async function gone(pid: number, timeoutMs = 8000): Promise<boolean> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await delay(50)) if (!alive(pid)) return true;
  return false;
}

function backend(args: string[], env: Record<string, string> = {}): ChildProcess {
  const childEnv: Record<string, string | undefined> = { ...process.env, ...env };
  for (const name of ['DATABASE_URL', 'TURN_PORT', 'MAIL_PORT', 'SMTP_PORT', 'SFU_PORT']) if (!(name in env)) delete childEnv[name];
  return spawn(process.execPath, ['--import', 'tsx', mainModule, '--memory', '--port', '0', '--no-mail', '--no-turn', '--supabase-dir', fixture, ...args], {
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function started(child: ChildProcess): Promise<{ printed: Map<string, string>; stderr: () => string }> {
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const printed = new Map<string, string>();
  for await (const line of createInterface({ input: child.stdout! })) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line);
    if (match) printed.set(match[1], match[2]);
    if (match?.[1] === 'DATABASE') return { printed, stderr: () => stderr };
  }
  throw new Error(`the backend ended before printing its settings:\n${stderr}`);
}

async function exitOf(child: ChildProcess): Promise<{ code: number | null; stderr: string }> {
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  child.stdout!.resume();
  const [code] = child.exitCode === null ? await once(child, 'exit') : [child.exitCode];
  return { code, stderr };
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

describe('Janus in the local stack', () => {
  let stack: TestStack;
  before(async () => {
    assert.ok(findJanus(), 'janus is installed (apt-get install janus)');
    stack = await startTestStack({ sfu: true });
  });
  after(async () => {
    await stack?.close();
  });

  it('runs VideoRoom alone, over HTTP and WebSockets on 127.0.0.1, with no API secret or token auth', async () => {
    const sfu = stack.sfu!;
    assert.equal(stack.sfuUrl, `ws://127.0.0.1:${sfu.port}`);
    assert.equal(sfu.httpUrl, `http://127.0.0.1:${sfu.httpPort}/janus`);
    const answer = await info(sfu.httpUrl);
    assert.equal(answer.janus, 'server_info');
    assert.deepEqual(Object.keys(answer.plugins), ['janus.plugin.videoroom']);
    assert.deepEqual(Object.keys(answer.transports).sort(), ['janus.transport.http', 'janus.transport.websockets']);
    assert.equal(answer.api_secret, false);
    assert.equal(answer.auth_token, false);
    assert.equal(answer['session-timeout'], 60);
    const { configs } = janusProcesses().find((process) => process.pid === sfu.pid)!;
    const main = readFileSync(`${configs}/janus.jcfg`, 'utf8');
    assert.match(main, new RegExp(`rtp_port_range = "${SFU_RTP_PORTS.min}-${SFU_RTP_PORTS.max}"`));
    assert.match(readFileSync(`${configs}/janus.plugin.videoroom.jcfg`, 'utf8'), /string_ids = true[\s\S]*lock_rtp_forward = true/);
    assert.match(readFileSync(`${configs}/janus.transport.http.jcfg`, 'utf8'), /admin_http = false/);
  });

  it('answers the WebSocket protocol browsers use (janus-protocol)', async () => {
    const { default: WebSocket } = await import('ws');
    const socket = new WebSocket(stack.sfuUrl!, 'janus-protocol');
    await once(socket, 'open');
    socket.send(JSON.stringify({ janus: 'create', transaction: 't1' }));
    const [message] = await once(socket, 'message');
    socket.close();
    const answer = JSON.parse(String(message));
    assert.equal(answer.janus, 'success');
    assert.equal(typeof answer.data.id, 'number');
  });

  it('gives the functions its settings', async () => {
    const sfu = stack.sfu!;
    assert.ok(sfu.adminKey.length >= 32);
    assert.ok(sfu.secret.length >= 32);
    assert.notEqual(sfu.adminKey, sfu.secret);
  });

  it('stops and starts again with the same ports and keys', async () => {
    const sfu = stack.sfu!;
    const { adminKey, port, httpUrl } = sfu;
    const pid = sfu.pid!;
    await sfu.stop();
    assert.equal(sfu.running, false);
    assert.equal(await gone(pid), true);
    await assert.rejects(fetch(`${httpUrl}/info`));
    await sfu.start();
    assert.equal(sfu.running, true);
    assert.equal((await info(httpUrl)).janus, 'server_info');
    assert.equal(sfu.port, port);
    assert.equal(sfu.adminKey, adminKey);
    await sfu.restart();
    assert.equal((await info(httpUrl)).janus, 'server_info');
  });

  it('ends Janus and removes its folder when the stack closes', async () => {
    const own = await startTestStack({ sfu: true });
    const pid = own.sfu!.pid!;
    const { configs } = janusProcesses().find((process) => process.pid === pid)!;
    assert.equal(existsSync(configs), true);
    await own.close();
    assert.equal(alive(pid), false);
    assert.equal(existsSync(configs), false);
  });

  it('refuses a taken SFU port and says why a broken janus did not start', async () => {
    await assert.rejects(startJanus({ port: stack.sfu!.port }), new RegExp(`SFU port ${stack.sfu!.port} on 127.0.0.1 is taken`));
    assert.equal(findJanus('/nonexistent:/also-not-here'), undefined);
    await assert.rejects(startJanus({ binary: '/nonexistent/janus' }), /Janus did not start on 127\.0\.0\.1:\d+: (janus exited|could not run)/);
  });
});

describe('npm run backend with Janus', () => {
  it('prints SFU_URL= with the SFU_PORT asked for, and Janus ends when the stack is killed -9', async () => {
    const port = await freePort();
    const child = backend([], { SFU_PORT: String(port) });
    const { printed } = await started(child);
    assert.equal(printed.get('SFU_URL'), `ws://127.0.0.1:${port}`);
    const janus = janusProcesses().find((process) => process.ppid === child.pid);
    assert.ok(janus, 'a janus of this stack runs');
    child.kill('SIGKILL');
    await once(child, 'exit');
    assert.equal(await gone(janus.pid), true, 'Janus stopped by its watchdog');
    for (let waited = 0; existsSync(janus.configs) && waited < 5000; waited += 50) await delay(50);
    assert.equal(existsSync(janus.configs), false, 'and its folder removed');
  });

  it('ends Janus on SIGTERM, and runs none with --no-sfu', async () => {
    const child = backend(['--sfu']);
    await started(child);
    const janus = janusProcesses().find((process) => process.ppid === child.pid)!;
    assert.ok(janus);
    child.kill('SIGTERM');
    await once(child, 'exit');
    assert.equal(await gone(janus.pid), true);

    const without = backend(['--no-sfu']);
    const { printed } = await started(without);
    assert.equal(printed.has('SFU_URL'), false);
    assert.equal(janusProcesses().some((process) => process.ppid === without.pid), false);
    without.kill('SIGTERM');
    await once(without, 'exit');
  });

  it('starts without an SFU when Janus is missing, and refuses to with --sfu', async () => {
    const withoutJanus = { PATH: '/nonexistent' };
    const child = backend([], withoutJanus);
    const { printed, stderr } = await started(child);
    assert.equal(printed.has('SFU_URL'), false);
    assert.match(stderr(), /Janus is not installed \(no janus on PATH\): no SFU/);
    child.kill('SIGTERM');
    await once(child, 'exit');

    const required = await exitOf(backend(['--sfu'], withoutJanus));
    assert.equal(required.code, 1);
    assert.match(required.stderr, /the local stack did not start: Janus is not installed/);
  });

  it('refuses --sfu with --no-sfu, and an SFU_PORT that is not a port', async () => {
    const both = await exitOf(backend(['--sfu', '--no-sfu']));
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--sfu and --no-sfu contradict each other/);
    const bad = await exitOf(backend([], { SFU_PORT: 'three' }));
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /SFU_PORT must be a port number.*"three"/);
  });
});
