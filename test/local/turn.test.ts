/**
 * The local stack's coturn: it starts with the stack, the credentials video-call-ice-servers hands
 * out open a real relay on it (a TURN Allocate from Node, test/support/turn.ts), a wrong or expired
 * credential is refused, it restarts for fault tests, and it ends with the stack however the stack
 * ends. Needs Debian's coturn (`turnserver`); .ci/run installs it.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEFAULT_TURN_PORT, findTurnserver, RELAY_PORTS, startCoturn } from '../../supabase/local/turn/coturn.ts';
import { callFunction } from '../support/functions.ts';
import { startTestStack, type TestStack, type TestUser } from '../support/stack.ts';
import { allocateRelay, peerSocket, TurnError, type Address } from '../support/turn.ts';

const mainModule = fileURLToPath(new URL('../../supabase/local/main.ts', import.meta.url));
const fixture = fileURLToPath(new URL('../fixtures/functions-project', import.meta.url));

/** coturn's REST-API credential for a username, as the function makes it. */
const credential = (secret: string, username: string) => createHmac('sha1', secret).update(username).digest('base64');

/** Processes running turnserver on `port` (read from /proc, as `ps` would). */
function turnserversOn(port: number): number[] {
  return readdirSync('/proc').flatMap((entry) => {
    if (!/^\d+$/.test(entry)) return [];
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      return args[0].endsWith('turnserver') && args.includes(`--listening-port=${port}`) ? [Number(entry)] : [];
    } catch {
      return [];
    }
  });
}

/** The scratch folder coturn `pid` was started with (its --pidfile's folder). */
function runDirOf(pid: number): string {
  const pidFile = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').find((arg) => arg.startsWith('--pidfile='))!;
  return dirname(pidFile.slice('--pidfile='.length));
}

async function gone(port: number, timeoutMs = 8000): Promise<boolean> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await delay(50)) {
    if (turnserversOn(port).length === 0) return true;
  }
  return false;
}

