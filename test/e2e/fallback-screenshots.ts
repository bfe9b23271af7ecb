/**
 * Screenshots of the room's fallback notices, into docs/screenshots/fallback-*.png (look at them
 * after UI changes): through the relay, relay failed with the external meeting and a retry,
 * could not connect with nothing more to try, camera and microphone blocked, no WebRTC in this
 * browser, the call server unreachable, the conference server (SFU) unreachable for a small call
 * (a mesh) and a large one — each in English and Russian, on a phone (360 × 740, 2×
 * pixels, touch) and at 1280 × 800. The real `<video-call-room>` renders the Storybook stories of
 * those states (stories/video-call-room.stories.ts, fixture sessions: no backend), bundled by
 * esbuild into a page on 127.0.0.1.
 * Run: `node_modules/.bin/node --import tsx test/e2e/fallback-screenshots.ts`.
 */
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { build } from 'esbuild';
import { launchBrowser } from './support.ts';

const out = join(import.meta.dirname, '..', '..', 'docs', 'screenshots');
mkdirSync(out, { recursive: true });

/** File name → the story export that shows it. */
const STATES = {
  relay: 'FallbackRelay',
  external: 'FallbackExternal',
  none: 'FallbackNone',
  'media-denied': 'FallbackMediaDenied',
  'webrtc-unsupported': 'FallbackUnsupported',
  'signaling-unreachable': 'FallbackSignaling',
  'sfu-mesh': 'FallbackSfuMesh',
  'sfu-too-large': 'FallbackSfuTooLarge',
} as const;
/** `--only <prefix>`: just the states whose file name starts so. */
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;

const SIZES = [
  { name: '360', viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
  { name: '1280', viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1, isMobile: false, hasTouch: false },
] as const;

// The page: a story rendered by its own render function with its args (the language overridden),
// the room filling the screen as a host page that gives it the window would.
const bundle = await build({
  stdin: {
    contents: `
      import { render } from 'lit';
      import { defineAll } from '../../src/define-all.ts';
      defineAll();
      import * as stories from '../../stories/video-call-room.stories.ts';
      window.showStory = (name, lang) => {
        const meta = stories.default;
        const story = stories[name];
        const args = { ...meta.args, ...story.args, lang };
        document.documentElement.lang = lang;
        render((story.render ?? meta.render)(args, {}), document.getElementById('root'));
        return document.querySelector('video-call-room').updateComplete;
      };`,
    resolveDir: import.meta.dirname,
    loader: 'ts',
  },
  bundle: true,
  format: 'esm',
  target: 'es2022',
  write: false,
});
const page = `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<style>
  body { margin: 0; background: #f1f5f9; font: 15px/1.4 system-ui, sans-serif; }
  video-call-room { height: 100dvh !important; border-radius: 0 !important; }
  @media (min-width: 800px) { body { padding: 24px; } video-call-room { height: calc(100dvh - 48px) !important; border-radius: 12px !important; } }
</style></head><body><div id="root"></div><script type="module" src="/stories.js"></script></body></html>`;
const server = createServer((req, res) => {
  if (req.url === '/stories.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle.outputFiles[0].text);
  else res.writeHead(200, { 'content-type': 'text/html' }).end(page);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

const browser = await launchBrowser();
try {
  for (const size of SIZES) {
    const context = await browser.newContext({ viewport: size.viewport, deviceScaleFactor: size.deviceScaleFactor, isMobile: size.isMobile, hasTouch: size.hasTouch });
    // tsx compiles this file with esbuild's keepNames: functions sent to the page call its __name.
    await context.addInitScript('window.__name = (fn) => fn;');
    for (const [state, story] of Object.entries(STATES).filter(([name]) => !only || name.startsWith(only))) {
      for (const lang of ['en', 'ru']) {
        const tab = await context.newPage();
        const errors: string[] = [];
        tab.on('pageerror', (error) => errors.push(error.message));
        await tab.goto(url);
        await tab.waitForFunction(() => 'showStory' in window);
        await tab.evaluate(([story, lang]) => (window as never as { showStory(name: string, lang: string): Promise<unknown> }).showStory(story, lang), [story, lang]);
        // Every tile with its camera on shows its first frame, not the initials that wait for it.
        await tab.waitForFunction(() => !document.querySelector('video-call-room')!.shadowRoot!.querySelector('.tile:has(> video:not([hidden])) > [part~="avatar"]'));
        if (errors.length) throw new Error(`${story} (${lang}): ${errors.join('; ')}`);
        const file = `fallback-${state}-${lang}-${size.name}.png`;
        await tab.screenshot({ path: join(out, file) });
        console.log(file);
        await tab.close();
      }
    }
    await context.close();
  }
} finally {
  await browser.close();
  server.close();
}
