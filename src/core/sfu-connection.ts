/**
 * A call through the Janus SFU (VideoRoom plugin, Janus 1.x multistream) behind the interface of
 * PeerMesh, so the session, the people and every element stay as they are.
 *
 * Two RTCPeerConnections whatever the size of the call: one publishes our camera (simulcast,
 * three layers where the browser makes them), microphone and screen; one subscribes to every
 * other feed. Janus knows nothing of our users, so identity is ours to prove: a page publishes
 * as `<user id>:<nonce>` with a claim signed by the key of its participant row (carried as the publisher's `display`) (the same key that
 * signs its signals, signal-keys.ts), and a feed is shown for a person only when the claim names
 * that very feed and verifies against their current key. A member publishing under someone else's
 * id is ignored (and logged). The room itself is opened by a token from `video-call-sfu`.
 *
 * When Janus goes away (restart, network) the connection starts over with a fresh token after
 * 1, 2, 4 s…; `unreachable` tells the session after SFU_GIVE_UP_MS so it can fall back.
 */
import type { ConnectionQuality } from './connection-quality.ts';
import type { LinkRung } from './fallback.ts';
import { hasRelay } from './ice-servers.ts';
import { JanusClient, JanusError, type PluginReply } from './janus-client.ts';
import type { PeerMeshEvents } from './peer-mesh.ts';
import type { LocalStreams, StreamRole } from './peer-link.ts';
import { QualitySampler, turnHosts } from './quality-sampler.ts';
import type { SignedSignal } from './signal-keys.ts';
export { feedUser } from './sfu-feeds.ts';
import type { Signal } from './signal.ts';
import { feedUser, liveMids, parseClaim, readStreams, type Feed, type MidInfo } from './sfu-feeds.ts';
import { layerForScale, SIMULCAST_ENCODINGS } from './topology.ts';
import { TypedEventTarget } from './typed-events.ts';
import type { ViewScale } from './view-requests.ts';

/** What `video-call-sfu` answers. */
export interface SfuAccess {
  url: string;
  room: string;
  token: string;
}

/** Why the SFU could not be used: `refused` (403: not, or no longer, a member) is final. */
export type SfuProblem = 'unavailable' | 'unreachable' | 'refused';

export class SfuAccessError extends Error {
  constructor(
    readonly problem: SfuProblem,
    message: string,
  ) {
    super(message);
    this.name = 'SfuAccessError';
  }
}

export interface SfuConnectionEvents extends PeerMeshEvents {
  /** The SFU could not be reached for SFU_GIVE_UP_MS (or refused us): `problem` says which. */
  unreachable: { problem: SfuProblem; message: string };
  /** Connected (again) to the SFU and publishing. */
  ready: undefined;
}

export interface SfuConnectionOptions {
  localId: string;
  sessionId: string;
  iceServers?: RTCIceServer[];
  /** Asks video-call-sfu for the room and a token (throws SfuAccessError). */
  access(): Promise<SfuAccess>;
  /** Signs our feed claim with this join's signal key. */
  sign(signal: Signal): Promise<SignedSignal>;
  /** Whether `claim` was signed by `userId`'s current key (no age limit: feeds live long). */
  verify(userId: string, claim: SignedSignal): Promise<boolean>;
  log?(message: string): void;
  WebSocket?: typeof WebSocket;
  /** `settings.force_relay`: both connections relay-only, as a mesh link would be. */
  forceRelay?: boolean;
  /** How long the SFU may stay out of reach before `unreachable` (default SFU_GIVE_UP_MS). */
  giveUpMs?: number;
}

export const SFU_GIVE_UP_MS = 10_000;
const PLUGIN = 'janus.plugin.videoroom';
/** The `quality()`/stats key of the subscriber connection (every feed arrives on it). */
const DOWN = 'sfu';

