/** PeerJS, what a user might pick instead: a full mesh of media calls through a local peer server. */
import { Peer } from 'peerjs';
import { firstFrames, MEDIA, watch } from './common.ts';

let peer: Peer;

async function prepare(host: string, port: number, id: string): Promise<void> {
  peer = new Peer(id, { host, port, path: '/', debug: 0 });
  await new Promise<void>((resolve, reject) => {
    peer.on('open', () => resolve());
    peer.on('error', reject);
  });
}

async function run(others: string[]): Promise<void> {
  const stream = await navigator.mediaDevices.getUserMedia(MEDIA);
  peer.on('call', (call) => {
    call.answer(stream);
    call.on('stream', (remote) => watch(call.peer, remote));
  });
  // Each pair calls once: the one with the larger id calls.
  for (const other of others) {
    if (other < peer.id) {
      const call = peer.call(other, stream);
      call.on('stream', (remote) => watch(other, remote));
    }
  }
}

Object.assign(window, { bench: { prepare, run, firstFrames } });
