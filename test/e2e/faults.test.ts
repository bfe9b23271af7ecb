/**
 * The call's faults that are not the network path (issue 15, items 3 and 6), in real Chromium
 * pages over the local stack: the call server going away mid-call long enough for the channel's
 * rejoins to give up (`signaling-unreachable`, the media still flowing, everything back once the
 * server is), the server unreachable when joining, and camera and microphone refused (the person
 * joins to watch and listen). Each page shows the real `<video-call-room>` on its real session,
 * so what the room says and fires is checked too.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { build } from 'esbuild';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { CallSession } from '../../src/core/call-session.ts';
import type { CallFallbackDetail } from '../../src/core/fallback.ts';
import type { VideoCallRoom } from '../../src/elements/video-call-room/video-call-room.ts';
import { startLocalStack, type LocalStack } from '../../supabase/local/server.ts';
import { CHROMIUM, CHROMIUM_ARGS, launchBrowser, serveHarness, signUp, waitFor } from './support.ts';

type PeerView = Record<string, { frames: number; width: number; audioBytes: number; audioLive: boolean; mic: boolean; presence: string }>;
type Harness = {
  harness: { start(o: unknown): Promise<string>; peers(): Promise<PeerView>; state(): string; fallbacks(): CallFallbackDetail[]; session(): CallSession | undefined; setMic(on: boolean): void };
};
/** What the room bundle below puts on the page. */
type RoomPage = {
  faults: {
    /** The room on the harness's session, in `lang`; its `call-fallback` details are kept. */
    showRoom(lang: string): void;
    /** Signs in and puts a room that has not joined yet on the page, its session made. */
    prepareRoom(o: { url: string; anonKey: string; email: string; password: string; sessionId: string; lang: string }): Promise<void>;
    room(): VideoCallRoom;
    roomFallbacks(): CallFallbackDetail[];
    roomErrors(): { code: string }[];
  };
};
type User = Awaited<ReturnType<typeof signUp>>;

/**
 * The elements for the harness page, bundled from the sources as the harness is: the room
 * renders a CallSession of the harness's core (it needs nothing from it but its public shape).
 */
const ROOM_PAGE = `
import { defineVideoCallRoom } from '../../src/elements/video-call-room/define.ts';
import { createClient } from '@supabase/supabase-js';
import { CallClient } from '../../src/core/call-client.ts';
defineVideoCallRoom();
const fallbacks = [];
const errors = [];
let room;
function mount(lang) {
  room = document.createElement('video-call-room');
  room.lang = lang;
  room.addEventListener('call-fallback', (event) => fallbacks.push(event.detail));
  room.addEventListener('call-error', (event) => errors.push(event.detail));
  document.body.append(room);
  return room;
}
window.faults = {
  showRoom(lang) {
    mount(lang).session = window.harness.session();
  },
  async prepareRoom({ url, anonKey, email, password, sessionId, lang }) {
    const supabase = createClient(url, anonKey, { auth: { persistSession: false } });
    const signedIn = await supabase.auth.signInWithPassword({ email, password });
    if (signedIn.error) throw new Error(signedIn.error.message);
    const client = new CallClient({ client: supabase });
    const session = await client.session(sessionId);
    const el = mount(lang);
    el.client = client;
    el.session = session;
  },
  room: () => room,
  roomFallbacks: () => fallbacks.slice(),
  roomErrors: () => errors.slice(),
};
`;

async function bundleRoomPage(): Promise<string> {
  const result = await build({
    stdin: { contents: ROOM_PAGE, resolveDir: new URL('.', import.meta.url).pathname, loader: 'ts' },
    bundle: true,
    format: 'esm',
    target: 'es2022',
    write: false,
    conditions: ['browser', 'production'],
  });
  return result.outputFiles[0].text;
}

