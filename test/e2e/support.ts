/**
 * End-to-end plumbing: the local stack, a static server for the harness page (bundled by
 * esbuild on the fly), Debian's Chromium with fake camera and microphone, and signed-up users.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before } from 'node:test';
import { build } from 'esbuild';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createClient } from '@supabase/supabase-js';
import { buildScriptTagBundle } from '../../scripts/script-tag-bundle.ts';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../supabase/local/server.ts';
import { clientOptions } from '../support/stack.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
  '--no-sandbox',
];

/** Serves the harness page on 127.0.0.1 (a secure context: getUserMedia works). */
export async function serveHarness(): Promise<{ url: string; close(): Promise<void> }> {
  const bundle = await build({
    entryPoints: [new URL('./harness.ts', import.meta.url).pathname],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    write: false,
    sourcemap: 'inline',
  });
  const script = bundle.outputFiles[0].text;
  const html = readFileSync(new URL('./harness.html', import.meta.url), 'utf8');
  const server: Server = createServer((req, res) => {
    if (req.url === '/harness.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    else res.writeHead(200, { 'content-type': 'text/html' }).end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

/** Signs a user up through the stack's Auth service and returns their credentials and id. */
export async function signUp(stackUrl: string, anonKey: string, name: string) {
  const email = `${name.toLowerCase()}-${Math.random().toString(36).slice(2)}@example.test`;
  const password = 'secret-password';
  const client = createClient(stackUrl, anonKey, clientOptions as never);
  const { data, error } = await client.auth.signUp({ email, password, options: { data: { display_name: name } } });
  if (error || !data.user) throw new Error(`sign-up failed: ${error?.message}`);
  return { id: data.user.id, email, password, name, client };
}

/** Polls a page-side check until it holds; the message names what never happened. */
export async function waitFor<T>(page: Page, fn: () => Promise<T> | T, check: (value: T) => boolean, what: string, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await page.evaluate(fn);
    if (check(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const logs = await page.evaluate(() => (window as never as { harness: { logs(): string[] } }).harness.logs()).catch(() => []);
  throw new Error(`timed out waiting for ${what}; last value ${JSON.stringify(last)}; page log:\n${logs.join('\n')}`);
}

/**
 * In a page, `framesPresented(videos, n)`: whether each video has put at least `n` frames on
 * screen since it was first asked about (requestVideoFrameCallback) — a first decoded frame is
 * not painted yet on a busy machine, and a screenshot then shows the tile blank;
 * `recountFrames()` starts every count anew (after a repaint: a colour scheme, a camera flip).
 * Plain JavaScript, installed by `installFrameCounter(page)` before the waits that use it.
 */
const FRAME_COUNTER = `(() => {
  if (window.framesPresented) return;
  let presented = new WeakMap();
  window.recountFrames = () => { presented = new WeakMap(); };
  window.framesPresented = (videos, atLeast) => {
    const counts = presented;
    for (const video of videos) {
      if (counts.has(video)) continue;
      counts.set(video, 0);
      const count = () => {
        counts.set(video, counts.get(video) + 1);
        video.requestVideoFrameCallback(count);
      };
      video.requestVideoFrameCallback(count);
    }
    return videos.every((video) => counts.get(video) >= atLeast);
  };
})()`;

/** What `installFrameCounter` gives a page (for the functions sent to it). */
export interface FrameCounterWindow {
  framesPresented(videos: HTMLVideoElement[], atLeast: number): boolean;
  recountFrames(): void;
}

export async function installFrameCounter(page: Page): Promise<void> {
  await page.evaluate(FRAME_COUNTER);
}

/**
 * A host page as a CRM would have one: `html` at `/`, and the script-tag bundle (built now, as
 * `npm run build` makes it) at `/call-widgets.min.js`. From http://127.0.0.1 (a secure context).
 */
export async function serveEmbedPage(html: string): Promise<{ origin: string; close(): Promise<void> }> {
  const script = await buildScriptTagBundle();
  const server = createServer((req, res) => {
    if (req.url === '/call-widgets.min.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    else res.writeHead(200, { 'content-type': 'text/html' }).end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A user `signUp` made. */
export type E2EUser = Awaited<ReturnType<typeof signUp>>;

/** What `harnessCalls` sets up for a describe block: read its fields inside the tests. */
export interface HarnessCalls {
  readonly stack: LocalStack;
  readonly browser: Browser;
  /** The harness page's address (for a browser of the test's own, Firefox say). */
  readonly harnessUrl: string;
  /** A harness page in a context of its own (closed after the test), loaded, not started. */
  page(): Promise<Page>;
  /**
   * A page of `user` in the harness, in a context of its own, started on `sessionId` with the
   * harness's options (`transport`, `prepareOnly`, …) in `extra`; `setUp` runs in it first.
   */
  open(user: E2EUser, sessionId: string, extra?: Record<string, unknown>, setUp?: (page: Page) => Promise<void>): Promise<Page>;
  /** Closes every page opened so far (their calls end as a closed window's do). */
  closeAll(): Promise<void>;
  /** A session hosted by `host` with `guests` invited and `settings`; its id. */
  newCall(host: E2EUser, guests: E2EUser[], settings?: Record<string, unknown>, title?: string): Promise<string>;
}

/**
 * The set-up most call e2e files share, registered as the describe block's hooks: a local stack
 * on a data directory of its own (`stackOptions` on top of: any port, no scheduler, quiet), the
 * harness page, Chromium; every page closed after each test, everything stopped after the block.
 */
export function harnessCalls(name: string, stackOptions: LocalStackOptions = {}): HarnessCalls {
  let dataDir = '';
  let stack: LocalStack | undefined;
  let harness: { url: string; close(): Promise<void> } | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  const closeAll = async () => {
    for (const context of contexts.splice(0)) await context.close();
  };
  const page = async () => {
    const context = await browser!.newContext();
    contexts.push(context);
    const loaded = await context.newPage();
    await loaded.goto(harness!.url);
    await loaded.waitForFunction(() => 'harness' in window);
    return loaded;
  };
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), `call-widgets-${name}-`));
    stack = await startLocalStack({ port: 0, dataDir, scheduler: false, log: () => undefined, ...stackOptions });
    harness = await serveHarness();
    browser = await launchBrowser();
  });
  afterEach(closeAll);
  after(async () => {
    await closeAll();
    await browser?.close();
    await harness?.close();
    await stack?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });
  return {
    get stack() {
      return stack!;
    },
    get browser() {
      return browser!;
    },
    get harnessUrl() {
      return harness!.url;
    },
    closeAll,
    page,
    async open(user, sessionId, extra = {}, setUp) {
      const opened = await page();
      if (setUp) await setUp(opened);
      const options = { url: stack!.url, anonKey: stack!.anonKey, email: user.email, password: user.password, sessionId, transport: 'broadcast', ...extra };
      await opened.evaluate((o) => (window as never as { harness: { start(options: unknown): Promise<void> } }).harness.start(o), options);
      return opened;
    },
    async newCall(host, guests, settings = {}, title = 'E2E') {
      const { data, error } = await host.client.from('video_call_sessions').insert({ title, settings }).select('id').single();
      if (error) throw new Error(`could not create the session: ${error.message}`);
      for (const guest of guests) {
        const invited = await host.client.from('video_call_participants').insert({ session_id: data.id, user_id: guest.id });
        if (invited.error) throw new Error(`could not invite ${guest.name}: ${invited.error.message}`);
      }
      return data.id as string;
    },
  };
}
