/**
 * The embedded database (the default: a PostgreSQL server of the stack's own) keeps every write it
 * acknowledged when the stack is killed at any moment, and its server ends with the stack. Each
 * stack here is `npm run backend` in a child process on a persisted folder.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';

interface RunningStack {
  child: ChildProcess;
  exited: Promise<number | null>;
  url: string;
  anonKey: string;
  serviceRoleKey: string;
}

/**
 * Starts `npm run backend` on `dataDir`; resolves once it printed its keys, rejects if it exits
 * first. `ownGroup`: in a process group of its own, as a shell puts a foreground job.
 */
function startBackend(dataDir: string, { ownGroup = false } = {}): Promise<RunningStack> {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  delete env.DB_PORT;
  const child = spawn(process.execPath, ['--import', 'tsx', 'supabase/local/main.ts', '--port', '0', '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
    detached: ownGroup,
  });
  let text = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const lines: Record<string, string> = {};
  return new Promise((resolve, reject) => {
    // stdout (the keys) and stderr (the ready line, printed after them) are two pipes read apart:
    // the ready line may be read first, so it resolves once both have arrived.
    let ready = false;
    const settle = () => {
      if (ready && lines.SUPABASE_URL && lines.SUPABASE_ANON_KEY && lines.SUPABASE_SERVICE_ROLE_KEY) {
        resolve({ child, exited, url: lines.SUPABASE_URL, anonKey: lines.SUPABASE_ANON_KEY, serviceRoleKey: lines.SUPABASE_SERVICE_ROLE_KEY });
      }
    };
    createInterface({ input: child.stdout! }).on('line', (line) => {
      text += `${line}\n`;
      const match = /^([A-Z_]+)=(.*)$/.exec(line);
      if (match) lines[match[1]] = match[2];
      settle();
    });
    createInterface({ input: child.stderr! }).on('line', (line) => {
      text += `${line}\n`;
      if (line.startsWith('local stack ready')) {
        ready = true;
        settle();
      }
    });
    void exited.then((code) => reject(new Error(`the stack exited (${code}) before it was ready:\n${text}`)));
  });
}

/** The embedded server's postmaster, from its lock file; undefined when none runs. */
function serverPid(dataDir: string): number | undefined {
  const lockFile = join(dataDir, 'data', 'postmaster.pid');
  if (!existsSync(lockFile)) return undefined;
  const pid = Number(readFileSync(lockFile, 'utf8').split('\n')[0]);
  return isAlive(pid) ? pid : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The process group of `pid`: the server's watchdog, the postmaster and every backend. */
function processGroup(pid: number): number {
  const ps = spawnSync('ps', ['-o', 'pgid=', '-p', String(pid)], { encoding: 'utf8' });
  return Number(ps.stdout.trim());
}

async function waitUntil(condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !condition(); waited += 50) {
    if (waited > 30_000) assert.fail(`timed out waiting: ${what}`);
    await delay(50);
  }
}

async function signUp(stack: RunningStack): Promise<string> {
  const response = await fetch(`${stack.url}/auth/v1/signup`, {
    method: 'POST',
    headers: { apikey: stack.anonKey, 'content-type': 'application/json' },
    body: JSON.stringify({ email: `${randomUUID()}@example.test`, password: 'secret123' }),
  });
  assert.equal(response.status, 200);
  return ((await response.json()) as { access_token: string }).access_token;
}

/** Inserts sessions from several clients at once until stopped; returns the ids answered 2xx. */
function writeBurst(stack: RunningStack, token: string, title: string) {
  const acknowledged: string[] = [];
  let stopped = false;
  const writer = async () => {
    while (!stopped) {
      const id = randomUUID();
      try {
        const response = await fetch(`${stack.url}/rest/v1/video_call_sessions`, {
          method: 'POST',
          headers: { apikey: stack.anonKey, authorization: `Bearer ${token}`, 'content-type': 'application/json', prefer: 'return=minimal' },
          body: JSON.stringify({ id, title }),
        });
        await response.arrayBuffer();
        if (response.ok) acknowledged.push(id);
      } catch {
        return; // the stack is gone
      }
    }
  };
  const writers = Array.from({ length: 8 }, writer);
  return {
    acknowledged,
    async stop() {
      stopped = true;
      await Promise.all(writers);
    },
  };
}

async function storedIds(stack: RunningStack, title: string): Promise<Set<string>> {
  const response = await fetch(`${stack.url}/rest/v1/video_call_sessions?select=id&title=eq.${encodeURIComponent(title)}`, {
    headers: { apikey: stack.serviceRoleKey, authorization: `Bearer ${stack.serviceRoleKey}` },
  });
  assert.equal(response.status, 200);
  return new Set(((await response.json()) as { id: string }[]).map((row) => row.id));
}

