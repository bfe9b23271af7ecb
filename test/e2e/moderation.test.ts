/**
 * Host controls between headless Chromium pages over the local stack (issue 16): a guest in the
 * lobby waits, is admitted and joins; a removed guest's tile goes from every page within 2 s and
 * their rejoin is refused; the host mutes someone; the host ends the call for everyone.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { CallSession } from '../../src/core/call-session.ts';
import { harnessCalls, signUp, waitFor } from './support.ts';

type PeerView = Record<string, { frames: number; width: number; audioBytes: number; audioLive: boolean; mic: boolean }>;
type Harness = { harness: { start(o: unknown): Promise<string>; peers(): Promise<PeerView>; state(): string; session(): CallSession; present(): string[] } };

describe('host controls in the browser', () => {
  const calls = harnessCalls('e2e-moderation', { turn: false });
  const { open, newCall } = calls;

  const state = (page: Page) => page.evaluate(() => (window as never as Harness).harness.state());
  const seesAndHears = (page: Page, ids: string[], what: string) =>
    waitFor(page, () => (window as never as Harness).harness.peers(), (view) => ids.every((id) => view[id] && view[id].frames > 3 && view[id].audioBytes > 0), what, 40_000);

  it('lets a guest in the lobby wait, be admitted by the host, and join', async () => {
    const anna = await signUp(calls.stack.url, calls.stack.anonKey, 'Anna');
    const boris = await signUp(calls.stack.url, calls.stack.anonKey, 'Boris');
    const sessionId = await newCall(anna, [boris], { lobby: true });
    const pageA = await open(anna, sessionId);
    const pageB = await open(boris, sessionId);
    assert.equal(await state(pageB), 'waiting');
    await waitFor(pageA, () => (window as never as Harness).harness.session().waiting.map((guest) => guest.userId), (ids) => ids.includes(boris.id), 'Boris in the host’s waiting list');
    assert.deepEqual(await pageA.evaluate(() => (window as never as Harness).harness.present()), [], 'a waiting guest is not in the call');
    await pageA.evaluate((id) => (window as never as Harness).harness.session().admit(id), boris.id);
    await waitFor(pageB, () => (window as never as Harness).harness.state(), (s) => s === 'connected', 'Boris in the call once admitted');
    await seesAndHears(pageA, [boris.id], 'Anna to see and hear Boris');
    await seesAndHears(pageB, [anna.id], 'Boris to see and hear Anna');
    assert.deepEqual(await pageA.evaluate(() => (window as never as Harness).harness.session().waiting), [], 'nobody waiting any more');
  });

  it('removes a guest from every page within 2 s, for good, and lets the host mute another', async () => {
    const anna = await signUp(calls.stack.url, calls.stack.anonKey, 'Anna');
    const boris = await signUp(calls.stack.url, calls.stack.anonKey, 'Boris');
    const vera = await signUp(calls.stack.url, calls.stack.anonKey, 'Vera');
    const sessionId = await newCall(anna, [boris, vera]);
    const [pageA, pageB, pageC] = await Promise.all([open(anna, sessionId), open(boris, sessionId), open(vera, sessionId)]);
    await seesAndHears(pageA, [boris.id, vera.id], 'Anna to see and hear both');
    await seesAndHears(pageC, [anna.id, boris.id], 'Vera to see and hear both');

    // Mute: Vera's microphone goes off on her page, and the others see it off.
    await pageA.evaluate((id) => (window as never as Harness).harness.session().mute(id), vera.id);
    await waitFor(pageC, () => (window as never as Harness).harness.session().media.state.mic, (mic) => mic === false, 'Vera’s microphone turned off by the host');
    await waitFor(pageA, () => (window as never as Harness).harness.peers(), (view) => view[vera.id]?.mic === false, 'Anna sees Vera muted');

    const started = Date.now();
    await pageA.evaluate((id) => (window as never as Harness).harness.session().remove(id), boris.id);
    await Promise.all(
      [pageA, pageC].map((page) => waitFor(page, () => (window as never as Harness).harness.present(), (ids) => !ids.includes(boris.id), 'Boris’s tile gone', 2000)),
    );
    assert.ok(Date.now() - started <= 2500, `${Date.now() - started} ms`);
    await waitFor(pageB, () => (window as never as Harness).harness.state(), (s) => s === 'removed', 'Boris’s page removed', 2000);
    await seesAndHears(pageA, [vera.id], 'Anna and Vera still in the call');

    // Rejoining: the removed session refuses, and a new page is refused by the database.
    const again = await pageB.evaluate(() => (window as never as Harness).harness.session().join().then(() => 'joined', (error: { code: string }) => error.code));
    assert.equal(again, 'not_participant');
    await assert.rejects(open(boris, sessionId), /removed from video call/);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.deepEqual((await pageA.evaluate(() => (window as never as Harness).harness.present())).sort(), [vera.id], 'Boris never came back');
  });

  it('ends the call for everyone', async () => {
    const anna = await signUp(calls.stack.url, calls.stack.anonKey, 'Anna');
    const boris = await signUp(calls.stack.url, calls.stack.anonKey, 'Boris');
    const vera = await signUp(calls.stack.url, calls.stack.anonKey, 'Vera');
    const sessionId = await newCall(anna, [boris, vera]);
    const [pageA, pageB, pageC] = await Promise.all([open(anna, sessionId), open(boris, sessionId), open(vera, sessionId)]);
    await seesAndHears(pageB, [anna.id, vera.id], 'Boris to see and hear both');
    const refused = await pageB.evaluate(() => (window as never as Harness).harness.session().endForAll().then(() => 'ended', (error: { code: string }) => error.code));
    assert.equal(refused, 'not_host', 'only the host ends the call');
    await pageA.evaluate(() => (window as never as Harness).harness.session().endForAll());
    for (const page of [pageA, pageB, pageC]) await waitFor(page, () => (window as never as Harness).harness.state(), (s) => s === 'ended', 'the call ended on every page', 3000);
    const { data } = await anna.client.from('video_call_sessions').select('status').eq('id', sessionId).single();
    assert.equal(data!.status, 'ended');
  });
});
