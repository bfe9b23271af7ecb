/**
 * Screenshots of the call's widgets around a real call over the local stack, into
 * docs/screenshots/ (look at them after UI changes), each in English and Russian, on a phone
 * (360 × 740, 2× pixels, touch) and at 1280 × 800:
 * - `participants-*`: the meeting's card on a CRM page, the host's `<event-call-button>` (a call in
 *   progress) over `<call-participants manage>` (in the call, accepted, maybe, declined, invited);
 * - `dialog-*`, `dialog-dark-*`: the room the button opens in its dialog, with a remote
 *   participant, light and in the dark colour scheme;
 * - `flip-*`: the room after the camera flip (back camera, not mirrored), two fake cameras;
 * - `phone-room-2-dark-*-portrait`: the phone room in the dark colour scheme;
 * - `sound-prompt-*`: "Tap to turn on sound", under the autoplay policy phones have, for someone
 *   who blocked camera and microphone (Chromium lets a page that captures play with sound).
 * Run: `node_modules/.bin/node --import tsx test/e2e/call-screenshots.ts` (about two minutes).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startLocalStack } from '../../supabase/local/server.ts';
import { serveCrmPage, type EnterPage } from './invitation-page.ts';
import { enter, FULL_SCREEN, launchPhoneBrowser } from './phone-page.ts';
import { installFrameCounter, launchBrowser, signUp, type FrameCounterWindow } from './support.ts';

const out = join(import.meta.dirname, '..', '..', 'docs', 'screenshots');
mkdirSync(out, { recursive: true });

const SIZES = {
  360: { viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
  1280: { viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1, isMobile: false, hasTouch: false },
} as const;
type Size = keyof typeof SIZES;

/** The CRM page in the dark, as a host page with a dark scheme of its own would be. */
const DARK_PAGE = '<style>@media (prefers-color-scheme: dark) { body { background: #020617 !important; color: #e2e8f0 !important; } #card { background: #0f172a !important; } }</style>';

async function newContext(browser: Browser, size: Size): Promise<BrowserContext> {
  const context = await browser.newContext(SIZES[size]);
  // tsx compiles this file with esbuild's keepNames: functions sent to the page call its __name.
  await context.addInitScript('window.__name = (fn) => fn;');
  return context;
}

/** The room found by `path` (selectors, each into the previous match's shadow root) sees `count` people, every camera on and showing its picture. */
async function seesEveryone(page: Page, path: string[], count: number): Promise<void> {
  await installFrameCounter(page);
  await page.waitForFunction(
    ([path, count]) => {
      let root: Document | ShadowRoot = document;
      let room: Element | null = null;
      for (const selector of path as string[]) {
        room = root.querySelector(selector);
        if (!room?.shadowRoot) return false;
        root = room.shadowRoot;
      }
      const tiles = root.querySelectorAll('[part~="grid"] > [part~="tile"]');
      // A camera still on its way shows initials over its video: wait for the picture, and for
      // frames the compositor has put on screen (a first decoded frame is not painted yet when
      // the machine is busy: the screenshot showed empty tiles).
      const videos = [...root.querySelectorAll<HTMLVideoElement>('.tile > video:not([hidden])')];
      return tiles.length === count && videos.length === count && !root.querySelector('.tile:has(> video:not([hidden])) > [part~="avatar"]') && (window as never as FrameCounterWindow).framesPresented(videos, 3);
    },
    [path, count] as const,
    { timeout: 40_000 },
  ).catch(async (error: Error) => {
    // Who the room saw, to tell a slow machine from a link that never came up.
    const seen = await page.evaluate((path) => {
      let root: Document | ShadowRoot = document;
      let room: (Element & { session?: { participants: { name: string; presence: string; connection?: string; cam: boolean; camera?: MediaStream }[] } }) | null = null;
      for (const selector of path) {
        room = root.querySelector(selector);
        root = room?.shadowRoot ?? root;
      }
      return room?.session?.participants.map((p) => `${p.name}: ${p.presence}, link ${p.connection ?? '-'}, camera ${p.cam ? 'on' : 'off'}${p.camera ? ' with a stream' : ''}`);
    }, path);
    throw new Error(`${error.message}; the room saw ${JSON.stringify(seen)}`);
  });
}

/**
 * After a change of colour scheme the page is laid out and painted again: wait for fresh frames
 * in every tile (counted anew), or the shot catches the videos blank (it did, dark and empty).
 */
