/**
 * Call metrics in a real call (issue 17, item 3): two headless Chromium pages on the local stack
 * call and leave; each page's core reports its row through report_video_call_metrics. Both rows
 * are there (read with the service role) with a direct `host` route on loopback, a first frame,
 * outcome ok and a browser; video_call_daily_stats counts the call; neither user reads the
 * other's row. A relay-only call (`settings.force_relay`, the stack's coturn) reports `relay`.
 * A join that fails (a browser without WebRTC) reports `failed` with the CallError's code. A
 * Chromium ↔ Firefox call reports from Firefox's own stats fields and names both browsers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import type { Page } from 'playwright-core';
import type { HarnessWindow } from './call-stats.ts';
import { firefoxAvailable, launchFirefox } from './firefox.ts';
import { harnessCalls, signUp, type E2EUser } from './support.ts';

type User = E2EUser;

describe('call metrics from a real call', () => {
  const calls = harnessCalls('metrics', { turn: { port: 0, required: true } });
  const { open } = calls;
  /** The service role's client, made once the stack is up. */
  let serviceClient: SupabaseClient | undefined;
  const service = () => (serviceClient ??= createClient(calls.stack.url, calls.stack.serviceRoleKey, { auth: { persistSession: false, autoRefreshToken: false } }));

  async function newCall(settings: Record<string, unknown> = {}) {
    const anna = await signUp(calls.stack.url, calls.stack.anonKey, 'Anna');
    const boris = await signUp(calls.stack.url, calls.stack.anonKey, 'Boris');
    return { anna, boris, sessionId: await calls.newCall(anna, [boris], settings, 'Metrics') };
  }

  /** Both pages see the other's video decoded on the route wanted (what the quality sampler reads). */
  async function inCall(pageA: Page, pageB: Page, anna: User, boris: User, route: 'direct' | 'relay') {
    for (const [page, who, what] of [[pageA, boris.id, "Anna to see Boris's video"], [pageB, anna.id, "Boris to see Anna's video"]] as const) {
      const deadline = Date.now() + 40_000;
      for (;;) {
        const quality = await page.evaluate((id) => (window as never as HarnessWindow).harness.session()?.participants.find((p) => p.id === id)?.quality ?? null, who);
        if (quality && (quality.fps ?? 0) > 0 && quality.path === route) break;
        if (Date.now() > deadline) assert.fail(`timed out waiting for ${what} (${route}); last ${JSON.stringify(quality)}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  }

  const leave = (page: Page) => page.evaluate(() => (window as never as HarnessWindow).harness.leave());

  async function rows(sessionId: string) {
    const { data, error } = await service().from('video_call_metrics').select('*').eq('session_id', sessionId);
    assert.ifError(error);
    return data as Record<string, any>[];
  }

  it('reports both participants at leave: host route, a first frame, ok; the day counts the call; nobody reads the other’s row', async (t) => {
    const { anna, boris, sessionId } = await newCall();
    const [pageA, pageB] = await Promise.all([open(anna, sessionId), open(boris, sessionId)]);
    await inCall(pageA, pageB, anna, boris, 'direct');
    const joinedFor = Date.now();
    await Promise.all([leave(pageA), leave(pageB)]);

    const reported = await rows(sessionId);
    assert.equal(reported.length, 2, `two rows: ${JSON.stringify(reported)}`);
    assert.deepEqual(reported.map((r) => r.user_id).sort(), [anna.id, boris.id].sort());
    for (const { first_frame_ms, candidate_type, avg_bitrate_kbps, packet_loss_pct, rtt_ms, duration_s, browser } of reported) {
      t.diagnostic(JSON.stringify({ first_frame_ms, candidate_type, avg_bitrate_kbps, packet_loss_pct, rtt_ms, duration_s, browser }));
    }
    for (const row of reported) {
      assert.equal(row.candidate_type, 'host', `direct on loopback: ${JSON.stringify(row)}`);
      assert.ok(row.first_frame_ms > 0 && row.first_frame_ms < 40_000, `a first frame: ${row.first_frame_ms}`);
      assert.equal(row.outcome, 'ok');
      assert.equal(row.failure_reason, null);
      assert.match(row.browser, /^Chrome \d+$/);
      assert.ok(row.avg_bitrate_kbps > 0, `some video bitrate: ${row.avg_bitrate_kbps}`);
      assert.ok(row.packet_loss_pct >= 0 && row.packet_loss_pct < 5, `loopback loss: ${row.packet_loss_pct}`);
      assert.ok(row.rtt_ms >= 0 && row.rtt_ms < 300, `loopback round trip: ${row.rtt_ms}`);
      assert.ok(row.duration_s >= 1 && row.duration_s <= Math.ceil((Date.now() - joinedFor) / 1000) + 60, `a duration: ${row.duration_s}`);
    }

    const { data: days, error } = await service().from('video_call_daily_stats').select('*');
    assert.ifError(error);
    assert.equal(days!.length, 1);
    const day = days![0]!;
    assert.deepEqual([day.calls, day.participants, Number(day.success_rate), Number(day.relay_share)], [1, 2, 1, 0]);
    assert.ok(Number(day.p50_first_frame_ms) > 0 && Number(day.p95_first_frame_ms) >= Number(day.p50_first_frame_ms));

    // Each user reads their own row only; the view is the service role's.
    for (const [me, other] of [[anna, boris], [boris, anna]] as const) {
      const own = await me.client.from('video_call_metrics').select('user_id').eq('session_id', sessionId);
      assert.ifError(own.error);
      assert.deepEqual(own.data!.map((r) => r.user_id), [me.id]);
      const theirs = await me.client.from('video_call_metrics').select('user_id').eq('user_id', other.id);
      assert.deepEqual(theirs.data, []);
      const view = await me.client.from('video_call_daily_stats').select('*');
      assert.ok(view.error, 'the daily view is refused to a user');
    }
  });

  it('reports a relay-only call as relay', async () => {
    const { anna, boris, sessionId } = await newCall({ force_relay: true });
    const [pageA, pageB] = await Promise.all([open(anna, sessionId), open(boris, sessionId)]);
    await inCall(pageA, pageB, anna, boris, 'relay');
    await Promise.all([leave(pageA), leave(pageB)]);
    const reported = await rows(sessionId);
    assert.equal(reported.length, 2);
    for (const row of reported) {
      assert.equal(row.candidate_type, 'relay', JSON.stringify(row));
      assert.equal(row.outcome, 'ok');
      assert.ok(row.first_frame_ms > 0);
    }
  });

  it('reports a Chromium ↔ Firefox call from each browser’s own stats', { skip: firefoxAvailable ? false : 'Firefox ESR is not installed' }, async () => {
    const { anna, boris, sessionId } = await newCall();
    const pageA = await open(anna, sessionId);
    const firefox = await launchFirefox();
    try {
      const tab = await (await firefox.createBrowserContext()).newPage();
      await tab.goto(calls.harnessUrl);
      await tab.waitForFunction(() => 'harness' in window);
      const options = { url: calls.stack.url, anonKey: calls.stack.anonKey, email: boris.email, password: boris.password, sessionId, transport: 'broadcast' };
      await tab.evaluate((o) => (window as never as HarnessWindow).harness.start(o), options);
      const deadline = Date.now() + 40_000;
      for (;;) {
        const fps = await tab.evaluate((id) => (window as never as HarnessWindow).harness.session()?.participants.find((p) => p.id === id)?.quality?.fps ?? 0, anna.id);
        if (fps > 0) break;
        if (Date.now() > deadline) assert.fail("timed out waiting for Firefox to decode Anna's video");
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      await Promise.all([leave(pageA), tab.evaluate(() => (window as never as HarnessWindow).harness.leave())]);
    } finally {
      await firefox.close();
    }
    const reported = await rows(sessionId);
    const byUser = new Map(reported.map((row) => [row.user_id, row]));
    assert.match(byUser.get(anna.id)?.browser, /^Chrome \d+$/);
    const fromFirefox = byUser.get(boris.id)!;
    assert.match(fromFirefox.browser, /^Firefox \d+$/, JSON.stringify(fromFirefox));
    assert.equal(fromFirefox.candidate_type, 'host', JSON.stringify(fromFirefox));
    assert.equal(fromFirefox.outcome, 'ok');
    assert.ok(fromFirefox.first_frame_ms > 0 && fromFirefox.avg_bitrate_kbps > 0 && fromFirefox.rtt_ms >= 0, JSON.stringify(fromFirefox));
  });

  it('reports a join that failed as failed, with the error code', async () => {
    const { anna, sessionId } = await newCall();
    const page = await calls.page();
    // A browser without WebRTC: the join fails (webrtc_unsupported) and is reported so.
    await page.evaluate(() => {
      delete (window as { RTCPeerConnection?: unknown }).RTCPeerConnection;
    });
    const options = { url: calls.stack.url, anonKey: calls.stack.anonKey, email: anna.email, password: anna.password, sessionId, transport: 'broadcast' };
    const failure = await page.evaluate((o) => (window as never as HarnessWindow).harness.start(o).then(() => null, (error: { code?: string }) => error.code ?? String(error)), options);
    const state = await page.evaluate(() => (window as never as HarnessWindow).harness.session()?.state);
    assert.equal(state, 'failed', `the join failed (${failure})`);
    const code = await page.evaluate(() => (window as never as HarnessWindow).harness.session()?.error?.code);
    assert.equal(code, 'webrtc_unsupported');
    let reported: Record<string, any>[] = [];
    for (let i = 0; i < 40 && reported.length === 0; i++) {
      reported = await rows(sessionId);
      if (!reported.length) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.equal(reported.length, 1);
    assert.deepEqual([reported[0]!.user_id, reported[0]!.outcome, reported[0]!.failure_reason, reported[0]!.first_frame_ms], [anna.id, 'failed', code, null]);
  });
});
