/**
 * Call metrics (call-metrics.ts) from fixture stats: the aggregate over a call's samples (first
 * frame, the most relayed candidate type, bitrate, loss, round trip), the browser's short name,
 * clamping into the table's ranges, the outcome, and report() sending once, bounded and never
 * throwing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SupabaseClient } from '@supabase/supabase-js';
import { browserName, buildReport, CallMetrics, clampMetrics, MetricsAggregate, type CallMetricsReport } from '../../src/core/call-metrics.ts';
import { readStats } from '../../src/core/connection-quality.ts';
import { CallError } from '../../src/core/errors.ts';
import { after, chromiumReport, firefoxReport, type LinkFigures } from '../fixtures/stats-reports.ts';

const sampleOf = (figures: Partial<LinkFigures>, report = chromiumReport, relayHosts: string[] = []) => readStats(report(figures), relayHosts);

describe('the metrics aggregate', () => {
  it('estimates the first frame from frames ÷ fps, not before the previous sample nor the join', () => {
    const aggregate = new MetricsAggregate(10_000);
    // Page time 11 000: no frame yet; 13 000: 30 frames at 30 fps, so the first about a second before.
    aggregate.add('b', sampleOf({ at: 500 }), 11_000);
    aggregate.add('b', sampleOf({ at: 2500, framesDecoded: 30, inVideoBytes: 1000 }), 13_000);
    assert.equal(aggregate.figures().first_frame_ms, 2000);
    // Many frames at the first sample: never before the previous sample (11 000 → 1000 ms).
    const early = new MetricsAggregate(10_000);
    early.add('b', sampleOf({ at: 500 }), 11_000);
    early.add('b', sampleOf({ at: 2500, framesDecoded: 300, inVideoBytes: 1000 }), 13_000);
    assert.equal(early.figures().first_frame_ms, 1000);
    // Frames on the very first sample: not before the join.
    const first = new MetricsAggregate(10_000);
    first.add('b', sampleOf({ at: 500, framesDecoded: 3000 }), 12_000);
    assert.equal(first.figures().first_frame_ms, 0);
  });

  it('has no first frame, bitrate or loss when no media came', () => {
    const aggregate = new MetricsAggregate(0);
    assert.deepEqual(aggregate.figures(), { first_frame_ms: null, candidate_type: null, avg_bitrate_kbps: null, packet_loss_pct: null, rtt_ms: null });
    aggregate.add('b', sampleOf({ at: 1000, rttS: 0.05 }), 1000);
    assert.equal(aggregate.figures().first_frame_ms, null);
    assert.equal(aggregate.sawVideo, false);
    assert.equal(aggregate.figures().rtt_ms, 50);
    assert.equal(aggregate.figures().candidate_type, 'host');
  });

  for (const [browser, report] of Object.entries({ Chromium: chromiumReport, Firefox: firefoxReport })) {
    it(`averages ${browser}'s received video bitrate, loss and round trip over the call`, () => {
      const aggregate = new MetricsAggregate(0);
      const start = { at: 1000 };
      const a = after(start, 2, { kbps: 800, lossPct: 0, rttS: 0.02 });
      const b = after(a, 2, { kbps: 400, lossPct: 10, rttS: 0.06 });
      aggregate.add('b', sampleOf(start, report), 1000);
      aggregate.add('b', sampleOf(a, report), 3000);
      aggregate.add('b', sampleOf(b, report), 5000);
      const figures = aggregate.figures();
      assert.equal(Math.round(figures.avg_bitrate_kbps!), 600);
      const packets = (b.inPackets ?? 0) - 0;
      assert.ok(Math.abs(figures.packet_loss_pct! - (100 * (b.inLost ?? 0)) / (packets + (b.inLost ?? 0))) < 0.01);
      assert.ok(figures.packet_loss_pct! > 3 && figures.packet_loss_pct! < 6, `loss ${figures.packet_loss_pct}`);
      assert.equal(Math.round(figures.rtt_ms!), Math.round((20 + 20 + 60) / 3));
    });
  }

  it("reads the selected pair's local candidate type from Chromium's and Firefox's reports", () => {
    for (const report of [chromiumReport, firefoxReport]) {
      for (const type of ['host', 'srflx', 'prflx', 'relay'] as const) assert.equal(sampleOf({ local: type }, report).candidateType, type);
    }
    // No selected pair (still checking): no type, and the aggregate does not invent one.
    const bare = readStats(new Map([['x', { id: 'x', type: 'inbound-rtp', kind: 'video', timestamp: 1, framesDecoded: 0 }]]));
    assert.equal(bare.candidateType, undefined);
    const aggregate = new MetricsAggregate(0);
    aggregate.add('b', bare, 1);
    assert.equal(aggregate.figures().candidate_type, null);
  });

  it('reports the most relayed link: relay over prflx over srflx over host', () => {
    const aggregate = new MetricsAggregate(0);
    aggregate.add('b', sampleOf({ local: 'srflx' }), 1);
    assert.equal(aggregate.figures().candidate_type, 'srflx');
    aggregate.add('c', sampleOf({ local: 'host' }), 2);
    assert.equal(aggregate.figures().candidate_type, 'srflx');
    aggregate.add('d', sampleOf({ local: 'relay' }), 3);
    aggregate.add('b', sampleOf({ at: 2000, local: 'host' }), 4);
    assert.equal(aggregate.figures().candidate_type, 'relay');
  });

  it("counts the other side's relay (a relayed path with a host local candidate) as relay", () => {
    const aggregate = new MetricsAggregate(0);
    aggregate.add('b', sampleOf({ local: 'host', remote: 'relay' }, firefoxReport), 1);
    assert.equal(aggregate.figures().candidate_type, 'relay');
    const prflx = new MetricsAggregate(0);
    prflx.add('b', sampleOf({ local: 'host', remote: 'prflx', remoteAddress: '127.0.0.1' }, firefoxReport, ['127.0.0.1']), 1);
    assert.equal(prflx.figures().candidate_type, 'relay');
  });

  it('starts a new connection to the same peer from zero (no negative deltas)', () => {
    const aggregate = new MetricsAggregate(0);
    const a = after({ at: 1000 }, 2, { kbps: 800 });
    aggregate.add('b', sampleOf({ at: 1000 }), 1000);
    aggregate.add('b', sampleOf(a), 3000);
    // The link was replaced: counters from zero, a new clock.
    aggregate.add('b', sampleOf({ at: 100 }), 4000);
    aggregate.add('b', sampleOf(after({ at: 100 }, 2, { kbps: 800 })), 6000);
    assert.equal(Math.round(aggregate.figures().avg_bitrate_kbps!), 800);
    assert.ok(aggregate.figures().packet_loss_pct! >= 0);
  });
});

describe('the browser name', () => {
  const cases: [string, string | null][] = [
    ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36', 'Chrome 131'],
    ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.6099.28 Safari/537.36', 'Chrome 120'],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0', 'Firefox 133'],
    ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15', 'Safari 17'],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1', 'Safari 17'],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.70', 'Edge 131'],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 YaBrowser/24.12.0.0 Safari/537.36', 'Yandex 24'],
    ['Mozilla/5.0 (Linux; Android 14; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36', 'Samsung Internet 26'],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1', 'Chrome 131'],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 OPR/115.0.0.0', 'Opera 115'],
    ['Node.js/22', 'Node.js/22'],
    ['', null],
  ];
  for (const [agent, name] of cases) it(`names ${name ?? 'nothing'} from ${agent.slice(-40) || 'an empty agent'}`, () => assert.equal(browserName(agent), name));

  it('prefers userAgentData brands, skipping the GREASE and Chromium ones', () => {
    const brands = [
      { brand: 'Not)A;Brand', version: '99' },
      { brand: 'Chromium', version: '131' },
      { brand: 'Google Chrome', version: '131.0.6778.85' },
    ];
    assert.equal(browserName('whatever', brands), 'Chrome 131');
    assert.equal(browserName('Mozilla/5.0 Firefox/133.0', [{ brand: 'Not A(Brand', version: '8' }, { brand: 'Chromium', version: '131' }]), 'Firefox 133');
  });
});

const base: CallMetricsReport = {
  first_frame_ms: 1200,
  candidate_type: 'host',
  avg_bitrate_kbps: 812.345,
  packet_loss_pct: 0.1234,
  rtt_ms: 1.26,
  duration_s: 42.4,
  outcome: 'ok',
  failure_reason: null,
  browser: 'Chrome 131',
};

describe('clamping into the table', () => {
  it('rounds whole-number columns and keeps values in range', () => {
    assert.deepEqual(clampMetrics(base), { ...base, avg_bitrate_kbps: 812.3, packet_loss_pct: 0.12, rtt_ms: 1.3, duration_s: 42 });
  });

  it('clamps figures past the limits and drops ones that are not numbers', () => {
    const clamped = clampMetrics({
      ...base,
      first_frame_ms: 900_000,
      avg_bitrate_kbps: 5e6,
      packet_loss_pct: 140,
      rtt_ms: -3,
      duration_s: 10e6,
      failure_reason: 'x'.repeat(800),
      browser: 'b'.repeat(300),
    });
    assert.equal(clamped.first_frame_ms, 600_000);
    assert.equal(clamped.avg_bitrate_kbps, 1_000_000);
    assert.equal(clamped.packet_loss_pct, 100);
    assert.equal(clamped.rtt_ms, 0);
    assert.equal(clamped.duration_s, 604_800);
    assert.equal(clamped.failure_reason?.length, 500);
    assert.equal(clamped.browser?.length, 200);
    const odd = clampMetrics({ ...base, rtt_ms: Number.NaN, avg_bitrate_kbps: Infinity, duration_s: Number.NaN, candidate_type: 'turn' as never });
    assert.equal(odd.rtt_ms, null);
    assert.equal(odd.avg_bitrate_kbps, null);
    assert.equal(odd.duration_s, 0);
    assert.equal(odd.candidate_type, null);
  });
});

describe('the outcome', () => {
  it('is ok for a call that saw video, failed with the CallError code otherwise', () => {
    const aggregate = new MetricsAggregate(0);
    aggregate.add('b', sampleOf({ at: 2000, framesDecoded: 30 }), 2000);
    assert.deepEqual([buildReport(aggregate, 30_000, undefined, undefined, 'Chrome 1').outcome, buildReport(aggregate, 30_000, undefined, undefined, null).duration_s], ['ok', 30]);
    const failed = buildReport(new MetricsAggregate(0), 5000, new CallError('channel_refused', 'no'), undefined, null);
    assert.equal(failed.outcome, 'failed');
    assert.equal(failed.failure_reason, 'channel_refused');
  });

  it('is failed with the fallback reason when the ladder ran out and no frame ever came', () => {
    const stranded = buildReport(new MetricsAggregate(0), 25_000, undefined, { reason: 'relay-failed', step: 'none', peerId: 'b' }, null);
    assert.deepEqual([stranded.outcome, stranded.failure_reason], ['failed', 'relay-failed']);
    // A step to the relay that worked is no failure.
    const relayed = buildReport(new MetricsAggregate(0), 25_000, undefined, { reason: 'ice-failed', step: 'relay', peerId: 'b' }, null);
    assert.deepEqual([relayed.outcome, relayed.failure_reason], ['ok', null]);
  });
});

/** A client whose rpc answers as told, recording the calls. */
function fakeClient(answer: (name: string, args: unknown) => Promise<unknown>) {
  const calls: { name: string; args: any }[] = [];
  const client = {
    rpc(name: string, args: unknown) {
      calls.push({ name, args });
      return answer(name, args);
    },
  } as unknown as SupabaseClient;
  return { client, calls };
}

