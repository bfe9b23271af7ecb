/**
 * One RTCPeerConnection per remote peer, negotiated with the "perfect negotiation" pattern: the
 * polite peer (larger user id) yields when both offer at once, so glare never fails a call.
 *
 * To save a round trip when two people meet, only the impolite side offers at first; the polite
 * side attaches its tracks to the transceivers the offer created and answers sendrecv. If no
 * offer arrives in time, the polite side offers itself and perfect negotiation sorts it out.
 */
import { nextRung, type CallFallbackDetail, type FallbackSettings, type LinkRung } from './fallback.ts';
import { IceBatcher } from './ice-batcher.ts';
import { hasRelay } from './ice-servers.ts';
import { isPolite, type Signal, type SignalKind, type StreamRoles } from './signal.ts';
import { TypedEventTarget } from './typed-events.ts';

export type StreamRole = 'camera' | 'screen';

export interface LocalStreams {
  camera?: MediaStream;
  screen?: MediaStream;
}

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
}

/** A connection that has not connected this long after it was made no longer counts as forming. */
const FORMING_MS = 15_000;
/** How long no connection must have been forming before cameras go back to full size. */
const FULL_SIZE_AFTER_MS = 1000;

/** Which local track a sender carries. */
type Slot = 'camera-audio' | 'camera-video' | 'screen-video';

export class PeerMesh extends TypedEventTarget<PeerMeshEvents> {
  readonly #options: Required<Omit<PeerMeshOptions, 'iceServers' | 'log' | 'othersForming' | 'fallback'>> &
    Pick<PeerMeshOptions, 'iceServers' | 'log' | 'othersForming'>;
  #fallback: FallbackSettings;
  readonly #links = new Map<string, PeerLink>();
  #local: LocalStreams = {};
  #iceServers: RTCIceServer[];
  #sizeTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(options: PeerMeshOptions) {
    super();
    this.#options = { offerTimeoutMs: 2500, disconnectedRestartMs: 4000, startSmall: true, connectTimeoutMs: 20_000, retryFailedMs: 5000, ...options };
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

