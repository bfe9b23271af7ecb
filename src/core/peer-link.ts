/**
 * One peer's RTCPeerConnection inside a PeerMesh: perfect negotiation from its side, the senders
 * of the local tracks, ICE candidates batched, and its rung of the fallback ladder (direct,
 * relay-only, failed). The mesh owns the links and decides between them.
 */
import type { LinkRung } from './fallback.ts';
import { IceBatcher } from './ice-batcher.ts';
import { isPolite, type SignalKind, type StreamRoles } from './signal.ts';
import { VIEW_MAX_BITRATE, type ViewScale } from './view-requests.ts';

export type StreamRole = 'camera' | 'screen';

export interface LocalStreams {
  camera?: MediaStream;
  screen?: MediaStream;
}

/** A connection that has not connected this long after it was made no longer counts as forming. */
export const FORMING_MS = 15_000;

/** Which local track a sender carries. */
type Slot = 'camera-audio' | 'camera-video' | 'screen-video';

export interface PeerLinkOptions {
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
  /**
   * The relay-only ICE restart did not connect within relayRenewMs: the mesh replaces this
   * connection by a fresh relay-only one on both sides.
   */
  renew(): void;
  relayRenewMs: number;
  send(kind: SignalKind, payload: Record<string, unknown>): void;
  log(message: string): void;
  onRemoteStream(role: StreamRole, stream: MediaStream | null): void;
  onState(state: RTCPeerConnectionState): void;
}

export class PeerLink {
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
  #renewTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  /** Where the link stands on the ladder; `relay` also while it is relay-only from the start. */
  rung: LinkRung;
  /** The rung to go back to when a failed link connects again. */
  #working: LinkRung;
  #iceServers: RTCIceServer[];
  readonly #createdAt = Date.now();
  #small = false;
  /** How small the peer shows our camera (their `view` signal): 1 full size, 2 or 4 smaller. */
  #viewScale: ViewScale = 1;
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

  /** The peer shows our camera at this scale (view-requests.ts): send it that small on this link only. */
  setViewScale(scale: ViewScale): void {
    if (scale === this.#viewScale) return;
    this.#viewScale = scale;
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
        const scale = Math.max(this.#small ? 4 : 1, this.#viewScale) as ViewScale;
        encoding.scaleResolutionDownBy = scale;
        if (this.#small) encoding.maxFramerate = 15;
        else delete encoding.maxFramerate;
        const maxBitrate = VIEW_MAX_BITRATE[scale];
        if (maxBitrate) encoding.maxBitrate = maxBitrate;
        else delete encoding.maxBitrate;
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
        if (slot === 'camera-video' && (this.#small || this.#viewScale !== 1)) this.#applySize();
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
      this.#options.log(`${description.type} received${collision ? (this.#ignoreOffer ? ' in a collision: ignored' : ' in a collision: taken') : ''}`);
      if (this.#ignoreOffer) return;
      if (payload.relay === true) this.#followToRelay();
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
    this.#options.log(`${kind} sent`);
    // `relay`: this side went relay-only, and the other follows (see #handle).
    this.#options.send(kind, { description: { type: description.type, sdp: description.sdp }, streams, connection: this.connectionId, ...(this.#working === 'relay' ? { relay: true } : {}) });
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
    clearTimeout(this.#renewTimer);
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
        // A browser may hold on to the old ICE generation (Chromium, with Firefox across a cut
        // path, kept its dead pair "connected" for 30 s and the restart went unanswered): a
        // fresh connection, relay-only on both sides, does not depend on that.
        this.#renewTimer = setTimeout(() => {
          if (this.#closed || this.pc.connectionState === 'connected') return;
          this.#options.log('the relay-only ICE restart did not connect; starting a fresh relay-only connection');
          this.#options.renew();
        }, this.#options.relayRenewMs);
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

  /**
   * The peer's side of this link went relay-only (its ICE failed, or the session forces relay):
   * this side does too before it answers. Left on the direct path, a browser can hold on to the
   * dead pair for up to 30 s (Chromium with Firefox across a cut path: its ICE stayed
   * "connected" while the peer's relay-only restart went unanswered).
   */
  #followToRelay(): void {
    if (this.#working === 'relay' || !this.#options.relayKnown()) return;
    if (this.#options.stepDown('direct') !== 'relay') return;
    this.rung = this.#working = 'relay';
    this.pc.setConfiguration({ ...this.pc.getConfiguration(), ...this.#configuration() });
    this.#options.log('the peer went relay-only; so does this side');
    this.#options.onRung(this.rung);
  }

  #onIceState(): void {
    const state = this.pc.iceConnectionState;
    this.#options.log(`ICE ${state} (${this.#working})`);
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
    clearTimeout(this.#renewTimer);
    this.#ice.dispose();
    this.pc.onicecandidate = null;
    this.pc.onnegotiationneeded = null;
    this.pc.ontrack = null;
    this.pc.onconnectionstatechange = null;
    this.pc.oniceconnectionstatechange = null;
    this.pc.close();
  }
}
