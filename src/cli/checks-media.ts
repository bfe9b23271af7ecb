/**
 * The two-peer media check (`--browser PATH`): two pages in that Chromium, with its fake camera
 * and microphone, sign in as the run's host and guest, join the call through the library's own
 * ESM bundle (the one the package ships) and each must decode the other's video. Loaded only
 * with `--browser`, and playwright-core only then: it is not a dependency of the package.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { expect, type SmokeProject } from './project.ts';

/** Beside the built CLI (dist/cli → dist), or from the source tree after `npm run build`. */
const BUNDLE_CANDIDATES = ['../call-widgets.esm.min.js', '../../dist/call-widgets.esm.min.js'].map((path) => fileURLToPath(new URL(path, import.meta.url)));

const PAGE = `<!doctype html><html lang="en"><meta charset="utf-8"><title>smoke</title><body><script type="module">
import { CallClient } from '/call-widgets.esm.min.js';
const videos = new Map();
let session;
window.smoke = {
  async start({ url, anonKey, email, password, sessionId }) {
    const client = new CallClient({ url, anonKey });
    const signedIn = await client.supabase.auth.signInWithPassword({ email, password });
    if (signedIn.error) throw new Error('sign-in in the page failed: ' + signedIn.error.message);
    session = await client.session(sessionId);
    session.on('participants', (list) => {
      for (const participant of list) {
        if (participant.isLocal || !participant.camera) continue;
        let video = videos.get(participant.id);
        if (!video) {
          video = Object.assign(document.createElement('video'), { autoplay: true, muted: true, playsInline: true });
          document.body.append(video);
          videos.set(participant.id, video);
        }
        if (video.srcObject !== participant.camera) video.srcObject = participant.camera;
      }
    });
    await session.join();
  },
  frames: () => [...videos.values()].map((video) => ({ frames: video.getVideoPlaybackQuality().totalVideoFrames, width: video.videoWidth })),
  state: () => session?.state ?? 'none',
  leave: () => session?.leave(),
};
</script>`;

export async function checkMedia(project: SmokeProject, browserPath: string): Promise<string> {
  expect(existsSync(browserPath), `no browser at ${browserPath}`);
  const bundlePath = BUNDLE_CANDIDATES.find((path) => existsSync(path));
  expect(bundlePath, 'the library\'s ESM bundle (call-widgets.esm.min.js) is missing: run npm run build');
  let chromium: typeof import('playwright-core').chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    throw new Error('--browser needs playwright-core: npm install --no-save playwright-core');
  }
  const bundle = readFileSync(bundlePath);
  // Served from 127.0.0.1: a secure context, so getUserMedia works without https.
  const server = createServer((req, res) => {
    if (req.url === '/call-widgets.esm.min.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
    else res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const browser = await chromium.launch({
    executablePath: browserPath,
    headless: true,
    args: ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--autoplay-policy=no-user-gesture-required', '--no-sandbox'],
  });
  try {
    const started = performance.now();
    const pages = await Promise.all(['host', 'guest'].map(async () => (await browser.newContext()).newPage()));
    await Promise.all(pages.map((page) => page.goto(origin)));
    await Promise.all(
      (['host', 'guest'] as const).map((role, index) => {
        const user = project.user(role);
        return pages[index].evaluate(
          (options) => (window as never as { smoke: { start(o: unknown): Promise<void> } }).smoke.start(options),
          { url: project.url, anonKey: project.options.anonKey, email: user.email, password: user.password, sessionId: project.session() },
        );
      }),
    );
    // Decoded, not only connected: a few frames of the other's fake camera, with a size.
    for (const [index, role] of (['host', 'guest'] as const).entries()) {
      await pages[index]
        .waitForFunction(() => (window as never as { smoke: { frames(): { frames: number; width: number }[] } }).smoke.frames().some((video) => video.frames >= 5 && video.width > 0), undefined, { polling: 200, timeout: 45_000 })
        .catch(async () => {
          const state = await pages[index].evaluate(() => (window as never as { smoke: { state(): string } }).smoke.state()).catch(() => 'unknown');
          throw new Error(`the ${role}'s page decoded no video from the other within 45 s (call state ${state})`);
        });
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    await Promise.all(pages.map((page) => page.evaluate(() => (window as never as { smoke: { leave(): Promise<void> } }).smoke.leave()).catch(() => undefined)));
    return `both pages decode the other's video (${seconds} s from opening the pages)`;
  } finally {
    await browser.close().catch(() => undefined);
    server.closeAllConnections();
    server.close();
  }
}