export class SfuConnection extends TypedEventTarget<SfuConnectionEvents> {
  readonly topology = 'sfu' as const;
  readonly #options: SfuConnectionOptions;
  #iceServers: RTCIceServer[];
  #local: LocalStreams = {};
  #client: JanusClient | undefined;
  #room = '';
  #publisher: { handle: number; pc: RTCPeerConnection; privateId: number; published: boolean } | undefined;
  #subscriber: { handle: number; pc: RTCPeerConnection } | undefined;
  /** Feeds we accepted (claim verified), by user: one per person, the newest. */
  readonly #feeds = new Map<string, Feed>();
  readonly #mids = new Map<string, MidInfo>();
  readonly #remote = new Map<string, Partial<Record<StreamRole, MediaStream>>>();
  readonly #layers = new Map<string, number>();
  /** Streams to subscribe to with the next subscriber operation (#subscribeSoon). */
  #wanted: { feed: string; mid?: string }[] = [];
  /** Subscriber operations one at a time (Janus renegotiates after each). */
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;
  #attempt = 0;
  #downSince: number | undefined;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #generation = 0;
  /** A direct connection to Janus failed: relay-only from then on (#connection). */
  #relayOnly = false;
  readonly #quality: QualitySampler;

  constructor(options: SfuConnectionOptions) {
    super();
    this.#options = options;
    this.#iceServers = options.iceServers ?? [];
    this.#quality = new QualitySampler({
      connections: () => (this.#subscriber ? [[DOWN, this.#subscriber.pc] as const] : []),
      relayHosts: () => turnHosts(this.#iceServers),
      changed: () => this.emit('quality', undefined),
      sampled: (peerId, sample) => this.emit('stats', { peerId, sample }),
      log: (message) => this.#log(message),
    });
  }

  get localId(): string {
    return this.#options.localId;
  }