describe('faults in the browser', () => {
  let dataDir: string;
  let stack: LocalStack;
  let harness: { url: string; close(): Promise<void> };
  let browser: Browser;
  /** Chromium with the fake devices but nothing that answers its permission prompt: camera and microphone refused. */
  let deniedBrowser: Browser | undefined;
  let roomScript: string;
  const contexts: BrowserContext[] = [];

  // No coturn: these faults are about the call server and the devices, not the media path.
  const startStack = (port = 0) => startLocalStack({ port, dataDir, scheduler: false, turn: false, log: () => undefined });

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'call-widgets-faults-'));
    [stack, harness, browser, roomScript] = await Promise.all([startStack(), serveHarness(), launchBrowser(), bundleRoomPage()]);
  });
  after(async () => {
    for (const context of contexts.splice(0)) await context.close().catch(() => undefined);
    await browser?.close();
    await harness?.close();
    await stack?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function closeAll() {
    for (const context of contexts.splice(0)) await context.close();
  }

  async function newCall(host: User, guests: User[], settings: Record<string, unknown> = {}): Promise<string> {
    const { data, error } = await host.client.from('video_call_sessions').insert({ title: 'Faults', settings }).select().single();
    assert.ifError(error);
    for (const guest of guests) {
      assert.ifError((await host.client.from('video_call_participants').insert({ session_id: data.id, user_id: guest.id })).error);
    }
    return data.id;
  }

  /** A page on the harness with the room bundle loaded; `denyMedia`: camera and microphone refused. */
  async function newPage(denyMedia = false): Promise<Page> {
    // Without --use-fake-ui-for-media-stream the fake devices exist but headless Chromium answers
    // its permission prompt with no: getUserMedia is refused as when the person blocked them.
    const context = denyMedia ? await deniedBrowser!.newContext() : await browser.newContext();
    contexts.push(context);
    // tsx compiles with esbuild's keepNames: functions sent to the page call its __name.
    await context.addInitScript('window.__name = (fn) => fn;');
    const page = await context.newPage();
    await page.goto(harness.url);
    await page.waitForFunction(() => 'harness' in window);
    await page.addScriptTag({ content: roomScript, type: 'module' });
    await page.waitForFunction(() => 'faults' in window);
    return page;
  }

  /** Joins through the harness (the core alone) and shows the room on that session. */
  async function open(user: User, sessionId: string, lang = 'en', denyMedia = false): Promise<Page> {
    const page = await newPage(denyMedia);
    const options = { url: stack.url, anonKey: stack.anonKey, email: user.email, password: user.password, sessionId };
    await page.evaluate((o) => (window as never as Harness).harness.start(o), options);
    await page.evaluate((l) => (window as never as RoomPage).faults.showRoom(l), lang);
    return page;
  }

  const peers = () => (window as never as Harness).harness.peers();
  const state = () => (window as never as Harness).harness.state();
  const coreFallbacks = () => (window as never as Harness).harness.fallbacks();
  const roomFallbacks = () => (window as never as RoomPage).faults.roomFallbacks();
  /** The room's text: the notice and the banners, as a person reads them. */
  const roomText = () => (window as never as RoomPage).faults.room().shadowRoot!.textContent!.replace(/\s+/g, ' ');
  const noticeText = () => (window as never as RoomPage).faults.room().shadowRoot!.querySelector('[part~="fallback"]')?.textContent?.replace(/\s+/g, ' ').trim() ?? '';
  const announcement = () => (window as never as RoomPage).faults.room().shadowRoot!.querySelector('[role="status"]')?.textContent ?? '';

  /** Waits until this page decodes video and receives audio from every one of `ids`. */
  const seesAndHears = (page: Page, ids: string[], what: string) =>
    waitFor(page, peers, (view) => ids.every((id) => view[id] && view[id].frames > 3 && view[id].width > 0 && view[id].audioBytes > 0 && view[id].audioLive), what, 40_000);

  /** Video from `peerId` keeps arriving: ten more frames than when asked. */
  const framesFlow = async (page: Page, peerId: string, what: string) => {
    const start = (await page.evaluate(peers))[peerId]?.frames ?? 0;
    await waitFor(page, peers, (view) => (view[peerId]?.frames ?? 0) > start + 10, what, 30_000);
  };

  it('says the call server is unreachable once the rejoins give up, keeps the video flowing, and clears it when the server is back', async () => {
    const anna = await signUp(stack.url, stack.anonKey, 'Anna');
    const boris = await signUp(stack.url, stack.anonKey, 'Boris');
    const sessionId = await newCall(anna, [boris], { fallback_url: 'https://meet.example.com/weekly' });
    const [pageA, pageB] = await Promise.all([open(anna, sessionId, 'en'), open(boris, sessionId, 'ru')]);
    await seesAndHears(pageA, [boris.id], 'Anna to see and hear Boris');
    await seesAndHears(pageB, [anna.id], 'Boris to see and hear Anna');

    const port = stack.port;
    await stack.close();
    try {
      const unreachable: CallFallbackDetail = { reason: 'signaling-unreachable', step: 'external', url: 'https://meet.example.com/weekly' };
      // The channel down for SIGNALING_GIVE_UP_MS (15.5 s) while it keeps trying.
      for (const page of [pageA, pageB]) {
        const [step] = await waitFor(page, roomFallbacks, (list) => list.length > 0, 'the room to say the call server is unreachable', 60_000);
        assert.deepEqual(step, unreachable, 'call-fallback as ARCHITECTURE 9.2 says');
        assert.deepEqual(await page.evaluate(coreFallbacks), [unreachable], 'the session stepped out once');
        assert.equal(await page.evaluate(state), 'reconnecting', 'still in the call, trying');
      }
      assert.match(await pageA.evaluate(noticeText), /^The call server cannot be reached\. Video already on screen keeps going; we keep trying to reconnect\. You can join the same meeting another way: Open the external meeting/);
      assert.match(await pageB.evaluate(noticeText), /^Сервер звонка недоступен\. Видео, которое уже идёт, продолжается; мы пытаемся переподключиться\./);
      assert.ok((await pageA.evaluate(announcement)).startsWith('The call server cannot be reached.'), 'announced to screen readers');
      await framesFlow(pageA, boris.id, 'Boris’s video to keep flowing to Anna without the server');
      await framesFlow(pageB, anna.id, 'Anna’s video to keep flowing to Boris without the server');
    } finally {
      // Whatever failed above, the next tests need the stack back.
      stack = await startStack(port);
    }
    // The rejoins wait up to 10 s apart by now; a stack slow to boot on a loaded machine costs one more.
    for (const page of [pageA, pageB]) {
      await waitFor(page, state, (s) => s === 'connected', 'the call to rejoin', 60_000);
      await waitFor(page, noticeText, (text) => text === '', 'the notice to clear once the server is back');
      assert.equal(await page.evaluate(() => (window as never as Harness).harness.session()!.fallback), undefined);
    }
    await pageA.evaluate(() => (window as never as Harness).harness.setMic(false));
    await waitFor(pageB, peers, (view) => view[anna.id]?.mic === false, 'signaling to work again after the server came back', 20_000);
    assert.equal((await pageA.evaluate(roomFallbacks)).length, 1, 'no second step down once back');
    await closeAll();
  });

  it('says the call server is unreachable when it is down at join time, and joins on a retry once it is back', async () => {
    const anna = await signUp(stack.url, stack.anonKey, 'Anna');
    const sessionId = await newCall(anna, []);
    const page = await newPage();
    await page.evaluate((o) => (window as never as RoomPage).faults.prepareRoom(o), {
      url: stack.url,
      anonKey: stack.anonKey,
      email: anna.email,
      password: anna.password,
      sessionId,
      lang: 'en',
    });
    const port = stack.port;
    await stack.close();
    try {
      await page.evaluate(() => (window as never as RoomPage).faults.room().join());
      // The session's settings were out of reach too: no external meeting to point at.
      assert.deepEqual(await page.evaluate(roomFallbacks), [{ reason: 'signaling-unreachable', step: 'none' }]);
      assert.deepEqual(
        (await page.evaluate(() => (window as never as RoomPage).faults.roomErrors())).map((e) => e.code),
        ['signaling_failed'],
      );
      const text = await page.evaluate(roomText);
      assert.match(text, /The call server cannot be reached\. Check the internet connection and try again\./);
      assert.ok(!/keeps going/.test(text), 'no word of video that never started');
      assert.match(text, /Try again/);
    } finally {
      stack = await startStack(port);
    }
    // The person presses "Try again" once the server is back.
    await page.evaluate(() => {
      const shadow = (window as never as RoomPage).faults.room().shadowRoot!;
      [...shadow.querySelectorAll('button')].find((b) => b.textContent!.trim() === 'Try again')!.click();
    });
    await waitFor(page, () => (window as never as RoomPage).faults.room().session!.state, (s) => s === 'connected', 'the retry to join');
    await waitFor(page, noticeText, (text) => text === '', 'the notice to go once joined');
    await closeAll();
  });

  describe('camera and microphone refused', () => {
    before(async () => {
      // Chromium's fake devices, but no flag that answers the permission prompt with yes.
      deniedBrowser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS.filter((arg) => arg !== '--use-fake-ui-for-media-stream'), headless: true });
    });
    after(async () => {
      await deniedBrowser?.close();
    });

    it('joins someone who blocked camera and microphone to watch and listen, and tells them how to speak', async () => {
      const anna = await signUp(stack.url, stack.anonKey, 'Anna');
      const boris = await signUp(stack.url, stack.anonKey, 'Boris');
      const sessionId = await newCall(anna, [boris]);
      const pageA = await open(anna, sessionId, 'en');
      const pageB = await open(boris, sessionId, 'en', true);
      const media = await pageB.evaluate(() => (window as never as Harness).harness.session()!.media.state);
      assert.equal(media.status, 'denied');
      assert.equal(media.error?.name, 'NotAllowedError');
      assert.deepEqual(await pageB.evaluate(coreFallbacks), [{ reason: 'media-denied', step: 'none' }]);
      assert.equal(await pageB.evaluate(state), 'connected');

      // Boris watches and listens: Anna's video and sound reach him, and Anna sees him in the call.
      await seesAndHears(pageB, [anna.id], 'Boris to see and hear Anna');
      await waitFor(pageA, () => (window as never as Harness).harness.session()!.participants.filter((p) => !p.isLocal && p.presence === 'connected').map((p) => ({ id: p.id, mic: p.mic, cam: p.cam })), (list) => list.length === 1, 'Anna to see Boris in the call');
      const seen = await pageA.evaluate(() => (window as never as Harness).harness.session()!.participants.find((p) => !p.isLocal)!);
      assert.equal(seen.id, boris.id);
      assert.equal(seen.mic, false);
      assert.equal(seen.cam, false);

      // The room had joined already when it was put on the page: it shows the banner with its help.
      const text = await pageB.evaluate(roomText);
      assert.match(text, /Camera and microphone are blocked\. You can still watch and listen; allow access in the browser’s site settings and join again to speak\./);
      const controls = await pageB.evaluate(() => {
        const shadow = (window as never as RoomPage).faults.room().shadowRoot!;
        const byLabel = (label: string) => shadow.querySelector<HTMLButtonElement>(`button[aria-label="${label}"]`);
        return { mic: byLabel('Unmute microphone')?.disabled, cam: byLabel('Turn camera on')?.disabled };
      });
      assert.deepEqual(controls, { mic: true, cam: true }, 'no microphone or camera to turn on');
      await closeAll();
    });

    it('fires call-fallback media-denied from a room that joins with camera and microphone blocked, in Russian', async () => {
      const anna = await signUp(stack.url, stack.anonKey, 'Anna');
      const sessionId = await newCall(anna, []);
      const page = await newPage(true);
      await page.evaluate((o) => (window as never as RoomPage).faults.prepareRoom(o), { url: stack.url, anonKey: stack.anonKey, email: anna.email, password: anna.password, sessionId, lang: 'ru' });
      await page.evaluate(() => (window as never as RoomPage).faults.room().join());
      assert.deepEqual(await page.evaluate(roomFallbacks), [{ reason: 'media-denied', step: 'none' }]);
      await waitFor(page, () => (window as never as RoomPage).faults.room().session!.state, (s) => s === 'connected', 'the room to be in the call');
      const text = await page.evaluate(roomText);
      assert.match(text, /Камера и микрофон заблокированы/);
      await waitFor(page, announcement, (said) => said.startsWith('Камера и микрофон заблокированы'), 'the announcement in Russian');
      await closeAll();
    });
  });
});
