/**
 * A joined session's media — a PeerMesh, or the SFU connection (sfu-connection.ts) when the call
 * is large — made and wired to the people, the fallback ladder and presence: who is still forming
 * their connections, what a peer's presence is, where each link stands.
 * Apart from call-session.ts so that one stays readable (and under the house's 600 lines).
 */
import type { RealtimeChannel, SupabaseClient } from '@supabase/supabase-js';
import type { CallFallback } from './call-fallback.ts';
import { SessionMedia } from './call-media.ts';
import type { LinkRung } from './fallback.ts';
import type { PresenceMeta } from './participant.ts';
import type { ParticipantStore } from './participant-store.ts';
import { PeerMesh } from './peer-mesh.ts';
import { requestSfuAccess } from './sfu-access.ts';
import { SfuConnection } from './sfu-connection.ts';
import type { SignalSigner } from './signal-keys.ts';
import type { MemberKeys } from './signaling.ts';
import type { Signal } from './signal.ts';
import { chooseTopology, topologySetting, type Topology } from './topology.ts';

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
  /** What the SFU needs: the function to ask, the signer of our feed claim, the members' keys. */
  sfu: {
    supabase: SupabaseClient;
    sessionId: string;
    signer: SignalSigner | undefined;
    keys(): MemberKeys | undefined;
    /** Participant rows that are not removed. */
    invited(): number;
    /** The topology changed (our presence says which). */
    changed(topology: Topology): void;
  };
}

export function createSessionMesh(options: SessionMeshOptions): SessionMedia {
  const { fallback, people, sfu } = options;
  const presence = () => Object.entries(options.channel()?.presenceState<PresenceMeta>() ?? {});
  const setting = topologySetting(fallback.rawSettings);
  const others = presence().flatMap(([id, metas]) => (id !== options.localId && metas[0]?.topology ? [metas[0].topology] : []));
  const present = new Set([options.localId, ...presence().map(([id]) => id)]);
  const topology = sfu.signer ? chooseTopology({ setting, invited: sfu.invited(), present: present.size, others }) : 'mesh';
  const media = new SessionMedia({
    topology,
    quietWhenUnavailable: setting === 'auto',
    makeMesh: () =>
      new PeerMesh({
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
        othersForming: () => presence().some(([id, metas]) => id !== options.localId && metas[0]?.forming === true),
        log: options.log,
      }),
    makeSfu: () =>
      new SfuConnection({
        localId: options.localId,
        sessionId: sfu.sessionId,
        iceServers: options.iceServers,
        forceRelay: fallback.settings.forceRelay,
        access: () => requestSfuAccess(sfu.supabase, sfu.sessionId),
        sign: (signal) => sfu.signer!.sign(sfu.sessionId, signal),
        verify: async (userId, claim) => claim.from === userId && (await sfu.keys()?.verify(claim, Date.now(), true)) === true,
        log: options.log,
      }),
    present: () => [...new Set([options.localId, ...presence().map(([id]) => id)])],
    fallback: (detail) => fallback.stepDown(detail),
    recovered: () => {
      if (fallback.detail?.reason === 'sfu-unreachable') fallback.works(undefined);
    },
    changed: sfu.changed,
    log: options.log,
  });
  media.on('forming', options.forming);
  media.on('remote-stream', () => people.changed());
  media.on('quality', () => people.changed());
  media.on('peer-state', ({ peerId, state }) => {
    people.setConnection(peerId, state);
    if ((state === 'failed' || state === 'closed') && !people.isPresent(peerId)) media.remove(peerId, false);
  });
  media.on('peer-removed', ({ peerId }) => {
    people.setConnection(peerId, undefined);
    fallback.works(peerId);
  });
  media.on('fallback', (detail) => fallback.stepDown(detail));
  media.on('rung', ({ peerId, rung }) => {
    options.rung(peerId, rung);
    if (rung !== 'failed' && fallback.detail?.step !== 'relay') fallback.works(peerId);
    people.changed();
  });
  return media;
}
