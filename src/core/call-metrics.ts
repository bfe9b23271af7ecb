/**
 * Call metrics (issue 17, ARCHITECTURE 9.4): what this participant's client measured over one
 * join, reported once to `report_video_call_metrics` — at leave, when the call fails or ends,
 * and (best effort) when the tab goes. The figures come from the quality sampler's getStats
 * samples (quality-sampler.ts emits each one), so there is no second stats reader:
 *
 * - `first_frame_ms`: join() called → the first remote video frame decoded on any link. The
 *   sampler reads every 2 s, so the moment is estimated from the first sample with frames
 *   (its time less frames ÷ fps), kept between the previous sample and that one.
 * - `candidate_type`: the most relayed route of the links (relay > prflx > srflx > host): the
 *   selected pair's local candidate type, `relay` also when the pair runs through the other
 *   side's TURN relay (the sample's `path`), since what the SLA counts is media through TURN.
 * - `avg_bitrate_kbps`: the received video's bits over the links' sampled time.
 * - `packet_loss_pct`: packets lost ÷ (received + lost), audio and video, every link.
 * - `rtt_ms`: the mean of the sampled round-trip times.
 * - `duration_s`: join() called → the report.
 * - `outcome` / `failure_reason`: `failed` with the CallError's code, or — when no remote frame
 *   ever arrived and the ladder ran out (`external` / `none`) — the fallback's reason.
 * - `browser`: a short name and major version (`browserName`).
 *
 * Every figure is clamped into the table's ranges (`clampMetrics`): a report the database
 * refuses would be a report lost. Reporting never throws; a failure is logged.
 */
import type { SupabaseClient } from '@supabase/supabase-js';
import type { CandidateType, StatsSample } from './connection-quality.ts';
import type { CallError } from './errors.ts';
import type { CallFallbackDetail } from './fallback.ts';

/** The RPC's `p_metrics`: exactly the keys it takes (ARCHITECTURE 9.4). */
export interface CallMetricsReport {
  first_frame_ms: number | null;
  candidate_type: CandidateType | null;
  avg_bitrate_kbps: number | null;
  packet_loss_pct: number | null;
  rtt_ms: number | null;
  duration_s: number;
  outcome: 'ok' | 'failed';
  failure_reason: string | null;
  browser: string | null;
}

/** The most relayed first: what a link that went through TURN counts as. */
const RELAYEDNESS: readonly CandidateType[] = ['host', 'srflx', 'prflx', 'relay'];

interface LinkTotals {
  last?: StatsSample;
  lastNow?: number;
  videoBits: number;
  ms: number;
}

/**
 * Adds up the samples of one join (pure: times are the samples' own, the join's start is given).
 */
export class MetricsAggregate {
  readonly startedAt: number;
  firstFrameAt: number | undefined;
  candidateType: CandidateType | undefined;
  readonly #links = new Map<string, LinkTotals>();
  #received = 0;
  #lost = 0;
  #rttSum = 0;
  #rttCount = 0;

  constructor(startedAt: number) {
    this.startedAt = startedAt;
  }

