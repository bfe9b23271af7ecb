/**
 * Connection quality from `getStats`: what one report says (`readStats`), the figures two
 * successive reports give (round-trip time, packet loss, frame rate, bitrate), and the level they
 * make — good, fair or poor — with hysteresis, so a badge does not flicker with every sample.
 * Pure functions over Map-shaped RTCStatsReports, Chromium's and Firefox's field names alike; the
 * polling is quality-sampler.ts.
 */

export type QualityLevel = 'good' | 'fair' | 'poor';
/** `relay`: the selected candidate pair runs through a TURN server; `direct` otherwise. */
export type QualityPath = 'direct' | 'relay';

/** What a tile shows: the level and the figures behind it (absent where the stats do not tell). */
export interface ConnectionQuality {
  level: QualityLevel;
  rttMs?: number;
  lossPct?: number;
  fps?: number;
  bitrateKbps?: number;
  /** The video codec's MIME subtype (`VP8`, `H264`…), else the audio one. */
  codec?: string;
  width?: number;
  height?: number;
  path?: QualityPath;
  /** The local sender's `qualityLimitationReason` (`bandwidth`, `cpu`), for the own quality. */
  limitation?: string;
}

/**
 * Where each figure stops being good, and fair. Round trips past 300 ms make talking over each
 * other likely; 2 % loss is heard as clicks in the voice, 8 % as dropouts; below 12 fps motion
 * stutters (the mesh's small start sends 15). Frame rate and bitrate count only while video
 * flows: a camera turned off is no bad connection.
 */
export const QUALITY_THRESHOLDS = {
  rttMs: { good: 300, fair: 600 },
  lossPct: { good: 2, fair: 8 },
  fps: { good: 12, fair: 5 },
  videoKbps: { good: 60, fair: 20 },
} as const;

/** Samples in a row a new level needs: worse soon (2), better only once it holds (3). */
export const QUALITY_HYSTERESIS = { worse: 2, better: 3 } as const;

interface Rtp {
  bytes: number;
  packets: number;
  lost: number;
  frames: number;
  fps?: number;
  width?: number;
  height?: number;
  codec?: string;
}

/** One getStats report boiled down: this link's receive side, send side and path. */
export interface StatsSample {
  /** The report's time in ms (`timestamp`). */
  at: number;
  inbound: { audio?: Rtp; video?: Rtp };
  outbound: { audio?: Rtp; video?: Rtp; limitation?: string };
  /** What the peer reported about our packets (remote-inbound-rtp): lost so far, fraction lost, RTT. */
  remote: { lost: number; fractionLost?: number; rttMs?: number };
  /** The selected pair's current round trip. */
  rttMs?: number;
  path?: QualityPath;
  /** The selected pair's local candidate type (`host`, `srflx`, `prflx`, `relay`): what call metrics report. */
  candidateType?: CandidateType;
}

export type CandidateType = 'host' | 'srflx' | 'prflx' | 'relay';
const CANDIDATE_TYPES: readonly string[] = ['host', 'srflx', 'prflx', 'relay'];

type Report = Record<string, unknown>;
/** An RTCStatsReport, or a Map of the same shape (fixtures). */
type StatsLike = { forEach(callback: (value: any) => void): void; get(id: string): unknown };

const num = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

/**
 * Reads one RTCStatsReport. `relayHosts` are the TURN servers' addresses: a peer-reflexive remote
 * candidate there is the other side's relay, learned from its checks before its candidate was
 * signalled (Firefox shows such a pair as host → prflx).
 */
