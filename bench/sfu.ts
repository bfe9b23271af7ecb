/**
 * Mesh against SFU (issue 18), side by side in one run: calls of 2, 4, 6 and 8 people of this
 * library over the local stack with its Janus, once with `settings.topology` `mesh` and once
 * `sfu`, taking turns per run so machine drift hits both alike. Per call: the time from everyone
 * pressing join until every page decodes every other's video, each page's renderer CPU seconds
 * over that formation and the 10 s after it, and the bytes each page sent in those 10 s (a mesh
 * sends its camera once per peer; the SFU takes one copy, in three simulcast layers).
 */
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { build } from 'esbuild';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import type { LocalStack } from '../supabase/local/server.ts';
import { launchBrowser, signUp } from '../test/e2e/support.ts';

const SIZES = (process.env.BENCH_SFU_SIZES ?? '2,4,6,8').split(',').map(Number);
const RUNS = Number(process.env.BENCH_SFU_RUNS ?? 3);
/** How long after formation the steady-state CPU and bytes are measured. */
const STEADY_MS = 10_000;
type Topology = 'mesh' | 'sfu';

interface BenchWindow {
  bench: { prepare(...args: string[]): Promise<void>; run(): Promise<void>; firstFrames: Record<string, number>; bytesSent(): Promise<number>; topology(): string | undefined };
}

interface Run {
  ms: number;
  /** Per page: CPU seconds from join to formation + STEADY_MS. */
  cpu: number[];
  /** Per page: bytes sent during the STEADY_MS after formation. */
  bytes: number[];
}

async function servePage(): Promise<{ url: string; close(): Promise<void> }> {
  const result = await build({ entryPoints: [new URL('./pages/library.ts', import.meta.url).pathname], bundle: true, format: 'esm', target: 'es2022', minify: true, write: false });
  const script = result.outputFiles[0].text;
  const server: Server = createServer((req, res) => {
    if (req.url?.startsWith('/page.js')) res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    else res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>sfu bench</title><script type="module" src="/page.js"></script>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function oneCall(browser: Browser, pageUrl: string, stack: LocalStack, topology: Topology, count: number): Promise<Run> {
  const contexts: BrowserContext[] = [];
  try {
    const pages: Page[] = [];
    const cdp: CDPSession[] = [];
    for (let i = 0; i < count; i++) {
      const context = await browser.newContext();
      contexts.push(context);
      const page = await context.newPage();
      if (process.env.BENCH_DEBUG) page.on('console', (message) => console.log(`  [${topology} ${i}] ${message.text()}`));
      await page.goto(pageUrl);
      await page.waitForFunction(() => 'bench' in window);
      pages.push(page);
      const session = await context.newCDPSession(page);
      await session.send('Performance.enable');
      cdp.push(session);
    }
    const users = await Promise.all(pages.map((_, i) => signUp(stack.url, stack.anonKey, `Sfu${i}`)));
    const { data, error } = await users[0]!.client.from('video_call_sessions').insert({ title: 'sfu bench', settings: { topology } }).select().single();
    if (error) throw new Error(error.message);
    for (const user of users.slice(1)) await users[0]!.client.from('video_call_participants').insert({ session_id: data.id, user_id: user.id });
    await Promise.all(
      pages.map((page, i) =>
        page.evaluate(([url, key, email, password, id]) => (window as never as BenchWindow).bench.prepare(url!, key!, email!, password!, id!), [stack.url, stack.anonKey, users[i]!.email, users[i]!.password, data.id] as const),
      ),
    );
    const processTime = () => Promise.all(cdp.map(async (session) => (await session.send('Performance.getMetrics')).metrics.find((metric) => metric.name === 'ProcessTime')?.value ?? NaN));
    const cpuBefore = await processTime();
    const started = Date.now();
    await Promise.all(pages.map((page) => page.evaluate(() => (window as never as BenchWindow).bench.run())));
    const deadline = Date.now() + 90_000;
    let ms = NaN;
    for (;;) {
      const frames = await Promise.all(pages.map((page) => page.evaluate(() => Object.values((window as never as BenchWindow).bench.firstFrames))));
      if (frames.every((list) => list.length >= count - 1)) {
        ms = Math.max(...frames.flat()) - started;
        break;
      }
      if (Date.now() > deadline) throw new Error(`${topology}: not everyone decoded everyone within 90 s`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const used = await Promise.all(pages.map((page) => page.evaluate(() => (window as never as BenchWindow).bench.topology())));
    if (used.some((value) => value !== topology)) throw new Error(`asked for ${topology}, pages used ${used.join(', ')}`);
    const sentBefore = await Promise.all(pages.map((page) => page.evaluate(() => (window as never as BenchWindow).bench.bytesSent())));
    await new Promise((resolve) => setTimeout(resolve, STEADY_MS));
    const sentAfter = await Promise.all(pages.map((page) => page.evaluate(() => (window as never as BenchWindow).bench.bytesSent())));
    const cpuAfter = await processTime();
    return { ms, cpu: cpuAfter.map((value, i) => value - cpuBefore[i]!), bytes: sentAfter.map((value, i) => value - sentBefore[i]!) };
  } finally {
    for (const context of contexts) await context.close();
  }
}

const median = (values: number[]) => {
  const finite = values.filter(Number.isFinite).sort((a, b) => a - b);
  return finite.length ? finite[Math.floor(finite.length / 2)]! : NaN;
};

export async function benchSfu(stack: LocalStack, print: (label: string, value: string) => void): Promise<void> {
  const page = await servePage();
  const browser = await launchBrowser();
  try {
    for (const count of SIZES) {
      const results: Record<Topology, Run[]> = { mesh: [], sfu: [] };
      for (let run = 0; run < RUNS; run++) {
        for (const topology of (['mesh', 'sfu'] as const).filter((name) => !process.env.BENCH_SFU_TOPOLOGIES || process.env.BENCH_SFU_TOPOLOGIES.split(',').includes(name))) {
          results[topology].push(
            await oneCall(browser, page.url, stack, topology, count).catch((error: Error) => {
              console.error(`  ${count} people, ${topology}, run ${run + 1}: ${error.message}`);
              return { ms: NaN, cpu: [], bytes: [] };
            }),
          );
        }
      }
      const time = (topology: Topology) => median(results[topology].map((result) => result.ms));
      const cpu = (topology: Topology) => median(results[topology].flatMap((result) => result.cpu));
      const kbps = (topology: Topology) => (median(results[topology].flatMap((result) => result.bytes)) * 8) / STEADY_MS;
      const show = (value: number, unit: string, digits = 0) => (Number.isFinite(value) ? `${value.toFixed(digits)} ${unit}` : '—');
      const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : '—');
      print(
        `${count} people, mesh vs SFU (median of ${RUNS})`,
        `everyone decodes everyone: mesh ${show(time('mesh'), 'ms')} · SFU ${show(time('sfu'), 'ms')} · SFU/mesh ${ratio(time('sfu'), time('mesh'))}\n` +
          `    CPU per page (formation + ${STEADY_MS / 1000} s): mesh ${show(cpu('mesh'), 's', 2)} · SFU ${show(cpu('sfu'), 's', 2)} · SFU/mesh ${ratio(cpu('sfu'), cpu('mesh'))}\n` +
          `    sent per page (the ${STEADY_MS / 1000} s after): mesh ${show(kbps('mesh'), 'kbit/s')} · SFU ${show(kbps('sfu'), 'kbit/s')} · SFU/mesh ${ratio(kbps('sfu'), kbps('mesh'))}`,
      );
    }
  } finally {
    await browser.close();
    await page.close();
  }
}
