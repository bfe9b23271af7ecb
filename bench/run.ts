/**
 * `npm run bench`: performance figures from one run on this machine, printed, never asserted.
 *   - local stack cold start (fresh in-memory database; and a restart on persisted data)
 *   - REST select p50/p95 through supabase-js
 *   - broadcast round trip p50/p95 between two supabase-js clients, beside a bare `ws` relay and a
 *     bare `ws` echo on the same machine, as ratios
 *   - Realtime under load (bench/realtime-load.ts): 200 sockets in 20 private calls, delivery
 *     latency p50/p95 and lost messages (BENCH_LOAD=0 skips it)
 *   - the reminders run (bench/reminders.ts): 1,000 due reminders pushed in one run, on the
 *     embedded PostgreSQL server (BENCH_REMINDERS=0 skips it)
 *   - calls (bench/calls.ts): join → first frame, 4- and 6-peer mesh, signaling round trip, each
 *     beside bare RTCPeerConnections and PeerJS, and a chat message round trip beside the
 *     signaling one (BENCH_CALLS=0 skips them)
 *   - the TURN relay (bench/relay.ts): first frame direct vs relay-only, a relay call across a
 *     coturn restart, and (bench/path-cut.ts, in a network namespace of its own) a direct path
 *     cut mid-call until frames flow over the relay (BENCH_RELAY=0 skips them)
 *   - mesh vs SFU (bench/sfu.ts): 2, 4, 6 and 8 people each way through the stack's Janus — time
 *     until everyone decodes everyone, CPU seconds and bytes sent per page (BENCH_SFU=0 skips it)
 *   - bundle sizes (bench/bundles.ts), min and gzip, against the budgets
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import type { RealtimeChannel } from '@supabase/supabase-js';
import WebSocket, { WebSocketServer } from 'ws';
import { startLocalStack } from '../supabase/local/server.ts';
import { startTestStack } from '../test/support/stack.ts';
import { benchBundles } from './bundles.ts';
import { benchCalls } from './calls.ts';
import { benchRealtimeLoad } from './realtime-load.ts';
import { benchRelay } from './relay.ts';
import { benchReminders } from './reminders.ts';
import { benchSfu } from './sfu.ts';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 200);

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const ms = (value: number) => `${value.toFixed(2)} ms`;
const line = (label: string, values: number[]) =>
  console.log(`${label.padEnd(46)} p50 ${ms(percentile(values, 50)).padStart(10)}   p95 ${ms(percentile(values, 95)).padStart(10)}`);

/** Starts `npm run backend` as a user would and times it until the keys are printed. */
async function timeBackendStart(args: string[]): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'supabase/local/main.ts', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      let output = '';
      child.stdout.on('data', (chunk) => {
        output += chunk;
        if (output.includes('SUPABASE_SERVICE_ROLE_KEY=')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`backend exited with ${code} before it was ready`)));
    });
    return performance.now() - started;
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

