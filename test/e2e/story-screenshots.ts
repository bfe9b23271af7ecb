/**
 * Screenshots of issue 16's and 17's states from the Storybook stories (fixture state, no backend), into
 * docs/screenshots/ (look at them after UI changes), each in English and Russian (the stories'
 * `lang` arg, set in the canvas URL), on a phone (360 × 740, 2× pixels, touch; the element takes
 * the phone's width) and at 1280 × 800 (the story's own width). Each is the story's element alone:
 * - `chat-conversation-*`, `chat-empty-*`, `chat-failed-*` (Send again), `chat-ended-*`
 *   (read-only after the call): `<call-chat>`;
 * - `lobby-waiting-*`: a guest's `<video-call-room>` waiting for the host to let them in;
 * - `host-waiting-*`: the host's `<call-participants>` with two guests waiting to join (Admit,
 *   Decline); `host-remove-confirm-*`: the same list with Remove pressed, confirmed in place;
 * - `room-removed-*`: the removed guest's room; `room-unmute-prompt-*`: the host asks the guest to
 *   unmute; `room-moved-away-*`: the page left when the person joined from another tab or device;
 *   `room-end-confirm-*`: the host's End for everyone, confirmed above the tiles;
 * - `layout-speaker-*`: the room's speaker view (one large, the strip); `layout-pinned-*`: a
 *   pinned tile large, its Unpin pressed;
 * - `quality-badges-*`: the tiles' connection badges (good, fair, poor); `quality-popover-*`: a
 *   poor link's details opened from its badge; `quality-poor-*`: your own connection is poor;
 * - `prejoin-preview-*`, `prejoin-denied-*`, `prejoin-no-devices-*`: the room's pre-join screen
 *   with a camera preview and pickers, after the browser refused, and with nothing to capture;
 * - `history-list-*`, `history-expanded-*` (one call's who came, opened), `history-empty-*`:
 *   `<call-history>` (issue 17).
 * The light elements' shots (chat, host's list) also in the dark scheme, `-dark-` in the name.
 * Stories rather than a real call: they hold each state still (a failed send, a call that has
 * ended) and are what the Storybook test checks, so the pictures show the checked states.
 * Run: `node_modules/.bin/node --import tsx test/e2e/story-screenshots.ts` (builds storybook-static
 * first, about a minute; `--reuse` takes the storybook-static/ already built; `--only <prefix>`
 * makes only the shots whose name starts so).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { installFrameCounter, launchBrowser, type FrameCounterWindow } from './support.ts';

const root = resolve(import.meta.dirname, '../..');
const storybook = join(root, 'storybook-static');
const out = join(root, 'docs', 'screenshots');
mkdirSync(out, { recursive: true });

const SIZES = {
  360: { viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
  1280: { viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1, isMobile: false, hasTouch: false },
} as const;
type Size = keyof typeof SIZES;
type Lang = 'en' | 'ru';
type Tag = 'call-chat' | 'call-participants' | 'video-call-room' | 'call-history';

interface Shot {
  /** The file's name before `-<lang>-<size>.png`. */
  name: string;
  story: string;
  tag: Tag;
  /** Selectors (in the element's shadow root) that show the state is on screen, and ones that must be gone. */
  shows: string[];
  hides?: string[];
  /** The host page's own CSS for the element (its height, say). */
  css?: string;
  /** What a person does in the story before the picture. */
  act?: (page: Page, tag: Tag) => Promise<void>;
  /** Also in the dark scheme (`-dark-` in the name): the light elements; the room is dark in both. */
  dark?: boolean;
}
type Scheme = 'light' | 'dark';

/** Presses the host's Remove for the first person in the call that has one. */
async function pressRemove(page: Page, tag: Tag): Promise<void> {
  await page.locator(`#storybook-root ${tag} [part~="remove-participant"]`).first().click();
}

/** The chat as tall as its messages (a page sets the chat's height; at its 24rem default the log scrolls the first ones away). */
const AS_TALL = 'call-chat { height: auto; }';

/** Opens the details of the poor link (the last badge). */
async function openQuality(page: Page, tag: Tag): Promise<void> {
  await page.locator(`#storybook-root ${tag} [part~="quality"]`).last().click();
}

