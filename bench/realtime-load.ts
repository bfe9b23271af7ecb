/**
 * Realtime under load: a throwaway in-memory stack, 20 private calls of 10 members each, every
 * member a supabase-js client with its own socket on its call's private channel `call:<id>`.
 * Each member sends a bounded number of broadcasts at a steady pace; every other member of the
 * same call should receive each one. Reports delivery latency (send → receive, one process, one
 * clock) and counts of lost, duplicated and foreign (another call's) messages: 0 expected.
 *
 * BENCH_LOAD_CALLS (20), BENCH_LOAD_MEMBERS (10), BENCH_LOAD_MESSAGES (20 per member) and
 * BENCH_LOAD_INTERVAL_MS (200 between one member's sends) change the shape.
 * Standalone: `node --import tsx bench/realtime-load.ts`.
 */
import { performance } from 'node:perf_hooks';
import type { RealtimeChannel } from '@supabase/supabase-js';
import { startTestStack, type TestUser } from '../test/support/stack.ts';

const CALLS = Number(process.env.BENCH_LOAD_CALLS ?? 20);
const MEMBERS = Number(process.env.BENCH_LOAD_MEMBERS ?? 10);
const MESSAGES = Number(process.env.BENCH_LOAD_MESSAGES ?? 20);
const INTERVAL_MS = Number(process.env.BENCH_LOAD_INTERVAL_MS ?? 200);
/** How long deliveries may still arrive after the last send before the rest count as lost. */
const DRAIN_MS = 10_000;

interface Load {
  session: string;
  from: number;
  seq: number;
  sentAt: number;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const subscribe = (channel: RealtimeChannel) =>
  new Promise<void>((resolve, reject) =>
    channel.subscribe((status, error) => {
      if (status === 'SUBSCRIBED') resolve();
      else if (status !== 'CLOSED') reject(error ?? new Error(`channel ${channel.topic}: ${status}`));
    }),
  );

export async function benchRealtimeLoad(report: (label: string, value: string) => void): Promise<void> {
  const stack = await startTestStack();
  try {
    const setupStarted = performance.now();
    const calls: { session: string; members: TestUser[] }[] = [];
    for (let c = 0; c < CALLS; c++) {
      const members: TestUser[] = [];
      for (let m = 0; m < MEMBERS; m++) members.push(await stack.createUser({ name: `Load ${c}.${m}` }));
      const host = members[0];
      const { data, error } = await host.client.from('video_call_sessions').insert({ title: `load ${c}` }).select('id').single();
      if (error) throw new Error(`could not create a session: ${error.message}`);
      const invited = await host.client.from('video_call_participants').insert(members.slice(1).map((member) => ({ session_id: data.id, user_id: member.id })));
      if (invited.error) throw new Error(`could not invite: ${invited.error.message}`);
      calls.push({ session: data.id, members });
    }
    const setupMs = performance.now() - setupStarted;

    const latencies: number[] = [];
    const received = new Map<string, number>();
    let foreign = 0;
    const expected = CALLS * MEMBERS * MESSAGES * (MEMBERS - 1);
    let allDelivered: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (allDelivered = resolve));

    const joinStarted = performance.now();
    const senders: { channel: RealtimeChannel; session: string; from: number }[] = [];
    for (const { session, members } of calls) {
      await Promise.all(
        members.map(async (member, index) => {
          const channel = member.client.channel(`call:${session}`, { config: { private: true, broadcast: { self: false, ack: false } } });
          channel.on('broadcast', { event: 'load' }, ({ payload }) => {
            const load = payload as Load;
            const now = performance.now();
            if (load.session !== session) {
              foreign++;
              return;
            }
            const key = `${load.session}:${load.from}:${load.seq}:${index}`;
            received.set(key, (received.get(key) ?? 0) + 1);
            latencies.push(now - load.sentAt);
            if (received.size >= expected) allDelivered();
          });
          await subscribe(channel);
          senders.push({ channel, session, from: index });
        }),
      );
    }
    const joinMs = performance.now() - joinStarted;

    const sendStarted = performance.now();
    let sent = 0;
    await Promise.all(
      senders.map(async ({ channel, session, from }) => {
        // Members start at random points of the interval so the sends spread out evenly.
        await sleep(Math.random() * INTERVAL_MS);
        for (let seq = 0; seq < MESSAGES; seq++) {
          const load: Load = { session, from, seq, sentAt: performance.now() };
          await channel.send({ type: 'broadcast', event: 'load', payload: load });
          sent++;
          await sleep(INTERVAL_MS);
        }
      }),
    );
    const sendMs = performance.now() - sendStarted;
    const drain = setTimeout(allDelivered, DRAIN_MS);
    await done;
    clearTimeout(drain);

    const duplicated = [...received.values()].reduce((sum, count) => sum + count - 1, 0);
    const lost = expected - received.size;
    const rate = (sent * (MEMBERS - 1)) / (sendMs / 1000);
    report(`sockets, calls × members`, `${senders.length} supabase-js sockets, ${CALLS} private calls × ${MEMBERS}`);
    report(`setup: users and sessions / joins`, `${(setupMs / 1000).toFixed(1)} s / ${(joinMs / 1000).toFixed(1)} s`);
    report(`broadcasts sent`, `${sent} (${MESSAGES} per member, one per ${INTERVAL_MS} ms) in ${(sendMs / 1000).toFixed(1)} s`);
    report(`deliveries`, `${received.size} of ${expected} expected, ~${Math.round(rate)}/s`);
    report(`delivery latency`, `p50 ${percentile(latencies, 50).toFixed(2)} ms   p95 ${percentile(latencies, 95).toFixed(2)} ms   max ${Math.max(...latencies).toFixed(2)} ms`);
    report(`lost / duplicated / from another call`, `${lost} / ${duplicated} / ${foreign}`);
    await Promise.all(calls.flatMap(({ members }) => members.map((member) => member.client.removeAllChannels())));
  } finally {
    await stack.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchRealtimeLoad((label, value) => console.log(`${label.padEnd(46)} ${value}`));
}
