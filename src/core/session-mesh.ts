/**
 * A joined session's PeerMesh, made and wired to the people, the fallback ladder and presence:
 * who is still forming their connections, what a peer's presence is, where each link stands.
 * Apart from call-session.ts so that one stays readable (and under the house's 600 lines).
 */
import type { RealtimeChannel } from '@supabase/supabase-js';
import type { CallFallback } from './call-fallback.ts';
import type { LinkRung } from './fallback.ts';
import type { PresenceMeta } from './participant.ts';
import type { ParticipantStore } from './participant-store.ts';
import { PeerMesh } from './peer-mesh.ts';
import type { Signal } from './signal.ts';

export interface SessionMeshOptions {
  localId: string;
  iceServers: RTCIceServer[];
  fallback: CallFallback;
  people: ParticipantStore;
  connectTimeoutMs?: number;
  retryFailedMs?: number;
  /** The call channel now (its presence). */
  channel(): RealtimeChannel | undefined;
  send(signal: Omit<Signal, 'from'>): void;
  /** Whether some of our connections are still forming (published in presence). */
  forming(forming: boolean): void;
  rung(peerId: string, rung: LinkRung): void;
  log(message: string): void;
}

export function createSessionMesh(options: SessionMeshOptions): PeerMesh {
  const { fallback, people } = options;
  const mesh = new PeerMesh({
    localId: options.localId,
    iceServers: options.iceServers,
    fallback: fallback.settings,
    ...(options.connectTimeoutMs ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
    ...(options.retryFailedMs ? { retryFailedMs: options.retryFailedMs } : {}),
    send: options.send,
    // Cameras stay small until nobody's connections are forming (each says so in presence).
    presenceOf: (peerId) =>
      options
        .channel()
        ?.presenceState()
        [peerId]?.map((meta) => meta.presence_ref)
        .sort()
        .join(' '),
    othersForming: () =>
      Object.entries(options.channel()?.presenceState<PresenceMeta>() ?? {}).some(([id, metas]) => id !== options.localId && metas[0]?.forming === true),
    log: options.log,
  });
  mesh.on('forming', options.forming);
  mesh.on('remote-stream', () => people.changed());
  mesh.on('quality', () => people.changed());
  mesh.on('peer-state', ({ peerId, state }) => {
    people.setConnection(peerId, state);
    if ((state === 'failed' || state === 'closed') && !people.isPresent(peerId)) mesh.remove(peerId, false);
  });
  mesh.on('peer-removed', ({ peerId }) => {
    people.setConnection(peerId, undefined);
    fallback.works(peerId);
  });
  mesh.on('fallback', (detail) => fallback.stepDown(detail));
  mesh.on('rung', ({ peerId, rung }) => {
    options.rung(peerId, rung);
    if (rung !== 'failed' && fallback.detail?.step !== 'relay') fallback.works(peerId);
    people.changed();
  });
  return mesh;
}