const ALL_SHOTS: Shot[] = [
  { name: 'chat-conversation', story: 'elements-call-chat--conversation', tag: 'call-chat', css: AS_TALL, dark: true, shows: ['.message.own', 'a[part~="link"]', '[part~="composer"]'] },
  { name: 'chat-empty', story: 'elements-call-chat--empty', tag: 'call-chat', shows: ['[part~="log"] [part~="notice"]', '[part~="composer"]'] },
  { name: 'chat-failed', story: 'elements-call-chat--failed', tag: 'call-chat', css: AS_TALL, dark: true, shows: ['.message.failed .actions button:not([aria-label])'] },
  { name: 'chat-ended', story: 'elements-call-chat--ended', tag: 'call-chat', css: AS_TALL, shows: ['.message.failed', 'section.base > [part~="notice"]'], hides: ['[part~="composer"]', '.message.failed .actions button:not([aria-label])'] },
  { name: 'lobby-waiting', story: 'elements-host-controls--lobby-waiting', tag: 'video-call-room', shows: ['[part~="lobby"]'] },
  { name: 'host-waiting', story: 'elements-host-controls--host-list', tag: 'call-participants', dark: true, shows: ['[part~="waiting"] [part~="admit"]', '[part~="waiting"] [part~="decline"]'] },
  { name: 'host-remove-confirm', story: 'elements-host-controls--host-list', tag: 'call-participants', dark: true, shows: ['[part~="remove-confirm"]', '[part~="cancel"]'], act: pressRemove },
  { name: 'room-removed', story: 'elements-host-controls--removed', tag: 'video-call-room', shows: ['[part~="banner"][role="alert"]'], hides: ['[part~="tile"]'] },
  { name: 'room-moved-away', story: 'elements-host-controls--moved-away', tag: 'video-call-room', shows: ['p[role="status"]'], hides: ['[part~="tile"]'] },
  { name: 'room-unmute-prompt', story: 'elements-host-controls--asked-to-unmute', tag: 'video-call-room', shows: ['[part~="unmute-prompt"]', '[part~="tile"]'] },
  { name: 'history-list', story: 'elements-call-history--list', tag: 'call-history', shows: ['[part~="call"]', '[part~="export"]'], hides: ['[part~="attendance"]'] },
  { name: 'history-expanded', story: 'elements-call-history--expanded', tag: 'call-history', shows: ['[part~="attendance"]', '[part~="toggle"][aria-expanded="true"]'] },
  { name: 'history-empty', story: 'elements-call-history--empty', tag: 'call-history', shows: ['[part~="notice"]'], hides: ['[part~="call"]'] },
  { name: 'room-end-confirm', story: 'elements-host-controls--host-confirming-end', tag: 'video-call-room', shows: ['[part~="end-confirm"]', '[part~="tile"]'] },
  { name: 'layout-speaker', story: 'elements-layouts--speaker', tag: 'video-call-room', shows: ['[part~="speaker"] [part~="tile"]', '[part~="strip"] [part~="tile"]', '[part~="layout-toggle"][aria-pressed="true"]'] },
  { name: 'layout-pinned', story: 'elements-layouts--pinned', tag: 'video-call-room', shows: ['[part~="speaker"] [part~="pin"][aria-pressed="true"]', '[part~="strip"] [part~="tile"]'] },
  { name: 'quality-badges', story: 'elements-video-call-room--quality-badges', tag: 'video-call-room', shows: ['.quality.good', '.quality.fair', '.quality.poor'], hides: ['[part~="quality-details"]'] },
  { name: 'quality-popover', story: 'elements-video-call-room--quality-badges', tag: 'video-call-room', shows: ['[part~="quality-details"]'], act: openQuality },
  { name: 'quality-poor', story: 'elements-video-call-room--quality-poor', tag: 'video-call-room', shows: ['[part~="quality-notice"]', '.quality.poor'] },
  { name: 'prejoin-preview', story: 'elements-video-call-room--prejoin-preview', tag: 'video-call-room', shows: ['[part~="prejoin-preview"] video', '[part~="prejoin-picker"]', '[role="meter"]'] },
  { name: 'prejoin-denied', story: 'elements-video-call-room--prejoin-denied', tag: 'video-call-room', shows: ['[part~="prejoin-problem"]', '[part~="prejoin-retry"]'] },
  { name: 'prejoin-no-devices', story: 'elements-video-call-room--prejoin-no-devices', tag: 'video-call-room', shows: ['[part~="prejoin-problem"]', '[part~="prejoin-join"]'] },
];
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
const SHOTS = only ? ALL_SHOTS.filter((shot) => shot.name.startsWith(only)) : ALL_SHOTS;

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.json': 'application/json', '.css': 'text/css', '.svg': 'image/svg+xml', '.woff2': 'font/woff2' };

if (!process.argv.includes('--reuse') || !existsSync(join(storybook, 'index.json'))) {
  execFileSync('npm', ['run', 'build-storybook'], { cwd: root, stdio: 'inherit', env: { ...process.env, STORYBOOK_DISABLE_TELEMETRY: '1' } });
}
const index = JSON.parse(readFileSync(join(storybook, 'index.json'), 'utf8')) as { entries: Record<string, unknown> };
const missing = SHOTS.map((shot) => shot.story).filter((id) => !index.entries[id]);
assert.deepEqual(missing, [], 'every story is in the build');