/** Ends the stack the way `signal` would, and waits until it and its server are gone. */
async function endBackend(stack: RunningStack, dataDir: string, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
  const server = serverPid(dataDir);
  assert.ok(server, 'the server runs');
  stack.child.kill(signal);
  await stack.exited;
  await waitUntil(() => !isAlive(server), `the server stops after ${signal} to the stack`);
}

// The embedded server is the same whichever suite runs this file: only the backend suite does
// (the backend-postgres suite sets TEST_DATABASE_URL), so the kill rounds are paid for once.
if (!process.env.TEST_DATABASE_URL) describe('embedded PostgreSQL server', () => {
  let dataDir: string;
  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'call-widgets-durability-'));
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('keeps every acknowledged write when the stack is killed -9 during a write burst', async () => {
    // Odd rounds kill the Node process only (its server then stops by itself); even rounds kill
    // everything at once: Node, the server and its backends, as a crash or the OOM killer would.
    for (let round = 1; round <= 6; round++) {
      const stack = await startBackend(dataDir);
      const title = `burst ${round}`;
      const burst = writeBurst(stack, await signUp(stack), title);
      await delay(200 + Math.random() * 1200);
      const server = serverPid(dataDir);
      assert.ok(server, 'the server runs');
      if (round % 2 === 0) process.kill(-processGroup(server), 'SIGKILL');
      stack.child.kill('SIGKILL');
      await stack.exited;
      await burst.stop();
      assert.ok(burst.acknowledged.length > 0, `round ${round}: some writes were acknowledged before the kill`);

      const again = await startBackend(dataDir);
      const stored = await storedIds(again, title);
      const lost = burst.acknowledged.filter((id) => !stored.has(id));
      assert.deepEqual(lost, [], `round ${round}: ${lost.length} of ${burst.acknowledged.length} acknowledged inserts lost`);
      await endBackend(again, dataDir);
    }
  });

  it('stops its server when the stack ends: Ctrl-C, SIGTERM, kill -9', async () => {
    const lockFile = join(dataDir, 'data', 'postmaster.pid');
    const interrupted = await startBackend(dataDir, { ownGroup: true });
    const server = serverPid(dataDir);
    assert.ok(server);
    // What Ctrl-C in a terminal does: SIGINT to the foreground process group.
    process.kill(-interrupted.child.pid!, 'SIGINT');
    await interrupted.exited;
    await waitUntil(() => !isAlive(server), 'the server stops after Ctrl-C');
    assert.equal(existsSync(lockFile), false, 'Ctrl-C: the server shut down cleanly');

    await endBackend(await startBackend(dataDir), dataDir, 'SIGTERM');
    assert.equal(existsSync(lockFile), false, 'SIGTERM: the server shut down cleanly');

    await endBackend(await startBackend(dataDir), dataDir, 'SIGKILL');
    assert.equal(existsSync(lockFile), false, 'kill -9: the server shut down cleanly by itself');
  });

  it('starts over a stale postmaster.pid, whether its process is gone or the pid is now another program', async () => {
    await endBackend(await startBackend(dataDir), dataDir); // a cluster, shut down
    const lockFile = join(dataDir, 'data', 'postmaster.pid');
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    // The process a pid names after a reboot: alive, and no PostgreSQL server (this test's own).
    for (const pid of [gone, process.pid]) {
      writeFileSync(lockFile, `${pid}\n${join(dataDir, 'data')}\n0\n54322\n\n127.0.0.1\n`);
      const stack = await startBackend(dataDir);
      const response = await fetch(`${stack.url}/rest/v1/video_call_sessions?select=id&limit=1`, {
        headers: { apikey: stack.serviceRoleKey, authorization: `Bearer ${stack.serviceRoleKey}` },
      });
      assert.equal(response.status, 200, `the database answers after a postmaster.pid naming ${pid === gone ? 'a process that is gone' : 'another program'}`);
      await endBackend(stack, dataDir);
    }
  });

  it('refuses a second stack on a folder that a running stack uses, naming it', async () => {
    const first = await startBackend(dataDir);
    try {
      await assert.rejects(startBackend(dataDir), /the local stack in process \d+ is using/);
      const response = await fetch(`${first.url}/auth/v1/health`);
      assert.equal(response.status, 200, 'the first stack still answers');
    } finally {
      await endBackend(first, dataDir);
    }
  });
});