export function readStats(report: StatsLike, relayHosts: readonly string[] = []): StatsSample {
  const sample: StatsSample = { at: 0, inbound: {}, outbound: {}, remote: { lost: 0 } };
  const codecOf = (stat: Report) => {
    const codec = typeof stat.codecId === 'string' ? (report.get(stat.codecId) as Report | undefined) : undefined;
    const mime = typeof codec?.mimeType === 'string' ? codec.mimeType : '';
    return mime.split('/')[1] || undefined;
  };
  let pairId: string | undefined;
  const pairs: Report[] = [];
  report.forEach((value) => {
    const stat = value as Report;
    sample.at = Math.max(sample.at, num(stat.timestamp) ?? 0);
    const kind = stat.kind === 'video' || stat.mediaType === 'video' ? 'video' : 'audio';
    if (stat.type === 'inbound-rtp' || stat.type === 'outbound-rtp') {
      // Firefox lists the remote side's view (isRemote) among them in old versions.
      if (stat.isRemote === true) return;
      const inbound = stat.type === 'inbound-rtp';
      const side = inbound ? sample.inbound : sample.outbound;
      const rtp: Rtp = side[kind] ?? { bytes: 0, packets: 0, lost: 0, frames: 0 };
      rtp.bytes += num(inbound ? stat.bytesReceived : stat.bytesSent) ?? 0;
      rtp.packets += num(inbound ? stat.packetsReceived : stat.packetsSent) ?? 0;
      rtp.lost += num(stat.packetsLost) ?? 0;
      rtp.frames += num(inbound ? stat.framesDecoded : stat.framesEncoded) ?? 0;
      rtp.fps = num(stat.framesPerSecond) ?? rtp.fps;
      rtp.width = num(stat.frameWidth) ?? rtp.width;
      rtp.height = num(stat.frameHeight) ?? rtp.height;
      rtp.codec = codecOf(stat) ?? rtp.codec;
      side[kind] = rtp;
      if (!inbound && kind === 'video' && typeof stat.qualityLimitationReason === 'string' && stat.qualityLimitationReason !== 'none') {
        sample.outbound.limitation = stat.qualityLimitationReason;
      }
    } else if (stat.type === 'remote-inbound-rtp') {
      sample.remote.lost += num(stat.packetsLost) ?? 0;
      const fraction = num(stat.fractionLost);
      if (fraction !== undefined) sample.remote.fractionLost = Math.max(sample.remote.fractionLost ?? 0, fraction);
      const rtt = num(stat.roundTripTime);
      if (rtt !== undefined) sample.remote.rttMs = Math.max(sample.remote.rttMs ?? 0, rtt * 1000);
    } else if (stat.type === 'transport' && typeof stat.selectedCandidatePairId === 'string') {
      pairId = stat.selectedCandidatePairId;
    } else if (stat.type === 'candidate-pair') {
      pairs.push(stat);
    }
  });
  // Chromium names the pair on the transport; Firefox marks it `selected`; else the nominated one.
  const pair =
    (pairId ? (report.get(pairId) as Report | undefined) : undefined) ??
    pairs.find((p) => p.selected === true) ??
    pairs.find((p) => p.nominated === true && p.state === 'succeeded');
  if (pair) {
    const rtt = num(pair.currentRoundTripTime);
    if (rtt !== undefined) sample.rttMs = rtt * 1000;
    const local = report.get(String(pair.localCandidateId)) as Report | undefined;
    const remote = report.get(String(pair.remoteCandidateId)) as Report | undefined;
    const remoteAddress = String(remote?.address ?? remote?.ip ?? '');
    const relayed =
      local?.candidateType === 'relay' || remote?.candidateType === 'relay' || (remote?.candidateType === 'prflx' && relayHosts.includes(remoteAddress));
    if (local || remote) sample.path = relayed ? 'relay' : 'direct';
    if (CANDIDATE_TYPES.includes(String(local?.candidateType))) sample.candidateType = local!.candidateType as CandidateType;
  }
  return sample;
}

/** The figures of one side of a link between two samples, before they make a level. */
export interface QualityFigures {
  rttMs?: number;
  lossPct?: number;
  fps?: number;
  bitrateKbps?: number;
  /** The video's own bitrate (kbps), what the bitrate threshold is about. */
  videoKbps?: number;
  /** Video flowed between the samples (fps and bitrate count). */
  video: boolean;
  limitation?: string;
}

const perSecond = (now: number, before: number, ms: number) => Math.max(0, now - before) / (ms / 1000);

/**
 * What the peer's media looks like here (`receive`) or ours there (`send`), between two samples
 * of the same connection. Without a previous sample only the round trip is known.
 */
