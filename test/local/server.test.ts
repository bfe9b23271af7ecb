/**
 * The one HTTP server in front of every service, fed hostile input over raw sockets: whatever
 * arrives, that request gets an answer and the stack keeps serving. And the stack's Deno
 * processes end with it, however its Node process ends.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { startTestStack, type TestStack } from '../support/stack.ts';

const fixture = fileURLToPath(new URL('../fixtures/functions-project', import.meta.url));
const serverModule = fileURLToPath(new URL('../../supabase/local/server.ts', import.meta.url));
const mainModule = fileURLToPath(new URL('../../supabase/local/main.ts', import.meta.url));

const WEBSOCKET_HEADERS =
  'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';

/** Sends raw bytes and returns everything the server wrote until it closed the connection. */
async function raw(port: number, request: string): Promise<{ status: number; head: string; body: string }> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  socket.write(request);
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  await once(socket, 'close');
  const text = Buffer.concat(chunks).toString('utf8');
  const split = text.indexOf('\r\n\r\n');
  const head = text.slice(0, split);
  let body = text.slice(split + 4);
  if (/^transfer-encoding: chunked$/im.test(head)) body = dechunk(body);
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]), head, body };
}

function dechunk(chunked: string): string {
  let body = '';
  for (let at = 0; ; ) {
    const lineEnd = chunked.indexOf('\r\n', at);
    const size = parseInt(chunked.slice(at, lineEnd), 16);
    if (!size) return body;
    body += chunked.slice(lineEnd + 2, lineEnd + 2 + size);
    at = lineEnd + 2 + size + 2;
  }
}

/** Connects, sends part of a request, then resets the connection (TCP RST). */
async function sendAndReset(port: number, request: string): Promise<void> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  socket.write(request);
  socket.resetAndDestroy();
  await once(socket, 'close');
}

