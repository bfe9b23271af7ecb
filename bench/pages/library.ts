/** supabase-call-widgets' core: sign in first, then time `join()` to the first remote frames. */
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { CallClient } from '../../src/core/call-client.ts';
import type { CallSession } from '../../src/core/call-session.ts';
import { SignalSigner } from '../../src/core/signal-keys.ts';
import { firstFrames, watch } from './common.ts';
import { installTrace, self, trace } from './trace.ts';

const traced = new URLSearchParams(location.search).has('trace');
if (traced) installTrace();

let supabase: SupabaseClient;
let client: CallClient;
let session: CallSession;
let t0 = 0;

async function prepare(url: string, anonKey: string, email: string, password: string, sessionId: string): Promise<void> {
  supabase = createClient(url, anonKey, { auth: { persistSession: false } });
  const { error } = await supabase.auth.signInWithPassword({ email, password });
  if (error) throw new Error(error.message);
  self.id = (await supabase.auth.getUser()).data.user?.id ?? '';
  t0 = performance.now();
  const log = (message: string) => {
    console.log(`${(performance.now() - t0).toFixed(0)} ${message}`);
    if (traced) trace.push({ t: Date.now(), peer: '', what: `log ${message}` });
  };
  client = new CallClient({ client: supabase });
  session = await client.session(sessionId, { log });
  session.on('participants', (list) => {
    for (const participant of list) if (!participant.isLocal && participant.camera) watch(participant.id, participant.camera);
  });
  // As the floor opens its relay socket and PeerJS registers before the clock: the key, the
  // channel and the rows (a pre-join screen would have them ready the same way).
  await session.prepare();
}

async function run(): Promise<void> {
  t0 = performance.now();
  await session.join();
}

/**
 * Signal round trips as the library sends them: a signed broadcast on the private call channel,
 * verified against the sender's stored key on the other side, answered the same way.
 */
async function pingChannel(onMessage: (event: string, payload: { from: string }) => void) {
  const { MemberKeys } = await import('../../src/core/signaling.ts');
  const signer = await SignalSigner.create();
  await supabase.from('video_call_participants').update({ signal_key: signer.publicJwk }).eq('session_id', session.id).eq('user_id', session.userId);
  const keys = new MemberKeys(supabase, session.id);
  const channel = supabase.channel(`bench:${session.id}`);
  for (const event of ['bench-ping', 'bench-pong']) {
    channel.on('broadcast', { event }, async ({ payload }) => {
      if (await keys.verify(payload)) onMessage(event, payload);
    });
  }
  await new Promise<void>((resolve) => channel.subscribe((status) => status === 'SUBSCRIBED' && resolve()));
  const send = async (event: string, to: string) => {
    const signed = await signer.sign(session.id, { from: session.userId, to, kind: 'ice', payload: { candidates: [] } });
    await channel.send({ type: 'broadcast', event, payload: signed });
  };
  return { send, close: () => supabase.removeChannel(channel) };
}

async function answerPings(): Promise<void> {
  const ping = await pingChannel((event, payload) => {
    if (event === 'bench-ping') void ping.send('bench-pong', payload.from);
  });
}

async function signalingRoundTrips(peerId: string, samples: number): Promise<number[]> {
  let pending: (() => void) | undefined;
  const ping = await pingChannel((event) => event === 'bench-pong' && pending?.());
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    await new Promise<void>((resolve) => {
      pending = resolve;
      void ping.send('bench-ping', peerId);
    });
    times.push(performance.now() - started);
  }
  await ping.close();
  return times;
}

/** Chat messages as `<call-chat>` sends them: stored in video_call_messages, delivered by postgres_changes. */
async function answerChat(): Promise<void> {
  const chat = await client.chat(session.id);
  await chat.start();
  chat.on('message', ({ message }) => {
    if (!message.own && message.body.startsWith('ping ')) void chat.send(`pong ${message.body.slice(5)}`);
  });
}

/** `samples` chat round trips, `gapMs` apart (the table takes 20 messages per 10 s per person). */
async function chatRoundTrips(samples: number, gapMs: number): Promise<number[]> {
  const chat = await client.chat(session.id);
  await chat.start();
  let pending: ((body: string) => void) | undefined;
  chat.on('message', ({ message }) => {
    if (!message.own) pending?.(message.body);
  });
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    await new Promise<void>((resolve) => {
      pending = (body) => body === `pong ${i}` && resolve();
      void chat.send(`ping ${i}`);
    });
    times.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, gapMs));
  }
  return times;
}

/** Bytes this page has sent on all its connections (mesh: one per peer; SFU: the publishing one). */
async function bytesSent(): Promise<number> {
  const media = session.mesh;
  if (!media) return 0;
  const connections = media.topology === 'sfu' ? [media.connection('publish')] : media.peers.map((id) => media.connection(id));
  let bytes = 0;
  for (const pc of connections) {
    (await pc?.getStats())?.forEach((report) => {
      if (report.type === 'outbound-rtp') bytes += (report.bytesSent ?? 0) + (report.headerBytesSent ?? 0);
    });
  }
  return bytes;
}

Object.assign(window, { bench: { prepare, run, bytesSent, topology: () => session.mesh?.topology, firstFrames, trace, signalingRoundTrips, answerPings, answerChat, chatRoundTrips, leave: () => session.leave() } });
