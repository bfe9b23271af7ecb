/**
 * A call whose direct path is cut mid-call, for real: two Chromium pages in a call over the local
 * stack (its coturn running, credentials from video-call-ice-servers), the direct path between
 * them selected, then the kernel drops every datagram between the browsers that does not pass
 * through coturn (nft, in the network namespace of this test alone — see
 * scripts/with-private-network.sh). The call moves to the relay by itself: same peer connection,
 * no rejoin of the call, frames flowing again both ways over a pair with a relay candidate; with
 * Firefox on the other end, through the ladder’s relay rung. And a relay-only call between
 * Chromium and Firefox, since the suite has both browsers and a relay at hand.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startLocalStack, type LocalStack } from '../../supabase/local/server.ts';
import { RELAY_PORTS } from '../../supabase/local/turn/coturn.ts';
import { framesFlow, selectedPair, selectedPairDetail, throughRelay, type HarnessWindow } from '../e2e/call-stats.ts';
import { launchFirefox } from '../e2e/firefox.ts';
import { launchBrowser, serveHarness, signUp } from '../e2e/support.ts';
import { assertPrivateNetwork, cutDirectPaths } from '../support/private-network.ts';

type User = Awaited<ReturnType<typeof signUp>>;

describe('direct paths cut mid-call, and the relay between browsers', () => {
  let dataDir: string;
  let stack: LocalStack;
  let harness: { url: string; close(): Promise<void> };
  let browser: Browser;
  let firefox: Awaited<ReturnType<typeof launchFirefox>>;
  const contexts: Array<{ close(): Promise<void> }> = [];

  before(async () => {
    assertPrivateNetwork();
    dataDir = mkdtempSync(join(tmpdir(), 'call-widgets-path-cut-'));
    stack = await startLocalStack({ port: 0, dataDir, scheduler: false, log: () => undefined, turn: { port: 0, required: true } });
    harness = await serveHarness();
    [browser, firefox] = await Promise.all([launchBrowser(), launchFirefox()]);
  });
  after(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await firefox?.close();
    await harness?.close();
    await stack?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /**
   * A harness page in Chromium, or in Firefox (puppeteer's page: the helpers only call
   * `evaluate(fn, arg)`, which both have).
   */
  async function open(user: User, sessionId: string, where: 'Chromium' | 'Firefox' = 'Chromium'): Promise<Page> {
    let page: Page;
    if (where === 'Chromium') {
      const context = await browser.newContext();
      contexts.push(context);
      page = await context.newPage();
    } else {
      const context = await firefox.createBrowserContext();
      contexts.push(context);
      page = (await context.newPage()) as unknown as Page;
    }
    await page.goto(harness.url);
    await page.waitForFunction(() => 'harness' in window);
    const options = { url: stack.url, anonKey: stack.anonKey, email: user.email, password: user.password, sessionId };
    await page.evaluate((o) => (window as never as HarnessWindow).harness.start(o), options);
    return page;
  }

  /** Tags the link's RTCPeerConnection, so the same object can be recognised after the cut. */
  const tagConnection = (page: Page, peerId: string) =>
    page.evaluate((id) => {
      Object.assign((window as never as HarnessWindow).harness.session()!.mesh!.connection(id)!, { beforeCut: true });
    }, peerId);
  const stillTagged = (page: Page, peerId: string) =>
    page.evaluate((id) => ((window as never as HarnessWindow).harness.session()!.mesh!.connection(id) as unknown as { beforeCut?: boolean }).beforeCut === true, peerId);
  const channelEvents = (page: Page) =>
    page.evaluate(() => (window as never as HarnessWindow).harness.logs().filter((line) => /\] channel |rejoin/.test(line)).map((line) => line.replace(/^[\d.]+ /, '')));

  /** Both pages' link lines (times in each page's own clock), for a failure's message. */
  const linkLogs = async (...pages: Page[]) =>
    (await Promise.all(pages.map((page, i) => page.evaluate(() => (window as never as HarnessWindow).harness.logs()).then((lines) => lines.filter((line) => /ICE|offer|answer|restart|failed|fallback/i.test(line)).slice(-25).map((line) => `${'AB'[i]} ${line}`))))).flat().join('\n');

  async function cutMidCall(t: TestContext, guestBrowser: 'Chromium' | 'Firefox') {
    const anna = await signUp(stack.url, stack.anonKey, 'Anna');
    const boris = await signUp(stack.url, stack.anonKey, 'Boris');
    const { data: session, error } = await anna.client.from('video_call_sessions').insert({ title: 'Path cut', settings: {} }).select().single();
    assert.ifError(error);
    assert.ifError((await anna.client.from('video_call_participants').insert({ session_id: session.id, user_id: boris.id })).error);
    const [pageA, pageB] = await Promise.all([open(anna, session.id), open(boris, session.id, guestBrowser)]);
    await framesFlow(pageA, boris.id, 'Anna to see Boris directly');
    await framesFlow(pageB, anna.id, 'Boris to see Anna directly');
    const before = await selectedPairDetail(pageA, boris.id);
    // Direct: host or server-reflexive candidates (Firefox also offers what coturn's STUN saw).
    assert.ok(before && !throughRelay(before, RELAY_PORTS), `the call starts on the direct path: ${JSON.stringify(before)}`);
    await tagConnection(pageA, boris.id);
    await tagConnection(pageB, anna.id);
    const channelBefore = [await channelEvents(pageA), await channelEvents(pageB)];

    const cut = cutDirectPaths([stack.turn!.port, [RELAY_PORTS.min, RELAY_PORTS.max]]);
    try {
      const cutAt = Date.now();
      // Chromium moves to a relay pair within seconds; Firefox first reports the link failed,
      // and the ladder's relay rung restarts ICE relay-only (the longer wait is for that).
      const withLogs = async (error: Error) => {
        error.message += `\n${await linkLogs(pageA, pageB)}`;
        throw error;
      };
      await framesFlow(pageA, boris.id, 'Anna to see Boris again after the cut', 60_000).catch(withLogs);
      await framesFlow(pageB, anna.id, 'Boris to see Anna again after the cut', 60_000).catch(withLogs);
      t.diagnostic(`frames both ways again ${((Date.now() - cutAt) / 1000).toFixed(1)} s after the cut`);
      for (const [page, peer, who] of [[pageA, boris.id, 'Anna'], [pageB, anna.id, 'Boris']] as const) {
        const pair = await selectedPairDetail(page, peer);
        assert.ok(throughRelay(pair, RELAY_PORTS), `${who}’s link runs through the relay now: ${JSON.stringify(pair)}\n${await linkLogs(pageA, pageB)}`);
        // With Firefox the relay-only restart can hang (Chromium keeps the dead ICE generation);
        // then the link is renewed, relay-only on both sides — a new connection, still no rejoin.
        const renewed = (await page.evaluate(() => (window as never as HarnessWindow).harness.logs())).some((line) => /fresh relay-only connection|restarted; recreating/.test(line));
        assert.ok((await stillTagged(page, peer)) || (guestBrowser === 'Firefox' && renewed), `${who}’s link is the same RTCPeerConnection${guestBrowser === 'Firefox' ? ', or one renewed relay-only' : ''}`);
        if (renewed) t.diagnostic(`${who}: the relay-only restart hung; the link was renewed`);
        const steps = await page.evaluate(() => (window as never as HarnessWindow).harness.fallbacks());
        // ICE usually switches to a relay pair it already checked; where it first reports the
        // link disconnected, the ladder's relay rung is the one step allowed — never past it.
        assert.ok(steps.every((step) => step.step === 'relay'), `${who}’s call did not give up: ${JSON.stringify(steps)}\n${await linkLogs(pageA, pageB)}`);
        assert.notEqual(await page.evaluate((id) => (window as never as HarnessWindow).harness.session()!.linkRung(id), peer), 'failed');
        assert.equal(await page.evaluate(() => (window as never as HarnessWindow).harness.session()!.state), 'connected');
      }
      assert.deepEqual([await channelEvents(pageA), await channelEvents(pageB)], channelBefore, 'the call’s channel was not rejoined');
    } finally {
      cut.restore();
    }
  }

  it('moves to the TURN relay with the same peer connection, no rejoin, frames again both ways', (t) => cutMidCall(t, 'Chromium'));

  it('makes a force_relay call between Chromium and Firefox, the selected pair relay on both sides', async () => {
    const anna = await signUp(stack.url, stack.anonKey, 'Anna');
    const boris = await signUp(stack.url, stack.anonKey, 'Boris');
    const { data: session, error } = await anna.client.from('video_call_sessions').insert({ title: 'Relay only', settings: { force_relay: true } }).select().single();
    assert.ifError(error);
    assert.ifError((await anna.client.from('video_call_participants').insert({ session_id: session.id, user_id: boris.id })).error);
    const [pageA, pageB] = await Promise.all([open(anna, session.id), open(boris, session.id, 'Firefox')]);
    await framesFlow(pageA, boris.id, 'Anna (Chromium) to see Boris (Firefox) through the relay');
    await framesFlow(pageB, anna.id, 'Boris (Firefox) to see Anna (Chromium) through the relay');
    assert.deepEqual(await selectedPair(pageA, boris.id), { local: 'relay', remote: 'relay' });
    assert.deepEqual(await selectedPair(pageB, anna.id), { local: 'relay', remote: 'relay' });
  });

  it('moves a Chromium–Firefox call cut mid-call to the relay too, through the ladder’s relay-only ICE restart', (t) => cutMidCall(t, 'Firefox'));
});