describe('http server', () => {
  let stack: TestStack;
  const healthy = async () => assert.equal((await fetch(`${stack.url}/auth/v1/health`)).status, 200);

  before(async () => {
    stack = await startTestStack();
  });
  after(() => stack.close());

  it('answers a request whose URL cannot be parsed with a JSON 400, and keeps serving', async () => {
    const answer = await raw(stack.port, 'GET //[ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.equal(answer.status, 400);
    assert.match(JSON.parse(answer.body).message, /URL is not valid/);
    await healthy();
  });

  it('refuses an upgrade whose URL cannot be parsed with a plain HTTP 400, and keeps serving', async () => {
    const answer = await raw(stack.port, `GET //[ HTTP/1.1\r\nHost: x\r\n${WEBSOCKET_HEADERS}\r\n`);
    assert.equal(answer.status, 400);
    assert.match(JSON.parse(answer.body).message, /URL is not valid/);
    await healthy();
  });

  it('refuses an upgrade to a path without WebSockets with a 404', async () => {
    const answer = await raw(stack.port, `GET /rest/v1/ HTTP/1.1\r\nHost: x\r\n${WEBSOCKET_HEADERS}\r\n`);
    assert.equal(answer.status, 404);
  });

  it('answers headers over the size limit with a JSON 431, on requests and upgrades', async () => {
    const big = `X-Big: ${'a'.repeat(20_000)}\r\n`;
    for (const request of [
      `GET /rest/v1/ HTTP/1.1\r\nHost: x\r\n${big}\r\n`,
      `GET /realtime/v1/websocket HTTP/1.1\r\nHost: x\r\n${WEBSOCKET_HEADERS}${big}\r\n`,
    ]) {
      const answer = await raw(stack.port, request);
      assert.equal(answer.status, 431);
      assert.match(JSON.parse(answer.body).message, /headers are larger than \d+ bytes/);
    }
    await healthy();
  });

  it('answers bytes that are not HTTP with a JSON 400', async () => {
    const answer = await raw(stack.port, 'HELLO THERE\r\n\r\n');
    assert.equal(answer.status, 400);
    assert.equal(typeof JSON.parse(answer.body).message, 'string');
    await healthy();
  });

  it('survives clients that reset upgrades and requests halfway', async () => {
    for (let round = 0; round < 20; round++) {
      await sendAndReset(stack.port, `GET /nowhere HTTP/1.1\r\nHost: x\r\n${WEBSOCKET_HEADERS}\r\n`);
      await sendAndReset(stack.port, `GET //[ HTTP/1.1\r\nHost: x\r\n${WEBSOCKET_HEADERS}\r\n`);
      await sendAndReset(stack.port, `GET /realtime/v1/websocket?apikey=nope HTTP/1.1\r\nHost: x\r\n${WEBSOCKET_HEADERS}\r\n`);
      await sendAndReset(
        stack.port,
        `POST /auth/v1/signup HTTP/1.1\r\nHost: x\r\napikey: ${stack.anonKey}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"email":`,
      );
    }
    await healthy();
  });
});

/** Whether a process exists and is not a zombie waiting to be reaped. */
function alive(pid: number): boolean {
  if (existsSync('/proc')) {
    try {
      return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return false;
    }
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Waits until a process we are not the parent of is gone. No event tells us (only its parent
 * hears of its exit), so this looks every 20 ms, for at most 10 s.
 */
async function gone(pid: number): Promise<boolean> {
  for (let waited = 0; waited < 10_000; waited += 20) {
    if (!alive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}

/** Node running a TypeScript entry (a file, or module code), with the database in memory. */
function node(args: string[], stderr: 'pipe' | 'ignore' = 'ignore'): ChildProcess {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  return spawn(process.execPath, ['--import', 'tsx', ...args], { env, stdio: ['ignore', 'pipe', stderr] });
}

/** The `NAME=value` lines a process prints, each awaitable by name. */
function printedValues(child: ChildProcess): (name: string) => Promise<string> {
  const values = new Map<string, string>();
  const waiting = new Map<string, (value: string) => void>();
  let ended = false;
  const lines = createInterface({ input: child.stdout! });
  lines.on('line', (line) => {
    const match = /^([A-Z_]+)=(.*)$/.exec(line);
    if (!match) return;
    values.set(match[1], match[2]);
    waiting.get(match[1])?.(match[2]);
  });
  lines.on('close', () => (ended = true));
  return (name) =>
    values.has(name)
      ? Promise.resolve(values.get(name)!)
      : new Promise((resolve, reject) => {
          if (ended) reject(new Error(`the process ended without printing ${name}`));
          waiting.set(name, resolve);
          lines.once('close', () => reject(new Error(`the process ended without printing ${name}`)));
        });
}

/** Starts `npm run backend`'s entry on the fixture project and boots one function in Deno. */
async function backendWithFunction(): Promise<{ child: ChildProcess; denoPid: number }> {
  const child = node([mainModule, '--memory', '--port', '0', '--supabase-dir', fixture]);
  const printed = printedValues(child);
  const url = await printed('SUPABASE_URL');
  const anonKey = await printed('SUPABASE_ANON_KEY');
  const answer = await fetch(`${url}/functions/v1/echo`, { method: 'POST', headers: { authorization: `Bearer ${anonKey}` } });
  const { pid } = await answer.json();
  assert.ok(alive(pid));
  return { child, denoPid: pid };
}

describe('a stack in a process of its own', () => {
  it('leaves no Deno process behind when stopped with SIGTERM', async () => {
    const { child, denoPid } = await backendWithFunction();
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    assert.deepEqual(await exited, [0, null]);
    assert.ok(await gone(denoPid), `Deno process ${denoPid} is still running`);
  });

  it('leaves no Deno process behind when killed outright', async () => {
    const { child, denoPid } = await backendWithFunction();
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
    assert.ok(await gone(denoPid), `Deno process ${denoPid} is still running`);
  });

  it('leaves no Deno process behind when it crashes on an uncaught error', async () => {
    const child = node([
      '--input-type=module',
      '--eval',
      `
        import { startLocalStack } from ${JSON.stringify(serverModule)};
        const stack = await startLocalStack({
          port: 0, memory: true, scheduler: false, supabaseDir: ${JSON.stringify(fixture)}, log: () => {},
        });
        const answer = await fetch(stack.url + '/functions/v1/echo', {
          method: 'POST', headers: { authorization: 'Bearer ' + stack.anonKey },
        });
        console.log('DENO_PID=' + (await answer.json()).pid);
        setImmediate(() => { throw new Error('crashing on purpose'); });
      `,
    ], 'pipe');
    const printed = printedValues(child);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
    const exited = once(child, 'exit');
    const denoPid = Number(await printed('DENO_PID'));
    assert.deepEqual(await exited, [1, null]);
    assert.match(stderr, /crashing on purpose/);
    assert.ok(await gone(denoPid), `Deno process ${denoPid} is still running`);
  });
});
