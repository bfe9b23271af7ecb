/**
 * One RTCPeerConnection per remote peer, negotiated with the "perfect negotiation" pattern: the
 * polite peer (larger user id) yields when both offer at once, so glare never fails a call.
 *
 * To save a round trip when two people meet, only the impolite side offers at first; the polite
 * side attaches its tracks to the transceivers the offer created and answers sendrecv. If no
 * offer arrives in time, the polite side offers itself and perfect negotiation sorts it out.
 */
import { nextRung, type CallFallbackDetail, type FallbackSettings, type LinkRung } from './fallback.ts';
import { hasRelay } from './ice-servers.ts';
import type { Signal } from './signal.ts';
import { FORMING_MS, PeerLink, type LocalStreams, type StreamRole } from './peer-link.ts';
import type { ConnectionQuality, StatsSample } from './connection-quality.ts';
import { QualitySampler, turnHosts } from './quality-sampler.ts';
import { TypedEventTarget } from './typed-events.ts';
import { ViewRequests, type ViewScale } from './view-requests.ts';

export type { LocalStreams, StreamRole };


export interface PeerMeshEvents {
  /** A remote peer's camera or screen stream appeared (`stream`) or went away (`null`). */
  'remote-stream': { peerId: string; role: StreamRole; stream: MediaStream | null };
  /** A peer connection's `connectionState` changed. */
  'peer-state': { peerId: string; state: RTCPeerConnectionState };
  /** A peer's connection was closed (bye, left, or removed). */
  'peer-removed': { peerId: string };
  /** Whether some of this page's connections are still forming (emitted on every check). */
  forming: boolean;
  /** A link stepped down the fallback ladder (relay, or external / none when nothing flows). */
  fallback: CallFallbackDetail & { peerId: string };
  /** A link's rung changed: `direct`, `relay`, or `failed` (media cannot flow; retried in the background). */
  rung: { peerId: string; rung: LinkRung };
  /** A sample of the connections' stats changed what `quality()` says. */
  quality: undefined;
  /** One link's stats as sampled (every 2 s), for call metrics. */
  stats: { peerId: string; sample: StatsSample };
}

export interface PeerMeshOptions {
  localId: string;
  iceServers?: RTCIceServer[];
  /** Sends a signal to one peer (`to` set) through the session's transport. */
  send(signal: Omit<Signal, 'from'>): void;
  log?(message: string): void;
  /** How long the polite side waits for the first offer before offering itself (default 2.5 s). */
  offerTimeoutMs?: number;
  /** How long a `disconnected` connection may stay so before an ICE restart (default 4 s). */
  disconnectedRestartMs?: number;
  /**
   * How long a relay-only ICE restart may take before the link is replaced by a fresh
   * relay-only connection on both sides (default 8 s).
   */
  relayRenewMs?: number;
  /**
   * While any connection is still forming, send the camera at a quarter of its size and 15 fps
   * (default true): a mesh of n people encodes n − 1 copies of each camera, and on a busy machine
   * that work slows every other connection's negotiation. Full size a second after none is
   * forming, here or (`othersForming`) anywhere else.
   */
  startSmall?: boolean;
  /**
   * Whether someone else's connections are still forming (from presence): cameras stay small
   * until the whole mesh has formed, not only this page's part of it. Call `resize()` when the
   * answer may have changed.
   */
  othersForming?(): boolean;
  /** `settings.force_relay` and `settings.fallback_url` of the session (the fallback ladder). */
  fallback?: FallbackSettings;
  /**
   * How long a link may try to connect (from its start or its latest ICE restart) before it
   * counts as failed and steps down the ladder (default 20 s): a peer that never answers, or
   * a relay that never allocates, ends in a clear state instead of `connecting` for ever.
   */
  connectTimeoutMs?: number;
  /** How long a failed link waits before trying again in the background (default 5 s). */
  retryFailedMs?: number;
  /**
   * Which presence of a peer is on the channel now (its presence refs): a page that said `bye`
   * is not connected to again while its old presence lingers, only once a new one shows up.
   */
  presenceOf?(peerId: string): string | undefined;
}

/** How long no connection must have been forming before cameras go back to full size. */
const FULL_SIZE_AFTER_MS = 1000;

export class PeerMesh extends TypedEventTarget<PeerMeshEvents> {
  readonly topology = 'mesh' as const;
  readonly #options: Required<Omit<PeerMeshOptions, 'iceServers' | 'log' | 'othersForming' | 'fallback' | 'presenceOf'>> &
    Pick<PeerMeshOptions, 'iceServers' | 'log' | 'othersForming' | 'presenceOf'>;
  #fallback: FallbackSettings;
  readonly #links = new Map<string, PeerLink>();
  /** Peers whose page said `bye`, with the presence they had then (see `presenceOf`). */
  readonly #departed = new Map<string, string | undefined>();
  #local: LocalStreams = {};
  #iceServers: RTCIceServer[];
  #sizeTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  /** How small we show each peer's camera, told to them (view-requests.ts). */
  readonly #views = new ViewRequests({ send: (peerId, scale) => this.#options.send({ to: peerId, kind: 'view', payload: { scale } }) });
  /** Every link's getStats every 2 s while there are links (connection-quality.ts). */
  readonly #quality = new QualitySampler({
    connections: () => [...this.#links].map(([id, link]) => [id, link.pc] as const),
    relayHosts: () => turnHosts(this.#iceServers),
    changed: () => this.emit('quality', undefined),
    sampled: (peerId, sample) => this.emit('stats', { peerId, sample }),
    log: (message) => this.#options.log?.(message),
  });

