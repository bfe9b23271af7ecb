/**
 * The fallback ladder in real Chromium pages over the local stack and its coturn, which the
 * tests stop and start: a relay-only call (`settings.force_relay`) whose selected candidate pair
 * is `relay` on both sides, with the TURN credentials the core fetched from video-call-ice-servers;
 * the same call with coturn down ending at the session's external meeting; a relay call that
 * survives coturn restarting; and a participant whose page never answers ending in a clear
 * failed link after the relay was tried too.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createClient } from '@supabase/supabase-js';
import type { Page } from 'playwright-core';
import { clientOptions } from '../support/stack.ts';
import { framesFlow, selectedPair, type HarnessWindow } from './call-stats.ts';
import { harnessCalls, signUp, waitFor, type E2EUser } from './support.ts';

type Harness = HarnessWindow;
type User = E2EUser;

describe('fallback in the browser', () => {
  const calls = harnessCalls('fallback', { turn: { port: 0, required: true } });
  const { open, closeAll } = calls;
  const newCall = (host: User, guests: User[], settings: Record<string, unknown>) => calls.newCall(host, guests, settings, 'Fallback');

  const peers = () => (window as never as Harness).harness.peers();
  const fallbacks = (page: Page) => page.evaluate(() => (window as never as Harness).harness.fallbacks());

  it('makes a force_relay call through coturn, the selected candidate pair relay on both sides', async () => {
    const anna = await signUp(calls.stack.url, calls.stack.anonKey, 'Anna');
    const boris = await signUp(calls.stack.url, calls.stack.anonKey, 'Boris');
    const sessionId = await newCall(anna, [boris], { force_relay: true });
    const [pageA, pageB] = await Promise.all([open(anna, sessionId), open(boris, sessionId)]);
    await framesFlow(pageA, boris.id, 'Anna to see Boris through the relay');
    await framesFlow(pageB, anna.id, 'Boris to see Anna through the relay');
    const fetched = await pageA.evaluate(() => (window as never as Harness).harness.session()!.iceServers!);
    assert.equal(fetched.warning, undefined);
    assert.ok(fetched.ttl! > 0);
    const urls = fetched.iceServers.flatMap((server) => [server.urls].flat());
    assert.ok(urls.some((url) => url.startsWith(`turn:127.0.0.1:${calls.stack.turn!.port}`)), `the stack’s coturn among ${urls.join(', ')}`);
    assert.deepEqual(await selectedPair(pageA, boris.id), { local: 'relay', remote: 'relay' });
    assert.deepEqual(await selectedPair(pageB, anna.id), { local: 'relay', remote: 'relay' });
    assert.deepEqual(await fallbacks(pageA), [], 'a relay-only call from the start is no step down');
    await closeAll();
  });

  it('keeps a relay-only call going across a coturn restart: ICE restarts and frames flow again', async () => {
    const anna = await signUp(calls.stack.url, calls.stack.anonKey, 'Anna');
    const boris = await signUp(calls.stack.url, calls.stack.anonKey, 'Boris');
    const sessionId = await newCall(anna, [boris], { force_relay: true });
    const [pageA, pageB] = await Promise.all([open(anna, sessionId), open(boris, sessionId)]);
    await framesFlow(pageA, boris.id, 'Anna to see Boris through the relay');
    await calls.stack.turn!.stop();
    await waitFor(pageA, peers, (view) => view[boris.id]?.connection !== 'connected', 'Anna’s link to notice the relay is gone');
    await calls.stack.turn!.start();
    await framesFlow(pageA, boris.id, 'Anna to see Boris again after coturn restarted', 60_000);
    await framesFlow(pageB, anna.id, 'Boris to see Anna again after coturn restarted', 60_000);
    assert.deepEqual(await selectedPair(pageA, boris.id), { local: 'relay', remote: 'relay' });
    await closeAll();
  });

  it('ends a force_relay call at the external meeting when coturn is down', async () => {
    const anna = await signUp(calls.stack.url, calls.stack.anonKey, 'Anna');
    const boris = await signUp(calls.stack.url, calls.stack.anonKey, 'Boris');
    const sessionId = await newCall(anna, [boris], { force_relay: true, fallback_url: 'https://meet.example.com/weekly' });
    await calls.stack.turn!.stop();
    try {
      const timings = { connectTimeoutMs: 8000, retryFailedMs: 3000 };
      const [pageA] = await Promise.all([open(anna, sessionId, timings), open(boris, sessionId, timings)]);
      const [step] = await waitFor(pageA, () => (window as never as Harness).harness.fallbacks(), (list) => list.length > 0, 'Anna’s call to step down', 30_000);
      assert.deepEqual(step, { reason: 'relay-failed', step: 'external', url: 'https://meet.example.com/weekly', peerId: boris.id });
      assert.equal(await pageA.evaluate((id) => (window as never as Harness).harness.session()!.linkRung(id), boris.id), 'failed');
    } finally {
      await calls.stack.turn!.start();
    }
    await closeAll();
  });

  it('ends the link to a participant whose page never answers as failed, after trying the relay too', async () => {
    const anna = await signUp(calls.stack.url, calls.stack.anonKey, 'Anna');
    const boris = await signUp(calls.stack.url, calls.stack.anonKey, 'Boris');
    const sessionId = await newCall(anna, [boris], {});
    // Boris is present in the call (from Node, through the real Realtime channel) but no page of
    // his ever answers an offer.
    const silent = createClient(calls.stack.url, calls.stack.anonKey, clientOptions as never);
    assert.ifError((await silent.auth.signInWithPassword({ email: boris.email, password: boris.password })).error);
    await silent.realtime.setAuth();
    const channel = silent.channel(`call:${sessionId}`, { config: { private: true, presence: { key: boris.id } } });
    await new Promise<void>((resolve, reject) => channel.subscribe((status) => (status === 'SUBSCRIBED' ? resolve() : status !== 'CLOSED' && reject(new Error(status)))));
    await channel.track({ name: 'Boris', avatar_url: null, mic: true, cam: true, screen: false, speaking: false, hand: false });
    try {
      const pageA = await open(anna, sessionId, { connectTimeoutMs: 6000, retryFailedMs: 60_000 });
      const steps = await waitFor(pageA, () => (window as never as Harness).harness.fallbacks(), (list) => list.length > 1, 'Anna’s link to Boris to give up', 30_000);
      assert.deepEqual(steps, [
        { reason: 'ice-failed', step: 'relay', peerId: boris.id },
        { reason: 'relay-failed', step: 'none', peerId: boris.id },
      ]);
      assert.equal(await pageA.evaluate((id) => (window as never as Harness).harness.session()!.linkRung(id), boris.id), 'failed');
    } finally {
      await silent.removeAllChannels();
    }
    await closeAll();
  });
});