  /** People whose feed we receive. */
  get peers(): string[] {
    return [...this.#feeds.keys()];
  }

  /** Whether we are in the room and publishing. */
  get ready(): boolean {
    return this.#publisher !== undefined;
  }

  /** The connections: `publish` for ours, and each peer's (the one subscriber connection). */
  connection(peerId: string): RTCPeerConnection | undefined {
    if (peerId === 'publish') return this.#publisher?.pc;
    return this.#feeds.has(peerId) ? this.#subscriber?.pc : undefined;
  }

  connectionState(peerId: string): RTCPeerConnectionState | undefined {
    return this.connection(peerId)?.connectionState;
  }

  quality(peerId: string): ConnectionQuality | undefined {
    return peerId === this.localId ? this.#quality.own : this.#feeds.has(peerId) ? this.#quality.of(DOWN) : undefined;
  }

  remoteStreams(peerId: string): Partial<Record<StreamRole, MediaStream>> {
    return { ...this.#remote.get(peerId) };
  }

  setIceServers(servers: RTCIceServer[]): void {
    this.#iceServers = servers;
  }

  rung(peerId: string): LinkRung | undefined {
    const state = this.connectionState(peerId);
    return state === 'failed' ? 'failed' : state === 'connected' ? 'direct' : undefined;
  }

  /** "Retry" on a person: the whole SFU connection starts over (there is one for everyone). */
  retry(peerId: string): void {
    if (this.#feeds.has(peerId)) this.#restart('retry');
  }

  /** Shows `peerId` at `scale`: the subscriber asks Janus for the matching simulcast layer. */
  requestView(peerId: string, scale: ViewScale): void {
    const layer = layerForScale(scale);
    if (this.#layers.get(peerId) === layer) return;
    this.#layers.set(peerId, layer);
    this.#applyLayer(peerId);
  }

  setLocalStreams(streams: LocalStreams): void {
    this.#local = { ...streams };
    void this.#syncTracks().catch((error: unknown) => this.#log(`could not update what we send: ${String(error)}`));
  }

  /** Feeds come from the SFU, not from presence: nothing to do per person. */
  connect(_peerId: string): void {}
  expect(_peerId: string, _pending = true): void {}
  restartAll(): void {}
  resize(): void {
    this.emit('forming', false);
  }

  /** Mesh signals are not for us (a page still on the mesh during a switch). */
  async handle(_signal: Signal): Promise<void> {}

  /** Stops receiving a person (left, or removed by the host): their feed is dropped here. */
  remove(peerId: string, _sayBye = true): void {
    const feed = this.#feeds.get(peerId);
    if (!feed) return;
    this.#feeds.delete(peerId);
    this.#enqueue(() => this.#unsubscribe([{ feed: feed.id }]));
    this.#dropPeer(peerId);
  }

  /**
   * The host removed `peerId`: their feed goes here, and asking video-call-sfu again has it
   * revoke their token and kick them from the room (it reconciles the room on every call), so
   * Janus stops their media at once, whatever their own page does.
   */
  removed(peerId: string): void {
    this.remove(peerId);
    void this.#options.access().catch((error: unknown) => this.#log(`could not have the SFU drop ${peerId}: ${String(error)}`));
  }

  /** Joins the room and publishes; retried in the background until close(). */
  start(): void {
    this.#closed = false;
    void this.#run();
  }

  close(_sayBye = true): void {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    this.#teardown();
    this.#quality.stop();
  }

  async #run(): Promise<void> {
    const generation = ++this.#generation;
    try {
      const access = await this.#options.access();
      if (this.#stale(generation)) return;
      const client = new JanusClient(access.url, this.#options.WebSocket ? { WebSocket: this.#options.WebSocket } : {});
      this.#client = client;
      this.#room = access.room;
      client.on('event', ({ handle, reply }) => void this.#onEvent(handle, reply));
      client.on('media', ({ handle, kind }) => {
        if (kind !== 'webrtcup' && handle === this.#publisher?.handle) this.#restart(`our publishing connection: ${kind}`);
      });
      client.on('closed', ({ reason }) => {
        if (client === this.#client) this.#restart(reason);
      });
      await client.connect();
      if (this.#stale(generation)) return client.close();
      await this.#publish(client, access.token);
      if (this.#stale(generation)) return;
      this.#attempt = 0;
      this.#log(`in SFU room ${access.room}`);
      this.emit('ready', undefined);
    } catch (error) {
      if (this.#stale(generation)) return;
      const problem: SfuProblem = error instanceof SfuAccessError ? error.problem : 'unreachable';
      const message = error instanceof Error ? error.message : String(error);
      this.#log(`SFU: ${message}`);
      this.#teardown();
      this.#downSince ??= Date.now();
      if (problem !== 'unreachable' || Date.now() - this.#downSince >= (this.#options.giveUpMs ?? SFU_GIVE_UP_MS)) {
        this.emit('unreachable', { problem, message });
        if (problem === 'refused') return;
      }
      this.#retryLater();
    }
  }

  #stale(generation: number): boolean {
    return this.#closed || generation !== this.#generation;
  }

  #retryLater(): void {
    clearTimeout(this.#retryTimer);
    const delay = Math.min(1000 * 2 ** this.#attempt++, 5000);
    this.#retryTimer = setTimeout(() => void this.#run(), delay);
  }

  /** A connection to Janus failed (ICE): again, through the relay from now on when there is one. */
  #failed(which: 'publishing' | 'receiving'): void {
    if (!this.#relayOnly && hasRelay(this.#iceServers)) this.#relayOnly = true;
    this.#restart(`${which} connection failed${this.#relayOnly ? '; through the relay next' : ''}`);
  }

  /** Janus went away or a connection broke: everything again, with a fresh token. */
  #restart(reason: string): void {
    if (this.#closed) return;
    this.#log(`SFU connection lost (${reason}); joining again`);
    this.#teardown();
    this.#downSince ??= Date.now();
    // Down for long (Janus gone, or its connections failing again and again): the session may fall back.
    if (Date.now() - this.#downSince >= (this.#options.giveUpMs ?? SFU_GIVE_UP_MS)) this.emit('unreachable', { problem: 'unreachable', message: reason });
    this.#retryLater();
  }

  #teardown(): void {
    this.#generation++;
    const client = this.#client;
    this.#client = undefined;
    this.#publisher?.pc.close();
    this.#subscriber?.pc.close();
    this.#publisher = undefined;
    this.#subscriber = undefined;
    this.#mids.clear();
    this.#wanted = [];
    this.#queue = Promise.resolve();
    client?.close();
    for (const peerId of [...this.#feeds.keys()]) {
      this.#feeds.delete(peerId);
      this.#dropPeer(peerId);
    }
  }

  #dropPeer(peerId: string): void {
    const remote = this.#remote.get(peerId) ?? {};
    this.#remote.delete(peerId);
    this.#layers.delete(peerId);
    for (const role of Object.keys(remote) as StreamRole[]) this.emit('remote-stream', { peerId, role, stream: null });
    this.emit('peer-removed', { peerId });
  }

  async #publish(client: JanusClient, token: string): Promise<void> {
    const handle = await client.attach(PLUGIN);
    const feed = `${this.localId}:${crypto.randomUUID().slice(0, 8)}`;
    const claim = await this.#options.sign({ from: this.localId, to: null, kind: 'sfu-feed' as Signal['kind'], payload: { feed, room: this.#room } });
    const joined = await client.message(handle, { request: 'join', ptype: 'publisher', room: this.#room, id: feed, display: JSON.stringify(claim), token });
    const pc = this.#connection();
    pc.onicecandidate = ({ candidate }) => client.trickle(handle, candidate ? candidate.toJSON() : null);
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === 'failed') this.#failed('publishing');
      // Up only once media can flow: a room joined whose connection never connects is still down.
      if (pc.connectionState === 'connected') this.#downSince = undefined;
    };
    this.#publisher = { handle, pc, privateId: Number(joined.data.private_id), published: false };
    const camera = this.#local.camera;
    pc.addTransceiver(camera?.getAudioTracks()[0] ?? 'audio', { direction: 'sendonly', streams: camera ? [camera] : [] });
    pc.addTransceiver(camera?.getVideoTracks()[0] ?? 'video', { direction: 'sendonly', sendEncodings: SIMULCAST_ENCODINGS.map((encoding) => ({ ...encoding })) });
    // Those already publishing: subscribing to them goes on while we publish (two connections).
    this.#accept((joined.data.publishers as unknown[]) ?? []);
    await this.#syncTracks();
    await this.#negotiate();
    this.#quality.ensure();
  }

  /**
   * Relay-only when the session says so, or once a connection to Janus failed with TURN known
   * (the SFU's own rung of the ladder: a network that blocks UDP to Janus may let TURN through).
   */
  #connection(): RTCPeerConnection {
    const relay = (this.#options.forceRelay || this.#relayOnly) && hasRelay(this.#iceServers);
    return new RTCPeerConnection({ iceServers: this.#iceServers, bundlePolicy: 'max-bundle', ...(relay ? { iceTransportPolicy: 'relay' as const } : {}) });
  }

  /** Offers what we publish and labels each stream (camera or screen) for the subscribers. */
  async #negotiate(): Promise<void> {
    const publisher = this.#publisher;
    const client = this.#client;
    if (!publisher || !client) return;
    const { pc, handle } = publisher;
    await pc.setLocalDescription(await pc.createOffer());
    const descriptions = pc
      .getTransceivers()
      .filter((transceiver) => transceiver.mid !== null && transceiver.receiver.track.kind === 'video')
      .map((transceiver, index) => ({ mid: transceiver.mid, description: index === 0 ? 'camera' : 'screen' }));
    // The first offer publishes; later ones (a screen share on or off) renegotiate with configure.
    const answer = await client.message(handle, { request: publisher.published ? 'configure' : 'publish', descriptions }, pc.localDescription!);
    publisher.published = true;
    if (answer.jsep) await pc.setRemoteDescription(answer.jsep);
  }

  /** Puts the current tracks on the publishing connection (a screen share adds a third stream). */
  async #syncTracks(): Promise<void> {
    const pc = this.#publisher?.pc;
    if (!pc) return;
    const [audio, video, screen] = pc.getTransceivers();
    const camera = this.#local.camera;
    await audio?.sender.replaceTrack(camera?.getAudioTracks()[0] ?? null);
    await video?.sender.replaceTrack(camera?.getVideoTracks()[0] ?? null);
    const screenTrack = this.#local.screen?.getVideoTracks()[0] ?? null;
    if (!screen && screenTrack) {
      pc.addTransceiver(screenTrack, { direction: 'sendonly' });
      await this.#negotiate();
    } else if (screen) {
      const direction = screenTrack ? 'sendonly' : 'inactive';
      await screen.sender.replaceTrack(screenTrack);
      if (screen.direction !== direction) {
        screen.direction = direction;
        await this.#negotiate();
      }
    }
  }

  async #onEvent(handle: number, reply: PluginReply): Promise<void> {
    const data = reply.data;
    if (handle === this.#publisher?.handle) {
      if (Array.isArray(data.publishers)) this.#accept(data.publishers);
      const gone = data.unpublished ?? data.leaving;
      if (typeof gone === 'string' && gone !== 'ok') this.#feedGone(gone);
      if (data.leaving === 'ok' && data.reason === 'kicked') {
        this.#log('the SFU removed us from the room');
        this.#teardown();
        this.emit('unreachable', { problem: 'refused', message: 'removed from the room' });
        this.#closed = true;
      }
    } else if (handle === this.#subscriber?.handle && reply.jsep) {
      this.#enqueue(() => this.#answer(reply));
    }
  }

  /** Publishers Janus told us about: those whose signed claim holds are subscribed to. */
  #accept(publishers: unknown[]): void {
    for (const entry of publishers) {
      const publisher = entry as { id?: unknown; display?: unknown; streams?: unknown };
      const id = typeof publisher.id === 'string' ? publisher.id : undefined;
      const userId = id ? feedUser(id) : undefined;
      if (!id || !userId || userId === this.localId) continue;
      const known = this.#feeds.get(userId);
      if (known?.id === id) {
        // A feed we have that published another stream (a screen share) or turned one off.
        const live = liveMids(publisher.streams);
        const added = live.filter((mid) => !known.mids.has(mid));
        const ended = [...known.mids].filter((mid) => !live.includes(mid));
        known.mids = new Set(live);
        if (ended.length) this.#enqueue(() => this.#unsubscribe(ended.map((mid) => ({ feed: id, mid }))));
        if (added.length) this.#subscribeSoon(added.map((mid) => ({ feed: id, mid })));
        continue;
      }
      const claim = parseClaim(publisher.display);
      void (async () => {
        const payload = claim?.payload as { feed?: unknown; room?: unknown } | undefined;
        const holds = claim !== undefined && claim.from === userId && payload?.feed === id && payload.room === this.#room && (await this.#options.verify(userId, claim));
        if (!holds) {
          this.#log(`SFU feed ${id} is not signed by ${userId}: ignored`);
          return;
        }
        const previous = this.#feeds.get(userId);
        if (previous?.id === id) return;
        this.#feeds.set(userId, { id, userId, mids: new Set(liveMids(publisher.streams)) });
        if (previous) this.#enqueue(() => this.#unsubscribe([{ feed: previous.id }]));
        this.#subscribeSoon([{ feed: id }]);
      })();
    }
  }

  #feedGone(feedId: string): void {
    const userId = feedUser(feedId);
    if (!userId || this.#feeds.get(userId)?.id !== feedId) return;
    this.#feeds.delete(userId);
    this.#dropPeer(userId);
  }

  #enqueue(operation: () => Promise<void>): void {
    const generation = this.#generation;
    this.#queue = this.#queue
      .then(() => (generation === this.#generation ? operation() : undefined))
      .catch((error: unknown) => {
        if (generation !== this.#generation) return;
        // A feed that left between the event and our request is no failure.
        if (error instanceof JanusError && error.code === 428) return;
        this.#log(`SFU subscription: ${String(error)}`);
      });
  }

  /**
   * Subscribes to `streams` with whatever else is waiting by the time the queue gets there: six
   * people joining at once make one renegotiation per page for the feeds that arrived meanwhile,
   * not one per feed, each waiting for the one before.
   */
  #subscribeSoon(streams: { feed: string; mid?: string }[]): void {
    const first = this.#wanted.length === 0;
    this.#wanted.push(...streams);
    if (!first) return;
    this.#enqueue(async () => {
      const live = new Set([...this.#feeds.values()].map((feed) => feed.id));
      const batch = this.#wanted.splice(0).filter((stream) => live.has(stream.feed));
      if (batch.length === 0) return;
      try {
        await this.#subscribe(batch);
      } catch (error) {
        // One feed left meanwhile (428) fails the whole request: the others one at a time.
        if (!(error instanceof JanusError && error.code === 428) || batch.length === 1) throw error;
        for (const stream of batch) await this.#subscribe([stream]).catch(() => undefined);
      }
    });
  }

  async #subscribe(streams: { feed: string; mid?: string }[]): Promise<void> {
    const client = this.#client;
    const publisher = this.#publisher;
    if (!client || !publisher) return;
    if (!this.#subscriber) {
      const handle = await client.attach(PLUGIN);
      const pc = this.#connection();
      pc.onicecandidate = ({ candidate }) => client.trickle(handle, candidate ? candidate.toJSON() : null);
      pc.ontrack = () => this.#refreshStreams();
      pc.onconnectionstatechange = () => {
        for (const peerId of this.#feeds.keys()) this.emit('peer-state', { peerId, state: pc.connectionState });
        if (pc.connectionState === 'connected') for (const peerId of this.#feeds.keys()) this.#applyLayer(peerId);
        if (pc.connectionState === 'failed') this.#failed('receiving');
      };
      this.#subscriber = { handle, pc };
      const reply = await client.message(handle, { request: 'join', ptype: 'subscriber', room: this.#room, private_id: publisher.privateId, streams });
      await this.#answer(reply);
      return;
    }
    const reply = await client.message(this.#subscriber.handle, { request: 'subscribe', streams });
    if (reply.jsep) await this.#answer(reply);
  }

  async #unsubscribe(streams: { feed: string; mid?: string }[]): Promise<void> {
    if (!this.#subscriber || !this.#client) return;
    const reply = await this.#client.message(this.#subscriber.handle, { request: 'unsubscribe', streams });
    if (reply.jsep) await this.#answer(reply);
  }

  /** Janus's offer for the subscriber connection (first, or after a change of feeds). */
  async #answer(reply: PluginReply): Promise<void> {
    const subscriber = this.#subscriber;
    const client = this.#client;
    if (!subscriber || !client || !reply.jsep) return;
    if (Array.isArray(reply.data.streams)) {
      this.#mids.clear();
      for (const [mid, info] of readStreams(reply.data.streams)) this.#mids.set(mid, info);
    }
    await subscriber.pc.setRemoteDescription(reply.jsep);
    await subscriber.pc.setLocalDescription(await subscriber.pc.createAnswer());
    await client.message(subscriber.handle, { request: 'start' }, subscriber.pc.localDescription!);
    this.#refreshStreams();
    for (const peerId of this.#feeds.keys()) this.emit('peer-state', { peerId, state: subscriber.pc.connectionState });
  }

  /** Regroups the subscriber's tracks into one MediaStream per person and role. */
  #refreshStreams(): void {
    const pc = this.#subscriber?.pc;
    if (!pc) return;
    const wanted = new Map<string, Partial<Record<StreamRole, MediaStreamTrack[]>>>();
    for (const transceiver of pc.getTransceivers()) {
      const info = transceiver.mid ? this.#mids.get(transceiver.mid) : undefined;
      const userId = info ? feedUser(info.feed) : undefined;
      if (!info || !info.active || !userId || this.#feeds.get(userId)?.id !== info.feed) continue;
      const roles = wanted.get(userId) ?? {};
      (roles[info.role] ??= []).push(transceiver.receiver.track);
      wanted.set(userId, roles);
    }
    for (const userId of new Set([...wanted.keys(), ...this.#remote.keys()])) {
      const remote = this.#remote.get(userId) ?? {};
      for (const role of ['camera', 'screen'] as StreamRole[]) {
        const tracks = wanted.get(userId)?.[role] ?? [];
        let stream = remote[role];
        if (tracks.length === 0) {
          if (!stream) continue;
          delete remote[role];
          this.emit('remote-stream', { peerId: userId, role, stream: null });
          continue;
        }
        const fresh = !stream;
        stream ??= new MediaStream();
        for (const track of stream.getTracks()) if (!tracks.includes(track)) stream.removeTrack(track);
        for (const track of tracks) if (!stream.getTracks().includes(track)) stream.addTrack(track);
        remote[role] = stream;
        if (fresh) this.emit('remote-stream', { peerId: userId, role, stream });
      }
      if (Object.keys(remote).length) this.#remote.set(userId, remote);
      else this.#remote.delete(userId);
    }
  }

  /** Asks Janus for the layer wanted for `peerId`'s camera video (default: the top one). */
  #applyLayer(peerId: string): void {
    const feed = this.#feeds.get(peerId);
    const layer = this.#layers.get(peerId);
    if (!feed || layer === undefined || !this.#subscriber) return;
    const mids = [...this.#mids].filter(([, info]) => info.feed === feed.id && info.kind === 'video' && info.role === 'camera').map(([mid]) => mid);
    if (mids.length === 0) return;
    const handle = this.#subscriber.handle;
    this.#enqueue(async () => {
      await this.#client?.message(handle, { request: 'configure', streams: mids.map((mid) => ({ mid, substream: layer })) });
    });
  }

  #log(message: string): void {
    this.#options.log?.(message);
  }
}