  constructor(options: PeerMeshOptions) {
    super();
    this.#options = { offerTimeoutMs: 2500, disconnectedRestartMs: 4000, relayRenewMs: 8000, startSmall: true, connectTimeoutMs: 20_000, retryFailedMs: 5000, ...options };
    this.#iceServers = options.iceServers ?? [];
    this.#fallback = options.fallback ?? { forceRelay: false, fallbackUrl: undefined };
  }

  get localId(): string {
    return this.#options.localId;
  }

  /** Remote peer ids with a connection. */
  get peers(): string[] {
    return [...this.#links.keys()];
  }

  connectionState(peerId: string): RTCPeerConnectionState | undefined {
    return this.#links.get(peerId)?.pc.connectionState;
  }

  /** The underlying connection, for stats and tests. */
  connection(peerId: string): RTCPeerConnection | undefined {
    return this.#links.get(peerId)?.pc;
  }

  /** How `peerId`'s media arrives here, or (our own id) how ours reaches the others. */
  quality(peerId: string): ConnectionQuality | undefined {
    return peerId === this.localId ? this.#quality.own : this.#quality.of(peerId);
  }

  remoteStreams(peerId: string): Partial<Record<StreamRole, MediaStream>> {
    return { ...this.#links.get(peerId)?.remote };
  }

  /**
   * New STUN/TURN servers (fresh TURN credentials): used by new connections and handed to the
   * live ones, which use them from their next ICE restart on.
   */
  setIceServers(servers: RTCIceServer[]): void {
    this.#iceServers = servers;
    for (const link of this.#links.values()) link.setIceServers(servers);
  }

  /** Whether TURN servers are known, so a failed link can restart relay-only. */
  get relayKnown(): boolean {
    return hasRelay(this.#iceServers);
  }

  /** Where a link stands on the fallback ladder. */
  rung(peerId: string): LinkRung | undefined {
    return this.#links.get(peerId)?.rung;
  }

  /** Starts the connection to a peer over from scratch (the room's "retry" on a failed link). */
  retry(peerId: string): void {
    if (!this.#links.has(peerId)) return;
    this.remove(peerId, false);
    this.#options.send({ to: peerId, kind: 'restart', payload: {} });
    this.#create(peerId);
  }

  /** We show `peerId`'s camera at `scale` (the layout): they send that link smaller (debounced). */
  requestView(peerId: string, scale: ViewScale): void {
    if (peerId !== this.localId) this.#views.want(peerId, scale);
  }

  /** What we send: the camera/mic stream and an optional screen stream. Applied to every peer. */
  setLocalStreams(streams: LocalStreams): void {
    this.#local = { ...streams };
    for (const link of this.#links.values()) void link.syncTracks(this.#local);
  }

  /** Starts (or keeps) a connection to a peer we learned of from presence. */
  connect(peerId: string): void {
    if (peerId === this.localId || this.#links.has(peerId)) return;
    // Their page left: its presence goes a moment after its `bye`, and an offer made to it then
    // reaches nobody — while the same person's new page, offering in turn, would be ignored by
    // this side (its own offer outstanding) and the two would never connect.
    // (A person still shown for a grace period after their presence went is no new page either.)
    if (this.#departed.has(peerId) && this.#options.presenceOf) {
      const now = this.#options.presenceOf?.(peerId);
      if (now === undefined || now === this.#departed.get(peerId)) return;
    }
    this.#departed.delete(peerId);
    this.#create(peerId);
  }

  /** Handles a signal addressed to us (or to everyone) from another member. */
  async handle(signal: Signal): Promise<void> {
    if (signal.from === this.localId) return;
    if (signal.to && signal.to !== this.localId) return;
    if (signal.kind === 'bye') {
      this.#departed.set(signal.from, this.#options.presenceOf?.(signal.from));
      this.remove(signal.from, false);
      return;
    }
    if (signal.kind === 'view') {
      // Only ever for the link that exists: a new one starts full size and is told again.
      this.#links.get(signal.from)?.setViewScale(signal.payload.scale as ViewScale);
      return;
    }
    // Whatever page of theirs speaks now is here: an offer from it starts the link below.
    this.#departed.delete(signal.from);
    const connectionId = typeof signal.payload.connection === 'string' ? signal.payload.connection : undefined;
    let link = this.#links.get(signal.from);
    if (signal.kind === 'restart' || (link && connectionId && link.remoteConnection && link.remoteConnection !== connectionId && signal.kind === 'offer')) {
      // The peer started over with a fresh connection (reloaded page, rejoined): so do we.
      this.#options.log?.(`peer ${signal.from} restarted; recreating the connection`);
      this.remove(signal.from, false);
      link = undefined;
      if (signal.kind === 'restart') {
        // `relay`: their relay-only restart went unanswered, and the fresh link is relay-only.
        this.#create(signal.from, signal.payload.relay === true);
        return;
      }
    }
    if (!link) {
      // Only a description starts a connection; stray candidates for a closed one are dropped.
      if (signal.kind !== 'offer') return;
      link = this.#create(signal.from);
    }
    await link.handle(signal.kind, signal.payload);
  }

  /**
   * An offer from `peerId` arrived and is being verified (`pending`): the polite side waits for
   * it rather than offering too; or it was dropped, and the polite side's wait starts again.
   */
  expect(peerId: string, pending = true): void {
    this.#links.get(peerId)?.expect(pending);
  }

  /** Closes the connection to a peer, telling them with `bye` unless they are already gone. */
  remove(peerId: string, sayBye = true): void {
    const link = this.#links.get(peerId);
    if (!link) return;
    this.#links.delete(peerId);
    if (sayBye) this.#options.send({ to: peerId, kind: 'bye', payload: {} });
    link.close();
    this.#views.forget(peerId);
    this.#quality.forget(peerId);
    for (const role of Object.keys(link.remote) as StreamRole[]) this.emit('remote-stream', { peerId, role, stream: null });
    this.emit('peer-removed', { peerId });
    this.resize();
  }

  /** The host removed `peerId`: their connection closes (the removal itself tells them). */
  removed(peerId: string): void {
    this.remove(peerId, false);
  }

  /** Asks every peer for a fresh connection (after our own signaling restarted from scratch). */
  restartAll(): void {
    for (const peerId of this.peers) {
      this.remove(peerId, false);
      this.#options.send({ to: peerId, kind: 'restart', payload: {} });
      this.#create(peerId);
    }
  }

  close(sayBye = true): void {
    this.#closed = true;
    for (const peerId of this.peers) this.remove(peerId, sayBye);
    this.#views.close();
    clearTimeout(this.#sizeTimer);
    this.#quality.stop();
  }

  /** A fresh relay-only connection to `peerId` in place of the one whose relay restart hung. */
  #renew(peerId: string): void {
    this.remove(peerId, false);
    this.#options.send({ to: peerId, kind: 'restart', payload: { relay: true } });
    this.#create(peerId, true);
  }

  #create(peerId: string, relayOnly = false): PeerLink {
    // In use again (a page restored after pagehide closed everything).
    this.#closed = false;
    const link = new PeerLink({
      localId: this.localId,
      remoteId: peerId,
      iceServers: this.#iceServers,
      forceRelay: this.#fallback.forceRelay || (relayOnly && this.relayKnown),
      connectTimeoutMs: this.#options.connectTimeoutMs,
      retryFailedMs: this.#options.retryFailedMs,
      stepDown: (rung) => {
        const decision = nextRung(rung, this.relayKnown, this.#fallback, peerId);
        this.emit('fallback', { ...decision.fallback, peerId });
        return decision.rung;
      },
      onRung: (rung) => this.emit('rung', { peerId, rung }),
      relayKnown: () => this.relayKnown,
      offerTimeoutMs: this.#options.offerTimeoutMs,
      disconnectedRestartMs: this.#options.disconnectedRestartMs,
      relayRenewMs: this.#options.relayRenewMs,
      renew: () => this.#renew(peerId),
      send: (kind, payload) => this.#options.send({ to: peerId, kind, payload }),
      log: (message) => this.#options.log?.(`peer ${peerId}: ${message}`),
      onRemoteStream: (role, stream) => this.emit('remote-stream', { peerId, role, stream }),
      onState: (state) => {
        // The link is up: tell it how small we show that peer (a new link starts full size).
        if (state === 'connected') this.#views.flush(peerId);
        this.emit('peer-state', { peerId, state });
        this.resize();
      },
    });
    this.#links.set(peerId, link);
    this.#quality.ensure();
    if (this.#options.startSmall) {
      link.setSmall(true);
      setTimeout(() => this.resize(), FORMING_MS + 10);
    }
    link.start(this.#local);
    return link;
  }

  /** Whether any of this page's connections is still forming. */
  get forming(): boolean {
    return [...this.#links.values()].some((link) => link.forming);
  }

  /**
   * Full-size cameras for everyone once no connection, here or (by presence) elsewhere, has been
   * forming for a second (see `startSmall`): raised at the moment a connection comes up, the
   * encoder restarts and the first frame waits for it; raised while others still form, their
   * negotiations starve.
   */
  resize(): void {
    if (this.#closed) return;
    this.emit('forming', this.forming);
    const busy = () => this.forming || Boolean(this.#options.othersForming?.());
    if (busy()) {
      clearTimeout(this.#sizeTimer);
      this.#sizeTimer = undefined;
      return;
    }
    // Already counting down: presence syncs (someone speaking) must not keep postponing it.
    if (this.#sizeTimer) return;
    this.#sizeTimer = setTimeout(() => {
      this.#sizeTimer = undefined;
      if (busy()) return;
      for (const link of this.#links.values()) link.setSmall(false);
    }, FULL_SIZE_AFTER_MS);
  }
}