async function repainted(page: Page, path: string[], count: number): Promise<void> {
  await page.evaluate(() => (window as never as FrameCounterWindow).recountFrames?.());
  await seesEveryone(page, path, count);
}

/**
 * Leaves the call of the room at `path` and closes the page's context; with `watcher`, waits
 * until that page's room (Boris's) has seen `userId` go. The same person joining again from a new
 * page before that got no link to Boris at all within 40 s (Boris's room still had them present;
 * see the report of issue 15's screenshots).
 */
async function leave(page: Page, path: string[], watcher?: { page: Page; userId: string }): Promise<void> {
  await page.evaluate(async (path) => {
    let root: Document | ShadowRoot = document;
    let room: Element | null = null;
    for (const selector of path) {
      room = root.querySelector(selector);
      root = room?.shadowRoot ?? root;
    }
    await (room as HTMLElement & { leave(): Promise<void> }).leave();
  }, path);
  await page.context().close();
  if (watcher) {
    await watcher.page.waitForFunction(
      (userId) => (document.querySelector('video-call-room') as HTMLElement & { session: { participants: { userId: string | null; presence: string }[] } }).session.participants.every((p) => p.userId !== userId || p.presence !== 'connected'),
      watcher.userId,
      { timeout: 20_000 },
    );
  }
}

async function shoot(page: Page, file: string): Promise<void> {
  await page.screenshot({ path: join(out, file) });
  console.log(file);
}

