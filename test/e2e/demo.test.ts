/**
 * The CRM demo as a user meets it: the page embeds the script-tag bundle with a plain
 * <script src>; people open it in their own windows (Anna and Boris of the CRM, Maria of the
 * client), press the meeting's call button, and are in a call together. Then what newcomers hit:
 * a page loaded while the meeting already has a call (in Russian), the host page re-rendering
 * its card mid-call, and a window closed without leaving.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { RELEASE_GRACE_MS } from '../../src/core/session-holds.ts';
import { startLocalStack, type LocalStack } from '../../supabase/local/server.ts';
import { seedDemoUsers, startDemoServer, type DemoServer } from '../../demo/server.ts';
import { launchBrowser } from './support.ts';

type Button = HTMLElement & { state: string };

describe('the CRM demo page', () => {
  let stack: LocalStack;
  let demo: DemoServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  before(async () => {
    stack = await startLocalStack({ port: 0, memory: true, scheduler: false, log: () => undefined });
    await seedDemoUsers(stack);
    demo = await startDemoServer(stack, { port: 0 });
    browser = await launchBrowser();
  });
  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
  });
  after(async () => {
    await browser?.close();
    await demo?.close();
    await stack?.close();
  });

  /** `user`'s window on the meeting of today (`lang` as the demo's switcher sets it). */
  const open = async (user: string, lang: 'en' | 'ru' = 'en'): Promise<Page> => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${demo.url}?user=${user}&lang=${lang}`);
    await page.waitForFunction(() => ['none', 'scheduled', 'live'].includes((document.querySelector('event-call-button') as Button | null)?.state ?? ''), undefined, { timeout: 20_000 });
    assert.deepEqual(errors, [], 'no script errors');
    return page;
  };
  const buttonText = (page: Page) => page.locator('event-call-button >> [part~="button"]').textContent().then((text) => text!.trim());
  const tiles = (page: Page) =>
    page.evaluate(() => {
      const room = document.querySelector('event-call-button')!.shadowRoot!.querySelector('video-call-room');
      return [...(room?.shadowRoot?.querySelectorAll('[part~="tile"]') ?? [])].map((tile) => ({
        label: tile.getAttribute('aria-label') ?? '',
        frames: (tile.querySelector('video') as HTMLVideoElement & { getVideoPlaybackQuality(): { totalVideoFrames: number } }).getVideoPlaybackQuality?.().totalVideoFrames ?? 0,
      }));
    });
  /** Waits until `page` plays `other`'s video. */
  const seesVideoOf = async (page: Page, other: string) => {
    const deadline = Date.now() + 30_000;
    let last: { label: string; frames: number }[] = [];
    while (Date.now() < deadline) {
      last = await tiles(page);
      if (last.some((tile) => tile.label.startsWith(other) && tile.frames > 0)) return;
      await page.waitForTimeout(200);
    }
    assert.fail(`${other}'s video does not play; tiles: ${JSON.stringify(last)}`);
  };
  const join = async (page: Page) => {
    await page.click('event-call-button >> [part~="button"]');
    await page.waitForFunction(() => {
      const room = document.querySelector('event-call-button')?.shadowRoot?.querySelector('video-call-room') as (HTMLElement & { session?: { state: string } }) | null;
      return room?.session?.state === 'connected';
    }, undefined, { timeout: 20_000 });
  };
  /** What the card's people list shows: its text, and whether it says it could not load. */
  const peopleList = (page: Page, where: 'card' | 'panel') =>
    page.evaluate((where) => {
      const list = where === 'card' ? document.querySelector('#people-slot call-participants') : document.querySelector('event-call-button')!.shadowRoot!.querySelector('call-invite-panel')?.shadowRoot?.querySelector('call-participants');
      const shadow = list?.shadowRoot;
      return { text: (shadow?.textContent ?? '').replace(/\s+/g, ' '), items: shadow?.querySelectorAll('[part~="item"]').length ?? 0, alert: shadow?.querySelector('[role="alert"]')?.textContent ?? null };
    }, where);

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
    assert.equal(await buttonText(anna), 'Join now');

    await join(anna);
    const boris = await open('boris');
    await join(boris);
    await seesVideoOf(anna, 'Boris Ivanov');
    await seesVideoOf(boris, 'Anna Petrova');
    // The card lists the meeting's people; both are in the call, Maria is invited by e-mail.
    await anna.waitForFunction(() => {
      const text = document.querySelector('call-participants')?.shadowRoot?.textContent ?? '';
      return (text.match(/In the call/g) ?? []).length >= 2 && text.includes('Maria Chen');
    });
    const activity = await anna.locator('#activity').textContent();
    assert.match(activity!, /Anna Petrova set up a video call for “Acme — product demo”/);
    assert.match(activity!, /Anna Petrova joined the video call/);

    await boris.click('event-call-button >> video-call-room >> [part~="leave"]');
    await anna.waitForFunction(() => document.querySelector('event-call-button')!.shadowRoot!.querySelector('video-call-room')!.shadowRoot!.querySelectorAll('[part~="tile"]').length === 1, undefined, { timeout: 20_000 });
  });

  it('shows the people of a meeting whose call is already on, on a Russian page, and in the host’s Invitations panel', async () => {
    const anna = await open('anna');
    await join(anna);

    const maria = await open('maria', 'ru');
    assert.equal(await maria.evaluate(() => document.documentElement.lang), 'ru');
    await maria.waitForFunction(() => (document.querySelector('event-call-button') as Button).state === 'live', undefined, { timeout: 20_000 });
    assert.equal(await buttonText(maria), 'Присоединиться · в звонке: 1');
    await maria.waitForFunction(() => (document.querySelector('#people-slot call-participants')?.shadowRoot?.querySelectorAll('[part~="item"]').length ?? 0) === 3, undefined, { timeout: 20_000 });
    const list = await peopleList(maria, 'card');
    assert.equal(list.alert, null, 'the list loads');
    assert.match(list.text, /Участники \(3\)/);
    assert.match(list.text, /Anna Petrova.*Организатор · В звонке/);

    // The host leaves the dialog for the page (the call goes on) and manages the invitations.
    await anna.click('event-call-button >> [part~="minimise"]');
    await anna.waitForSelector('event-call-button >> [part~="call-bar"]');
    await anna.click('event-call-button >> [part~="manage"]');
    await anna.waitForFunction(() => (document.querySelector('event-call-button')!.shadowRoot!.querySelector('call-invite-panel')?.shadowRoot?.querySelector('call-participants')?.shadowRoot?.querySelectorAll('[part~="item"]').length ?? 0) === 3, undefined, { timeout: 20_000 });
    assert.equal((await peopleList(anna, 'panel')).alert, null);
    assert.equal((await peopleList(anna, 'card')).alert, null);
  });

  it('keeps the call when the page re-renders its card (language switch), and leaves when the card goes', async () => {
    const anna = await open('anna');
    await join(anna);
    const boris = await open('boris');
    await join(boris);
    await seesVideoOf(boris, 'Anna Petrova');
    await anna.evaluate(() => {
      const room = document.querySelector('event-call-button')!.shadowRoot!.querySelector('video-call-room') as HTMLElement & { session: unknown };
      (window as never as { before: unknown }).before = room.session;
    });

    // The demo replaces the event card, and the button in it, when the language changes.
    await anna.selectOption('#lang', 'ru');
    await anna.waitForFunction(() => (document.querySelector('event-call-button')!.shadowRoot!.querySelector('dialog') as HTMLDialogElement | null)?.open === true);
    await anna.waitForTimeout(RELEASE_GRACE_MS + 1000);
    const after = await anna.evaluate(() => {
      const room = document.querySelector('event-call-button')!.shadowRoot!.querySelector('video-call-room') as HTMLElement & { session: { state: string } };
      return { same: room.session === (window as never as { before: unknown }).before, state: room.session.state, text: room.shadowRoot!.textContent };
    });
    assert.deepEqual([after.same, after.state], [true, 'connected'], 'the same call, still on');
    assert.match(after.text!, /В звонке/, 'the room speaks the page’s new language');
    assert.ok((await tiles(boris)).some((tile) => tile.label.startsWith('Anna Petrova')), 'Boris still sees Anna');

    // Another meeting picked (from the page, so with the room minimised): the card with the call
    // is gone, and so is Anna from the call.
    await anna.click('event-call-button >> [part~="minimise"]');
    await anna.click('.event:not(.active)');
    await boris.waitForFunction(() => document.querySelector('event-call-button')!.shadowRoot!.querySelector('video-call-room')!.shadowRoot!.querySelectorAll('[part~="tile"]').length === 1, undefined, { timeout: 20_000 });
  });

  it('stops counting a window closed without leaving, on another person’s page, within 10 s', async () => {
    const maria = await open('maria');
    const boris = await open('boris');
    await join(boris);
    await maria.waitForFunction(() => (document.querySelector('event-call-button') as Button).state === 'live', undefined, { timeout: 20_000 });
    assert.equal(await buttonText(maria), 'Join · 1 in the call');
    await contexts[1].close();
    await maria.waitForFunction(() => (document.querySelector('event-call-button') as Button).state === 'scheduled', undefined, { timeout: 10_000 });
    assert.equal(await buttonText(maria), 'Join now');
  });
  it('lists the deal’s calls in its panel and updates them when a call ends, without a reload', async () => {
    const anna = await open('anna');
    type History = HTMLElement & { state: string; calls: { title: string; participants: { display_name: string; joined_at: string | null; left_at: string | null }[] }[] };
    /** Anna in the deal's call of the meeting: 'absent', 'in' (her stretch open) or 'left'. */
    const annaIn = () =>
      anna.evaluate(() => {
        const history = document.querySelector('#deal-calls call-history') as History | null;
        const call = history?.calls.find((row) => row.title === 'Acme — product demo');
        const me = call?.participants.find((person) => person.display_name === 'Anna Petrova');
        if (!history || !['ready', 'empty'].includes(history.state)) return 'loading';
        if (!me?.joined_at) return 'absent';
        return !me.left_at || Date.parse(me.left_at) < Date.parse(me.joined_at) ? 'in' : 'left';
      });
    const becomes = async (want: string) => {
      const deadline = Date.now() + 20_000;
      let last = '';
      while (Date.now() < deadline && (last = await annaIn()) !== want) await anna.waitForTimeout(100);
      assert.equal(last, want);
    };
    await anna.waitForFunction(() => ['ready', 'empty'].includes((document.querySelector('#deal-calls call-history') as History | null)?.state ?? ''));
    assert.equal(await anna.evaluate(() => document.querySelector('#deal-calls call-history')!.getAttribute('entity-id')), 'D-1042');
    await join(anna);
    await becomes('in');
    await anna.click('event-call-button >> video-call-room >> [part~="leave"]');
    await becomes('left');
    const shown = await anna.evaluate(() => document.querySelector('#deal-calls call-history')!.shadowRoot!.textContent!.replace(/\s+/g, ' '));
    assert.match(shown, /Acme — product demo/);
    assert.match(shown, /Anna Petrova/);
  });
});
