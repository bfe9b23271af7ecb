/**
 * `npm run demo:screenshots`: the CRM demo in headless Chromium, saved to docs/screenshots/ (look
 * at them after UI changes). The meeting already has a call (Anna is in it), as most pages will
 * meet it: Boris's page in English and in Russian, 1280 px and 360 px wide, with the meeting's
 * people listed; then Boris in the call, on a wide screen in English and on a phone in Russian;
 * then, with the dark colour-scheme preference, the page (1280 px in English, 360 px in Russian)
 * and Anna's invitations panel.
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

try {
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
  console.log(`screenshots in ${out}`);
} finally {
  await browser.close();
  await demo.close();
  await stack.close();
}
