/**
 * Polls every peer connection's `getStats` (every 2 s by default) while there are connections,
 * and keeps each link's quality (the peer's media as it arrives here) and the local user's own
 * (our media as the peers report it, the worst link's). It stops by itself when the last
 * connection goes, so leaving the call stops it; a new connection starts it again.
 */
import { figuresBetween, levelOf, nextLevel, qualityOf, readStats, worseLevel, type ConnectionQuality, type LevelState, type StatsSample } from './connection-quality.ts';

export interface QualitySamplerOptions {
  /** The connections to sample now, by peer id. */
  connections(): Iterable<readonly [string, RTCPeerConnection]>;
  /** The TURN servers' addresses (see readStats). */
  relayHosts?(): readonly string[];
  /** Something shown changed. */
  changed(): void;
  /** Each link's sample as it is read (call metrics aggregate them: call-metrics.ts). */
  sampled?(peerId: string, sample: StatsSample): void;
  intervalMs?: number;
  log?(message: string): void;
}

interface Link {
  pc: RTCPeerConnection;
  sample?: StatsSample;
  receive?: LevelState;
  quality?: ConnectionQuality;
  send?: ConnectionQuality;
}

export class QualitySampler {
  readonly #options: QualitySamplerOptions;
  readonly #links = new Map<string, Link>();
  #own: LevelState | undefined;
  #ownQuality: ConnectionQuality | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #sampling = false;

  constructor(options: QualitySamplerOptions) {
    this.#options = options;
  }

  /** How the peer's media arrives here (undefined until two samples of their link). */
  of(peerId: string): ConnectionQuality | undefined {
    return this.#links.get(peerId)?.quality;
  }

  /** How our media reaches the others: the worst link's figures (undefined until sampled). */
  get own(): ConnectionQuality | undefined {
    return this.#ownQuality;
  }

  get running(): boolean {
    return this.#timer !== undefined;
  }

  /** Polls from now on (if not already): a connection was made. */
  ensure(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.sample(), this.#options.intervalMs ?? 2000);
  }

  /** A link went: its quality is forgotten. */
  forget(peerId: string): void {
    if (this.#links.delete(peerId)) this.#options.changed();
  }

  /** No more polling; everything forgotten. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    const had = this.#links.size > 0 || this.#ownQuality !== undefined;
    this.#links.clear();
    this.#own = this.#ownQuality = undefined;
    if (had) this.#options.changed();
  }

  /** One round: every connection's stats, then the levels. */
  async sample(): Promise<void> {
    if (this.#sampling) return; // a slow getStats: skip a beat rather than pile up
    const connections = [...this.#options.connections()];
    if (!connections.length) {
      this.stop();
      return;
    }
    this.#sampling = true;
    try {
      const relayHosts = this.#options.relayHosts?.() ?? [];
      const reports = await Promise.all(
        connections.map(async ([id, pc]) => {
          try {
            return [id, pc, readStats(await pc.getStats(), relayHosts)] as const;
          } catch (error) {
            this.#options.log?.(`getStats failed for ${id}: ${(error as Error).message}`);
            return [id, pc, undefined] as const;
          }
        }),
      );
      const live = new Set(connections.map(([id]) => id));
      for (const id of this.#links.keys()) if (!live.has(id)) this.#links.delete(id);
      let own: { level: ReturnType<typeof levelOf>; quality: ConnectionQuality } | undefined;
      for (const [id, pc, sample] of reports) {
        if (!sample) continue;
        this.#options.sampled?.(id, sample);
        let link = this.#links.get(id);
        // A new connection to the same peer starts its counters from zero.
        if (!link || link.pc !== pc) this.#links.set(id, (link = { pc }));
        const previous = link.sample;
        link.sample = sample;
        if (!previous) continue;
        const receive = figuresBetween(previous, sample, 'receive');
        link.receive = nextLevel(link.receive, levelOf(receive));
        link.quality = qualityOf(link.receive.level, receive, sample, 'receive');
        const send = figuresBetween(previous, sample, 'send');
        const sendLevel = levelOf(send);
        if (!own || worseLevel(own.level, sendLevel) !== own.level) own = { level: sendLevel, quality: qualityOf(sendLevel, send, sample, 'send') };
      }
      if (own) {
        this.#own = nextLevel(this.#own, own.level);
        this.#ownQuality = { ...own.quality, level: this.#own.level };
      }
      this.#options.changed();
    } finally {
      this.#sampling = false;
    }
  }
}

/** The hosts of the TURN URLs (`turn:host:port?transport=…`), where relay candidates live. */
export function turnHosts(servers: readonly RTCIceServer[]): string[] {
  const hosts: string[] = [];
  for (const server of servers) {
    for (const url of ([] as string[]).concat(server.urls ?? [])) {
      const match = /^turns?:(\[[^\]]+\]|[^:?]+)/i.exec(url);
      if (match) hosts.push(match[1]!.replace(/^\[|\]$/g, ''));
    }
  }
  return hosts;
}
