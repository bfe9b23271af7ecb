/**
 * Call figures from headless Chromium pages with fake camera and microphone, three ways in one
 * run: the floor (bare RTCPeerConnections signaled by a bare WebSocket relay), PeerJS with its
 * own `peer` server, and this library over the local stack.
 *   - join → first remote video frame, 2 peers (median of several runs)
 *   - time to a full 4- and 6-peer mesh with video decoded everywhere
 *   - signaling round trip between two pages
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { WebSocketServer } from 'ws';
import type { LocalStack } from '../supabase/local/server.ts';
import { launchBrowser, signUp } from '../test/e2e/support.ts';
import type { TraceEvent } from './pages/trace.ts';

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

/** What one formation measured: its time, and per page the renderer's CPU seconds and JS heap. */
interface MeshRun {
  ms: number;
  cpu: number[];
  heapMb: number[];
  /** BENCH_TRACE: each page's user id, events and first frames (library runs only). */
  traces?: PageTrace[];
  profile?: ProfileSummary;
}

interface PageTrace {
  userId: string;
  events: TraceEvent[];
  frames: Record<string, number>;
}

const TRACE = process.env.BENCH_TRACE === '1';
const PROFILE = process.env.BENCH_PROFILE === '1';

/** Opens `count` pages of one kind, starts them at once, and times until every page decodes every other's video. */
async function meshTime(browser: Browser, harness: Harness, stack: LocalStack, kind: Kind, count: number, run: number): Promise<MeshRun> {
  const contexts: BrowserContext[] = [];
  try {
    const pages: Page[] = [];
    const cdp: CDPSession[] = [];
    const traced = TRACE && kind === 'library';
    for (let i = 0; i < count; i++) {
      const context = await browser.newContext();
      contexts.push(context);
      const page = await context.newPage();
      if (process.env.BENCH_DEBUG) page.on('console', (message) => console.log(`  [${kind} ${i}] ${message.text()}`));
      await page.goto(`${harness.origin}/?kind=${kind}${traced ? '&trace=1' : ''}`);
      await page.waitForFunction(() => 'bench' in window);
      pages.push(page);
      const session = await context.newCDPSession(page);
      await session.send('Performance.enable');
      cdp.push(session);
    }
    let start: () => Promise<unknown>[];
    let userIds: string[] = [];
    if (kind === 'floor') {
      await Promise.all(pages.map((page, i) => page.evaluate(([url, index]) => (window as never as BenchWindow).bench.prepare(url as never, index as never), [harness.relayUrl, i] as const)));
      start = () => pages.map((page) => page.evaluate((n) => (window as never as BenchWindow).bench.run(n as never), count));
    } else if (kind === 'peerjs') {
      const ids = pages.map((_, i) => `r${run}-n${count}-p${i}`);
      await Promise.all(pages.map((page, i) => page.evaluate(([port, id]) => (window as never as BenchWindow).bench.prepare('127.0.0.1' as never, port as never, id as never), [harness.peerPort, ids[i]] as const)));
      start = () => pages.map((page, i) => page.evaluate((others) => (window as never as BenchWindow).bench.run(others as never), ids.filter((_, j) => j !== i)));
    } else {
      const users = await Promise.all(pages.map((_, i) => signUp(stack.url, stack.anonKey, `Bench${i}`)));
      userIds = users.map((user) => user.id);
      const { data, error } = await users[0].client.from('video_call_sessions').insert({ title: 'bench', settings: { topology: 'mesh' } }).select().single();
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
    const processTime = async () =>
      Promise.all(cdp.map(async (session) => (await session.send('Performance.getMetrics')).metrics.find((metric) => metric.name === 'ProcessTime')?.value ?? NaN));
    const profiling = PROFILE && kind === 'library' && count === Math.max(...SIZES) && run === 0;
    if (profiling) {
      await cdp[0].send('Profiler.enable');
      await cdp[0].send('Profiler.setSamplingInterval', { interval: 200 });
      await cdp[0].send('Profiler.start');
    }
    const cpuBefore = await processTime();
    const started = Date.now();
    await Promise.all(start());
    const deadline = Date.now() + 90_000;
    for (;;) {
      const frames = await Promise.all(pages.map((page) => page.evaluate(() => Object.values((window as never as BenchWindow).bench.firstFrames))));
      if (frames.every((list) => list.length >= count - 1)) {
        const ms = Math.max(...frames.flat()) - started;
        const cpuAfter = await processTime();
        const heapMb = await Promise.all(
          cdp.map(async (session) => ((await session.send('Performance.getMetrics')).metrics.find((metric) => metric.name === 'JSHeapUsedSize')?.value ?? NaN) / 2 ** 20),
        );
        const result: MeshRun = { ms, cpu: cpuAfter.map((value, i) => value - cpuBefore[i]), heapMb };
        if (profiling) result.profile = summarizeProfile((await cdp[0].send('Profiler.stop')).profile);
        if (traced) {
          result.traces = await Promise.all(
            pages.map(async (page, i) => ({
              userId: userIds[i],
              ...(await page.evaluate(() => {
                const bench = (window as never as BenchWindow).bench as never as { trace: TraceEvent[]; firstFrames: Record<string, number> };
                return { events: bench.trace, frames: bench.firstFrames };
              })),
            })),
          );
          for (const entry of result.traces) entry.events = entry.events.map((event) => ({ ...event, t: event.t - started }));
          for (const entry of result.traces) for (const id of Object.keys(entry.frames)) entry.frames[id] -= started;
        }
        return result;
      }
      if (Date.now() > deadline) throw new Error(`${kind}: no full ${count}-peer mesh within 90 s`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  } finally {
    for (const context of contexts) await context.close();
  }
}

interface ProfileSummary {
  totalMs: number;
  top: { name: string; ms: number }[];
  groups: Record<string, number>;
}

/** Self time per function of a V8 CPU profile, and grouped by what the work is. */
function summarizeProfile(profile: { nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[]; samples?: number[]; timeDeltas?: number[] }): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  const groups: Record<string, number> = {};
  let totalMs = 0;
  const group = (name: string, url: string) => {
    if (name === '(idle)') return 'idle';
    if (name === '(program)') return 'native (program)';
    if (name === '(garbage collector)') return 'garbage collector';
    if (/^(sign|verify|importKey|generateKey|exportKey|digest)$/.test(name)) return 'WebCrypto (sign, verify)';
    if (/Description$|^createOffer$|^createAnswer$|^addIceCandidate$|^addTrack$|^addTransceiver$|^setConfiguration$/.test(name)) return 'SDP and negotiation (native)';
    if (/^(getUserMedia|play|requestVideoFrameCallback)$/.test(name)) return 'media (native)';
    if (!url) return 'other native';
    return 'page script';
  };
  (profile.samples ?? []).forEach((id, i) => {
    const node = byId.get(id);
    if (!node) return;
    const ms = (profile.timeDeltas?.[i] ?? 0) / 1000;
    const { functionName, url, lineNumber } = node.callFrame;
    const name = `${functionName || '(anonymous)'}${url ? ` ${url.split('/').pop()}:${lineNumber + 1}` : ''}`;
    self.set(name, (self.get(name) ?? 0) + ms);
    const key = group(functionName, url);
    groups[key] = (groups[key] ?? 0) + ms;
    totalMs += ms;
  });
  const top = [...self.entries()]
    .filter(([name]) => name !== '(idle)')
    .sort((a, b) => b[1] - a[1])
    .slice(0, 12)
    .map(([name, ms]) => ({ name, ms }));
  return { totalMs, top, groups };
}

/** Columns of the per-pair timeline: the first time each happened on the page, for that peer. */
const TIMELINE: [string, (events: TraceEvent[]) => number | undefined][] = [
  ['seen', (events) => first(events, 'presence seen')],
  ['offer↑', (events) => first(events, 'offer sent')],
  ['offer↓', (events) => first(events, 'offer arrived')],
  ['✓offer', (events) => first(events, 'offer verified')],
  ['answer↑', (events) => first(events, 'answer sent')],
  ['answer↓', (events) => first(events, 'answer arrived')],
  ['cand↑', (events) => first(events, 'first local candidate')],
  ['cand↓', (events) => first(events, 'first remote candidate')],
  ['ice ok', (events) => first(events, 'ice connected')],
  ['connected', (events) => first(events, 'pc connected')],
];
const first = (events: TraceEvent[], what: string) => events.find((event) => event.what === what)?.t;

/** Prints one traced formation: each page's own phases, then one row per page and peer. */
function printTimeline(run: MeshRun, print: (text: string) => void): void {
  const traces = run.traces!;
  const name = (userId: string) => `p${traces.findIndex((entry) => entry.userId === userId)}`;
  const s = (value: number | undefined) => (value === undefined ? '—' : (value / 1000).toFixed(2)).padStart(7);
  const fullSize = traces.map((entry) => entry.events.filter((event) => event.what === 'camera full size').at(-1)?.t).filter((t) => t !== undefined);
  print(
    `  timeline of this formation (${(run.ms / 1000).toFixed(2)} s), seconds from the start` +
      (fullSize.length ? `; cameras back to full size on ${fullSize.length} of ${traces.length} pages by ${(Math.max(...fullSize) / 1000).toFixed(2)} s:` : ':'),
  );
  const own = ['media ready', 'rpc/join_video_call POST done', 'channel SUBSCRIBED', 'mesh ready', 'presence track ok'];
  print(`    page  ${['media', 'join rpc', 'channel', 'mesh', 'tracked'].map((label) => label.padStart(9)).join('')}  requests (slowest)  row reads  key reads  presence timeouts`);
  for (const [i, entry] of traces.entries()) {
    const mine = entry.events.filter((event) => !event.peer);
    const count = (pattern: RegExp) => mine.filter((event) => pattern.test(event.what)).length;
    const requests = mine.filter((event) => event.ms !== undefined).map((event) => event.ms!);
    print(
      `    p${i}    ${own.map((what) => s(first(mine, what)).padStart(9)).join('')}  ${`${requests.length} (${requests.length ? (Math.max(...requests) / 1000).toFixed(2) : '—'} s)`.padStart(18)}  ${String(count(/^video_call_participants GET/)).padStart(9)}  ${String(count(/^signal keys GET/)).padStart(9)}  ${String(count(/presence track timed out/)).padStart(17)}`,
    );
  }
  print(`    pair   ${TIMELINE.map(([label]) => label.padStart(8)).join('')}   frame  notes`);
  const columns: number[][] = TIMELINE.map(() => []);
  const frames: number[] = [];
  for (const [i, entry] of traces.entries()) {
    for (const other of traces) {
      if (other === entry) continue;
      const events = entry.events.filter((event) => event.peer === other.userId);
      const values = TIMELINE.map(([, pick]) => pick(events));
      values.forEach((value, column) => value !== undefined && columns[column].push(value));
      const frame = entry.frames[other.userId];
      if (frame !== undefined) frames.push(frame);
      const notes = [
        events.some((event) => event.what === 'restart sent') && 'restart',
        events.filter((event) => event.what === 'restartIce').length && `${events.filter((event) => event.what === 'restartIce').length}× ICE restart`,
        events.filter((event) => event.what === 'offer sent').length > 1 && `${events.filter((event) => event.what === 'offer sent').length} offers`,
        events.filter((event) => event.what === 'pc created').length > 1 && `${events.filter((event) => event.what === 'pc created').length} connections`,
      ].filter(Boolean);
      print(`    p${i}→${name(other.userId)} ${values.map((value) => s(value).padStart(8)).join('')} ${s(frame)}  ${notes.join(', ')}`);
    }
  }
  const med = (values: number[]) => (values.length ? median(values) : undefined);
  print(`    median ${columns.map((values) => s(med(values)).padStart(8)).join('')} ${s(med(frames))}`);
  print(`    last   ${columns.map((values) => s(values.length ? Math.max(...values) : undefined).padStart(8)).join('')} ${s(frames.length ? Math.max(...frames) : undefined)}`);
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
  // The chat, between the same two pages: a stored message there and one back.
  const chatSamples = Number(process.env.BENCH_CHAT_SAMPLES ?? 30);
  let chat: number[] = [];
  if (chatSamples) {
    await d.page.evaluate(() => (window as never as BenchWindow).bench.answerChat());
    chat = (await c.page.evaluate(([n, gap]) => (window as never as BenchWindow).bench.chatRoundTrips(n as never, gap as never), [chatSamples, 600] as const)) as number[];
  }
  await c.context.close();
  await d.context.close();
  return { bare, library, chat };
}

const SIZES = (process.env.BENCH_CALL_SIZES ?? '2,4,6').split(',').map(Number).filter((size) => [2, 4, 6].includes(size));

export async function benchCalls(stack: LocalStack, print: (label: string, value: string) => void): Promise<void> {
  const harness = await startHarness();
  const browser = await launchBrowser();
  // Runs per figure. Kinds take turns within a run, so drift in machine load hits them alike.
  const runs: Record<number, number> = { 2: Number(process.env.BENCH_CALL_RUNS ?? 5), 4: Number(process.env.BENCH_MESH_RUNS ?? 5), 6: Number(process.env.BENCH_MESH_RUNS ?? 5) };
  const labels: Record<number, string> = { 2: 'join → first remote frame, 2 peers', 4: 'full 4-peer mesh, video decoded everywhere', 6: 'full 6-peer mesh, video decoded everywhere' };
  const ms = (value: number) => (Number.isFinite(value) ? `${value.toFixed(0)} ms` : 'no mesh');
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
  const failed: MeshRun = { ms: Infinity, cpu: [], heapMb: [] };
  try {
    for (const count of SIZES) {
      const results: Record<Kind, MeshRun[]> = { floor: [], peerjs: [], library: [] };
      for (let run = 0; run < runs[count]; run++) {
        for (const kind of KINDS.filter((name) => !process.env.BENCH_KINDS || process.env.BENCH_KINDS.split(',').includes(name))) {
          // A run that never connects counts as slower than any that did, and the bench goes on.
          results[kind].push(
            await meshTime(browser, harness, stack, kind, count, run).catch((error: Error) => {
              console.error(`  run ${run + 1}: ${error.message}`);
              return failed;
            }),
          );
        }
      }
      const times = (kind: Kind) => results[kind].map((result) => result.ms);
      const [library, floor, peerjs] = [median(times('library')), median(times('floor')), median(times('peerjs'))];
      const spread = (kind: Kind) => times(kind).map((value) => (Number.isFinite(value) ? (value / 1000).toFixed(2) : 'none in 90 s')).join(' / ');
      const finite = (kind: Kind) => times(kind).filter(Number.isFinite);
      const slowFast = (kind: Kind) => (finite(kind).length ? ratio(Math.max(...times(kind)), Math.min(...finite(kind))) : '—');
      // Per page, the median over runs of the renderer's CPU seconds during formation and its JS heap after.
      const perPage = (kind: Kind, pick: (result: MeshRun) => number[]) => {
        const values = results[kind].flatMap(pick).filter(Number.isFinite);
        return values.length ? median(values) : NaN;
      };
      const resources = KINDS.map((kind) => `${kind === 'peerjs' ? 'PeerJS' : kind} ${perPage(kind, (r) => r.cpu).toFixed(2)} s · ${perPage(kind, (r) => r.heapMb).toFixed(1)} MB`).join(' · ');
      print(
        `${labels[count]} (median of ${runs[count]})`,
        `library ${ms(library)} · floor ${ms(floor)} · PeerJS ${ms(peerjs)} · vs floor ${ratio(library, floor)} · vs PeerJS ${ratio(library, peerjs)}\n` +
          `    runs (s): library ${spread('library')} · floor ${spread('floor')} · PeerJS ${spread('peerjs')}\n` +
          `    slowest ÷ fastest run: library ${slowFast('library')} · floor ${slowFast('floor')} · PeerJS ${slowFast('peerjs')}\n` +
          `    per page, CPU during formation · JS heap: ${resources}`,
      );
      if (TRACE) {
        // The slowest run explains itself best.
        const traced = results.library.filter((result) => result.traces).sort((a, b) => b.ms - a.ms)[0];
        if (traced) printTimeline(traced, (text) => console.log(text));
        if (traced && process.env.BENCH_TRACE_FILE) writeFileSync(process.env.BENCH_TRACE_FILE.replace('%n', String(count)), JSON.stringify(traced, null, 1));
      }
      const profile = results.library.find((result) => result.profile)?.profile;
      if (profile) {
        console.log(`  CPU profile of page 0's main thread during formation (${(profile.totalMs / 1000).toFixed(2)} s sampled; encoders and the network run on other threads):`);
        for (const [group, value] of Object.entries(profile.groups).sort((a, b) => b[1] - a[1])) console.log(`    ${group.padEnd(32)} ${value.toFixed(0).padStart(6)} ms`);
        console.log('    busiest functions (self time):');
        for (const { name, ms: value } of profile.top) console.log(`      ${value.toFixed(0).padStart(6)} ms  ${name}`);
      }
    }
    const samples = Number(process.env.BENCH_SIGNAL_SAMPLES ?? 100);
    if (!samples) return;
    const { bare, library, chat } = await signalingTimes(browser, harness, stack, samples);
    const p = (values: number[], q: number) => [...values].sort((x, y) => x - y)[Math.min(values.length - 1, Math.floor(q * values.length))];
    print(
      `signaling round trip between 2 pages (${samples} samples)`,
      `library p50 ${p(library, 0.5).toFixed(2)} ms p95 ${p(library, 0.95).toFixed(2)} ms · bare relay p50 ${p(bare, 0.5).toFixed(2)} ms p95 ${p(bare, 0.95).toFixed(2)} ms · ${ratio(p(library, 0.5), p(bare, 0.5))} at p50`,
    );
    if (chat.length) {
      print(
        `chat message round trip between the same 2 pages (${chat.length} samples, 600 ms apart)`,
        `p50 ${p(chat, 0.5).toFixed(2)} ms p95 ${p(chat, 0.95).toFixed(2)} ms · ${ratio(p(chat, 0.5), p(library, 0.5))} the signaling round trip at p50`,
      );
    }
  } finally {
    await browser.close();
    await harness.close();
  }
}
