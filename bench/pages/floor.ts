/**
 * The floor: bare RTCPeerConnections, a full mesh, signaled through the bench's own WebSocket
 * relay, with nothing else. Lower index offers; candidates trickle one by one.
 */
import { firstFrames, MEDIA, watch } from './common.ts';

let ws: WebSocket;
let index = 0;
const early: MessageEvent[] = [];

/** Connects to the relay before the clock starts, as the others sign in or register first. */
async function prepare(relayUrl: string, ownIndex: number): Promise<void> {
  index = ownIndex;
  ws = new WebSocket(relayUrl);
  ws.onmessage = (event) => early.push(event);
  await new Promise((resolve) => (ws.onopen = resolve));
}

async function run(count: number): Promise<void> {
  const stream = await navigator.mediaDevices.getUserMedia(MEDIA);
  const connections = new Map<number, RTCPeerConnection>();
  const send = (to: number, message: object) => ws.send(JSON.stringify({ ...message, from: index, to }));
  const connection = (peer: number) => {
    let pc = connections.get(peer);
    if (pc) return pc;
    pc = new RTCPeerConnection();
    connections.set(peer, pc);
    for (const track of stream.getTracks()) pc.addTrack(track, stream);
    pc.onicecandidate = ({ candidate }) => candidate && send(peer, { candidate: candidate.toJSON() });
    pc.ontrack = (event) => watch(String(peer), event.streams[0]);
    return pc;
  };
  let queue = Promise.resolve();
  const handle = ({ data }: MessageEvent) => {
    queue = queue.then(async () => {
      const message = JSON.parse(data);
      if (message.to !== index) return;
      const pc = connection(message.from);
      if (message.description) {
        await pc.setRemoteDescription(message.description);
        if (message.description.type === 'offer') {
          await pc.setLocalDescription();
          send(message.from, { description: pc.localDescription });
        }
      } else if (message.candidate) await pc.addIceCandidate(message.candidate).catch(() => undefined);
    });
  };
  ws.onmessage = handle;
  for (const event of early.splice(0)) handle(event);
  for (let peer = index + 1; peer < count; peer++) {
    const pc = connection(peer);
    await pc.setLocalDescription();
    send(peer, { description: pc.localDescription });
  }
}

Object.assign(window, { bench: { prepare, run, firstFrames } });

/** Bare relay round trips between two pages: ping → relay → page → relay → back. */
async function relayRoundTrips(relayUrl: string, index: number, peer: number, samples: number): Promise<number[]> {
  const ws = new WebSocket(relayUrl);
  await new Promise((resolve) => (ws.onopen = resolve));
  let pending: (() => void) | undefined;
  ws.onmessage = ({ data }) => {
    const message = JSON.parse(data);
    if (message.to === index && message.pong !== undefined) pending?.();
  };
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    await new Promise<void>((resolve) => {
      pending = resolve;
      ws.send(JSON.stringify({ from: index, to: peer, ping: i }));
    });
    times.push(performance.now() - started);
  }
  ws.close();
  return times;
}

async function answerRelayPings(relayUrl: string, index: number): Promise<void> {
  const ws = new WebSocket(relayUrl);
  await new Promise((resolve) => (ws.onopen = resolve));
  ws.onmessage = ({ data }) => {
    const message = JSON.parse(data);
    if (message.to === index && message.ping !== undefined) ws.send(JSON.stringify({ from: index, to: message.from, pong: message.ping }));
  };
}

Object.assign((window as never as { bench: object }).bench, { relayRoundTrips, answerRelayPings });
