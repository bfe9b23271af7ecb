/**
 * Phones (issue 15): real calls over the local stack with the phone in Chromium's device emulation
 * (360 × 740 portrait, 740 × 360 landscape, touch) and its peers on desktop pages. Asserts what
 * can be measured: no sideways scroll, 44 px targets where the thumb is, tiles clear of the
 * toolbar, playsinline, the tap-to-turn-on-sound prompt under a strict autoplay policy, the camera
 * flip replacing the sent track in place, and rotation keeping the call.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startLocalStack, type LocalStack } from '../../supabase/local/server.ts';
import { serveCrmPage, type EnterPage } from './invitation-page.ts';
import { enter, FULL_SCREEN, LANDSCAPE, launchPhoneBrowser, measureRoom, overlaps, phoneContext, PORTRAIT, type PhoneLayout } from './phone-page.ts';
import { launchBrowser, signUp } from './support.ts';

type User = Awaited<ReturnType<typeof signUp>>;
const ROOM = ['video-call-room'];

/** Every rule of a phone layout, with the orientation's toolbar place: bottom or right edge. */
function assertFitsPhone(layout: PhoneLayout, people: number): void {
  const { width, height } = layout.viewport;
  assert.deepEqual(layout.overflow, [], 'nothing scrolls sideways or cuts a label');
  assert.equal(layout.tiles.length, people);
  const toolbar = layout.toolbar!;
  if (width < height) {
    assert.ok(toolbar.y + toolbar.height >= height - 1 && toolbar.y > height * 0.75, `portrait: the toolbar sits at the bottom (${JSON.stringify(toolbar)})`);
  } else {
    assert.ok(toolbar.x + toolbar.width >= width - 1 && toolbar.x > width * 0.8, `landscape: the toolbar sits at the right edge (${JSON.stringify(toolbar)})`);
  }
  assert.ok(layout.controls.length >= 4);
  for (const control of layout.controls) {
    assert.ok(control.width >= 44 && control.height >= 44, `${control.name} is ${control.width} × ${control.height}`);
    assert.ok(control.x >= 0 && control.y >= 0 && control.x + control.width <= width + 0.5 && control.y + control.height <= height + 0.5, `${control.name} is on screen`);
  }
  for (const tile of layout.tiles) {
    assert.ok(tile.height >= 60 && tile.width >= 60, `a tile is big enough to see (${JSON.stringify(tile)})`);
    assert.ok(tile.y + tile.height <= height + 0.5 && tile.x + tile.width <= width + 0.5, 'tiles fit the screen');
    assert.ok(!overlaps(tile, toolbar), 'no tile lies under the toolbar');
  }
  for (const video of layout.videos) assert.ok(video.playsInline, 'every video plays inline (no full-screen player on iOS)');
  assert.ok(layout.videos.filter((v) => v.local).every((v) => v.muted), 'your own video is muted');
}

