/**
 * Connection quality from fixture stats (connection-quality.ts, quality-sampler.ts): reading
 * Chromium's and Firefox's reports, the figures between two of them, the level with its
 * thresholds and hysteresis, and the sampler polling fake peer connections.
 */
import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import {
  figuresBetween,
  levelOf,
  nextLevel,
  QUALITY_THRESHOLDS,
  readStats,
  type LevelState,
  type QualityLevel,
} from '../../src/core/connection-quality.ts';
import { QualitySampler, turnHosts } from '../../src/core/quality-sampler.ts';
import { after, chromiumReport, firefoxReport, type LinkFigures } from '../fixtures/stats-reports.ts';

const browsers = { Chromium: chromiumReport, Firefox: firefoxReport };

describe('reading a stats report', () => {
  for (const [browser, report] of Object.entries(browsers)) {
    it(`reads ${browser}'s codec, resolution, round trip and a direct path`, () => {
      const sample = readStats(report({ ...after({}, 2), rttS: 0.045 }));
      assert.equal(sample.inbound.video?.codec, 'VP8');
      assert.equal(sample.inbound.audio?.codec, 'opus');
      assert.equal(sample.inbound.video?.width, 640);
      assert.equal(sample.inbound.video?.height, 480);
      assert.equal(sample.path, 'direct');
      // Chromium's pair has currentRoundTripTime; Firefox's RTT comes from remote-inbound-rtp.
      assert.equal(Math.round(sample.rttMs ?? sample.remote.rttMs ?? -1), 45);
      assert.equal(sample.at, 3000);
    });

    it(`calls ${browser}'s pair relayed when the local candidate is a relay`, () => {
      assert.equal(readStats(report({ local: 'relay' })).path, 'relay');
      assert.equal(readStats(report({ remote: 'relay' })).path, 'relay');
    });

    it(`calls ${browser}'s host → prflx pair relayed only when the prflx address is a TURN server's`, () => {
      const stats = report({ remote: 'prflx', remoteAddress: '127.0.0.1' });
      assert.equal(readStats(stats, ['127.0.0.1']).path, 'relay', 'the peer’s relay, learned from its checks');
      assert.equal(readStats(stats, ['203.0.113.7']).path, 'direct', 'a peer behind a NAT, not a relay');
      assert.equal(readStats(report({ remote: 'srflx', remoteAddress: '127.0.0.1' }), ['127.0.0.1']).path, 'direct');
    });
  }

  it('knows no path before a pair is selected, and reads an empty report as nothing', () => {
    const stats = chromiumReport({});
    stats.delete('T01');
    (stats.get('CPabc_def') as Record<string, unknown>).state = 'in-progress';
    assert.equal(readStats(stats).path, undefined);
    const empty = readStats(new Map());
    assert.deepEqual(empty, { at: 0, inbound: {}, outbound: {}, remote: { lost: 0 } });
    assert.deepEqual(figuresBetween(empty, empty, 'receive'), { video: false });
  });

  it('ignores fields of the wrong type rather than counting them', () => {
    const stats = chromiumReport(after({}, 2));
    (stats.get('IT01V2339817236') as Record<string, unknown>).bytesReceived = 'lots';
    (stats.get('CPabc_def') as Record<string, unknown>).currentRoundTripTime = Number.NaN;
    const sample = readStats(stats);
    assert.equal(sample.inbound.video?.bytes, 0);
    assert.equal(sample.rttMs, undefined);
    assert.equal(Math.round(sample.remote.rttMs!), 20, 'the RTT from remote-inbound-rtp instead');
  });

  it('finds the TURN hosts in the ICE servers', () => {
    assert.deepEqual(
      turnHosts([{ urls: 'stun:127.0.0.1:3478' }, { urls: ['turn:127.0.0.1:3478?transport=udp', 'turns:turn.example.com:5349'], username: 'u', credential: 'c' }, { urls: 'turn:[::1]:3478' }]),
      ['127.0.0.1', 'turn.example.com', '::1'],
    );
  });
});