/** `npm run backend` as a process, in memory, with the given arguments and environment. */
function backend(args: string[], env: Record<string, string> = {}): ChildProcess {
  const childEnv: Record<string, string | undefined> = { ...process.env, ...env };
  for (const name of ['DATABASE_URL', 'TURN_PORT', 'MAIL_PORT', 'SMTP_PORT']) if (!(name in env)) delete childEnv[name];
  return spawn(process.execPath, ['--import', 'tsx', mainModule, '--memory', '--port', '0', '--no-mail', '--supabase-dir', fixture, ...args], {
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** The NAME=value lines up to DATABASE=, and stderr as it arrives. */
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

const holdUdp = async (port: number): Promise<Socket | undefined> => {
  const socket = createSocket('udp4');
  return new Promise((resolve) => {
    socket.once('error', () => resolve(undefined));
    socket.bind(port, '127.0.0.1', () => resolve(socket));
  });
};

describe('coturn in the local stack', { skip: findTurnserver() ? false : 'coturn is not installed (apt-get install coturn)' }, () => {
  let stack: TestStack;
  let user: TestUser;
  let server: Address;

  const iceServers = async () => {
    const response = await callFunction(stack, 'video-call-ice-servers', {}, user.token);
    assert.equal(response.status, 200);
    return response.json() as Promise<{ iceServers: Array<{ urls: string[]; username?: string; credential?: string }>; ttl: number; warning?: string }>;
  };
  const turnEntry = async () => {
    const answer = await iceServers();
    const turn = answer.iceServers.find((entry) => entry.username);
    assert.ok(turn, `TURN in ${JSON.stringify(answer)}`);
    return turn as { urls: string[]; username: string; credential: string };
  };

  before(async () => {
    stack = await startTestStack({ turn: true });
    user = await stack.createUser();
    server = { address: '127.0.0.1', port: stack.turn!.port };
  });
  after(async () => {
    await stack?.close();
  });

  it('runs coturn on 127.0.0.1 and hands its URLs and secret to the functions', async () => {
    assert.match(stack.turnUrl!, /^turn:127\.0\.0\.1:\d+$/);
    assert.equal(stack.turnUrl, `turn:127.0.0.1:${stack.turn!.port}`);
    const answer = await iceServers();
    assert.equal(answer.warning, undefined);
    assert.deepEqual(answer.iceServers, [
      { urls: [`stun:127.0.0.1:${server.port}`] },
      {
        urls: [`turn:127.0.0.1:${server.port}?transport=udp`, `turn:127.0.0.1:${server.port}?transport=tcp`],
        username: answer.iceServers[1].username,
        credential: answer.iceServers[1].credential,
      },
    ]);
    assert.equal(answer.iceServers[1].credential, credential(stack.turn!.secret, answer.iceServers[1].username!));
  });

  it('allocates a relay with the credentials the function hands out, and relays data to a peer', async () => {
    const turn = await turnEntry();
    const allocation = await allocateRelay(server, turn.username, turn.credential);
    const peer = await peerSocket();
    try {
      assert.equal(allocation.relayed.address, '127.0.0.1');
      assert.ok(allocation.relayed.port >= RELAY_PORTS.min && allocation.relayed.port <= RELAY_PORTS.max, `relay port ${allocation.relayed.port}`);
      assert.ok(allocation.lifetime > 0);
      assert.equal(allocation.serverSigned, true, 'coturn signed its answer with the same key');
      const arrived = peer.next();
      await allocation.sendTo(peer.address, Buffer.from('через реле'));
      const { data, from } = await arrived;
      assert.equal(data.toString(), 'через реле');
      assert.deepEqual(from, allocation.relayed, 'the peer sees the data come from the relayed address');
    } finally {
      peer.close();
      await allocation.release();
    }
  });

  it('refuses a wrong credential, another user\'s, and an expired one with 401', async () => {
    const turn = await turnEntry();
    const expiredName = `${Math.floor(Date.now() / 1000) - 60}:${user.id}`;
    const cases: Array<[string, string, string]> = [
      ['a wrong credential', turn.username, 'd3Jvbmc='],
      ['a credential for another username', turn.username.replace(/:.*/, ':someone-else'), turn.credential],
      ['an expired username signed with the right secret', expiredName, credential(stack.turn!.secret, expiredName)],
      ['a credential signed with another secret', turn.username, credential('not-the-secret', turn.username)],
    ];
    for (const [what, username, password] of cases) {
      await assert.rejects(allocateRelay(server, username, password), (error: unknown) => error instanceof TurnError && error.code === 401, what);
    }
  });

  it('restarts on the same port with the same secret, so earlier credentials still allocate', async () => {
    const turn = await turnEntry();
    const before = stack.turn!.pid;
    await stack.turn!.restart();
    assert.notEqual(stack.turn!.pid, before);
    assert.deepEqual(turnserversOn(server.port), [stack.turn!.pid]);
    const allocation = await allocateRelay(server, turn.username, turn.credential);
    await allocation.release();
  });

  it('stops and starts again for fault tests: stopped, nothing answers', async () => {
    const turn = await turnEntry();
    await stack.turn!.stop();
    assert.equal(stack.turn!.running, false);
    assert.equal(await gone(server.port), true);
    await assert.rejects(allocateRelay(server, turn.username, turn.credential, 500), /no answer from TURN server/);
    await stack.turn!.start();
    assert.equal(stack.turn!.running, true);
    await (await allocateRelay(server, turn.username, turn.credential)).release();
  });

  it('ends coturn and removes its scratch folder when the stack closes', async () => {
    const own = await startTestStack({ turn: true });
    const port = own.turn!.port;
    const pid = own.turn!.pid!;
    const runDir = runDirOf(pid);
    assert.equal(existsSync(runDir), true);
    await own.close();
    assert.deepEqual(turnserversOn(port), []);
    assert.equal(existsSync(runDir), false);
  });
});

describe('coturn ports', { skip: findTurnserver() ? false : 'coturn is not installed' }, () => {
  it('takes another port when the default one is taken, and refuses a taken port asked for', async () => {
    const held = await holdUdp(DEFAULT_TURN_PORT); // undefined: something else holds it already
    const turn = await startCoturn();
    try {
      assert.notEqual(turn.port, DEFAULT_TURN_PORT);
      await assert.rejects(startCoturn({ port: turn.port }), new RegExp(`TURN port ${turn.port} on 127.0.0.1 is taken`));
      assert.equal(turnserversOn(turn.port).length, 1, 'no second coturn shares the port');
    } finally {
      await turn.stop();
      held?.close();
    }
  });

  it('finds no turnserver on a PATH without one, and says why a broken one did not start', async () => {
    assert.equal(findTurnserver('/nonexistent:/also-not-here'), undefined);
    assert.equal(findTurnserver('/usr/bin:/bin')?.endsWith('/turnserver'), true);
    await assert.rejects(startCoturn({ binary: '/nonexistent/turnserver', port: 0 }), /coturn did not start on 127\.0\.0\.1:\d+: turnserver exited/);
  });
});

describe('npm run backend with coturn', { skip: findTurnserver() ? false : 'coturn is not installed' }, () => {
  it('prints TURN_URL= with the TURN_PORT asked for, and coturn ends when the stack is killed -9', async () => {
    const probe = await startCoturn({ port: 0 });
    const port = probe.port;
    await probe.stop();
    const child = backend([], { TURN_PORT: String(port) });
    const { printed } = await started(child);
    assert.equal(printed.get('TURN_URL'), `turn:127.0.0.1:${port}`);
    const [pid] = turnserversOn(port);
    assert.ok(pid);
    const runDir = runDirOf(pid);
    child.kill('SIGKILL');
    await once(child, 'exit');
    assert.equal(await gone(port), true, 'coturn stopped by its watchdog');
    for (let waited = 0; existsSync(runDir) && waited < 5000; waited += 50) await delay(50);
    assert.equal(existsSync(runDir), false, 'and its scratch folder removed');
  });

  it('fails to start on a TURN_PORT that is taken, saying so', async () => {
    const held = await holdUdp(0);
    const port = held!.address().port;
    try {
      const { code, stderr } = await exitOf(backend([], { TURN_PORT: String(port) }));
      assert.equal(code, 1);
      assert.match(stderr, new RegExp(`the local stack did not start: TURN port ${port} on 127.0.0.1 is taken`));
    } finally {
      held!.close();
    }
  });

  it('runs no coturn with --no-turn', async () => {
    const child = backend(['--no-turn']);
    const { printed } = await started(child);
    assert.equal(printed.has('TURN_URL'), false);
    child.kill('SIGTERM');
    await once(child, 'exit');
  });

  it('starts without TURN when coturn is missing, and refuses to with --turn', async () => {
    const withoutCoturn = { PATH: '/nonexistent' };
    const child = backend([], withoutCoturn);
    const { printed, stderr } = await started(child);
    assert.equal(printed.has('TURN_URL'), false);
    assert.match(stderr(), /coturn is not installed \(no turnserver on PATH\): no TURN server/);
    child.kill('SIGTERM');
    await once(child, 'exit');

    const required = await exitOf(backend(['--turn'], withoutCoturn));
    assert.equal(required.code, 1);
    assert.match(required.stderr, /the local stack did not start: coturn is not installed/);
  });

  it('refuses --turn with --no-turn, and a TURN_PORT that is not a port', async () => {
    const both = await exitOf(backend(['--turn', '--no-turn']));
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--turn and --no-turn contradict each other/);
    const bad = await exitOf(backend([], { TURN_PORT: 'three' }));
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--turn-port \/ TURN_PORT must be a port number.*"three"/);
  });
});
