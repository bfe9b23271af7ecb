/**
 * Screenshots of the room's chat and raised hands in a real call over the local stack, into
 * docs/screenshots/ (look at them after UI changes), in English and Russian, on a phone
 * (360 × 740, 2× pixels, touch) and at 1280 × 800:
 * - `room-chat-*`: Anna's room with its chat open (beside the tiles; a bottom sheet on the phone)
 *   after Boris wrote from his page;
 * - `room-hand-*`: Boris's hand raised (on his tile), Anna's too (the button pressed), and Boris's
 *   reaction floating over his tile.
 * Run: `node_modules/.bin/node --import tsx test/e2e/room-chat-screenshots.ts` (about a minute).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startLocalStack } from '../../supabase/local/server.ts';
import { serveCrmPage } from './invitation-page.ts';
import { enter, FULL_SCREEN } from './phone-page.ts';
import { launchBrowser, signUp } from './support.ts';

const out = join(import.meta.dirname, '..', '..', 'docs', 'screenshots');
mkdirSync(out, { recursive: true });

const SIZES = {
  360: { viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
  1280: { viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1, isMobile: false, hasTouch: false },
} as const;

async function newPage(browser: Browser, size: keyof typeof SIZES): Promise<Page> {
  const context = await browser.newContext(SIZES[size]);
  await context.addInitScript('window.__name = (fn) => fn;');
  return context.newPage();
}

/** The page's room shows `count` tiles, each with a picture on screen. */
async function seesEveryone(page: Page, count: number): Promise<void> {
  await page.waitForFunction(
    (count) => {
      const root = document.querySelector('video-call-room')?.shadowRoot;
      if (!root) return false;
      const videos = [...root.querySelectorAll<HTMLVideoElement>('.tile > video:not([hidden])')];
      return root.querySelectorAll('[part~="grid"] > [part~="tile"]').length === count && videos.length === count && videos.every((v) => v.videoWidth > 0 && !v.paused) && !root.querySelector('.tile:has(> video:not([hidden])) > [part~="avatar"]');
    },
    count,
    { timeout: 40_000 },
  );
  // A few frames painted after the first decoded one (a busy machine showed empty tiles).
  await page.waitForTimeout(800);
}

/** Every shown video puts three more frames on screen (after a layout change they were blank in the shot). */
async function framesAgain(page: Page): Promise<void> {
  await page.evaluate(() => {
    const videos = [...document.querySelector('video-call-room')!.shadowRoot!.querySelectorAll<HTMLVideoElement>('.tile > video:not([hidden])')];
    return Promise.all(
      videos.map(
        (video) =>
          new Promise<void>((resolve) => {
            let presented = 0;
            const count = () => (++presented >= 3 ? resolve() : video.requestVideoFrameCallback(count));
            video.requestVideoFrameCallback(count);
          }),
      ),
    );
  });
}

async function shoot(page: Page, file: string): Promise<void> {
  await framesAgain(page);
  await page.screenshot({ path: join(out, file) });
  console.log(file);
}

const stack = await startLocalStack({ port: 0, memory: true, scheduler: false, log: () => undefined, env: {}, mail: false });
const crm = await serveCrmPage(stack);
const browser = await launchBrowser();
try {
  const [anna, boris] = await Promise.all(['Anna', 'Boris'].map((name) => signUp(stack.url, stack.anonKey, name)));
  await anna.client.auth.signInWithPassword({ email: anna.email, password: anna.password });
  const lines = {
    en: ['I have sent the offer to the client, have a look: https://crm.example.com/deals/42', 'Can we go through the prices first?'],
    ru: ['Отправил клиенту предложение, посмотрите: https://crm.example.com/deals/42', 'Можем сначала пройтись по ценам?'],
  };
  for (const lang of ['en', 'ru'] as const) {
    for (const size of [360, 1280] as const) {
      const { data: session, error } = await anna.client.from('video_call_sessions').insert({ title: 'ACME' }).select().single();
      if (error) throw new Error(error.message);
      await anna.client.from('video_call_participants').insert({ session_id: session.id, user_id: boris.id });
      const room = `${FULL_SCREEN}<video-call-room session-id="${session.id}" autojoin></video-call-room>`;
      const borisPage = await newPage(browser, 1280);
      await enter(borisPage, crm.url, boris, room, lang);
      const annaPage = await newPage(browser, size);
      await enter(annaPage, crm.url, anna, room, lang);
      await seesEveryone(annaPage, 2);
      await seesEveryone(borisPage, 2);

      // Boris writes from his page; Anna opens her chat and answers.
      await borisPage.evaluate(
        async ([id, lines]) => {
          const chat = await (window as never as { CallWidgets: { client: { chat(id: string): Promise<{ start(): Promise<void>; send(body: string): Promise<unknown> }> } } }).CallWidgets.client.chat(id);
          await chat.start();
          for (const line of lines) await chat.send(line);
        },
        [session.id, lines[lang]] as const,
      );
      await annaPage.waitForFunction(() => document.querySelector('video-call-room')!.shadowRoot!.querySelector('[part~="chat-badge"]')?.textContent?.trim() === '2');
      await annaPage.locator('video-call-room [part~="chat-toggle"]').click();
      await annaPage.locator('video-call-room call-chat textarea').fill(lang === 'en' ? 'Sure, go ahead 👍' : 'Конечно, давайте 👍');
      await annaPage.locator('video-call-room call-chat textarea').press('Enter');
      await annaPage.waitForFunction(() => document.querySelector('video-call-room')!.shadowRoot!.querySelector('call-chat')!.shadowRoot!.querySelectorAll('[part~="message"].own:not(.sending)').length === 1);
      await shoot(annaPage, `room-chat-${lang}-${size}.png`);
      await annaPage.locator('video-call-room [part~="chat-close"]').click();

      // Hands up, Boris's first; then his reaction.
      await borisPage.locator('video-call-room [part~="hand-toggle"]').click();
      await annaPage.waitForFunction(() => document.querySelector('video-call-room')!.shadowRoot!.querySelector('.tile:not(.local) [part~="hand-raised"]'));
      await annaPage.locator('video-call-room [part~="hand-toggle"]').click();
      await borisPage.locator('video-call-room [part~="react"]').click();
      await borisPage.keyboard.press('ArrowRight');
      await borisPage.keyboard.press('Enter');
      await annaPage.waitForFunction(() => document.querySelector('video-call-room')!.shadowRoot!.querySelector('.tile:not(.local) [part~="reaction"]'));
      await annaPage.waitForTimeout(600);
      await shoot(annaPage, `room-hand-${lang}-${size}.png`);
      await annaPage.context().close();
      await borisPage.context().close();
    }
  }
} finally {
  await browser.close();
  await crm.close();
  await stack.close();
}