describe('figures between two samples', () => {
  for (const [browser, report] of Object.entries(browsers)) {
    it(`gives ${browser}'s frame rate, bitrate and loss over the interval`, () => {
      const first = after({}, 1);
      const second = after(first, 2, { kbps: 800, fps: 24, lossPct: 5 });
      const figures = figuresBetween(readStats(report(first)), readStats(report(second)), 'receive');
      assert.equal(figures.video, true);
      assert.equal(figures.fps, 24);
      assert.equal(Math.round(figures.videoKbps!), 800);
      assert.equal(Math.round(figures.bitrateKbps!), 832, 'video and audio (32 kbps)');
      assert.ok(Math.abs(figures.lossPct! - 5) < 0.5, `about 5 % lost: ${figures.lossPct}`);
    });

    it(`gives ${browser}'s send side from what the peer reported`, () => {
      const first = after({}, 1);
      const second = after(first, 2, { sentLossPct: 10, rttS: 0.4 });
      const figures = figuresBetween(readStats(report(first)), readStats(report(second)), 'send');
      assert.ok(Math.abs(figures.lossPct! - 10) < 1, `about 10 % of ours lost: ${figures.lossPct}`);
      assert.equal(Math.round(figures.rttMs!), 400);
      assert.equal(figures.fps, 30);
    });
  }

  it('does not count frame rate or bitrate while no video arrives (the camera is off)', () => {
    const first = after({}, 1);
    const second = { ...after(first, 2), framesDecoded: first.framesDecoded, inVideoBytes: first.inVideoBytes };
    const figures = figuresBetween(readStats(chromiumReport(first)), readStats(chromiumReport(second)), 'receive');
    assert.equal(figures.video, false);
    assert.equal(figures.fps, undefined);
    assert.equal(levelOf(figures), 'good');
  });

  it('reads counters that went backwards (a replaced sender) as no traffic, not negative', () => {
    const first = after({}, 4);
    const second = { ...after({}, 1), at: first.at! + 2000 };
    const figures = figuresBetween(readStats(chromiumReport(first)), readStats(chromiumReport(second)), 'receive');
    assert.equal(figures.bitrateKbps, 0);
    assert.equal(figures.video, false);
  });

  it('needs a previous sample for anything but the round trip', () => {
    assert.deepEqual(figuresBetween(undefined, readStats(chromiumReport({ rttS: 0.1 })), 'receive'), { video: false, rttMs: 100 });
  });
});

describe('the level', () => {
  const video = { video: true, fps: 30, videoKbps: 800 };
  const cases: [string, Parameters<typeof levelOf>[0], QualityLevel][] = [
    ['a quick, clean link', { ...video, rttMs: 20, lossPct: 0 }, 'good'],
    ['just under each good limit', { rttMs: 299, lossPct: 1.9, video: true, fps: 12, videoKbps: 60 }, 'good'],
    ['a round trip of 300 ms', { ...video, rttMs: 300, lossPct: 0 }, 'fair'],
    ['2 % loss', { ...video, rttMs: 20, lossPct: 2 }, 'fair'],
    ['8 fps', { ...video, rttMs: 20, fps: 8 }, 'fair'],
    ['a round trip of 600 ms', { ...video, rttMs: 600 }, 'poor'],
    ['8 % loss', { ...video, lossPct: 8 }, 'poor'],
    ['4 fps', { ...video, fps: 4 }, 'poor'],
    ['15 kbps of video', { ...video, videoKbps: 15 }, 'poor'],
    ['a sender held back for bandwidth', { ...video, rttMs: 20, limitation: 'bandwidth' }, 'fair'],
    ['a sender held back for bandwidth on a lossy link', { ...video, lossPct: 9, limitation: 'bandwidth' }, 'poor'],
    ['no video, low bitrate (audio only)', { rttMs: 20, lossPct: 0, bitrateKbps: 30, video: false, fps: 0 }, 'good'],
  ];
  for (const [what, figures, level] of cases) it(`is ${level} for ${what}`, () => assert.equal(levelOf(figures), level));

  it('documents its thresholds', () => {
    assert.deepEqual(QUALITY_THRESHOLDS.rttMs, { good: 300, fair: 600 });
    assert.deepEqual(QUALITY_THRESHOLDS.lossPct, { good: 2, fair: 8 });
  });

  const run = (levels: QualityLevel[]) => {
    let state: LevelState | undefined;
    return levels.map((level) => (state = nextLevel(state, level)).level);
  };

  it('takes the first level at once', () => assert.deepEqual(run(['poor']), ['poor']));

  it('goes worse after two samples in a row, better only after three', () => {
    assert.deepEqual(run(['good', 'poor', 'poor', 'good', 'good', 'good']), ['good', 'good', 'poor', 'poor', 'poor', 'good']);
  });

  it('does not flicker when samples alternate', () => {
    assert.deepEqual(run(['good', 'poor', 'good', 'poor', 'good', 'fair', 'good']), ['good', 'good', 'good', 'good', 'good', 'good', 'good']);
  });

  it('counts a change only while the same new level holds', () => {
    assert.deepEqual(run(['good', 'fair', 'poor', 'poor']), ['good', 'good', 'good', 'poor']);
  });
});

/** A peer connection whose getStats answers the next fixture report (or throws). */
function fakeConnection(reports: (Map<string, unknown> | Error)[]) {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    getStats: async () => {
      const next = reports[Math.min(calls++, reports.length - 1)]!;
      if (next instanceof Error) throw next;
      return next;
    },
  } as unknown as RTCPeerConnection & { calls: number };
}

/** Successive Chromium reports of a link, one per step of 2 s. */
function timeline(steps: { kbps?: number; fps?: number; lossPct?: number; rttS?: number; sentLossPct?: number }[]): Map<string, unknown>[] {
  let figures: Partial<LinkFigures> = after({}, 1);
  const reports = [chromiumReport(figures)];
  for (const step of steps) reports.push(chromiumReport((figures = after(figures, 2, step))));
  return reports;
}

