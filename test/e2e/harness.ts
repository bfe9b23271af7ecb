/**
 * The page end-to-end tests drive: the call core alone (no elements), exposed on window.harness
 * so Playwright can join, toggle media, leave and inspect what arrived.
 */
import { createClient } from '@supabase/supabase-js';
import { CallClient } from '../../src/core/call-client.ts';
import type { CallSession } from '../../src/core/call-session.ts';
import type { TransportName } from '../../src/core/signaling.ts';
import { openConnectionCount, sfuProbe } from './sfu-probe.ts';

interface StartOptions {
  url: string;
  anonKey: string;
  email: string;
  password: string;
  sessionId: string;
  transport?: TransportName;
  /** Only get ready (CallSession.prepare): watch who is in the call, unseen; `join()` later. */
  prepareOnly?: boolean;
  /** Host-supplied STUN/TURN servers and peer-mesh timings (test/e2e/fallback.test.ts). */
  iceServers?: RTCIceServer[];
  connectTimeoutMs?: number;
  retryFailedMs?: number;
}

let session: CallSession | undefined;
const logs: string[] = [];
const fallbacks: unknown[] = [];
const videos = new Map<string, HTMLVideoElement>();

async function start(options: StartOptions): Promise<string> {
  const supabase = createClient(options.url, options.anonKey, { auth: { persistSession: false } });
  const signedIn = await supabase.auth.signInWithPassword({ email: options.email, password: options.password });
  if (signedIn.error) throw new Error(signedIn.error.message);
  const client = new CallClient({ client: supabase });
  const { iceServers, connectTimeoutMs, retryFailedMs } = options;
  session = await client.session(options.sessionId, { transport: options.transport, log: (line) => logs.push(`${(performance.now() / 1000).toFixed(2)} ${line}`), iceServers, connectTimeoutMs, retryFailedMs });
  session.on('fallback', (detail) => fallbacks.push(detail));
  session.on('participants', (list) => {
    for (const participant of list) {
      if (participant.isLocal || !participant.camera) continue;
      let video = videos.get(participant.id);
      if (!video) {
        video = document.createElement('video');
        video.autoplay = true;
        video.muted = true;
        video.playsInline = true;
        video.dataset.peer = participant.id;
        document.body.append(video);
        videos.set(participant.id, video);
      }
      if (video.srcObject !== participant.camera) video.srcObject = participant.camera;
    }
  });
  if (options.prepareOnly) await session.prepare();
  else await session.join();
  return session.userId;
}

/** Per remote peer: decoded video frames so far, audio bytes received, mic and presence as seen here. */
async function peers(): Promise<Record<string, { frames: number; width: number; audioBytes: number; audioLive: boolean; mic: boolean; presence: string; connection?: string }>> {
  const result: Record<string, { frames: number; width: number; audioBytes: number; audioLive: boolean; mic: boolean; presence: string; connection?: string }> = {};
  if (!session) return result;
  for (const participant of session.participants) {
    if (participant.isLocal || participant.presence !== 'connected') continue;
    const video = videos.get(participant.id);
    const quality = video?.getVideoPlaybackQuality();
    let audioBytes = 0;
    const connection = session.mesh?.connection(participant.id);
    const heard = participant.camera?.getAudioTracks()[0];
    if (connection) {
      // Their own audio track's stats: on the SFU one connection carries everyone.
      const stats = await connection.getStats(session.mesh?.topology === 'sfu' ? heard ?? null : null);
      stats.forEach((report) => {
        if (report.type === 'inbound-rtp' && report.kind === 'audio') audioBytes += report.bytesReceived ?? 0;
      });
    }
    const audio = participant.camera?.getAudioTracks()[0];
    result[participant.id] = {
      frames: quality?.totalVideoFrames ?? 0,
      width: video?.videoWidth ?? 0,
      audioBytes,
      audioLive: audio?.readyState === 'live',
      mic: participant.mic,
      presence: participant.presence,
      connection: participant.connection,
    };
  }
  return result;
}

Object.assign(window, {
  sfuProbe,
  harness: {
    /** RTCPeerConnections open on this page now. */
    connections: openConnectionCount,
    topology: () => session?.mesh?.topology,
    start,
    peers,
    state: () => session?.state ?? 'none',
    logs: () => logs.slice(),
    /** Every `fallback` event of the session, in order. */
    fallbacks: () => fallbacks.slice(),
    session: () => session,
    setMic: (on: boolean) => session?.setMic(on),
    leave: () => session?.leave(),
    join: () => session?.join(),
    /** Whom the session shows as in the call, the local person aside. */
    present: () => session?.participants.filter((p) => !p.isLocal && p.presence === 'connected').map((p) => p.id) ?? [],
  },
});