// The same static server as the Storybook test's.
const server = createServer((req, res) => {
  const path = normalize(new URL(req.url ?? '/', 'http://x').pathname).replace(/^(\.\.[/\\])+/, '');
  try {
    const body = readFileSync(join(storybook, path === '/' ? 'index.html' : path));
    res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

/**
 * Opens the story at `size` in `lang` and waits until its element shows the shot's state in that
 * language, with every video on screen showing frames.
 */
async function open(browser: Browser, shot: Shot, lang: Lang, size: Size, scheme: Scheme): Promise<Page> {
  // Dark both ways the Storybook test checks: the preference, and the toolbar's scheme (a host page's own switch).
  const context = await browser.newContext({ ...SIZES[size], colorScheme: scheme });
  // tsx compiles this file with esbuild's keepNames: functions sent to the page call its __name.
  await context.addInitScript('window.__name = (fn) => fn;');
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  // On the phone the element takes the page's width, as on a phone page: `auto` (URL args allow no `%`).
  const args = [`lang:${lang}`, ...(size === 360 ? ['width:auto'] : [])].join(';');
  await page.goto(`${origin}/iframe.html?id=${shot.story}&viewMode=story&args=${args}&globals=scheme:${scheme}`);
  // Storybook's and the scheme decorator's padding off on the phone (#root-inner > div is the decorator's).
  if (size === 360) await page.addStyleTag({ content: '.sb-main-padded { padding: 0 !important; } #root-inner > div { padding: 0 !important; }' });
  if (shot.css) await page.addStyleTag({ content: shot.css });
  await installFrameCounter(page);
  const ready = (what: string) => page.waitForFunction(
    ([tag, lang, shows, hides]) => {
      const element = document.querySelector('#storybook-root')?.querySelector<HTMLElement>(tag as string);
      const shadow = element?.shadowRoot;
      if (!element || !shadow || element.lang !== lang) return false;
      const roots: ShadowRoot[] = [shadow];
      for (const inner of shadow.querySelectorAll('call-chat, call-participants')) if (inner.shadowRoot) roots.push(inner.shadowRoot);
      const found = (selector: string) => roots.some((root) => root.querySelector(selector));
      if (!(shows as string[]).every(found) || (hides as string[]).some(found)) return false;
      // The words are the language's: Cyrillic in Russian, none in English (names and messages included).
      const text = roots.map((root) => root.textContent ?? '').join(' ');
      if (/[а-яё]/i.test(text) !== (lang === 'ru')) return false;
      const videos = [...shadow.querySelectorAll<HTMLVideoElement>('video:not([hidden])')];
      return videos.every((video) => video.videoWidth > 0) && (window as never as FrameCounterWindow).framesPresented(videos, 3) && document.fonts.status === 'loaded';
    },
    [shot.tag, lang, shot.shows, shot.hides ?? []] as const,
    { timeout: 15_000 },
  ).catch((error: Error) => {
    throw new Error(`${shot.name}-${lang}-${size}: ${what} never showed (${error.message}) ${errors.join(' | ')}`);
  });
  if (shot.act) {
    // The state before the action first, then the action, then the state it leads to.
    await page.waitForFunction((tag) => Boolean(document.querySelector(`#storybook-root ${tag}`)?.shadowRoot?.textContent?.trim()), shot.tag);
    await shot.act(page, shot.tag);
  }
  await ready(shot.shows.join(', '));
  assert.deepEqual(errors, [], `${shot.story} threw`);
  return page;
}

const browser = await launchBrowser();
const made: { file: string; kB: number }[] = [];
try {
  for (const shot of SHOTS) {
    const schemes: Scheme[] = shot.dark ? ['light', 'dark'] : ['light'];
    for (const lang of ['en', 'ru'] as const) {
      for (const size of [360, 1280] as const) {
        for (const scheme of schemes) {
          const page = await open(browser, shot, lang, size, scheme);
          const file = `${shot.name}${scheme === 'dark' ? '-dark' : ''}-${lang}-${size}.png`;
          await page.locator(`#storybook-root ${shot.tag}`).screenshot({ path: join(out, file), animations: 'disabled', caret: 'hide' });
          made.push({ file, kB: Math.round(statSync(join(out, file)).size / 1024) });
          console.log(`${file} ${made.at(-1)!.kB} kB`);
          await page.context().close();
        }
      }
    }
  }
} finally {
  await browser.close();
  server.closeAllConnections();
  await new Promise((done) => server.close(done));
}
const large = made.filter((shot) => shot.kB > 150);
if (large.length) console.log(`over 150 kB: ${large.map((shot) => `${shot.file} (${shot.kB} kB)`).join(', ')}`);