  /**
   * One link's sample, read at `now` (page time, like startedAt): the samples' own clock
   * (RTCStats timestamps) is only compared with itself, so it may differ from Date.now().
   */
  add(peerId: string, sample: StatsSample, now: number): void {
    let link = this.#links.get(peerId);
    if (!link) this.#links.set(peerId, (link = { videoBits: 0, ms: 0 }));
    const previous = link.last;
    const video = sample.inbound.video;
    // A new connection to the same peer counts from zero again: its counters are not deltas of the old one's.
    const fresh = !previous || sample.at <= previous.at || (video?.bytes ?? 0) < (previous.inbound.video?.bytes ?? 0);
    const before = fresh ? undefined : previous;
    const beforeNow = fresh ? undefined : link.lastNow;
    link.last = sample;
    link.lastNow = now;

    if (this.firstFrameAt === undefined && video && video.frames > 0) {
      // frames ÷ fps before this sample, but not before the previous sample (it had none) nor the join.
      const sinceFirst = video.fps && video.fps > 0 ? (1000 * video.frames) / video.fps : 0;
      this.firstFrameAt = Math.min(now, Math.max(now - sinceFirst, beforeNow ?? this.startedAt, this.startedAt));
    }
    const type = sample.path === 'relay' ? 'relay' : sample.candidateType;
    if (type && (!this.candidateType || RELAYEDNESS.indexOf(type) > RELAYEDNESS.indexOf(this.candidateType))) this.candidateType = type;

    for (const kind of ['audio', 'video'] as const) {
      const now = sample.inbound[kind];
      const then = before?.inbound[kind];
      this.#received += Math.max(0, (now?.packets ?? 0) - (then?.packets ?? 0));
      this.#lost += Math.max(0, (now?.lost ?? 0) - (then?.lost ?? 0));
    }
    if (before) {
      link.videoBits += Math.max(0, (video?.bytes ?? 0) - (before.inbound.video?.bytes ?? 0)) * 8;
      link.ms += sample.at - before.at;
    }
    const rtt = sample.rttMs ?? sample.remote.rttMs;
    if (rtt !== undefined) {
      this.#rttSum += rtt;
      this.#rttCount++;
    }
  }

  /** Whether a remote frame ever arrived. */
  get sawVideo(): boolean {
    return this.firstFrameAt !== undefined;
  }

  /** The figures so far (null where nothing told). */
  figures(): Pick<CallMetricsReport, 'first_frame_ms' | 'candidate_type' | 'avg_bitrate_kbps' | 'packet_loss_pct' | 'rtt_ms'> {
    let bits = 0;
    let ms = 0;
    for (const link of this.#links.values()) {
      bits += link.videoBits;
      ms += link.ms;
    }
    return {
      first_frame_ms: this.firstFrameAt === undefined ? null : this.firstFrameAt - this.startedAt,
      candidate_type: this.candidateType ?? null,
      avg_bitrate_kbps: ms > 0 ? bits / ms : null, // bits per ms = kbit/s
      packet_loss_pct: this.#received + this.#lost > 0 ? (100 * this.#lost) / (this.#received + this.#lost) : null,
      rtt_ms: this.#rttCount ? this.#rttSum / this.#rttCount : null,
    };
  }
}

