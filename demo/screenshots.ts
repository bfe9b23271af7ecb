/**
 * `npm run demo:screenshots`: the CRM demo in headless Chromium, saved to docs/screenshots/ (look
 * at them after UI changes). The meeting already has a call (Anna is in it), as most pages will
 * meet it: Boris's page in English and in Russian, 1280 px and 360 px wide, with the meeting's
 * people listed; then Boris in the call, on a wide screen in English and on a phone in Russian;
 * then, with the dark colour-scheme preference, the page (1280 px in English, 360 px in Russian)
 * and Anna's invitations panel. Then the header's notification bell in each of its states, in
 * English and Russian, 1280 and 360 px (`bell-<state>-<lang>-<width>.png`); `--bell` takes only
 * those.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startLocalStack } from '../supabase/local/server.ts';
import { launchBrowser } from '../test/e2e/support.ts';
import { seedDemoUsers, startDemoServer } from './server.ts';

const out = join(import.meta.dirname, '..', 'docs', 'screenshots');
mkdirSync(out, { recursive: true });

const stack = await startLocalStack({ port: 0, memory: true, scheduler: false, log: () => undefined });
await seedDemoUsers(stack);
const demo = await startDemoServer(stack, { port: 0 });
const browser = await launchBrowser();
const bellOnly = process.argv.includes('--bell');

type Button = HTMLElement & { state: string };

/** `user`'s window once the meeting's button knows its call and the card lists its people. */
async function open(browser: Browser, user: string, lang: 'en' | 'ru', width: number, height: number, colorScheme: 'light' | 'dark' = 'light'): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1, colorScheme });
  const page = await context.newPage();
  await page.goto(`${demo.url}?user=${user}&lang=${lang}`);
  await page.waitForFunction(() => ['none', 'scheduled', 'live'].includes((document.querySelector('event-call-button') as Button | null)?.state ?? ''));
  return page;
}

const listed = (page: Page) =>
  page.waitForFunction(() => {
    const list = document.querySelector('#people-slot call-participants')?.shadowRoot;
    return Boolean(list?.querySelector('[part~="item"]')) && (document.querySelector('event-call-button') as Button).state === 'live';
  });

const inCall = (page: Page, tiles: number) =>
  page.waitForFunction((tiles) => {
    const room = document.querySelector('event-call-button')?.shadowRoot?.querySelector('video-call-room');
    return (room?.shadowRoot?.querySelectorAll('[part~="tile"]').length ?? 0) === tiles;
  }, tiles);

/** Until every tile's video has played for a second (a first frame is decoded before it is painted). */
const playing = (page: Page) =>
  page.waitForFunction(() => {
    const room = document.querySelector('event-call-button')!.shadowRoot!.querySelector('video-call-room')!;
    return [...room.shadowRoot!.querySelectorAll<HTMLVideoElement>('[part~="tile"] video')].every((video) => video.videoWidth > 0 && video.currentTime > 1);
  }, undefined, { timeout: 30_000 });

type Bell = HTMLElement & { state: string; registration: unknown };
const BELL_STATES = ['unsupported', 'signed-out', 'prompt', 'denied', 'unsubscribed', 'working', 'subscribed', 'error'] as const;

/**
 * The bell in `state`, as the browser and the backend make it: the permission as the browser's
 * settings would set it, PushManager removed for `unsupported`, a sign-out for `signed-out`.
 * Headless Chromium has no vendor push service, so for working / subscribed / error the bell's
 * `registration` is the real one with a stand-in `pushManager.subscribe` (one that never
 * answers, one with a 127.0.0.1 endpoint, one with an endpoint the table refuses).
 */
/** The page script that gives the bell the stand-in (a string: tsx would name its functions with a helper the page lacks). */
const standInPush = (state: string) => `(async () => {
  const state = ${JSON.stringify(state)};
  const registration = await navigator.serviceWorker.register('/call-widgets-sw.js');
  await navigator.serviceWorker.ready;
  const pair = await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits']);
  const b64 = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/[+]/g, '-').replace(/[/]/g, '_').replace(/=+$/, '');
  const keys = { p256dh: b64(await crypto.subtle.exportKey('raw', pair.publicKey)), auth: b64(crypto.getRandomValues(new Uint8Array(16))) };
  const endpoint = state === 'error' ? 'http://push.example.test/refused' : 'http://127.0.0.1:9/push/' + crypto.randomUUID();
  let current = null;
  const pushManager = {
    getSubscription: async () => current,
    subscribe: (options) =>
      state === 'working'
        ? new Promise(() => undefined)
        : Promise.resolve((current = { endpoint, options, toJSON: () => ({ endpoint, keys }), unsubscribe: async () => ((current = null), true) })),
  };
  document.querySelector('#bell').registration = { pushManager, get active() { return registration.active; }, waiting: null, installing: null };
})()`;