describe('the sampler', () => {
  it('polls every 2 s, gives a level from the second sample on, and keeps it through one bad sample', async () => {
    mock.timers.enable({ apis: ['setInterval'] });
    try {
      const pc = fakeConnection(timeline([{}, { lossPct: 20 }, {}, { lossPct: 20 }, { lossPct: 20 }]));
      let changes = 0;
      const sampler = new QualitySampler({ connections: () => [['anna', pc]], changed: () => changes++ });
      sampler.ensure();
      sampler.ensure(); // a second connection: still one timer
      const tick = async () => {
        mock.timers.tick(2000);
        await new Promise((resolve) => setImmediate(resolve));
      };
      await tick();
      assert.equal(pc.calls, 1);
      assert.equal(sampler.of('anna'), undefined, 'one sample says nothing of a rate');
      await tick();
      assert.deepEqual(sampler.of('anna'), { level: 'good', rttMs: 20, lossPct: 0, fps: 30, bitrateKbps: 832, codec: 'VP8', width: 640, height: 480, path: 'direct' });
      await tick();
      assert.equal(sampler.of('anna')?.level, 'good', 'one lossy sample does not turn it poor');
      assert.ok(sampler.of('anna')!.lossPct! > 15, 'but its figures say so');
      await tick();
      await tick();
      await tick();
      assert.equal(sampler.of('anna')?.level, 'poor', 'two lossy samples in a row do');
      assert.ok(changes >= 4);
    } finally {
      mock.timers.reset();
    }
  });

  it('gives the own quality from the worst link’s send side, with the limitation', async () => {
    const good = fakeConnection(timeline([{}]));
    const lossy = timeline([{ sentLossPct: 12 }]);
    (lossy[1]!.get('OT01V1934211003') as Record<string, unknown>).qualityLimitationReason = 'bandwidth';
    const bad = fakeConnection(lossy);
    const sampler = new QualitySampler({ connections: () => [['anna', good], ['boris', bad]], changed: () => undefined });
    await sampler.sample();
    await sampler.sample();
    assert.equal(sampler.own?.level, 'poor');
    assert.equal(sampler.own?.limitation, 'bandwidth');
    assert.ok(sampler.own!.lossPct! > 10);
    assert.equal(sampler.of('anna')?.level, 'good', 'what arrives from each peer is its own matter');
    assert.equal(sampler.of('boris')?.level, 'good');
  });

  it('survives a getStats that throws, and starts over for a new connection to the same peer', async () => {
    const logs: string[] = [];
    let pc = fakeConnection([...timeline([{}]), new Error('closed')]);
    const sampler = new QualitySampler({ connections: () => [['anna', pc]], changed: () => undefined, log: (m) => logs.push(m) });
    await sampler.sample();
    await sampler.sample();
    assert.equal(sampler.of('anna')?.level, 'good');
    await sampler.sample();
    assert.match(logs.join('\n'), /getStats failed for anna: closed/);
    assert.equal(sampler.of('anna')?.level, 'good', 'the last level stays');
    // A fresh connection's counters start at zero: no rate from the old connection's sample.
    pc = fakeConnection([chromiumReport({ at: 50_000 })]);
    await sampler.sample();
    assert.equal(sampler.of('anna'), undefined);
  });

  it('forgets a link that went and stops by itself when none is left (leaving the call)', async () => {
    mock.timers.enable({ apis: ['setInterval'] });
    try {
      const pc = fakeConnection(timeline([{}, {}]));
      let links: [string, RTCPeerConnection][] = [['anna', pc]];
      const sampler = new QualitySampler({ connections: () => links, changed: () => undefined });
      sampler.ensure();
      mock.timers.tick(4000);
      await new Promise((resolve) => setImmediate(resolve));
      await sampler.sample();
      assert.ok(sampler.of('anna'));
      sampler.forget('anna');
      assert.equal(sampler.of('anna'), undefined);
      links = [];
      mock.timers.tick(2000);
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(sampler.running, false);
      const calls = pc.calls;
      mock.timers.tick(10_000);
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(pc.calls, calls, 'no getStats after the last connection went');
      assert.equal(sampler.own, undefined);
    } finally {
      mock.timers.reset();
    }
  });

  it('does not pile up calls behind a slow getStats', async () => {
    let resolve: (report: Map<string, unknown>) => void = () => undefined;
    let calls = 0;
    const pc = { getStats: () => (calls++, new Promise<Map<string, unknown>>((r) => (resolve = r))) } as unknown as RTCPeerConnection;
    const sampler = new QualitySampler({ connections: () => [['anna', pc]], changed: () => undefined });
    const first = sampler.sample();
    await sampler.sample();
    assert.equal(calls, 1);
    resolve(chromiumReport({}));
    await first;
  });
});