describe('phones', () => {
  let stack: LocalStack;
  let crm: { url: string; close(): Promise<void> };
  let desktop: Browser;
  let phone: Browser;
  const contexts: BrowserContext[] = [];

  before(async () => {
    stack = await startLocalStack({ port: 0, memory: true, scheduler: false, log: () => undefined, env: {}, mail: false });
    crm = await serveCrmPage(stack);
    desktop = await launchBrowser();
    phone = await launchPhoneBrowser();
  });
  after(async () => {
    for (const context of contexts.splice(0)) await context.close().catch(() => undefined);
    await phone?.close();
    await desktop?.close();
    await crm?.close();
    await stack?.close();
  });

  async function users(...names: string[]): Promise<User[]> {
    const list = await Promise.all(names.map((name) => signUp(stack.url, stack.anonKey, name)));
    // The host creates the session through its own signed-in client.
    await list[0].client.auth.signInWithPassword({ email: list[0].email, password: list[0].password });
    return list;
  }

  async function newCall(host: User, guests: User[]): Promise<string> {
    const { data, error } = await host.client.from('video_call_sessions').insert({ title: 'Phone call' }).select().single();
    assert.ifError(error);
    for (const guest of guests) assert.ifError((await host.client.from('video_call_participants').insert({ session_id: data.id, user_id: guest.id })).error);
    return data.id;
  }

  async function open(browser: Browser, user: User, sessionId: string, options: { viewport?: { width: number; height: number }; lang?: string; phone?: boolean } = {}): Promise<Page> {
    const context = options.phone === false ? await browser.newContext() : await phoneContext(browser, options.viewport);
    contexts.push(context);
    const page = await context.newPage();
    await enter(page, crm.url, user, `${FULL_SCREEN}<video-call-room session-id="${sessionId}" autojoin></video-call-room>`, options.lang);
    return page;
  }

  /** Waits until the room on `page` shows `count` tiles, every remote one with moving video. */
  const seesEveryone = (page: Page, count: number) =>
    page.waitForFunction((count) => {
      const shadow = document.querySelector('video-call-room')!.shadowRoot!;
      const remote = [...shadow.querySelectorAll<HTMLVideoElement>('[part~="grid"] > .tile:not(.local) video')];
      return shadow.querySelectorAll('[part~="grid"] > [part~="tile"]').length === count && remote.every((v) => v.videoWidth > 0 && !v.paused);
    }, count, { timeout: 40_000 });

  async function closeAll() {
    for (const context of contexts.splice(0)) await context.close();
  }

  it('fits a call of two on a phone held upright and sideways, with the toolbar under the thumb', async () => {
    const [anna, boris] = await users('Anna', 'Boris');
    const sessionId = await newCall(anna, [boris]);
    const page = await open(phone, anna, sessionId);
    await open(desktop, boris, sessionId, { phone: false });
    await seesEveryone(page, 2);
    const portrait = await measureRoom(page, ROOM);
    assertFitsPhone(portrait, 2);
    assert.ok(portrait.tiles[1].y >= portrait.tiles[0].y + portrait.tiles[0].height, 'upright, two people stack');
    assert.ok(portrait.flip, 'two cameras: the flip button shows');
    await page.setViewportSize(LANDSCAPE);
    const landscape = await measureRoom(page, ROOM);
    assertFitsPhone(landscape, 2);
    assert.equal(landscape.tiles[0].y, landscape.tiles[1].y, 'sideways, two people sit side by side');
    await closeAll();
  });

  it('fits a call of four in Russian, with every label whole, in both orientations', async () => {
    const [anna, boris, vera, gleb] = await users('Konstantinopolskaya', 'Boris', 'Vera', 'Gleb');
    const sessionId = await newCall(anna, [boris, vera, gleb]);
    const page = await open(phone, anna, sessionId, { lang: 'ru' });
    for (const user of [boris, vera, gleb]) await open(desktop, user, sessionId, { phone: false });
    await seesEveryone(page, 4);
    assertFitsPhone(await measureRoom(page, ROOM), 4);
    const status = await page.evaluate(() => document.querySelector('video-call-room')!.shadowRoot!.querySelector('[part="status"]')!.textContent!.replace(/\s+/g, ' ').trim());
    assert.match(status, /В звонке: 4/);
    await page.setViewportSize(LANDSCAPE);
    assertFitsPhone(await measureRoom(page, ROOM), 4);
    await closeAll();
  });

  it('keeps the call across rotation: same session, same tiles, focus and the open device panel', async () => {
    const [anna, boris] = await users('Anna', 'Boris');
    const sessionId = await newCall(anna, [boris]);
    const page = await open(phone, anna, sessionId);
    await open(desktop, boris, sessionId, { phone: false });
    await seesEveryone(page, 2);
    await page.evaluate(() => {
      const room = document.querySelector('video-call-room')!;
      const w = window as never as { joins: number; leaves: number; firstSession: unknown };
      w.joins = 0;
      w.leaves = 0;
      w.firstSession = room.session;
      room.addEventListener('call-joined', () => w.joins++);
      room.addEventListener('call-left', () => w.leaves++);
      const devices = room.shadowRoot!.querySelector('details')!;
      devices.open = true;
      room.shadowRoot!.querySelector<HTMLElement>('[part~="control"][aria-pressed]')!.focus();
    });
    for (const viewport of [LANDSCAPE, PORTRAIT]) {
      await page.setViewportSize(viewport);
      await page.waitForFunction(([w]) => innerWidth === w, [viewport.width]);
      // The same remote video keeps coming (its size may pause at 0 for a frame while it resizes).
      await seesEveryone(page, 2);
      const after = await measureRoom(page, ROOM);
      assertFitsPhone(after, 2);
      const kept = await page.evaluate(() => {
        const room = document.querySelector('video-call-room')!;
        const w = window as never as { joins: number; leaves: number; firstSession: unknown };
        return {
          sameSession: room.session === w.firstSession && room.session!.state === 'connected',
          joins: w.joins,
          leaves: w.leaves,
          focused: room.shadowRoot!.activeElement?.getAttribute('aria-label'),
          panelOpen: room.shadowRoot!.querySelector('details')!.open,
          remotePlaying: [...room.shadowRoot!.querySelectorAll<HTMLVideoElement>('.tile:not(.local) video')].map((v) => (v.paused ? 'paused' : 'playing')).join(),
        };
      });
      assert.deepEqual(kept, { sameSession: true, joins: 0, leaves: 0, focused: 'Mute microphone', panelOpen: true, remotePlaying: 'playing' }, `after turning to ${viewport.width} × ${viewport.height}`);
    }
    await closeAll();
  });

  it('flips to the back camera: every peer gets the new track without renegotiation, and only the front camera is mirrored', async () => {
    const [anna, boris, vera] = await users('Anna', 'Boris', 'Vera');
    const sessionId = await newCall(anna, [boris, vera]);
    const context = await phoneContext(phone);
    contexts.push(context);
    // Keep a hand on the page's real peer connections to read what they send.
    await context.addInitScript(() => {
      const Native = window.RTCPeerConnection;
      const connections: RTCPeerConnection[] = [];
      (window as never as { connections: RTCPeerConnection[] }).connections = connections;
      window.RTCPeerConnection = class extends Native {
        constructor(config?: RTCConfiguration) {
          super(config);
          connections.push(this);
        }
      } as typeof RTCPeerConnection;
    });
    const page = await context.newPage();
    await enter(page, crm.url, anna, `${FULL_SCREEN}<video-call-room session-id="${sessionId}" autojoin></video-call-room>`);
    await open(desktop, boris, sessionId, { phone: false });
    await open(desktop, vera, sessionId, { phone: false });
    await seesEveryone(page, 3);
    const sent = () =>
      page.evaluate(() => {
        const connections = (window as never as { connections: RTCPeerConnection[] }).connections.filter((pc) => pc.connectionState === 'connected');
        const room = document.querySelector('video-call-room')!;
        const local = room.shadowRoot!.querySelector('.tile.local video')!;
        return {
          labels: connections.map((pc) => pc.getSenders().find((s) => s.track?.kind === 'video')?.track?.label),
          deviceIds: connections.map((pc) => pc.getSenders().find((s) => s.track?.kind === 'video')?.track?.getSettings().deviceId),
          sdp: connections.map((pc) => pc.localDescription?.sdp),
          mirrored: getComputedStyle(local).transform === 'matrix(-1, 0, 0, 1, 0, 0)',
          announcement: room.shadowRoot!.querySelector('[role="status"]')!.textContent,
        };
      });
    const front = await sent();
    assert.equal(front.labels.length, 2, 'one connection per peer');
    assert.deepEqual(front.labels, ['fake_device_0', 'fake_device_0']);
    assert.equal(front.mirrored, true, 'the front camera shows as in a mirror');

    await page.locator('video-call-room [part~="flip"]').tap();
    await page.waitForFunction(() => document.querySelector('video-call-room')!.shadowRoot!.querySelector('[role="status"]')!.textContent === 'Back camera');
    const back = await sent();
    assert.deepEqual(back.labels, ['fake_device_1', 'fake_device_1'], 'both peers get the other camera');
    assert.notEqual(back.deviceIds[0], front.deviceIds[0]);
    assert.deepEqual(back.sdp, front.sdp, 'replaceTrack: no new offer or answer');
    assert.equal(back.mirrored, false, 'the back camera is not mirrored');
    // Boris still gets moving video from the new camera.
    const framesAfterFlip = () =>
      page.evaluate(async () => {
        const pc = (window as never as { connections: RTCPeerConnection[] }).connections.find((c) => c.connectionState === 'connected')!;
        const stats = [...(await pc.getStats()).values()];
        return stats.find((s) => s.type === 'outbound-rtp' && s.kind === 'video')?.framesEncoded as number;
      });
    const first = await framesAfterFlip();
    await page.waitForFunction(async (first) => {
      const pc = (window as never as { connections: RTCPeerConnection[] }).connections.find((c) => c.connectionState === 'connected')!;
      const stats = [...(await pc.getStats()).values()];
      return (stats.find((s) => s.type === 'outbound-rtp' && s.kind === 'video')?.framesEncoded ?? 0) > first + 10;
    }, first, { timeout: 15_000 });

    await page.locator('video-call-room [part~="flip"]').tap();
    await page.waitForFunction(() => document.querySelector('video-call-room')!.shadowRoot!.querySelector('[role="status"]')!.textContent === 'Front camera');
    const again = await sent();
    assert.deepEqual(again.labels, ['fake_device_0', 'fake_device_0']);
    assert.equal(again.mirrored, true);
    await closeAll();
  });

  it('asks for a tap to turn on sound when the browser refuses autoplay, and one tap or key plays every voice', async () => {
    const strict = await launchPhoneBrowser({ autoplay: 'gesture' });
    try {
      const [anna, boris, vera, gleb] = await users('Anna', 'Boris', 'Vera', 'Gleb');
      const sessionId = await newCall(anna, [boris, vera, gleb]);
      await open(desktop, boris, sessionId, { phone: false });
      await open(desktop, vera, sessionId, { phone: false });
      for (const [user, lang, how] of [[anna, 'en', 'tap'], [gleb, 'ru', 'keyboard']] as const) {
        const context = await phoneContext(strict);
        contexts.push(context);
        // Playwright's evaluate counts as a user gesture, which would unlock autoplay: the page
        // signs in from an init script instead, and says by console when the prompt shows.
        await context.addInitScript(
          ([email, password, html, lang]) => {
            addEventListener('load', () => {
              void (window as never as EnterPage).enter(email, password, html, lang);
              // Every text the room's live region has held: a later "Boris joined" may replace
              // the sound announcement before the test looks.
              const announced: string[] = ((window as never as { announced: string[] }).announced = []);
              let watched = false;
              const timer = setInterval(() => {
                const shadow = document.querySelector('video-call-room')?.shadowRoot;
                const status = shadow?.querySelector('[role="status"]');
                if (status && !watched) {
                  watched = true;
                  new MutationObserver(() => announced.push(status.textContent ?? '')).observe(status, { childList: true, characterData: true, subtree: true });
                }
                if (shadow?.querySelector('[part~="sound-prompt"]') && shadow.querySelectorAll('.tile:not(.local) video').length >= 2) {
                  clearInterval(timer);
                  console.log('sound-prompt-shown');
                }
              }, 100);
            });
          },
          [user.email, user.password, `${FULL_SCREEN}<video-call-room session-id="${sessionId}" autojoin></video-call-room>`, lang],
        );
        const page = await context.newPage();
        // Chromium lets a page that captures the camera or microphone autoplay with sound, so the
        // phone's user here has blocked both (they watch and listen): then the policy refuses.
        const target = await (await context.newCDPSession(page)).send('Target.getTargetInfo');
        const browserSession = await strict.newBrowserCDPSession();
        for (const name of ['camera', 'microphone']) {
          await browserSession.send('Browser.setPermission', { permission: { name }, setting: 'denied', origin: new URL(crm.url).origin, browserContextId: target.targetInfo.browserContextId });
        }
        const shown = page.waitForEvent('console', { predicate: (message) => message.text() === 'sound-prompt-shown', timeout: 40_000 });
        await page.goto(crm.url);
        await shown;
        const blocked = await measureRoom(page, ROOM);
        assert.equal(blocked.soundPrompt!.text, lang === 'en' ? 'Tap to turn on sound' : 'Нажмите, чтобы включить звук');
        assert.ok(blocked.soundPrompt!.width >= 44 && blocked.soundPrompt!.height >= 44, `the prompt is a big target: ${JSON.stringify(blocked.soundPrompt)}`);
        assert.ok(!overlaps(blocked.soundPrompt!, blocked.toolbar!), `the prompt does not cover the controls: ${JSON.stringify([blocked.soundPrompt, blocked.toolbar])}`);
        const soundBlocked = lang === 'en' ? /holding back the sound/ : /не включил звук/;
        await page.waitForFunction((source) => (window as never as { announced: string[] }).announced.some((text) => new RegExp(source).test(text)), soundBlocked.source, { timeout: 5_000 }).catch(() => undefined);
        const announced = await page.evaluate(() => (window as never as { announced: string[] }).announced);
        assert.ok(announced.some((text) => soundBlocked.test(text)), `announced politely: ${JSON.stringify(announced)}`);
        assert.ok(blocked.videos.filter((v) => !v.local).some((v) => v.muted), `voices are held back until the tap: ${JSON.stringify(blocked.videos)}`);
        assertFitsPhone(blocked, blocked.tiles.length);

        if (how === 'tap') await page.locator('video-call-room [part~="sound-prompt"]').tap();
        else {
          await page.locator('video-call-room [part~="sound-prompt"]').focus();
          await page.keyboard.press('Enter');
        }
        await page.waitForFunction(() => !document.querySelector('video-call-room')!.shadowRoot!.querySelector('[part~="sound-prompt"]'), undefined, { timeout: 10_000 });
        // Both voices' videos, with their media (a tile re-rendered at that moment has none yet).
        await page
          .waitForFunction(() => [...document.querySelector('video-call-room')!.shadowRoot!.querySelectorAll<HTMLVideoElement>('.tile:not(.local) video')].filter((v) => (v.srcObject as MediaStream | null)?.getTracks().length).length >= 2, undefined, { timeout: 10_000 })
          .catch(() => undefined);
        const playing = await measureRoom(page, ROOM);
        const remote = playing.videos.filter((v) => !v.local && v.media);
        assert.ok(remote.length >= 2, `both remote voices have media: ${JSON.stringify(playing.videos)}`);
        assert.ok(remote.every((v) => !v.muted && !v.paused), `every remote voice plays after one ${how}: ${JSON.stringify(remote)}`);
        const soundOn = lang === 'en' ? 'Sound on' : 'Звук включён';
        await page.waitForFunction((text) => (window as never as { announced: string[] }).announced.includes(text), soundOn, { timeout: 5_000 }).catch(() => undefined);
        const after = await page.evaluate(() => (window as never as { announced: string[] }).announced);
        assert.ok(after.includes(soundOn), `"${soundOn}" announced: ${JSON.stringify(after)}`);
      }
    } finally {
      await closeAll();
      await strict.close();
    }
  });

  it('opens the event button’s room full screen on a phone, upright and sideways, with the people list', async () => {
    const [anna, boris] = await users('Anna', 'Boris');
    const context = await phoneContext(phone);
    contexts.push(context);
    const page = await context.newPage();
    const eventId = `phone-${Date.now()}`;
    await enter(page, crm.url, anna, `<event-call-button event-id="${eventId}" event-title="Продление договора ACME" attendees="${boris.id}"></event-call-button>`, 'ru');
    await page.locator('event-call-button [part~="button"]').tap();
    await page.waitForFunction(() => (document.querySelector('event-call-button')!.shadowRoot!.querySelector('dialog') as HTMLDialogElement | null)?.open === true);
    const sessionId = await page.waitForFunction(() => document.querySelector('event-call-button')!.shadowRoot!.querySelector('video-call-room')?.session?.state === 'connected' && document.querySelector('event-call-button')!.shadowRoot!.querySelector('video-call-room')!.sessionId, undefined, { timeout: 30_000 });
    await open(desktop, boris, String(await sessionId.jsonValue()), { phone: false });
    const path = ['event-call-button', 'video-call-room'];
    await page.waitForFunction(() => document.querySelector('event-call-button')!.shadowRoot!.querySelector('video-call-room')!.shadowRoot!.querySelectorAll('[part~="grid"] > [part~="tile"]').length === 2, undefined, { timeout: 40_000 });
    for (const viewport of [PORTRAIT, LANDSCAPE]) {
      await page.setViewportSize(viewport);
      const layout = await measureRoom(page, path);
      assertFitsPhone(layout, 2);
      const dialog = await page.evaluate(() => {
        const dialog = document.querySelector('event-call-button')!.shadowRoot!.querySelector('dialog')!;
        const r = dialog.getBoundingClientRect();
        const minimise = dialog.querySelector('[part~="minimise"]')!.getBoundingClientRect();
        return { width: r.width, height: r.height, minimise: { width: minimise.width, height: minimise.height }, scrolls: dialog.scrollWidth > dialog.clientWidth };
      });
      assert.deepEqual(dialog, { width: viewport.width, height: viewport.height, minimise: { width: 44, height: 44 }, scrolls: false }, `the dialog fills ${viewport.width} × ${viewport.height}`);
    }
    await closeAll();
  });
});
