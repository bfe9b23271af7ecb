/**
 * Real calls between headless Chromium pages (fake camera and microphone) over the local stack:
 * two people see and hear each other, four form a full mesh, mute and leaving show on the other
 * side, both signaling transports work, and a backend restart mid-call recovers.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startLocalStack, type LocalStack } from '../../supabase/local/server.ts';
import { launchBrowser, serveHarness, signUp, waitFor } from './support.ts';

type PeerView = Record<string, { frames: number; width: number; audioBytes: number; audioLive: boolean; mic: boolean; presence: string; connection?: string }>;
type Harness = {
  harness: { start(o: unknown): Promise<string>; peers(): Promise<PeerView>; state(): string; setMic(on: boolean): void; leave(): Promise<void>; join(): Promise<void>; present(): string[] };
};
type User = Awaited<ReturnType<typeof signUp>>;

describe('calls in the browser', () => {
  let dataDir: string;
  let stack: LocalStack;
  let harness: { url: string; close(): Promise<void> };
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  const startStack = (port = 0) => startLocalStack({ port, dataDir, scheduler: false, turn: false, log: () => undefined });

  async function newCall(host: User, guests: User[]): Promise<string> {
    const { data, error } = await host.client.from('video_call_sessions').insert({ title: 'E2E' }).select().single();
    assert.ifError(error);
    for (const guest of guests) {
      assert.ifError((await host.client.from('video_call_participants').insert({ session_id: data.id, user_id: guest.id })).error);
    }
    return data.id;
  }

  async function open(user: User, sessionId: string, transport: 'broadcast' | 'table' = 'broadcast', prepareOnly = false): Promise<Page> {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(harness.url);
    await page.waitForFunction(() => 'harness' in window);
    const options = { url: stack.url, anonKey: stack.anonKey, email: user.email, password: user.password, sessionId, transport, prepareOnly };
    await page.evaluate((o) => (window as never as Harness).harness.start(o), options);
    return page;
  }

  const peers = () => (window as never as Harness).harness.peers();
  /** Waits until this page decodes video and receives audio from every one of `ids`. */
  const seesAndHears = (page: Page, ids: string[], what: string) =>
    waitFor(page, peers, (view) => ids.every((id) => view[id] && view[id].frames > 3 && view[id].width > 0 && view[id].audioBytes > 0 && view[id].audioLive), what, 40_000);

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'call-widgets-e2e-'));
    stack = await startStack();
    harness = await serveHarness();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await harness?.close();
    await stack?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function closeAll() {
    for (const context of contexts.splice(0)) await context.close();
  }

  it('connects two people who see and hear each other, shows mute, and drops whoever leaves', async () => {
    const anna = await signUp(stack.url, stack.anonKey, 'Anna');
    const boris = await signUp(stack.url, stack.anonKey, 'Boris');
    const sessionId = await newCall(anna, [boris]);
    const [pageA, pageB] = await Promise.all([open(anna, sessionId), open(boris, sessionId)]);
    await seesAndHears(pageA, [boris.id], 'Anna to see and hear Boris');
    await seesAndHears(pageB, [anna.id], 'Boris to see and hear Anna');

    await pageA.evaluate(() => (window as never as Harness).harness.setMic(false));
    await waitFor(pageB, peers, (view) => view[anna.id]?.mic === false, 'Boris to see Anna muted');

    await pageB.evaluate(() => (window as never as Harness).harness.leave());
    assert.equal(await pageB.evaluate(() => (window as never as Harness).harness.state()), 'left');
    await waitFor(pageA, peers, (view) => !(boris.id in view), 'Boris to disappear for Anna');
    await closeAll();
  });

  it('takes back someone who leaves and joins again from a new page at once, whichever side offers', async () => {
    const anna = await signUp(stack.url, stack.anonKey, 'Anna');
    const boris = await signUp(stack.url, stack.anonKey, 'Boris');
    const sessionId = await newCall(anna, [boris]);
    const pages = new Map<User, Page>([
      [anna, await open(anna, sessionId)],
      [boris, await open(boris, sessionId)],
    ]);
    await seesAndHears(pages.get(anna)!, [boris.id], 'Anna to see and hear Boris');
    // One of the two offers first (by user id): each leaves and comes back in turn, so the one
    // coming back is once the side that offers and once the side that waits for the offer. The
    // other's page still shows them for a moment when they are back: the new page must still
    // get a link (it got none for over 40 s when its offer met one made to the page that left).
    for (const [leaver, stayer] of [
      [anna, boris],
      [boris, anna],
    ] as const) {
      const old = pages.get(leaver)!;
      await old.evaluate(() => (window as never as Harness).harness.leave());
      await old.context().close();
      pages.set(leaver, await open(leaver, sessionId));
      await seesAndHears(pages.get(stayer)!, [leaver.id], `${stayer.name} to see and hear ${leaver.name} back from a new page`);
      await seesAndHears(pages.get(leaver)!, [stayer.id], `${leaver.name}, back, to see and hear ${stayer.name}`);
    }
    await closeAll();
  });

  it('watches a call unseen once prepared, then joins it, the cameras back at full size', async () => {
    const anna = await signUp(stack.url, stack.anonKey, 'Anna');
    const boris = await signUp(stack.url, stack.anonKey, 'Boris');
    const sessionId = await newCall(anna, [boris]);
    const pageA = await open(anna, sessionId);
    const pageB = await open(boris, sessionId, 'broadcast', true);
    await waitFor(pageB, () => (window as never as Harness).harness.present(), (ids) => ids.includes(anna.id), 'Boris, prepared, to see that Anna is in the call');
    assert.equal(await pageB.evaluate(() => (window as never as Harness).harness.state()), 'idle');
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.deepEqual(await pageA.evaluate(() => (window as never as Harness).harness.present()), [], 'Anna does not see Boris before he joins');
    await pageB.evaluate(() => (window as never as Harness).harness.join());
    await seesAndHears(pageA, [boris.id], 'Anna to see and hear Boris');
    await seesAndHears(pageB, [anna.id], 'Boris to see and hear Anna');
    // Cameras start at a quarter of their size while connections form, then go back to 640 px.
    for (const [page, other] of [
      [pageA, boris.id],
      [pageB, anna.id],
    ] as const) {
      await waitFor(page, peers, (view) => view[other]?.width >= 600, 'the video to come back to full size');
    }
    await closeAll();
  });

  it('forms a full mesh of four', async () => {
    const people = await Promise.all(['Ann', 'Ben', 'Cat', 'Dan'].map((name) => signUp(stack.url, stack.anonKey, name)));
    const sessionId = await newCall(people[0], people.slice(1));
    const pages = await Promise.all(people.map((person) => open(person, sessionId)));
    await Promise.all(
      pages.map((page, i) =>
        seesAndHears(page, people.filter((_, j) => j !== i).map((p) => p.id), `${people[i].name} to see and hear the three others`),
      ),
    );
    await closeAll();
  });

  it('works over the durable table transport', async () => {
    const anna = await signUp(stack.url, stack.anonKey, 'Anna');
    const boris = await signUp(stack.url, stack.anonKey, 'Boris');
    const sessionId = await newCall(anna, [boris]);
    const [pageA, pageB] = await Promise.all([open(anna, sessionId, 'table'), open(boris, sessionId, 'table')]);
    await seesAndHears(pageA, [boris.id], 'Anna to see and hear Boris over the table transport');
    await seesAndHears(pageB, [anna.id], 'Boris to see and hear Anna over the table transport');
    await closeAll();
  });

  it('recovers from a backend restart mid-call, media flowing throughout', async () => {
    const anna = await signUp(stack.url, stack.anonKey, 'Anna');
    const boris = await signUp(stack.url, stack.anonKey, 'Boris');
    const sessionId = await newCall(anna, [boris]);
    const [pageA, pageB] = await Promise.all([open(anna, sessionId), open(boris, sessionId)]);
    await seesAndHears(pageA, [boris.id], 'Anna to see and hear Boris');
    await seesAndHears(pageB, [anna.id], 'Boris to see and hear Anna');

    const port = stack.port;
    await stack.close();
    await waitFor(pageA, () => (window as never as Harness).harness.state(), (state) => state === 'reconnecting', 'Anna to notice the backend is gone');
    const before = (await pageA.evaluate(peers))[boris.id].frames;
    await waitFor(pageA, peers, (view) => (view[boris.id]?.frames ?? 0) > before + 10, 'video to keep flowing without the backend');
    stack = await startStack(port);
    // The channel's backoff reaches 10 s between tries; a stack slow to boot on a loaded machine
    // (PGlite, coturn) can cost one more of them.
    for (const page of [pageA, pageB]) {
      await waitFor(page, () => (window as never as Harness).harness.state(), (state) => state === 'connected', 'the call to reconnect', 60_000);
    }
    await pageA.evaluate(() => (window as never as Harness).harness.setMic(false));
    await waitFor(pageB, peers, (view) => view[anna.id]?.mic === false, 'signaling to work again after the restart', 20_000);
    await closeAll();
  });
});