  /** What we send: the camera/mic stream and an optional screen stream. Applied to every peer. */
  setLocalStreams(streams: LocalStreams): void {
    this.#local = { ...streams };
    for (const link of this.#links.values()) void link.syncTracks(this.#local);
  }

  /** Starts (or keeps) a connection to a peer we learned of from presence. */
  connect(peerId: string): void {
    if (peerId === this.localId || this.#links.has(peerId)) return;
    this.#create(peerId);
  }

  /** Handles a signal addressed to us (or to everyone) from another member. */
  async handle(signal: Signal): Promise<void> {
    if (signal.from === this.localId) return;
    if (signal.to && signal.to !== this.localId) return;
    if (signal.kind === 'bye') {
      this.remove(signal.from, false);
      return;
    }
    const connectionId = typeof signal.payload.connection === 'string' ? signal.payload.connection : undefined;
    let link = this.#links.get(signal.from);
    if (signal.kind === 'restart' || (link && connectionId && link.remoteConnection && link.remoteConnection !== connectionId && signal.kind === 'offer')) {
      // The peer started over with a fresh connection (reloaded page, rejoined): so do we.
      this.#options.log?.(`peer ${signal.from} restarted; recreating the connection`);
      this.remove(signal.from, false);
      link = undefined;
      if (signal.kind === 'restart') {
        this.#create(signal.from);
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
    for (const role of Object.keys(link.remote) as StreamRole[]) this.emit('remote-stream', { peerId, role, stream: null });
    this.emit('peer-removed', { peerId });
    this.resize();
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
    clearTimeout(this.#sizeTimer);
  }

  #create(peerId: string): PeerLink {
    // In use again (a page restored after pagehide closed everything).
    this.#closed = false;
    const link = new PeerLink({
      localId: this.localId,
      remoteId: peerId,
      iceServers: this.#iceServers,
      forceRelay: this.#fallback.forceRelay,
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
      send: (kind, payload) => this.#options.send({ to: peerId, kind, payload }),
      log: (message) => this.#options.log?.(`peer ${peerId}: ${message}`),
      onRemoteStream: (role, stream) => this.emit('remote-stream', { peerId, role, stream }),
      onState: (state) => {
        this.emit('peer-state', { peerId, state });
        this.resize();
      },
    });
    this.#links.set(peerId, link);
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

interface PeerLinkOptions {
  localId: string;
  remoteId: string;
  iceServers: RTCIceServer[];
  /** Relay-only from the start (`settings.force_relay`). */
  forceRelay: boolean;
  connectTimeoutMs: number;
  retryFailedMs: number;
  /** The link failed on `rung`: the mesh decides the next rung (and tells the session). */
  stepDown(rung: LinkRung): LinkRung;
  onRung(rung: LinkRung): void;
  relayKnown(): boolean;
  offerTimeoutMs: number;
  disconnectedRestartMs: number;
  send(kind: SignalKind, payload: Record<string, unknown>): void;
  log(message: string): void;
  onRemoteStream(role: StreamRole, stream: MediaStream | null): void;
  onState(state: RTCPeerConnectionState): void;
}

class PeerLink {
  readonly pc: RTCPeerConnection;
  readonly polite: boolean;
  /** Random id of this connection, sent with descriptions so a peer notices we started over. */
  readonly connectionId = crypto.randomUUID();
  remoteConnection: string | undefined;
  readonly remote: Partial<Record<StreamRole, MediaStream>> = {};

  readonly #options: PeerLinkOptions;
  readonly #senders = new Map<Slot, RTCRtpSender>();
  readonly #ice: IceBatcher;
  #local: LocalStreams = {};
  #remoteRoles: StreamRoles = {};
  #started = false;
  #makingOffer = false;
  #ignoreOffer = false;
  #settingRemoteAnswer = false;
  #queue: Promise<void> = Promise.resolve();
  #offerTimer: ReturnType<typeof setTimeout> | undefined;
  #restartTimer: ReturnType<typeof setTimeout> | undefined;
  #connectTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  /** Where the link stands on the ladder; `relay` also while it is relay-only from the start. */
  rung: LinkRung;
  /** The rung to go back to when a failed link connects again. */
  #working: LinkRung;
  #iceServers: RTCIceServer[];
  readonly #createdAt = Date.now();
  #small = false;
  /** setParameters calls, one at a time (each needs the sender's latest parameters). */
  #sizing: Promise<void> = Promise.resolve();

  constructor(options: PeerLinkOptions) {
    this.#options = options;
    this.polite = isPolite(options.localId, options.remoteId);
    this.rung = this.#working = options.forceRelay ? 'relay' : 'direct';
    this.#iceServers = options.iceServers;
    this.pc = new RTCPeerConnection(this.#configuration());
    this.#ice = new IceBatcher({ send: (candidates) => options.send('ice', { candidates, connection: this.connectionId }) });
    this.pc.onicecandidate = ({ candidate }) => this.#ice.add(candidate ? candidate.toJSON() : null);
    this.pc.onnegotiationneeded = () => void this.#offer();
    this.pc.ontrack = (event) => this.#onTrack(event);
    this.pc.onconnectionstatechange = () => {
      options.onState(this.pc.connectionState);
      // Failures come through iceConnectionState (below), once.
      if (this.pc.connectionState === 'connected') this.#onConnected();
    };
    this.#armConnectTimer();
    this.pc.oniceconnectionstatechange = () => this.#onIceState();
  }

  /** The impolite side sends its tracks (and so the first offer) at once; the polite one waits. */
  start(local: LocalStreams): void {
    this.#local = local;
    if (!this.polite) {
      this.#begin();
      return;
    }
    this.#waitForOffer();
  }

  #waitForOffer(): void {
    clearTimeout(this.#offerTimer);
    this.#offerTimer = setTimeout(() => {
      if (!this.#started && !this.#closed) {
        this.#options.log('no offer came; offering myself');
        this.#begin();
      }
    }, this.#options.offerTimeoutMs);
  }

  /** An offer is on its way (verifying it can take a while on a busy machine): no glare for nothing. */
  expect(pending: boolean): void {
    if (!this.polite || this.#started || this.#closed) return;
    if (pending) clearTimeout(this.#offerTimer);
    else this.#waitForOffer();
  }

  /** Still negotiating or checking, and not for longer than FORMING_MS. */
  get forming(): boolean {
    const state = this.pc.connectionState;
    return (state === 'new' || state === 'connecting') && Date.now() - this.#createdAt < FORMING_MS;
  }

  /** Sends the camera small (a quarter of its size, 15 fps) or at full size. */
  setSmall(small: boolean): void {
    if (small === this.#small) return;
    this.#small = small;
    this.#applySize();
  }

  #applySize(): void {
    this.#sizing = this.#sizing.then(async () => {
      // A negotiation between reading and setting the parameters makes Chromium refuse them
      // ("modified RTCP parameters"): read them again once it is over, a few times at most.
      for (let attempt = 0; attempt < 4; attempt++) {
        const sender = this.#senders.get('camera-video');
        if (!sender || this.#closed) return;
        const parameters = sender.getParameters();
        // Some browsers list no encoding before negotiation: that camera goes at full size.
        const [encoding] = parameters.encodings ?? [];
        if (!encoding) return;
        encoding.scaleResolutionDownBy = this.#small ? 4 : 1;
        if (this.#small) encoding.maxFramerate = 15;
        else delete encoding.maxFramerate;
        try {
          await sender.setParameters(parameters);
          return;
        } catch (error) {
          if (attempt === 3) this.#options.log(`could not size the camera: ${(error as Error).message}`);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    });
  }

  #begin(): void {
    this.#started = true;
    clearTimeout(this.#offerTimer);
    void this.syncTracks(this.#local);
    // With nothing to send we still want to receive: ask for audio and video anyway.
    if (!this.pc.getTransceivers().length) {
      this.pc.addTransceiver('audio', { direction: 'recvonly' });
      this.pc.addTransceiver('video', { direction: 'recvonly' });
    }
  }

  /** Makes the senders match the local streams: add, replace or remove per slot. */
  async syncTracks(local: LocalStreams): Promise<void> {
    this.#local = local;
    if (!this.#started || this.#closed) return;
    const wanted: [Slot, MediaStreamTrack | undefined, MediaStream | undefined][] = [
      ['camera-audio', local.camera?.getAudioTracks()[0], local.camera],
      ['camera-video', local.camera?.getVideoTracks()[0], local.camera],
      ['screen-video', local.screen?.getVideoTracks()[0], local.screen],
    ];
    for (const [slot, track, stream] of wanted) {
      const sender = this.#senders.get(slot);
      if (sender) {
        if (slot === 'screen-video' && !track) {
          this.pc.removeTrack(sender);
          this.#senders.delete(slot);
        } else if (sender.track !== (track ?? null)) {
          // Camera off/on and device switches replace the track without renegotiating.
          await sender.replaceTrack(track ?? null).catch((error: Error) => this.#options.log(`replaceTrack failed: ${error.message}`));
        }
      } else if (track && stream) {
        this.#senders.set(slot, this.pc.addTrack(track, stream));
        if (slot === 'camera-video' && this.#small) this.#applySize();
      }
    }
  }

  handle(kind: SignalKind, payload: Record<string, unknown>): Promise<void> {
    // One signal at a time, in order: a candidate never overtakes its description.
    this.#queue = this.#queue.then(() => this.#handle(kind, payload)).catch((error: Error) => this.#options.log(`${kind} failed: ${error.message}`));
    return this.#queue;
  }

  async #handle(kind: SignalKind, payload: Record<string, unknown>): Promise<void> {
    if (this.#closed) return;
    const connection = typeof payload.connection === 'string' ? payload.connection : undefined;
    // Candidates of a connection the peer has since replaced are of no use.
    if (kind === 'ice' && connection && this.remoteConnection && connection !== this.remoteConnection) return;
    if (connection && (kind === 'offer' || kind === 'answer')) this.remoteConnection = connection;
    if (kind === 'offer' || kind === 'answer') {
      const description = payload.description as RTCSessionDescriptionInit;
      if (payload.streams && typeof payload.streams === 'object') this.#remoteRoles = payload.streams as StreamRoles;
      const readyForOffer = !this.#makingOffer && (this.pc.signalingState === 'stable' || this.#settingRemoteAnswer);
      const collision = description.type === 'offer' && !readyForOffer;
      this.#ignoreOffer = !this.polite && collision;
      if (this.#ignoreOffer) return;
      this.#settingRemoteAnswer = description.type === 'answer';
      try {
        await this.pc.setRemoteDescription(description);
      } finally {
        this.#settingRemoteAnswer = false;
      }
      if (description.type === 'offer') {
        if (!this.#started) {
          // Our tracks ride on the transceivers the offer just created: one round trip.
          this.#started = true;
          clearTimeout(this.#offerTimer);
          await this.syncTracks(this.#local);
        }
        await this.pc.setLocalDescription();
        this.#sendDescription('answer');
      }
    } else if (kind === 'ice') {
      for (const candidate of payload.candidates as RTCIceCandidateInit[]) {
        try {
          await this.pc.addIceCandidate(candidate);
        } catch (error) {
          if (!this.#ignoreOffer) this.#options.log(`bad ICE candidate: ${(error as Error).message}`);
        }
      }
    }
  }

  async #offer(): Promise<void> {
    if (this.#closed || !this.#started) return;
    try {
      this.#makingOffer = true;
      await this.pc.setLocalDescription();
      this.#sendDescription('offer');
    } catch (error) {
      this.#options.log(`could not make an offer: ${(error as Error).message}`);
    } finally {
      this.#makingOffer = false;
    }
  }

  #sendDescription(kind: 'offer' | 'answer'): void {
    const description = this.pc.localDescription;
    if (!description) return;
    const streams: StreamRoles = {};
    if (this.#local.camera) streams[this.#local.camera.id] = 'camera';
    if (this.#local.screen) streams[this.#local.screen.id] = 'screen';
    this.#options.send(kind, { description: { type: description.type, sdp: description.sdp }, streams, connection: this.connectionId });
  }

  #onTrack(event: RTCTrackEvent): void {
    const stream = event.streams[0] ?? new MediaStream([event.track]);
    const role: StreamRole = this.#remoteRoles[stream.id] ?? (this.remote.camera && this.remote.camera !== stream ? 'screen' : 'camera');
    if (this.remote[role] !== stream) {
      this.remote[role] = stream;
      stream.addEventListener('removetrack', () => {
        if (!stream.getTracks().length && this.remote[role] === stream) {
          delete this.remote[role];
          this.#options.onRemoteStream(role, null);
        }
      });
    }
    this.#options.onRemoteStream(role, stream);
  }

  #configuration(): RTCConfiguration {
    return { iceServers: this.#iceServers, iceTransportPolicy: this.#working === 'relay' ? 'relay' : 'all' };
  }

  setIceServers(servers: RTCIceServer[]): void {
    this.#iceServers = servers;
    if (!this.#closed) this.pc.setConfiguration({ ...this.pc.getConfiguration(), ...this.#configuration() });
  }

  /** ICE gathers again (with the configuration as it now is) and the link renegotiates. */
  #restartIce(why: string): void {
    if (this.#closed) return;
    this.#options.log(`${why}; restarting ICE (${this.#working})`);
    this.pc.restartIce();
    this.#armConnectTimer();
  }

  /** Not connected within connectTimeoutMs of the start or the latest ICE restart: failed. */
  #armConnectTimer(): void {
    clearTimeout(this.#connectTimer);
    this.#connectTimer = setTimeout(() => {
      if (!this.#closed && this.pc.connectionState !== 'connected') this.#onFailed();
    }, this.#options.connectTimeoutMs);
  }

  #onConnected(): void {
    clearTimeout(this.#restartTimer);
    clearTimeout(this.#connectTimer);
    if (this.rung === 'failed') {
      this.rung = this.#working;
      this.#options.onRung(this.rung);
    }
  }

  /**
   * ICE failed (or never connected): one rung down. To relay: relay-only from now on and an ICE
   * restart. Failed: media cannot flow, and the link keeps trying in the background every
   * retryFailedMs (a TURN server restarting, a network coming back), so the call heals by itself.
   */
  #onFailed(): void {
    if (this.#closed) return;
    clearTimeout(this.#connectTimer);
    if (this.rung !== 'failed') {
      const next = this.#options.stepDown(this.rung);
      if (next === 'relay') {
        this.rung = this.#working = 'relay';
        this.pc.setConfiguration({ ...this.pc.getConfiguration(), ...this.#configuration() });
        this.#options.onRung(this.rung);
        this.#restartIce('connection failed; falling back to the TURN relay');
        return;
      }
      this.rung = 'failed';
      this.#options.onRung(this.rung);
    }
    clearTimeout(this.#restartTimer);
    this.#restartTimer = setTimeout(() => {
      if (!this.#closed && this.pc.connectionState !== 'connected') this.#restartIce('still failed');
    }, this.#options.retryFailedMs);
  }

  #onIceState(): void {
    const state = this.pc.iceConnectionState;
    if (state === 'failed') {
      this.#onFailed();
    } else if (state === 'disconnected') {
      clearTimeout(this.#restartTimer);
      this.#restartTimer = setTimeout(() => {
        if (this.#closed || this.pc.iceConnectionState !== 'disconnected') return;
        // A direct path gone for this long (cut mid-call) moves to the relay at once, rather
        // than after a direct restart has timed out too.
        if (this.rung === 'direct' && this.#options.relayKnown()) this.#onFailed();
        else this.#restartIce('still disconnected');
      }, this.#options.disconnectedRestartMs);
    }
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#offerTimer);
    clearTimeout(this.#restartTimer);
    clearTimeout(this.#connectTimer);
    this.#ice.dispose();
    this.pc.onicecandidate = null;
    this.pc.onnegotiationneeded = null;
    this.pc.ontrack = null;
    this.pc.onconnectionstatechange = null;
    this.pc.oniceconnectionstatechange = null;
    this.pc.close();
  }
}