async function bell(state: (typeof BELL_STATES)[number], lang: 'en' | 'ru', width: number): Promise<void> {
  const context = await browser.newContext({ viewport: { width, height: width < 600 ? 640 : 800 }, deviceScaleFactor: 1 });
  const origin = new URL(demo.url).origin;
  if (state === 'unsupported') await context.addInitScript(() => delete (window as { PushManager?: unknown }).PushManager);
  if (['unsubscribed', 'working', 'subscribed', 'error'].includes(state)) await context.grantPermissions(['notifications'], { origin });
  const page = await context.newPage();
  if (state === 'denied') {
    const devtools = await context.newCDPSession(page);
    const { targetInfo } = await devtools.send('Target.getTargetInfo');
    await devtools.send('Browser.setPermission', { permission: { name: 'notifications' }, setting: 'denied', origin, browserContextId: targetInfo.browserContextId });
  }
  await page.goto(`${demo.url}?user=boris&lang=${lang}`);
  // The page as a person sees it: signed in, the meeting's card filled.
  await page.waitForFunction(() => ['none', 'scheduled', 'live'].includes((document.querySelector('event-call-button') as Bell | null)?.state ?? ''));
  const settled = (expected: string) => page.waitForFunction((expected) => (document.querySelector('#bell') as Bell).state === expected, expected);
  if (state === 'signed-out') {
    await settled('prompt');
    await page.evaluate(() => (window as never as { CallWidgets: { client: { supabase: { auth: { signOut(o: unknown): Promise<unknown> } } } } }).CallWidgets.client.supabase.auth.signOut({ scope: 'local' }));
  }
  if (['working', 'subscribed', 'error'].includes(state)) {
    await settled('unsubscribed');
    await page.evaluate(standInPush(state));
  }
  await settled(['working', 'subscribed', 'error'].includes(state) ? 'unsubscribed' : state);
  // Forced: Playwright waits for an aria-disabled button to be enabled; a person can press it.
  if (state !== 'prompt' && state !== 'unsubscribed') await page.click('#bell >> [part~="button"]', { force: true });
  if (state === 'working' || state === 'subscribed' || state === 'error') await settled(state);
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  const clip = width < 600 ? { x: 0, y: 0, width, height: 300 } : { x: width - 640, y: 0, width: 640, height: 260 };
  await page.screenshot({ path: join(out, `bell-${state}-${lang}-${width}.png`), clip });
  await context.close();
}

try {
  for (const lang of ['en', 'ru'] as const) for (const width of [1280, 360]) for (const state of BELL_STATES) await bell(state, lang, width);
  if (!bellOnly) await demoScreenshots();
  console.log(`screenshots in ${out}`);
} finally {
  await browser.close();
  await demo.close();
  await stack.close();
}

async function demoScreenshots(): Promise<void> {
  const anna = await open(browser, 'anna', 'en', 1280, 900);
  await anna.click('event-call-button >> [part~="button"]');
  await inCall(anna, 1);

  for (const lang of ['en', 'ru'] as const) {
    for (const [width, height] of [[1280, 900], [360, 780]] as const) {
      const page = await open(browser, 'boris', lang, width, height);
      await listed(page);
      // English keeps the names the README shows.
      await page.screenshot({ path: join(out, `demo-${lang === 'en' ? '' : `${lang}-`}${width}.png`), fullPage: width < 600 });
      await page.context().close();
    }
  }

  const boris = await open(browser, 'boris', 'en', 1280, 900);
  await boris.click('event-call-button >> [part~="button"]');
  await inCall(boris, 2);
  await inCall(anna, 2);
  await playing(boris);
  await boris.screenshot({ path: join(out, 'demo-call-1280.png') });
  await boris.context().close();

  const phone = await open(browser, 'boris', 'ru', 360, 780);
  await phone.click('event-call-button >> [part~="button"]');
  await inCall(phone, 2);
  await playing(phone);
  await phone.screenshot({ path: join(out, 'demo-call-ru-360.png') });
  await phone.click('event-call-button >> [part~="minimise"]');
  await phone.waitForSelector('event-call-button >> [part~="call-bar"]');
  await phone.screenshot({ path: join(out, 'demo-minimised-ru-360.png') });
  await phone.context().close();

  for (const [lang, width, height] of [['en', 1280, 900], ['ru', 360, 780]] as const) {
    const page = await open(browser, 'boris', lang, width, height, 'dark');
    await listed(page);
    await page.screenshot({ path: join(out, `demo-dark-${lang === 'en' ? '' : `${lang}-`}${width}.png`), fullPage: width < 600 });
    await page.context().close();
  }

  // The host's invitations panel, in the dark, in a second window of Anna's.
  const host = await open(browser, 'anna', 'en', 1280, 900, 'dark');
  await host.click('event-call-button >> [part~="manage"]');
  await host.waitForFunction(() => {
    const panel = document.querySelector('event-call-button')?.shadowRoot?.querySelector('call-invite-panel');
    return (panel?.shadowRoot?.querySelector('call-participants')?.shadowRoot?.querySelectorAll('[part~="item"]').length ?? 0) > 1;
  });
  await host.screenshot({ path: join(out, 'demo-dark-invitations-1280.png') });
  await host.context().close();
}
