/**
 * Connection quality in a real call (issue 16, item 5): two headless Chromium pages on the local
 * stack, each sampling its link's getStats. On a loopback network the link is good, direct and
 * names its codec; the own quality is known too; leaving stops the sampling. A relay-only call
 * (`settings.force_relay`, the stack's coturn) shows its route as relayed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { ConnectionQuality } from '../../src/core/connection-quality.ts';
import type { HarnessWindow } from './call-stats.ts';
import { harnessCalls, signUp, type E2EUser } from './support.ts';

describe('connection quality in a real call', () => {
  const calls = harnessCalls('quality', { turn: { port: 0, required: true } });
  /** A page in the call, counting its getStats calls (to see the sampling stop). */
  const open = (user: E2EUser, sessionId: string) =>
    calls.open(user, sessionId, {}, (page) =>
      page.evaluate(() => {
        const original = RTCPeerConnection.prototype.getStats;
        const counted = window as never as { statsCalls: number };
        counted.statsCalls = 0;
        RTCPeerConnection.prototype.getStats = function (this: RTCPeerConnection, selector?: MediaStreamTrack | null) {
          counted.statsCalls++;
          return original.call(this, selector);
        } as typeof original;
      }),
    );

  /** What the page's session says of `id`'s quality (the local user's own for their own id). */
  const qualityOf = (page: Page, id: string) =>
    page.evaluate((who) => (window as never as HarnessWindow).harness.session()?.participants.find((p) => p.id === who)?.quality ?? null, id) as Promise<ConnectionQuality | null>;

  /** Polls `read` (from Node) until `check` holds; fails saying what was last seen. */
  async function until<T>(read: () => Promise<T>, check: (value: T) => boolean, what: string, ms: number): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = await read();
      if (check(value)) return value;
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; last seen ${JSON.stringify(value)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  async function newCall(settings: Record<string, unknown> = {}) {
    const anna = await signUp(calls.stack.url, calls.stack.anonKey, 'Anna');
    const boris = await signUp(calls.stack.url, calls.stack.anonKey, 'Boris');
    return { anna, boris, sessionId: await calls.newCall(anna, [boris], settings, 'Quality') };
  }

  it('shows a good, direct link with its codec on both sides, and stops sampling on leave', async () => {
    const { anna, boris, sessionId } = await newCall();
    const [pageA, pageB] = await Promise.all([open(anna, sessionId), open(boris, sessionId)]);

    const good = (q: ConnectionQuality | null) => q?.level === 'good' && q.path === 'direct' && Boolean(q.codec) && (q.fps ?? 0) > 0;
    const seen = await until(() => qualityOf(pageA, boris.id), good, 'Anna to see Boris’s link good and direct', 40_000);
    assert.match(seen!.codec!, /^(VP8|VP9|H264|AV1)$/i);
    assert.ok(seen!.width! > 0 && seen!.height! > 0, `a resolution: ${JSON.stringify(seen)}`);
    assert.ok(seen!.bitrateKbps! > 0);
    assert.ok(seen!.rttMs! >= 0 && seen!.rttMs! < 300, `a loopback round trip: ${seen!.rttMs}`);
    assert.ok(seen!.lossPct! < 2);
    await until(() => qualityOf(pageB, anna.id), good, 'Boris to see Anna’s link good and direct', 40_000);
    // The own quality: how Anna's media reaches Boris, from his receiver reports.
    const own = await until(() => qualityOf(pageA, anna.id), (q) => q !== null, 'Anna’s own quality', 20_000);
    assert.equal(own!.level, 'good');
    assert.equal(own!.path, 'direct');

    await pageB.evaluate(() => (window as never as HarnessWindow).harness.leave());
    const calls = () => pageB.evaluate(() => (window as never as { statsCalls: number }).statsCalls);
    const atLeave = await calls();
    assert.ok(atLeave > 0, 'it was sampling');
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const logs = () => pageB.evaluate(() => (window as never as HarnessWindow).harness.logs().slice(-15).join('\n'));
    assert.equal(await calls(), atLeave, `no getStats after leaving; the page's log:\n${await logs()}`);
    // And Anna's side forgets Boris's link once he is gone.
    await until(() => qualityOf(pageA, boris.id), (q) => q === null, 'Boris’s quality gone from Anna’s page', 20_000);
  });

  it('shows a relay-only call’s route as relayed on both sides', async () => {
    const { anna, boris, sessionId } = await newCall({ force_relay: true });
    const [pageA, pageB] = await Promise.all([open(anna, sessionId), open(boris, sessionId)]);
    // Through a relay on this machine the link is as good as a direct one.
    const relayed = (q: ConnectionQuality | null) => q?.path === 'relay' && q.level === 'good' && Boolean(q.codec);
    await until(() => qualityOf(pageA, boris.id), relayed, 'Anna to see Boris’s link relayed', 40_000);
    await until(() => qualityOf(pageB, anna.id), relayed, 'Boris to see Anna’s link relayed', 40_000);
  });
});