async function benchColdStart() {
  const memory = await timeBackendStart(['--memory']);
  const dataDir = mkdtempSync(join(tmpdir(), 'call-widgets-bench-'));
  try {
    const fresh = await timeBackendStart(['--data-dir', dataDir]);
    const restart = await timeBackendStart(['--data-dir', dataDir]);
    console.log(`${'stack cold start, in-memory database'.padEnd(46)} ${ms(memory)}`);
    console.log(`${'stack cold start, new persisted database'.padEnd(46)} ${ms(fresh)}`);
    console.log(`${'stack restart on persisted data'.padEnd(46)} ${ms(restart)}`);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function benchRest(stack: Awaited<ReturnType<typeof startTestStack>>) {
  const host = await stack.createUser({ name: 'Bench host' });
  const { data: session, error } = await host.client.from('video_call_sessions').insert({ title: 'bench' }).select().single();
  if (error) throw new Error(`could not create a session: ${error.message}`);
  for (let i = 0; i < 5; i++) {
    const guest = await stack.createUser();
    await host.client.from('video_call_participants').insert({ session_id: session.id, user_id: guest.id });
  }
  const times: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const started = performance.now();
    const { data, error: selectError } = await host.client
      .from('video_call_participants')
      .select('id, display_name, role, invite_status, presence_status')
      .eq('session_id', session.id)
      .order('created_at');
    times.push(performance.now() - started);
    if (selectError || data?.length !== 6) throw new Error(`REST select failed: ${selectError?.message}`);
  }
  line('REST select (6 rows, RLS, supabase-js)', times);
  return session.id as string;
}

async function benchBroadcast(stack: Awaited<ReturnType<typeof startTestStack>>) {
  const a = stack.anonClient();
  const b = stack.anonClient();
  const subscribe = (channel: RealtimeChannel) =>
    new Promise<void>((resolve, reject) =>
      channel.subscribe((status, err) => {
        if (status === 'SUBSCRIBED') resolve();
        else if (status === 'CHANNEL_ERROR' || status === 'TIMED_OUT') reject(err ?? new Error(status));
      }),
    );
  const pending = new Map<number, () => void>();
  const channelA = a.channel('bench-rtt').on('broadcast', { event: 'pong' }, ({ payload }) => pending.get(payload.seq)?.());
  const channelB = b.channel('bench-rtt');
  channelB.on('broadcast', { event: 'ping' }, ({ payload }) => void channelB.send({ type: 'broadcast', event: 'pong', payload }));
  await subscribe(channelA);
  await subscribe(channelB);
  const times: number[] = [];
  for (let seq = 0; seq < SAMPLES; seq++) {
    const started = performance.now();
    await new Promise<void>((resolve) => {
      pending.set(seq, resolve);
      void channelA.send({ type: 'broadcast', event: 'ping', payload: { seq } });
    });
    pending.delete(seq);
    times.push(performance.now() - started);
  }
  await a.removeAllChannels();
  await b.removeAllChannels();
  return times;
}

/** The floor: two bare ws clients relayed by a bare ws server (A → server → B → server → A). */
async function benchBareRelay() {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  server.on('connection', (socket) =>
    socket.on('message', (data) => {
      for (const other of server.clients) if (other !== socket) other.send(data.toString());
    }),
  );
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const open = (socket: WebSocket) => new Promise((resolve) => socket.once('open', resolve));
  const a = new WebSocket(url);
  const b = new WebSocket(url);
  await Promise.all([open(a), open(b)]);
  b.on('message', (data) => b.send(data.toString()));
  const relay: number[] = [];
  for (let seq = 0; seq < SAMPLES; seq++) {
    const started = performance.now();
    await new Promise<void>((resolve) => {
      a.once('message', () => resolve());
      a.send(JSON.stringify({ seq }));
    });
    relay.push(performance.now() - started);
  }
  b.close();
  // The echo: one client, the server answers itself.
  server.removeAllListeners('connection');
  server.on('connection', (socket) => socket.on('message', (data) => socket.send(data.toString())));
  const c = new WebSocket(url);
  await open(c);
  const echo: number[] = [];
  for (let seq = 0; seq < SAMPLES; seq++) {
    const started = performance.now();
    await new Promise<void>((resolve) => {
      c.once('message', () => resolve());
      c.send(JSON.stringify({ seq }));
    });
    echo.push(performance.now() - started);
  }
  a.close();
  c.close();
  await new Promise((resolve) => server.close(resolve));
  return { relay, echo };
}

console.log(`supabase-call-widgets bench — ${SAMPLES} samples each, node ${process.version}\n`);
console.log('bundle sizes');
await benchBundles((label, value) => console.log(`${label.padEnd(52)} ${value}`));
console.log('');
await benchColdStart();
const stack = await startTestStack();
try {
  // BENCH_SAMPLES=0 skips the REST and broadcast figures (the others have switches of their own).
  if (SAMPLES > 0) {
    await benchRest(stack);
    const broadcast = await benchBroadcast(stack);
    const bare = await benchBareRelay();
    line('broadcast round trip, 2 supabase-js clients', broadcast);
    line('bare ws relay round trip, 2 clients', bare.relay);
    line('bare ws echo round trip, 1 client', bare.echo);
    const ratio = (p: number, floor: number[]) => (percentile(broadcast, p) / percentile(floor, p)).toFixed(2);
    console.log(
      `${'broadcast vs bare relay'.padEnd(46)} p50 ${ratio(50, bare.relay)}×   p95 ${ratio(95, bare.relay)}×`,
    );
    console.log(`${'broadcast vs bare echo'.padEnd(46)} p50 ${ratio(50, bare.echo)}×   p95 ${ratio(95, bare.echo)}×`);
  }
  if (process.env.BENCH_LOAD !== '0') {
    console.log('\nrealtime under load (its own in-memory stack)');
    await benchRealtimeLoad((label, value) => console.log(`${label.padEnd(46)} ${value}`));
  }
  if (process.env.BENCH_REMINDERS !== '0') {
    console.log('\nreminders run (its own stack on the embedded PostgreSQL server, a stand-in push service)');
    await benchReminders((label, value) => console.log(`${label.padEnd(46)} ${value}`));
  }
  if (process.env.BENCH_CALLS !== '0') {
    // The calls run on the stack as `npm run demo` starts it: the embedded PostgreSQL server in a
    // process of its own (BENCH_CALL_DB=pglite: in-memory PGlite inside this process, sharing its
    // event loop with Realtime, as the other figures above use it).
    const pglite = process.env.BENCH_CALL_DB === 'pglite';
    console.log(`\ncalls in headless Chromium (fake camera and microphone), the stack on ${pglite ? 'in-memory PGlite' : 'its embedded PostgreSQL server'}`);
    const dataDir = pglite ? undefined : mkdtempSync(join(tmpdir(), 'call-widgets-bench-calls-'));
    const callStack = pglite ? stack : await startLocalStack({ port: 0, dataDir, scheduler: false, log: () => undefined });
    try {
      await benchCalls(callStack, (label, value) => console.log(`${label}\n    ${value}`));
    } finally {
      if (callStack !== stack) await callStack.close();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    }
  }
  if (process.env.BENCH_SFU !== '0') {
    console.log('\nmesh vs SFU in headless Chromium (the stack\'s Janus, the stack on its embedded PostgreSQL server)');
    const dataDir = mkdtempSync(join(tmpdir(), 'call-widgets-bench-sfu-'));
    const sfuStack = await startLocalStack({ port: 0, dataDir, scheduler: false, log: () => undefined, turn: false, sfu: { required: true } });
    try {
      await benchSfu(sfuStack, (label, value) => console.log(`${label}\n    ${value}`));
    } finally {
      await sfuStack.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  if (process.env.BENCH_RELAY !== '0') {
    console.log('\nTURN relay in headless Chromium (the stack\'s coturn, the stack on its embedded PostgreSQL server)');
    const dataDir = mkdtempSync(join(tmpdir(), 'call-widgets-bench-relay-'));
    const relayStack = await startLocalStack({ port: 0, dataDir, scheduler: false, log: () => undefined, turn: { port: 0, required: true } });
    try {
      await benchRelay(relayStack, (label, value) => console.log(`${label}\n    ${value}`));
    } finally {
      await relayStack.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
    // The cut needs a network of its own to firewall: a child process in a private namespace.
    const code = await new Promise<number>((resolve) => {
      const child = spawn('scripts/with-private-network.sh', [process.execPath, '--import', 'tsx', 'bench/path-cut.ts'], { stdio: 'inherit' });
      child.on('exit', (status) => resolve(status ?? 1));
      child.on('error', () => resolve(1));
    });
    if (code !== 0) console.log('direct path cut → relay: not measured (needs unshare, ip and nft: apt-get install -y iproute2 nftables)');
  }
} finally {
  await stack.close();
}
