/**
 * End-to-end plumbing: the local stack, a static server for the harness page (bundled by
 * esbuild on the fly), Debian's Chromium with fake camera and microphone, and signed-up users.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createClient } from '@supabase/supabase-js';
import { buildScriptTagBundle } from '../../scripts/script-tag-bundle.ts';
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
