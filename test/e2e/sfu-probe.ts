/**
 * What a page that does not play by the rules can do with the SFU, for test/e2e/sfu.test.ts:
 * join a room with whatever token and feed id it likes, or hold an SfuConnection of its own that
 * no session closes (a removed person's page that ignores its removal). Exposed as window.sfuProbe.
 */
import { createClient } from '@supabase/supabase-js';
import { JanusClient, JanusError } from '../../src/core/janus-client.ts';
import { requestSfuAccess } from '../../src/core/sfu-access.ts';
import { SfuConnection, type SfuAccess } from '../../src/core/sfu-connection.ts';
import { SignalSigner } from '../../src/core/signal-keys.ts';

interface Credentials {
  url: string;
  anonKey: string;
  email: string;
  password: string;
  sessionId: string;
}

async function signIn(options: Credentials) {
  const supabase = createClient(options.url, options.anonKey, { auth: { persistSession: false } });
  const signedIn = await supabase.auth.signInWithPassword({ email: options.email, password: options.password });
  if (signedIn.error) throw new Error(signedIn.error.message);
  return { supabase, userId: signedIn.data.user.id };
}

let held: SfuConnection | undefined;
const heldLog: string[] = [];
const janusClients: JanusClient[] = [];

export const sfuProbe = {
  /** video-call-sfu's answer for this user, or the problem it reported. */
  async access(options: Credentials): Promise<{ access?: SfuAccess; problem?: string; message?: string }> {
    const { supabase } = await signIn(options);
    try {
      return { access: await requestSfuAccess(supabase, options.sessionId) };
    } catch (error) {
      return { problem: (error as { problem?: string }).problem, message: (error as Error).message };
    }
  },

  /** Joins `room` as a publisher with `token` and `id` (no media): Janus's answer or error code. */
  async join(url: string, room: string, token: string | undefined, id: string, display = ''): Promise<{ joined: boolean; code?: number }> {
    const client = new JanusClient(url);
    janusClients.push(client);
    await client.connect();
    const handle = await client.attach('janus.plugin.videoroom');
    try {
      await client.message(handle, { request: 'join', ptype: 'publisher', room, id, display, ...(token === undefined ? {} : { token }) });
      return { joined: true };
    } catch (error) {
      return { joined: false, code: error instanceof JanusError ? error.code : -1 };
    }
  },

  /**
   * An SfuConnection of our own with the camera, kept open whatever happens to the session; with
   * `as`, publishing under that user's id (a member posing as another, with a key of their own).
   */
  async hold(options: Credentials, as?: string): Promise<void> {
    const { supabase, userId: own } = await signIn(options);
    const userId = as ?? own;
    const signer = await SignalSigner.create();
    const camera = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 480 } });
    held = new SfuConnection({
      localId: userId,
      sessionId: options.sessionId,
      access: () => requestSfuAccess(supabase, options.sessionId),
      sign: (signal) => signer.sign(options.sessionId, signal),
      // Shows whoever publishes: this page wants media, not identities.
      verify: async () => true,
      log: (line) => heldLog.push(line),
    });
    held.on('unreachable', ({ problem, message }) => heldLog.push(`unreachable ${problem}: ${message}`));
    held.setLocalStreams({ camera });
    held.start();
  },

  /** Video bytes received so far by the held connection, and its people. */
  async heldReceived(): Promise<{ bytes: number; peers: string[]; log: string[]; subscribed: boolean }> {
    const peers = held?.peers ?? [];
    const pc = peers.length ? held?.connection(peers[0]!) : undefined;
    let bytes = 0;
    (await pc?.getStats())?.forEach((report) => {
      if (report.type === 'inbound-rtp' && report.kind === 'video') bytes += report.bytesReceived ?? 0;
    });
    return { bytes, peers, log: heldLog.slice(), subscribed: pc !== undefined };
  },

  /** The held connection's subscriber, found even after the SFU dropped its people. */
  async heldBytesNow(): Promise<number> {
    let bytes = 0;
    for (const pc of openConnections) {
      (await pc.getStats()).forEach((report) => {
        if (report.type === 'inbound-rtp' && report.kind === 'video') bytes += report.bytesReceived ?? 0;
      });
    }
    return bytes;
  },
};

/** Every RTCPeerConnection this page made and has not closed (counted for the two-connection rule). */
const openConnections = new Set<RTCPeerConnection>();
const Native = window.RTCPeerConnection;
class Counted extends Native {
  constructor(configuration?: RTCConfiguration) {
    super(configuration);
    openConnections.add(this);
  }
  override close(): void {
    openConnections.delete(this);
    super.close();
  }
}
window.RTCPeerConnection = Counted as typeof RTCPeerConnection;
export const openConnectionCount = () => [...openConnections].filter((pc) => pc.connectionState !== 'closed').length;
