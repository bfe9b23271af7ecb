/**
 * BENCH_TRACE: what happened when on a library page, recorded from outside the core so tracing
 * costs the shipped bundle nothing. Wraps RTCPeerConnection (descriptions, candidates, states), the
 * mesh's entry points (a peer seen, a signal handled), the transport's send and raw receive, and
 * fetch (the join RPC). Times are wall-clock ms (Date.now()), comparable across pages.
 */
import { RealtimeChannel } from '@supabase/supabase-js';
import { PeerMesh } from '../../src/core/peer-mesh.ts';
import { BroadcastTransport } from '../../src/core/signaling.ts';

export interface TraceEvent {
  t: number;
  /** The remote peer (user id) the event concerns, or '' for the page itself. */
  peer: string;
  what: string;
  /** For a request: how long it took. */
  ms?: number;
}

export const trace: TraceEvent[] = [];
/** The local user id, once signed in: only signals addressed to it count as arrived. */
export const self = { id: '' };
const mark = (peer: string, what: string) => trace.push({ t: Date.now(), peer, what });

const peerOf = new WeakMap<RTCPeerConnection, string>();
const pending = new WeakMap<RTCPeerConnection, TraceEvent[]>();
/** Records against the connection's peer, or holds the event until the mesh says whose it is. */
const pcMark = (pc: RTCPeerConnection, what: string) => {
  const peer = peerOf.get(pc);
  const event = { t: Date.now(), peer: peer ?? '', what };
  if (peer) trace.push(event);
  else pending.set(pc, [...(pending.get(pc) ?? []), event]);
};
const tag = (mesh: PeerMesh, peerId: string) => {
  const pc = mesh.connection(peerId);
  if (!pc || peerOf.has(pc)) return;
  peerOf.set(pc, peerId);
  for (const event of pending.get(pc) ?? []) trace.push({ ...event, peer: peerId });
  pending.delete(pc);
};

export function installTrace(): void {
  const Native = window.RTCPeerConnection;
  class Traced extends Native {
    constructor(config?: RTCConfiguration) {
      super(config);
      pcMark(this, 'pc created');
      let firstLocal = true;
      this.addEventListener('icecandidate', ({ candidate }) => {
        if (candidate && firstLocal) pcMark(this, 'first local candidate');
        firstLocal &&= !candidate;
      });
      this.addEventListener('iceconnectionstatechange', () => pcMark(this, `ice ${this.iceConnectionState}`));
      this.addEventListener('connectionstatechange', () => pcMark(this, `pc ${this.connectionState}`));
      this.addEventListener('track', () => pcMark(this, 'track'));
    }
    override async setLocalDescription(description?: RTCLocalSessionDescriptionInit): Promise<void> {
      await super.setLocalDescription(description);
      pcMark(this, `local ${this.localDescription?.type}`);
    }
    override async setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
      await super.setRemoteDescription(description);
      pcMark(this, `remote ${description.type}`);
    }
    #firstRemote = true;
    override async addIceCandidate(candidate?: RTCIceCandidateInit | null): Promise<void> {
      if (this.#firstRemote) pcMark(this, 'first remote candidate');
      this.#firstRemote = false;
      return super.addIceCandidate(candidate ?? undefined);
    }
    override restartIce(): void {
      pcMark(this, 'restartIce');
      super.restartIce();
    }
  }
  window.RTCPeerConnection = Traced as typeof RTCPeerConnection;

  const setLocalStreams = PeerMesh.prototype.setLocalStreams;
  PeerMesh.prototype.setLocalStreams = function (this: PeerMesh, streams) {
    if (!this.peers.length) mark('', 'mesh ready');
    setLocalStreams.call(this, streams);
  };
  const connect = PeerMesh.prototype.connect;
  PeerMesh.prototype.connect = function (this: PeerMesh, peerId: string) {
    if (peerId !== this.localId && !this.connection(peerId)) mark(peerId, 'presence seen');
    connect.call(this, peerId);
    tag(this, peerId);
  };
  const handle = PeerMesh.prototype.handle;
  PeerMesh.prototype.handle = async function (this: PeerMesh, signal) {
    if (signal.kind !== 'ice') mark(signal.from, `${signal.kind} verified`);
    const done = handle.call(this, signal);
    tag(this, signal.from);
    return done;
  };
  const send = BroadcastTransport.prototype.send;
  BroadcastTransport.prototype.send = function (this: BroadcastTransport, signal) {
    if (signal.to) mark(signal.to, `${signal.kind} sent`);
    return send.call(this, signal);
  };
  const attach = BroadcastTransport.prototype.attach;
  BroadcastTransport.prototype.attach = function (this: BroadcastTransport, channel: RealtimeChannel) {
    channel.on('broadcast', { event: 'signal' }, ({ payload }) => {
      const raw = payload as { from?: string; to?: string | null; kind?: string };
      if (raw.from && raw.kind !== 'ice' && (!raw.to || raw.to === self.id)) mark(raw.from, `${raw.kind} arrived`);
    });
    attach.call(this, channel);
  };
  const subscribe = RealtimeChannel.prototype.subscribe;
  RealtimeChannel.prototype.subscribe = function (this: RealtimeChannel, callback, timeout) {
    if (this.topic.includes('call:')) mark('', 'channel join sent');
    return subscribe.call(
      this,
      (status, error) => {
        if (this.topic.includes('call:')) mark('', `channel ${status}`);
        callback?.(status, error);
      },
      timeout,
    );
  };
  const track = RealtimeChannel.prototype.track;
  RealtimeChannel.prototype.track = async function (this: RealtimeChannel, payload, options) {
    const result = await track.call(this, payload, options);
    mark('', `presence track ${result}`);
    return result;
  };
  const setParameters = RTCRtpSender.prototype.setParameters;
  RTCRtpSender.prototype.setParameters = async function (this: RTCRtpSender, parameters, options) {
    await setParameters.call(this, parameters, options);
    const scale = parameters.encodings?.[0]?.scaleResolutionDownBy;
    if (scale) mark('', scale > 1 ? 'camera small' : 'camera full size');
  };
  const nativeFetch = window.fetch;
  window.fetch = async (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    let name = /\/rest\/v1\/(rpc\/)?([a-z_]+)/.exec(url)?.slice(1).join('') ?? '';
    // The member keys' read (MemberKeys.refresh) selects only user_id and signal_key.
    if (name === 'video_call_participants' && /select=user_id%2Csignal_key|select=user_id,signal_key/.test(url)) name = 'signal keys';
    const sent = Date.now();
    const response = await nativeFetch(input, init);
    // The answer's body is read too, so the time is the whole request's.
    if (name) {
      const method = init?.method ?? 'GET';
      void response
        .clone()
        .arrayBuffer()
        .then(() => trace.push({ t: Date.now(), peer: '', what: `${name} ${method} done`, ms: Date.now() - sent }));
    }
    return response;
  };
  const getUserMedia = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = async (constraints) => {
    const stream = await getUserMedia(constraints);
    mark('', 'media ready');
    return stream;
  };
}
