/**
 * Call figures from headless Chromium pages with fake camera and microphone, three ways in one
 * run: the floor (bare RTCPeerConnections signaled by a bare WebSocket relay), PeerJS with its
 * own `peer` server, and this library over the local stack.
 *   - join → first remote video frame, 2 peers (median of several runs)
 *   - time to a full 4- and 6-peer mesh with video decoded everywhere
 *   - signaling round trip between two pages
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { WebSocketServer } from 'ws';
import type { LocalStack } from '../supabase/local/server.ts';
import { launchBrowser, signUp } from '../test/e2e/support.ts';

type Kind = 'floor' | 'peerjs' | 'library';
const KINDS: Kind[] = ['floor', 'peerjs', 'library'];
type BenchWindow = { bench: Record<string, (...args: never[]) => Promise<unknown>> & { firstFrames: Record<string, number> } };

interface Harness {
  origin: string;
  relayUrl: string;
  peerPort: number;
  close(): Promise<void>;
}

async function startHarness(): Promise<Harness> {
  const scripts: Record<string, string> = {};
  for (const kind of KINDS) {
    const result = await build({
      entryPoints: [new URL(`./pages/${kind}.ts`, import.meta.url).pathname],
      bundle: true,
      format: 'esm',
      target: 'es2022',
      minify: true,
      write: false,
    });
    scripts[kind] = result.outputFiles[0].text;
  }
  const server: Server = createServer((req, res) => {
    const kind = new URL(req.url ?? '/', 'http://x').searchParams.get('kind') ?? '';
    if (req.url?.startsWith('/page.js')) res.writeHead(200, { 'content-type': 'text/javascript' }).end(scripts[kind]);
    else res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><title>${kind}</title><script type="module" src="/page.js?kind=${kind}"></script>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // The floor's signaling: a relay that passes every message to every other socket.
  const relay = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => relay.once('listening', resolve));
  relay.on('connection', (socket) =>
    socket.on('message', (data) => {
      for (const other of relay.clients) if (other !== socket) other.send(data.toString());
    }),
  );
  // PeerJS's own server as its README starts it, on a port of its choosing. It runs in a child
  // process: its housekeeping timers have no off switch and would keep the bench from exiting.
  const peerServer = spawn(
    process.execPath,
    ['--input-type=module', '-e', `import { PeerServer } from 'peer'; PeerServer({ port: 0, host: '127.0.0.1', path: '/' }, (server) => console.log(server.address().port));`],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const peerPort = await new Promise<number>((resolve, reject) => {
    peerServer.stdout.once('data', (chunk) => resolve(Number(String(chunk).trim())));
    peerServer.once('exit', (code) => reject(new Error(`the PeerJS server exited with ${code}`)));
  });
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    relayUrl: `ws://127.0.0.1:${(relay.address() as AddressInfo).port}`,
    peerPort,
    async close() {
      // Keep-alive sockets and open websockets would hold close() open: end them first.
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      for (const socket of relay.clients) socket.terminate();
      await new Promise((resolve) => relay.close(resolve));
      peerServer.kill();
      await new Promise((resolve) => peerServer.once('exit', resolve));
    },
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Opens `count` pages of one kind, starts them at once, and times until every page decodes every other's video. */
async function meshTime(browser: Browser, harness: Harness, stack: LocalStack, kind: Kind, count: number, run: number): Promise<number> {
  const contexts: BrowserContext[] = [];
  try {
    const pages: Page[] = [];
    for (let i = 0; i < count; i++) {
      const context = await browser.newContext();
      contexts.push(context);
      const page = await context.newPage();
      if (process.env.BENCH_DEBUG) page.on('console', (message) => console.log(`  [${kind} ${i}] ${message.text()}`));
      await page.goto(`${harness.origin}/?kind=${kind}`);
      await page.waitForFunction(() => 'bench' in window);
      pages.push(page);
    }
    let start: () => Promise<unknown>[];
    if (kind === 'floor') {
      await Promise.all(pages.map((page, i) => page.evaluate(([url, index]) => (window as never as BenchWindow).bench.prepare(url as never, index as never), [harness.relayUrl, i] as const)));
      start = () => pages.map((page) => page.evaluate((n) => (window as never as BenchWindow).bench.run(n as never), count));
    } else if (kind === 'peerjs') {
      const ids = pages.map((_, i) => `r${run}-n${count}-p${i}`);
      await Promise.all(pages.map((page, i) => page.evaluate(([port, id]) => (window as never as BenchWindow).bench.prepare('127.0.0.1' as never, port as never, id as never), [harness.peerPort, ids[i]] as const)));
      start = () => pages.map((page, i) => page.evaluate((others) => (window as never as BenchWindow).bench.run(others as never), ids.filter((_, j) => j !== i)));
    } else {
      const users = await Promise.all(pages.map((_, i) => signUp(stack.url, stack.anonKey, `Bench${i}`)));
      const { data, error } = await users[0].client.from('video_call_sessions').insert({ title: 'bench' }).select().single();
      if (error) throw new Error(error.message);
      for (const user of users.slice(1)) await users[0].client.from('video_call_participants').insert({ session_id: data.id, user_id: user.id });
      await Promise.all(
        pages.map((page, i) =>
          page.evaluate(
            ([url, key, email, password, id]) => (window as never as BenchWindow).bench.prepare(url as never, key as never, email as never, password as never, id as never),
            [stack.url, stack.anonKey, users[i].email, users[i].password, data.id] as const,
          ),
        ),
      );
      start = () => pages.map((page) => page.evaluate(() => (window as never as BenchWindow).bench.run()));
    }
    const started = Date.now();
    await Promise.all(start());
    const deadline = Date.now() + 90_000;
    for (;;) {
      const frames = await Promise.all(pages.map((page) => page.evaluate(() => Object.values((window as never as BenchWindow).bench.firstFrames))));
      if (frames.every((list) => list.length >= count - 1)) return Math.max(...frames.flat()) - started;
      if (Date.now() > deadline) throw new Error(`${kind}: no full ${count}-peer mesh within 90 s`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  } finally {
    for (const context of contexts) await context.close();
  }
}

async function signalingTimes(browser: Browser, harness: Harness, stack: LocalStack, samples: number) {
  const open = async (kind: Kind) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${harness.origin}/?kind=${kind}`);
    await page.waitForFunction(() => 'bench' in window);
    return { context, page };
  };
  // Bare relay: page 0 pings page 1 through the bench's WebSocket relay.
  const [a, b] = [await open('floor'), await open('floor')];
  await b.page.evaluate((url) => (window as never as BenchWindow).bench.answerRelayPings(url as never, 1 as never), harness.relayUrl);
  const bare = (await a.page.evaluate(([url, n]) => (window as never as BenchWindow).bench.relayRoundTrips(url as never, 0 as never, 1 as never, n as never), [harness.relayUrl, samples] as const)) as number[];
  await a.context.close();
  await b.context.close();

  // The library: signed broadcast, verified against the stored key, both ways.
  const users = await Promise.all([signUp(stack.url, stack.anonKey, 'Ping'), signUp(stack.url, stack.anonKey, 'Pong')]);
  const { data } = await users[0].client.from('video_call_sessions').insert({ title: 'bench signaling' }).select().single();
  await users[0].client.from('video_call_participants').insert({ session_id: data.id, user_id: users[1].id });
  const [c, d] = [await open('library'), await open('library')];
  for (const [page, user] of [[c.page, users[0]], [d.page, users[1]]] as const) {
    await page.evaluate(
      ([url, key, email, password, id]) => (window as never as BenchWindow).bench.prepare(url as never, key as never, email as never, password as never, id as never),
      [stack.url, stack.anonKey, user.email, user.password, data.id] as const,
    );
    await page.evaluate(() => (window as never as BenchWindow).bench.run());
  }
  await d.page.evaluate(() => (window as never as BenchWindow).bench.answerPings());
  const library = (await c.page.evaluate(([peer, n]) => (window as never as BenchWindow).bench.signalingRoundTrips(peer as never, n as never), [users[1].id, samples] as const)) as number[];
  await c.context.close();
  await d.context.close();
  return { bare, library };
}

export async function benchCalls(stack: LocalStack, print: (label: string, value: string) => void): Promise<void> {
  const harness = await startHarness();
  const browser = await launchBrowser();
  // Runs per figure. Kinds take turns within a run, so drift in machine load hits them alike.
  const runs: Record<number, number> = { 2: Number(process.env.BENCH_CALL_RUNS ?? 5), 4: Number(process.env.BENCH_MESH_RUNS ?? 3), 6: Number(process.env.BENCH_MESH_RUNS ?? 3) };
  const sizes = (process.env.BENCH_CALL_SIZES ?? '2,4,6').split(',').map(Number).filter((size) => size in runs);
  const labels: Record<number, string> = { 2: 'join → first remote frame, 2 peers', 4: 'full 4-peer mesh, video decoded everywhere', 6: 'full 6-peer mesh, video decoded everywhere' };
  const ms = (value: number) => (Number.isFinite(value) ? `${value.toFixed(0)} ms` : 'no mesh');
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
  try {
    for (const count of sizes) {
      const times: Record<Kind, number[]> = { floor: [], peerjs: [], library: [] };
      for (let run = 0; run < runs[count]; run++) {
        for (const kind of KINDS) {
          // A run that never connects counts as slower than any that did, and the bench goes on.
          times[kind].push(
            await meshTime(browser, harness, stack, kind, count, run).catch((error: Error) => {
              console.error(`  run ${run + 1}: ${error.message}`);
              return Infinity;
            }),
          );
        }
      }
      const [library, floor, peerjs] = [median(times.library), median(times.floor), median(times.peerjs)];
      const spread = (kind: Kind) => times[kind].map((value) => (Number.isFinite(value) ? (value / 1000).toFixed(2) : 'none in 90 s')).join(' / ');
      print(
        `${labels[count]} (median of ${runs[count]})`,
        `library ${ms(library)} · floor ${ms(floor)} · PeerJS ${ms(peerjs)} · vs floor ${ratio(library, floor)} · vs PeerJS ${ratio(library, peerjs)}\n` +
          `    runs (s): library ${spread('library')} · floor ${spread('floor')} · PeerJS ${spread('peerjs')}`,
      );
    }
    const samples = Number(process.env.BENCH_SIGNAL_SAMPLES ?? 100);
    if (!samples) return;
    const { bare, library } = await signalingTimes(browser, harness, stack, samples);
    const p = (values: number[], q: number) => [...values].sort((x, y) => x - y)[Math.min(values.length - 1, Math.floor(q * values.length))];
    print(
      `signaling round trip between 2 pages (${samples} samples)`,
      `library p50 ${p(library, 0.5).toFixed(2)} ms p95 ${p(library, 0.95).toFixed(2)} ms · bare relay p50 ${p(bare, 0.5).toFixed(2)} ms p95 ${p(bare, 0.95).toFixed(2)} ms · ${ratio(p(library, 0.5), p(bare, 0.5))} at p50`,
    );
  } finally {
    await browser.close();
    await harness.close();
  }
}