export function figuresBetween(previous: StatsSample | undefined, current: StatsSample, side: 'receive' | 'send'): QualityFigures {
  const ms = previous ? current.at - previous.at : 0;
  const streams = side === 'receive' ? current.inbound : current.outbound;
  const before = side === 'receive' ? previous?.inbound : previous?.outbound;
  const rttMs = current.rttMs ?? current.remote.rttMs;
  const figures: QualityFigures = { video: false, ...(rttMs !== undefined ? { rttMs } : {}) };
  if (side === 'send' && current.outbound.limitation) figures.limitation = current.outbound.limitation;
  if (!previous || ms <= 0) return figures;
  let bytes = 0;
  for (const kind of ['audio', 'video'] as const) bytes += perSecond(streams[kind]?.bytes ?? 0, before?.[kind]?.bytes ?? 0, ms);
  figures.bitrateKbps = (bytes * 8) / 1000;
  const video = streams.video;
  const videoBefore = before?.video;
  if (video && videoBefore && video.frames > videoBefore.frames) {
    figures.video = true;
    figures.fps = perSecond(video.frames, videoBefore.frames, ms);
    figures.videoKbps = (perSecond(video.bytes, videoBefore.bytes, ms) * 8) / 1000;
  }
  if (side === 'receive') {
    let received = 0;
    let lost = 0;
    for (const kind of ['audio', 'video'] as const) {
      received += Math.max(0, (streams[kind]?.packets ?? 0) - (before?.[kind]?.packets ?? 0));
      lost += Math.max(0, (streams[kind]?.lost ?? 0) - (before?.[kind]?.lost ?? 0));
    }
    if (received + lost > 0) figures.lossPct = (100 * lost) / (received + lost);
  } else {
    const sent = (['audio', 'video'] as const).reduce((sum, kind) => sum + Math.max(0, (streams[kind]?.packets ?? 0) - (before?.[kind]?.packets ?? 0)), 0);
    const lost = Math.max(0, current.remote.lost - previous.remote.lost);
    if (sent > 0) figures.lossPct = Math.min(100, (100 * lost) / sent);
    else if (current.remote.fractionLost !== undefined) figures.lossPct = current.remote.fractionLost * 100;
  }
  return figures;
}

const RANK: Record<QualityLevel, number> = { good: 0, fair: 1, poor: 2 };
const LEVELS: QualityLevel[] = ['good', 'fair', 'poor'];

/** The worse of two levels. */
export const worseLevel = (a: QualityLevel, b: QualityLevel): QualityLevel => (RANK[a] >= RANK[b] ? a : b);

/** The level the figures make on their own: the worst of each figure's (see QUALITY_THRESHOLDS). */
export function levelOf(figures: QualityFigures): QualityLevel {
  const t = QUALITY_THRESHOLDS;
  let rank = 0;
  const above = (value: number | undefined, limits: { good: number; fair: number }) => {
    if (value === undefined) return;
    rank = Math.max(rank, value < limits.good ? 0 : value < limits.fair ? 1 : 2);
  };
  const below = (value: number | undefined, limits: { good: number; fair: number }) => {
    if (value === undefined) return;
    rank = Math.max(rank, value >= limits.good ? 0 : value >= limits.fair ? 1 : 2);
  };
  above(figures.rttMs, t.rttMs);
  above(figures.lossPct, t.lossPct);
  if (figures.video) {
    below(figures.fps, t.fps);
    below(figures.videoKbps, t.videoKbps);
  }
  // The browser itself holds our video back for want of bandwidth or CPU: fair at best.
  if (figures.limitation === 'bandwidth' || figures.limitation === 'cpu') rank = Math.max(rank, 1);
  return LEVELS[rank]!;
}

/** Where a badge's level stands between samples: the level shown and a change waiting to hold. */
export interface LevelState {
  level: QualityLevel;
  pending?: QualityLevel;
  count: number;
}

/**
 * The next shown level: the first one at once; a different one only after QUALITY_HYSTERESIS
 * samples in a row say so (worse after 2, better after 3), so one bad second does not flash the
 * badge red and one good second does not clear it.
 */
export function nextLevel(state: LevelState | undefined, measured: QualityLevel): LevelState {
  if (!state) return { level: measured, count: 0 };
  if (measured === state.level) return { level: state.level, count: 0 };
  const count = state.pending === measured ? state.count + 1 : 1;
  const needed = RANK[measured] > RANK[state.level] ? QUALITY_HYSTERESIS.worse : QUALITY_HYSTERESIS.better;
  return count >= needed ? { level: measured, count: 0 } : { level: state.level, pending: measured, count };
}

/** The tile's quality from the figures, the shown level and what the sample says of codec, size and path. */
export function qualityOf(level: QualityLevel, figures: QualityFigures, sample: StatsSample, side: 'receive' | 'send'): ConnectionQuality {
  const streams = side === 'receive' ? sample.inbound : sample.outbound;
  const video = streams.video;
  const round = (value: number | undefined, digits = 0) => (value === undefined ? undefined : Number(value.toFixed(digits)));
  const quality: ConnectionQuality = {
    level,
    rttMs: round(figures.rttMs),
    lossPct: round(figures.lossPct, 1),
    fps: figures.video ? round(video?.fps ?? figures.fps) : undefined,
    bitrateKbps: round(figures.bitrateKbps),
    codec: video?.codec ?? streams.audio?.codec,
    width: figures.video ? video?.width : undefined,
    height: figures.video ? video?.height : undefined,
    path: sample.path,
    limitation: figures.limitation,
  };
  for (const key of Object.keys(quality) as (keyof ConnectionQuality)[]) if (quality[key] === undefined) delete quality[key];
  return quality;
}
