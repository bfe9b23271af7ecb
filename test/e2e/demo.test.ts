/**
 * The CRM demo as a user meets it: the page embeds the script-tag bundle with a plain
 * <script src>; two people open it in their own windows, press the meeting's call button, and
 * are in a call together — each sees the other's video and the people list shows both.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startLocalStack, type LocalStack } from '../../supabase/local/server.ts';
import { seedDemoUsers, startDemoServer, type DemoServer } from '../../demo/server.ts';
import { launchBrowser } from './support.ts';

describe('the CRM demo page', () => {
  let stack: LocalStack;
  let demo: DemoServer;
  let browser: Browser;

  before(async () => {
    stack = await startLocalStack({ port: 0, memory: true, scheduler: false, log: () => undefined });
    await seedDemoUsers(stack);
    demo = await startDemoServer(stack, { port: 0 });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await demo?.close();
    await stack?.close();
  });

  const open = async (user: string): Promise<Page> => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${demo.url}?user=${user}`);
    await page.waitForFunction(() => (document.querySelector('event-call-button') as HTMLElement & { state: string } | null)?.state === 'none' || ['scheduled', 'live'].includes((document.querySelector('event-call-button') as HTMLElement & { state: string } | null)?.state ?? ''), undefined, { timeout: 20_000 });
    assert.deepEqual(errors, [], 'no script errors');
    return page;
  };
  const tiles = (page: Page) =>
    page.evaluate(() => {
      const room = document.querySelector('event-call-button')!.shadowRoot!.querySelector('video-call-room');
      return [...(room?.shadowRoot?.querySelectorAll('[part~="tile"]') ?? [])].map((tile) => ({
        label: tile.getAttribute('aria-label') ?? '',
        frames: ((tile.querySelector('video') as HTMLVideoElement & { getVideoPlaybackQuality(): { totalVideoFrames: number } }).getVideoPlaybackQuality?.().totalVideoFrames ?? 0),
      }));
    });

  it('loads the embed from a plain script tag and puts two people in a call from the meeting’s button', async () => {
    const html = await (await fetch(demo.url)).text();
    assert.match(html, /<script src="\/call-widgets\.min\.js"><\/script>/, 'the page embeds the IIFE bundle like a CRM would');

    const anna = await open('anna');
    assert.equal(await anna.evaluate(() => typeof (window as never as { CallWidgets: { configure: unknown } }).CallWidgets.configure), 'function');
    // The script-tag bundle leaves Supabase Storage out (size); using it says so plainly.
    const storage = await anna.evaluate(() => {
      try {
        (window as never as { CallWidgets: { client: { supabase: { storage: { from(bucket: string): unknown } } } } }).CallWidgets.client.supabase.storage.from('files');
        return 'no error';
      } catch (error) {
        return (error as Error).message;
      }
    });
    assert.match(storage, /Storage is not included in the call-widgets script-tag bundle/);
    assert.equal(await anna.locator('event-call-button >> [part~="button"]').textContent().then((text) => text!.trim()), 'Join now');

    await anna.click('event-call-button >> [part~="button"]');
    await anna.waitForSelector('event-call-button >> dialog[open] >> video-call-room');
    const boris = await open('boris');
    await boris.click('event-call-button >> [part~="button"]');

    for (const [page, other] of [[anna, 'Boris Ivanov'], [boris, 'Anna Petrova']] as const) {
      const deadline = Date.now() + 30_000;
      let last: { label: string; frames: number }[] = [];
      while (Date.now() < deadline) {
        last = await tiles(page);
        if (last.some((tile) => tile.label.startsWith(other) && tile.frames > 0)) break;
        await page.waitForTimeout(200);
      }
      assert.ok(last.some((tile) => tile.label.startsWith(other) && tile.frames > 0), `${other}'s video plays; tiles: ${JSON.stringify(last)}`);
    }
    // The card lists the meeting's people; both are in the call, Maria is invited by e-mail.
    await anna.waitForFunction(() => {
      const list = document.querySelector('call-participants');
      const text = list?.shadowRoot?.textContent ?? '';
      return (text.match(/In the call/g) ?? []).length >= 2 && text.includes('Maria Chen');
    });
    const activity = await anna.locator('#activity').textContent();
    assert.match(activity!, /Anna Petrova set up a video call for “Acme — product demo”/);
    assert.match(activity!, /Anna Petrova joined the video call/);

    await boris.click('event-call-button >> dialog >> .close');
    await anna.waitForFunction(() => document.querySelector('event-call-button')!.shadowRoot!.querySelector('video-call-room')!.shadowRoot!.querySelectorAll('[part~="tile"]').length === 1, undefined, { timeout: 20_000 });
  });
});