/** `name major` from the user agent: Edge, Opera, Yandex, Samsung, Firefox, Chrome, Safari (else the first product). */
export function browserName(userAgent: string, brands?: readonly { brand: string; version: string }[]): string | null {
  const brand = brands?.find((b) => !/not.?a.?brand|chromium/i.test(b.brand));
  if (brand) return `${brand.brand.replace(/^Google /, '')} ${brand.version.split('.')[0]}`.slice(0, 200);
  const patterns: [string, RegExp][] = [
    ['Edge', /Edg(?:e|A|iOS)?\/(\d+)/],
    ['Opera', /OPR\/(\d+)/],
    ['Yandex', /YaBrowser\/(\d+)/],
    ['Samsung Internet', /SamsungBrowser\/(\d+)/],
    ['Firefox', /(?:Firefox|FxiOS)\/(\d+)/],
    ['Chrome', /(?:HeadlessChrome|Chrome|CriOS)\/(\d+)/],
    ['Safari', /Version\/(\d+)[^ ]* (?:Mobile\/\S+ )?Safari\//],
  ];
  for (const [name, pattern] of patterns) {
    const match = pattern.exec(userAgent);
    if (match) return `${name} ${match[1]}`;
  }
  const first = /^[\w.-]+\/[\d.]+/.exec(userAgent.trim());
  return first ? first[0].slice(0, 200) : null;
}

const clamp = (value: number | null, low: number, high: number, digits?: number): number | null => {
  if (value === null || !Number.isFinite(value)) return null;
  const inRange = Math.min(high, Math.max(low, value));
  return digits === undefined ? inRange : Number(inRange.toFixed(digits));
};

/**
 * Into the table's ranges (20261204000200_video_call_metrics.sql): times and counts rounded,
 * a first frame after 10 minutes at 10 minutes, texts cut to their lengths.
 */
export function clampMetrics(report: CallMetricsReport): CallMetricsReport {
  return {
    first_frame_ms: clamp(report.first_frame_ms, 0, 600_000, 0),
    candidate_type: report.candidate_type && RELAYEDNESS.includes(report.candidate_type) ? report.candidate_type : null,
    avg_bitrate_kbps: clamp(report.avg_bitrate_kbps, 0, 1_000_000, 1),
    packet_loss_pct: clamp(report.packet_loss_pct, 0, 100, 2),
    rtt_ms: clamp(report.rtt_ms, 0, 60_000, 1),
    duration_s: clamp(report.duration_s, 0, 604_800, 0) ?? 0,
    outcome: report.outcome === 'failed' ? 'failed' : 'ok',
    failure_reason: report.failure_reason === null ? null : report.failure_reason.slice(0, 500),
    browser: report.browser === null ? null : report.browser.slice(0, 200),
  };
}

/** What a report holds, from the samples, the time and how the call ended. */
export function buildReport(aggregate: MetricsAggregate, now: number, error: CallError | undefined, fallback: CallFallbackDetail | undefined, browser: string | null): CallMetricsReport {
  // No media could ever flow (the ladder ran out) is a failed call too, though the session stayed up.
  const strandedBy = !error && !aggregate.sawVideo && fallback && (fallback.step === 'external' || fallback.step === 'none') ? fallback.reason : undefined;
  return clampMetrics({
    ...aggregate.figures(),
    duration_s: (now - aggregate.startedAt) / 1000,
    outcome: error || strandedBy ? 'failed' : 'ok',
    failure_reason: error ? error.code : (strandedBy ?? null),
    browser,
  });
}

export interface CallMetricsOptions {
  supabase: SupabaseClient;
  sessionId: string;
  fallback(): CallFallbackDetail | undefined;
  log(message: string): void;
  /** How long leave() waits for the report at most (default 1.5 s). */
  timeoutMs?: number;
}

/** One session's metrics: `start()` at each join, `sampled` fed by the mesh, `report()` once per join. */
export class CallMetrics {
  readonly #options: CallMetricsOptions;
  #aggregate: MetricsAggregate | undefined;

  constructor(options: CallMetricsOptions) {
    this.#options = options;
  }

  /** A join begins: a new report to make (the previous join's, if unsent, is dropped). */
  start(): void {
    this.#aggregate = new MetricsAggregate(Date.now());
  }

  sampled = ({ peerId, sample }: { peerId: string; sample: StatsSample }): void => {
    this.#aggregate?.add(peerId, sample, Date.now());
  };

  /**
   * Sends this join's report (once: later calls do nothing until the next start()). Resolves
   * within `timeoutMs` even if the RPC takes longer (it goes on in the background), never rejects.
   */
  report(error?: CallError): Promise<void> {
    const aggregate = this.#aggregate;
    this.#aggregate = undefined;
    if (!aggregate) return Promise.resolve();
    const agent = typeof navigator === 'undefined' ? undefined : (navigator as Navigator & { userAgentData?: { brands?: { brand: string; version: string }[] } });
    const metrics = buildReport(aggregate, Date.now(), error, this.#options.fallback(), agent ? browserName(agent.userAgent, agent.userAgentData?.brands) : null);
    const sent = (async () => {
      try {
        const { error: refused } = await this.#options.supabase.rpc('report_video_call_metrics', { p_session_id: this.#options.sessionId, p_metrics: metrics });
        if (refused) this.#options.log(`report_video_call_metrics: ${refused.message}`);
      } catch (failure) {
        this.#options.log(`report_video_call_metrics: ${(failure as Error).message}`);
      }
    })();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.#options.timeoutMs ?? 1500)));
    return Promise.race([sent, late]).finally(() => clearTimeout(timer));
  }
}
