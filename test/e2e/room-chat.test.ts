/**
 * The room's chat, raised hands and reactions between two Chromium pages (fake camera and
 * microphone) on the CRM page with the script-tag bundle, over the local stack: a message written
 * in one room's chat panel counts as unread on the other page's Chat button and shows when that
 * page opens its panel; a hand raised on one page shows on the other's tile and tops its list;
 * a reaction picked on one floats over the sender's tile on the other.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startLocalStack, type LocalStack } from '../../supabase/local/server.ts';
import { serveCrmPage } from './invitation-page.ts';
import { enter } from './phone-page.ts';
import { launchBrowser, signUp } from './support.ts';

type User = Awaited<ReturnType<typeof signUp>>;

/** What a test reads in a page's room (and its chat panel). */
interface RoomView {
  chatButton: string | null;
  badge: string | null;
  panel: boolean;
  messages: string[];
  tiles: { name: string; hand: boolean; reaction: string | null; label: string }[];
  order: string[];
  announcement: string;
}

describe('the room\'s chat, hands and reactions in the browser', () => {
  let stack: LocalStack;
  let crm: { url: string; close(): Promise<void> };
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  before(async () => {
    stack = await startLocalStack({ port: 0, memory: true, scheduler: false, turn: false, log: () => undefined });
    crm = await serveCrmPage(stack);
    browser = await launchBrowser();
  });
  after(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await crm?.close();
    await stack?.close();
  });

  async function newCall(host: User, guests: User[]): Promise<string> {
    const { data, error } = await host.client.from('video_call_sessions').insert({ title: 'E2E chat' }).select().single();
    assert.ifError(error);
    for (const guest of guests) assert.ifError((await host.client.from('video_call_participants').insert({ session_id: data.id, user_id: guest.id })).error);
    return data.id;
  }

  async function open(user: User, sessionId: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    contexts.push(context);
    await context.addInitScript('window.__name = (fn) => fn;');
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await enter(
      page,
      crm.url,
      user,
      `<video-call-room autojoin session-id="${sessionId}" style="height:640px"></video-call-room><call-participants session-id="${sessionId}"></call-participants>`,
    );
    // The list follows the room's session (live presence: hands), as a host page would set it.
    await page.waitForFunction(() => {
      const room = document.querySelector('video-call-room') as HTMLElement & { session?: { state: string } };
      if (room.session?.state !== 'connected') return false;
      (document.querySelector('call-participants') as HTMLElement & { session: unknown }).session = room.session;
      return true;
    }, undefined, { timeout: 30_000 });
    (page as Page & { errors: string[] }).errors = errors;
    return page;
  }

  const view = (page: Page): Promise<RoomView> =>
    page.evaluate(() => {
      const shadow = document.querySelector('video-call-room')!.shadowRoot!;
      const chat = shadow.querySelector('call-chat');
      const people = document.querySelector('call-participants') as HTMLElement & { people: { name: string }[] };
      return {
        chatButton: shadow.querySelector('[part~="chat-toggle"]')?.getAttribute('aria-label') ?? null,
        badge: shadow.querySelector('[part~="chat-badge"]')?.textContent?.trim() ?? null,
        panel: Boolean(shadow.querySelector('[part~="chat-panel"]')),
        messages: [...(chat?.shadowRoot?.querySelectorAll('[part~="body"]') ?? [])].map((body) => body.textContent!.trim()),
        tiles: [...shadow.querySelectorAll<HTMLElement>('[part~="grid"] > [part~="tile"]')].map((tile) => ({
          name: tile.querySelector('[part~="name"]')!.textContent!.trim(),
          hand: Boolean(tile.querySelector('[part~="hand-raised"]')),
          reaction: tile.querySelector('[part~="reaction"]')?.textContent?.trim() ?? null,
          label: tile.getAttribute('aria-label') ?? '',
        })),
        order: people.people.map((p) => p.name),
        announcement: shadow.querySelector('[role="status"][aria-live="polite"]')?.textContent?.trim() ?? '',
      };
    });

  async function until(page: Page, check: (v: RoomView) => boolean, what: string, ms = 20_000): Promise<RoomView> {
    const deadline = Date.now() + ms;
    let last: RoomView | undefined;
    while (Date.now() < deadline) {
      last = await view(page);
      if (check(last)) return last;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`timed out waiting for ${what}; last ${JSON.stringify(last)}`);
  }

  /** Clicks the room's element found by `part` (in its shadow root). */
  const click = (page: Page, part: string) => page.locator(`video-call-room [part~="${part}"]`).first().click();

  it('chats through the room\'s panel, raises a hand and sends a reaction that the other page sees', async () => {
    const anna = await signUp(stack.url, stack.anonKey, 'Anna');
    const boris = await signUp(stack.url, stack.anonKey, 'Boris');
    const sessionId = await newCall(anna, [boris]);
    const [pageA, pageB] = await Promise.all([open(anna, sessionId), open(boris, sessionId)]);
    await until(pageA, (v) => v.tiles.some((t) => t.name === 'Boris'), 'Anna to see Boris');
    await until(pageB, (v) => v.tiles.some((t) => t.name === 'Anna'), 'Boris to see Anna');

    // Chat: Anna writes in her panel; Boris's button counts it, his panel shows it and reads it.
    await click(pageA, 'chat-toggle');
    await until(pageA, (v) => v.panel, 'Anna’s panel');
    const field = pageA.locator('video-call-room call-chat textarea');
    await field.fill('Hello Boris, the slides are ready');
    await field.press('Enter');
    await until(pageA, (v) => v.messages.includes('Hello Boris, the slides are ready'), 'the message in Anna’s panel');
    const unread = await until(pageB, (v) => v.chatButton === 'Chat, 1 unread', 'the unread count on Boris’s Chat button');
    assert.equal(unread.badge, '1');
    assert.equal(unread.panel, false);
    await click(pageB, 'chat-toggle');
    const read = await until(pageB, (v) => v.messages.includes('Hello Boris, the slides are ready') && v.chatButton === 'Chat', 'the message in Boris’s panel, read');
    assert.equal(read.badge, null);

    // Hands: Boris raises his; Anna's page shows it on his tile, says it, and lists him first.
    await click(pageB, 'hand-toggle');
    const raised = await until(pageA, (v) => v.tiles.some((t) => t.name === 'Boris' && t.hand), 'Boris’s hand on Anna’s page');
    assert.match(raised.tiles.find((t) => t.name === 'Boris')!.label, /Hand raised/);
    await until(pageA, (v) => v.order[0] === 'Boris', 'Boris first in Anna’s list');
    await until(pageA, (v) => v.announcement === 'Boris raised their hand', 'the announcement on Anna’s page');

    // A reaction: Anna picks 🎉 from the keyboard; it floats over her tile on Boris's page.
    await click(pageA, 'react');
    await pageA.keyboard.press('End');
    await pageA.keyboard.press('ArrowLeft');
    await pageA.keyboard.press('Enter');
    const reacted = await until(pageB, (v) => v.tiles.some((t) => t.name === 'Anna' && t.reaction === '🎉'), 'Anna’s 🎉 on Boris’s page');
    assert.equal(reacted.tiles.find((t) => t.name === 'Boris (you)')?.reaction ?? null, null);
    await until(pageB, (v) => v.announcement === 'Anna reacted 🎉', 'the announcement on Boris’s page');
    await until(pageB, (v) => v.tiles.every((t) => t.reaction === null), 'the reaction to go after a few seconds', 8000);

    // Lowered: gone on the other page.
    await click(pageB, 'hand-toggle');
    await until(pageA, (v) => v.tiles.every((t) => !t.hand), 'Boris’s hand down on Anna’s page');
    for (const page of [pageA, pageB]) assert.deepEqual((page as Page & { errors: string[] }).errors, []);
  });
});