describe('report()', () => {
  it('calls report_video_call_metrics once per join, with the keys the RPC takes', async () => {
    const { client, calls } = fakeClient(async () => ({ data: {}, error: null }));
    const metrics = new CallMetrics({ supabase: client, sessionId: 's1', fallback: () => undefined, log: () => undefined });
    await metrics.report(); // before any join: nothing
    assert.equal(calls.length, 0);
    metrics.start();
    metrics.sampled({ peerId: 'b', sample: sampleOf({ at: 1000, framesDecoded: 3 }) });
    await metrics.report();
    await metrics.report(new CallError('join_failed', 'late'));
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.name, 'report_video_call_metrics');
    assert.equal(calls[0]!.args.p_session_id, 's1');
    assert.deepEqual(Object.keys(calls[0]!.args.p_metrics).sort(), [
      'avg_bitrate_kbps', 'browser', 'candidate_type', 'duration_s', 'failure_reason', 'first_frame_ms', 'outcome', 'packet_loss_pct', 'rtt_ms',
    ]);
    assert.equal(calls[0]!.args.p_metrics.outcome, 'ok');
    assert.equal(calls[0]!.args.p_metrics.candidate_type, 'host');
    metrics.start();
    await metrics.report(new CallError('signaling_failed', 'gone'));
    assert.equal(calls.length, 2);
    assert.deepEqual([calls[1]!.args.p_metrics.outcome, calls[1]!.args.p_metrics.failure_reason], ['failed', 'signaling_failed']);
  });

  it('logs a refused or failing report and never throws', async () => {
    const logged: string[] = [];
    const refused = new CallMetrics({ supabase: fakeClient(async () => ({ data: null, error: { message: 'rtt_ms must be a number from 0 to 60000' } })).client, sessionId: 's', fallback: () => undefined, log: (m) => logged.push(m) });
    refused.start();
    await refused.report();
    const thrown = new CallMetrics({ supabase: fakeClient(async () => { throw new TypeError('Failed to fetch'); }).client, sessionId: 's', fallback: () => undefined, log: (m) => logged.push(m) });
    thrown.start();
    await thrown.report();
    assert.deepEqual(logged, ['report_video_call_metrics: rtt_ms must be a number from 0 to 60000', 'report_video_call_metrics: Failed to fetch']);
  });

  it('does not hold the caller past its timeout when the server is slow', async () => {
    let finish!: () => void;
    const { client } = fakeClient(() => new Promise((resolve) => (finish = () => resolve({ data: {}, error: null }))));
    const metrics = new CallMetrics({ supabase: client, sessionId: 's', fallback: () => undefined, log: () => undefined, timeoutMs: 50 });
    metrics.start();
    let settled = false;
    const reporting = metrics.report().then(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(settled, false, 'still waiting within the timeout');
    await reporting;
    assert.equal(settled, true, 'resolved at the timeout though the server never answered');
    finish();
  });
});
