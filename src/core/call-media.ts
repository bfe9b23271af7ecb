/**
 * The call's media, mesh or SFU, behind one interface: the session talks to a CallMedia and
 * never knows which. SessionMedia picks the topology at join (topology.ts) and makes the one
 * change a running call allows: from the SFU down to a mesh when the SFU cannot be reached and
 * the call is small enough (fallback reason `sfu-unreachable`, step `mesh`; `none` when it is
 * too big, and the SFU keeps being retried).
 */
import type { ConnectionQuality } from './connection-quality.ts';
import type { LinkRung } from './fallback.ts';
import type { PeerMesh, PeerMeshEvents } from './peer-mesh.ts';
import type { LocalStreams, StreamRole } from './peer-link.ts';
import type { SfuConnection } from './sfu-connection.ts';
import type { Signal } from './signal.ts';
import { meshCanCarry, type Topology } from './topology.ts';
import { TypedEventTarget } from './typed-events.ts';
import type { ViewScale } from './view-requests.ts';

/** What the session uses of its media connections (PeerMesh's interface). */
export interface CallMedia {
  readonly topology: Topology;
  readonly peers: string[];
  on<K extends keyof PeerMeshEvents & string>(type: K, listener: (detail: PeerMeshEvents[K]) => void): () => void;
  connection(peerId: string): RTCPeerConnection | undefined;
  connectionState(peerId: string): RTCPeerConnectionState | undefined;
  quality(peerId: string): ConnectionQuality | undefined;
  remoteStreams(peerId: string): Partial<Record<StreamRole, MediaStream>>;
  setIceServers(servers: RTCIceServer[]): void;
  rung(peerId: string): LinkRung | undefined;
  retry(peerId: string): void;
  requestView(peerId: string, scale: ViewScale): void;
  setLocalStreams(streams: LocalStreams): void;
  connect(peerId: string): void;
  expect(peerId: string, pending?: boolean): void;
  handle(signal: Signal): Promise<void>;
  remove(peerId: string, sayBye?: boolean): void;
  /** The host removed `peerId`: no media to or from them any more. */
  removed(peerId: string): void;
  restartAll(): void;
  resize(): void;
  close(sayBye?: boolean): void;
}

const EVENTS: readonly (keyof PeerMeshEvents)[] = ['remote-stream', 'peer-state', 'peer-removed', 'forming', 'fallback', 'rung', 'quality', 'stats'];

export interface SessionMediaOptions {
  /** The topology chosen at join. */
  topology: Topology;
  makeMesh(): PeerMesh;
  makeSfu(): SfuConnection;
  /** People in the call now (present on the channel, us included). */
  present(): string[];
  /** Whether the SFU is configured is known only by asking: `auto` goes quietly to a mesh when not. */
  quietWhenUnavailable: boolean;
  fallback(detail: { reason: 'sfu-unreachable'; step: 'mesh' | 'none' }): void;
  /** The SFU connection is (again) up: a notice about it goes. */
  recovered(): void;
  /** The topology changed (our presence says it). */
  changed(topology: Topology): void;
  log(message: string): void;
}

export class SessionMedia extends TypedEventTarget<PeerMeshEvents> implements CallMedia {
  #inner: PeerMesh | SfuConnection;
  #off: (() => void)[] = [];
  #local: LocalStreams = {};
  #iceServers: RTCIceServer[] | undefined;
  #views = new Map<string, ViewScale>();
  readonly #options: SessionMediaOptions;

  constructor(options: SessionMediaOptions) {
    super();
    this.#options = options;
    this.#inner = this.#make(options.topology);
  }

  get topology(): Topology {
    return this.#inner.topology;
  }

  get peers(): string[] {
    return this.#inner.peers;
  }

  /** The SFU connection while the call is on one (tests and stats). */
  get sfu(): SfuConnection | undefined {
    return this.#inner.topology === 'sfu' ? (this.#inner as SfuConnection) : undefined;
  }

  connection = (peerId: string) => this.#inner.connection(peerId);
  connectionState = (peerId: string) => this.#inner.connectionState(peerId);
  quality = (peerId: string) => this.#inner.quality(peerId);
  remoteStreams = (peerId: string) => this.#inner.remoteStreams(peerId);
  rung = (peerId: string) => this.#inner.rung(peerId);
  retry = (peerId: string) => this.#inner.retry(peerId);
  connect = (peerId: string) => this.#inner.connect(peerId);
  expect = (peerId: string, pending?: boolean) => this.#inner.expect(peerId, pending);
  handle = (signal: Signal) => this.#inner.handle(signal);
  remove = (peerId: string, sayBye?: boolean) => this.#inner.remove(peerId, sayBye);
  removed = (peerId: string) => this.#inner.removed(peerId);
  restartAll = () => this.#inner.restartAll();
  resize = () => this.#inner.resize();

  setIceServers(servers: RTCIceServer[]): void {
    this.#iceServers = servers;
    this.#inner.setIceServers(servers);
  }

  requestView(peerId: string, scale: ViewScale): void {
    this.#views.set(peerId, scale);
    this.#inner.requestView(peerId, scale);
  }

  setLocalStreams(streams: LocalStreams): void {
    this.#local = streams;
    this.#inner.setLocalStreams(streams);
  }

  close(sayBye?: boolean): void {
    this.#inner.close(sayBye);
  }

  #make(topology: Topology): PeerMesh | SfuConnection {
    for (const off of this.#off) off();
    const inner = topology === 'sfu' ? this.#options.makeSfu() : this.#options.makeMesh();
    this.#off = EVENTS.map((type) => (inner as CallMedia).on(type, (detail: unknown) => this.emit(type, detail as never)));
    if (topology === 'sfu') {
      const sfu = inner as SfuConnection;
      this.#off.push(sfu.on('unreachable', ({ problem }) => this.#sfuDown(problem)));
      this.#off.push(sfu.on('ready', () => this.#options.recovered()));
      sfu.start();
    }
    return inner;
  }

  /** The SFU is out of reach (or not configured): a mesh when the call is small enough. */
  #sfuDown(problem: 'unavailable' | 'unreachable' | 'refused'): void {
    if (problem === 'refused' || this.#inner.topology !== 'sfu') return;
    const present = this.#options.present();
    // `auto` on a project without an SFU: a mesh whatever the size, there is nothing else.
    const quiet = problem === 'unavailable' && this.#options.quietWhenUnavailable;
    if (!quiet && !meshCanCarry(present.length)) {
      this.#options.fallback({ reason: 'sfu-unreachable', step: 'none' });
      return;
    }
    this.#options.log(`SFU ${problem}: ${present.length} people go on as a mesh`);
    this.#inner.close(false);
    const mesh = this.#make('mesh');
    this.#inner = mesh;
    if (this.#iceServers) mesh.setIceServers(this.#iceServers);
    mesh.setLocalStreams(this.#local);
    for (const peerId of present) mesh.connect(peerId);
    // Whoever went over to the mesh before us offered to a page still on the SFU, which dropped
    // it: asking each for a fresh start has them negotiate with us now.
    mesh.restartAll();
    for (const [peerId, scale] of this.#views) mesh.requestView(peerId, scale);
    if (!quiet) this.#options.fallback({ reason: 'sfu-unreachable', step: 'mesh' });
    this.#options.changed('mesh');
  }
}