const stack = await startLocalStack({ port: 0, memory: true, scheduler: false, log: () => undefined, env: {}, mail: false });
const crm = await serveCrmPage(stack);
const desktop = await launchBrowser();
const phones = await launchPhoneBrowser();
const strict = await launchPhoneBrowser({ autoplay: 'gesture' });
try {
  // Anna hosts and opens the dialog; Dana flips her camera; Egor has blocked his.
  const [anna, boris, vera, gleb, dana, egor] = await Promise.all(['Anna', 'Boris', 'Vera', 'Gleb', 'Dana', 'Egor'].map((name) => signUp(stack.url, stack.anonKey, name)));
  for (const user of [anna, vera, gleb]) await user.client.auth.signInWithPassword({ email: user.email, password: user.password });

  for (const lang of ['en', 'ru'] as const) {
    const title = lang === 'en' ? 'ACME renewal' : 'Продление договора ACME';
    const eventId = `crm-${lang}-${Date.now()}`;
    const { data: session, error } = await anna.client.rpc('event_video_call', { p_event_id: eventId, p_title: title, p_attendees: [boris.id, vera.id, gleb.id, 'client@acme.test'] });
    if (error) throw new Error(error.message);
    await vera.client.rpc('answer_video_call_invitation', { p_session_id: session.id, p_status: 'tentative' });
    await gleb.client.rpc('answer_video_call_invitation', { p_session_id: session.id, p_status: 'declined' });
    await boris.client.auth.signInWithPassword({ email: boris.email, password: boris.password });
    await boris.client.rpc('answer_video_call_invitation', { p_session_id: session.id, p_status: 'accepted' });
    // Boris is in the call from his desktop the whole time.
    const borisPage = await (await newContext(desktop, 1280)).newPage();
    await enter(borisPage, crm.url, boris, `${FULL_SCREEN}<video-call-room session-id="${session.id}" autojoin></video-call-room>`, lang);
    await seesEveryone(borisPage, ['video-call-room'], 1);

    // Invited once the card's shots are taken, so its list shows the meeting's own attendees.
    const invited = async (user: { id: string }) => {
      const { error } = await anna.client.from('video_call_participants').insert({ session_id: session.id, user_id: user.id });
      if (error && error.code !== '23505') throw new Error(error.message); // 23505: invited at the other size
    };
    for (const size of [360, 1280] as const) {
      // The meeting's card: the button and the people, then the room in the button's dialog.
      const card = await (await newContext(desktop, size)).newPage();
      await enter(card, crm.url, anna, `${DARK_PAGE}<event-call-button event-id="${eventId}" title="${title}" attendees="${boris.id}"></event-call-button><call-participants manage session-id="${session.id}"></call-participants>`, lang);
      await card.waitForFunction(() => {
        const button = document.querySelector('event-call-button') as HTMLElement & { state: string };
        const list = document.querySelector('call-participants')!.shadowRoot!;
        return button.state === 'live' && list.querySelectorAll('[part~="item"]').length === 5 && list.querySelector('.presence-connected');
      });
      await shoot(card, `participants-${lang}-${size}.png`);
      await card.locator('event-call-button [part~="button"]').click();
      const room = ['event-call-button', 'video-call-room'];
      await seesEveryone(card, room, 2);
      await shoot(card, `dialog-${lang}-${size}.png`);
      await card.emulateMedia({ colorScheme: 'dark' });
      await repainted(card, room, 2);
      await shoot(card, `dialog-dark-${lang}-${size}.png`);
      await leave(card, room, { page: borisPage, userId: anna.id });
    }

    for (const size of [360, 1280] as const) {
      // The room alone (a page that gives it the screen) on a device with a front and a back camera.
      await invited(dana);
      const flip = await (await newContext(phones, size)).newPage();
      await enter(flip, crm.url, dana, `${FULL_SCREEN}<video-call-room session-id="${session.id}" autojoin></video-call-room>`, lang);
      await seesEveryone(flip, ['video-call-room'], 2);
      if (size === 360) {
        await flip.emulateMedia({ colorScheme: 'dark' });
        await repainted(flip, ['video-call-room'], 2);
        await shoot(flip, `phone-room-2-dark-${lang}-portrait.png`);
        await flip.emulateMedia({ colorScheme: 'light' });
      }
      await flip.locator('video-call-room [part~="flip"]').click();
      await flip.waitForFunction(() => (document.querySelector('video-call-room') as HTMLElement & { session: { media: { state: { facing?: string } } } }).session.media.state.facing === 'environment');
      // Frames put on screen since the flip, in every tile.
      await flip.evaluate(() => (window as never as FrameCounterWindow).recountFrames?.());
      await seesEveryone(flip, ['video-call-room'], 2);
      await shoot(flip, `flip-${lang}-${size}.png`);
      await leave(flip, ['video-call-room'], { page: borisPage, userId: dana.id });

      // Sound held back: the page signs in from an init script, as Playwright's evaluate would
      // count as the tap the browser waits for, and says by console when the prompt shows over
      // a remote picture.
      await invited(egor);
      const context = await newContext(strict, size);
      await context.addInitScript(
        ([email, password, html, lang]) => {
          addEventListener('load', () => {
            void (window as never as EnterPage).enter(email, password, html, lang);
            let presented = 0;
            let watched: HTMLVideoElement | undefined;
            const timer = setInterval(() => {
              const shadow = document.querySelector('video-call-room')?.shadowRoot;
              const remote = shadow?.querySelector<HTMLVideoElement>('.tile:not(.local) > video:not([hidden])');
              if (remote && remote !== watched) {
                watched = remote;
                const count = () => {
                  presented++;
                  remote.requestVideoFrameCallback(count);
                };
                remote.requestVideoFrameCallback(count);
              }
              // A second of frames on screen: fewer once gave a shot whose remote tile was still empty.
              if (shadow?.querySelector('[part~="sound-prompt"]') && presented >= 15 && !shadow.querySelector('.tile:not(.local) > [part~="avatar"]')) {
                clearInterval(timer);
                console.log('sound-prompt-shown');
              }
            }, 100);
          });
        },
        [egor.email, egor.password, `${FULL_SCREEN}<video-call-room session-id="${session.id}" autojoin></video-call-room>`, lang],
      );
      const sound = await context.newPage();
      const target = await (await context.newCDPSession(sound)).send('Target.getTargetInfo');
      const browserSession = await strict.newBrowserCDPSession();
      for (const name of ['camera', 'microphone']) {
        await browserSession.send('Browser.setPermission', { permission: { name }, setting: 'denied', origin: new URL(crm.url).origin, browserContextId: target.targetInfo.browserContextId });
      }
      const shown = sound.waitForEvent('console', { predicate: (message) => message.text() === 'sound-prompt-shown', timeout: 40_000 });
      await sound.goto(crm.url);
      await shown;
      await shoot(sound, `sound-prompt-${lang}-${size}.png`);
      await leave(sound, ['video-call-room'], { page: borisPage, userId: egor.id });
    }
    await leave(borisPage, ['video-call-room']);
  }
} finally {
  await strict.close();
  await phones.close();
  await desktop.close();
  await crm.close();
  await stack.close();
}
