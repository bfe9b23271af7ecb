/**
 * The Realtime service through the official supabase-js (realtime-js, protocol 2.0.0): broadcast
 * and presence between users, private call channels allowed and refused by RLS, postgres_changes
 * delivered to the addressee only, token refresh and expiry, the REST broadcast endpoint, and
 * malformed or oversized input.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient, type RealtimeChannel, type SupabaseClient } from '@supabase/supabase-js';
import WebSocket from 'ws';
import { clientOptions, startTestStack, type TestStack, type TestUser } from '../support/stack.ts';

type Status = [string, string | undefined];

/** Subscribes and resolves with the first status other than CLOSED, and the error message. */
const subscribe = (channel: RealtimeChannel): Promise<Status> =>
  new Promise((resolve) => {
    channel.subscribe((status, error) => {
      if (status !== 'CLOSED') resolve([status, error?.message]);
    });
  });

/** Collects what a callback receives, and waits for the n-th item. */
function inbox<T>() {
  const items: T[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  return {
    items,
    push(item: T) {
      items.push(item);
      for (const waiter of waiters.filter((w) => items.length >= w.count)) waiter.resolve();
    },
    async waitFor(count: number, ms = 3000): Promise<T[]> {
      if (items.length < count) {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`expected ${count} items, got ${items.length}`)), ms);
          waiters.push({ count, resolve: () => (clearTimeout(timer), resolve()) });
        });
      }
      return items;
    },
  };
}

const settle = (ms = 300) => new Promise((resolve) => setTimeout(resolve, ms));

describe('realtime service', () => {
  let stack: TestStack;
  let host: TestUser;
  let guest: TestUser;
  let outsider: TestUser;
  let sessionId: string;
  const callTopic = () => `call:${sessionId}`;

  before(async () => {
    stack = await startTestStack();
    host = await stack.createUser({ email: 'anna@example.test', name: 'Anna' });
    guest = await stack.createUser({ email: 'boris@example.test', name: 'Boris' });
    outsider = await stack.createUser({ email: 'eve@example.test', name: 'Eve' });
    const { data, error } = await host.client.from('video_call_sessions').insert({ title: 'Realtime' }).select().single();
    assert.ifError(error);
    sessionId = data.id;
    assert.ifError((await host.client.from('video_call_participants').insert({ session_id: sessionId, user_id: guest.id })).error);
  });
  after(() => stack.close());

  describe('broadcast', () => {
    it('delivers between two clients, echoes to self only when asked, acknowledges when asked', async () => {
      const topic = `room-${Math.random()}`;
      const received = inbox<unknown>();
      const echoed = inbox<unknown>();
      const listener = guest.client.channel(topic).on('broadcast', { event: 'cursor' }, (m) => received.push(m.payload));
      const sender = host.client
        .channel(topic, { config: { broadcast: { self: true, ack: true } } })
        .on('broadcast', { event: 'cursor' }, (m) => echoed.push(m.payload));
      assert.deepEqual(await subscribe(listener), ['SUBSCRIBED', undefined]);
      assert.deepEqual(await subscribe(sender), ['SUBSCRIBED', undefined]);
      assert.equal(await sender.send({ type: 'broadcast', event: 'cursor', payload: { x: 1, text: 'привет' } }), 'ok');
      assert.deepEqual(await received.waitFor(1), [{ x: 1, text: 'привет' }]);
      assert.deepEqual(await echoed.waitFor(1), [{ x: 1, text: 'привет' }]);

      // Without self the sender does not hear itself.
      const quiet = inbox<unknown>();
      const plain = outsider.client.channel(topic).on('broadcast', { event: 'cursor' }, (m) => quiet.push(m.payload));
      await subscribe(plain);
      await plain.send({ type: 'broadcast', event: 'cursor', payload: { x: 2 } });
      await received.waitFor(2);
      assert.deepEqual(quiet.items, []);
      await Promise.all([listener, sender, plain].map((channel) => channel.unsubscribe()));
    });

    it('refuses broadcasts over 256 KiB and keeps the channel working', async () => {
      const topic = `big-${Math.random()}`;
      const received = inbox<unknown>();
      const listener = guest.client.channel(topic).on('broadcast', { event: 'blob' }, (m) => received.push(m.payload));
      const sender = host.client.channel(topic, { config: { broadcast: { ack: true } } });
      await subscribe(listener);
      await subscribe(sender);
      assert.equal(await sender.send({ type: 'broadcast', event: 'blob', payload: { data: 'x'.repeat(256 * 1024 + 1) } }), 'error');
      assert.equal(await sender.send({ type: 'broadcast', event: 'blob', payload: { data: 'small' } }), 'ok');
      assert.deepEqual(await received.waitFor(1), [{ data: 'small' }]);
      await Promise.all([listener.unsubscribe(), sender.unsubscribe()]);
    });
  });

  describe('presence', () => {
    it('syncs track, untrack and leave between clients', async () => {
      const topic = `presence-${Math.random()}`;
      const joins = inbox<{ key: string; newPresences: { mic?: boolean }[] }>();
      const leaves = inbox<{ key: string }>();
      const watcher = host.client
        .channel(topic, { config: { presence: { key: host.id } } })
        .on('presence', { event: 'join' }, (event) => joins.push(event as never))
        .on('presence', { event: 'leave' }, (event) => leaves.push(event as never));
      await subscribe(watcher);
      await watcher.track({ name: 'Anna' });
      const member = guest.client.channel(topic, { config: { presence: { key: guest.id } } }).on('presence', { event: 'sync' }, () => undefined);
      await subscribe(member);
      assert.equal(await member.track({ name: 'Boris', mic: true }), 'ok');
      const joined = await joins.waitFor(2);
      assert.ok(joined.some((event) => event.key === guest.id && event.newPresences[0].mic === true));
      await settle();
      assert.deepEqual(Object.keys(member.presenceState()).sort(), [host.id, guest.id].sort());
      assert.equal(member.presenceState()[host.id][0]['name' as never], 'Anna');

      await member.untrack();
      assert.equal((await leaves.waitFor(1))[0].key, guest.id);
      await member.track({ name: 'Boris', mic: false });
      await joins.waitFor(3);
      await guest.client.removeChannel(member);
      assert.equal((await leaves.waitFor(2))[1].key, guest.id);
      assert.deepEqual(Object.keys(watcher.presenceState()), [host.id]);
      await watcher.unsubscribe();
    });
  });

  describe('private call channels', () => {
    it('lets members join and talk, and refuses outsiders and signed-out visitors', async () => {
      const received = inbox<unknown>();
      const hostChannel = host.client.channel(callTopic(), { config: { private: true } }).on('broadcast', { event: 'hello' }, (m) => received.push(m.payload));
      const guestChannel = guest.client.channel(callTopic(), { config: { private: true, broadcast: { ack: true } } });
      assert.deepEqual(await subscribe(hostChannel), ['SUBSCRIBED', undefined]);
      assert.deepEqual(await subscribe(guestChannel), ['SUBSCRIBED', undefined]);
      assert.equal(await guestChannel.send({ type: 'broadcast', event: 'hello', payload: { from: 'Boris' } }), 'ok');
      assert.deepEqual(await received.waitFor(1), [{ from: 'Boris' }]);

      const [status, message] = await subscribe(outsider.client.channel(callTopic(), { config: { private: true } }));
      assert.equal(status, 'CHANNEL_ERROR');
      assert.match(message ?? '', /Unauthorized/);
      const anon = stack.anonClient();
      assert.equal((await subscribe(anon.channel(callTopic(), { config: { private: true } })))[0], 'CHANNEL_ERROR');
      const malformed = await subscribe(host.client.channel('call:not-a-uuid', { config: { private: true } }));
      assert.equal(malformed[0], 'CHANNEL_ERROR');
      await Promise.all([hostChannel.unsubscribe(), guestChannel.unsubscribe()]);
    });

    it('keeps readers but refuses senders once the call has ended', async () => {
      const { data } = await host.client.from('video_call_sessions').insert({ title: 'Ends' }).select().single();
      const topic = `call:${data.id}`;
      await host.client.from('video_call_sessions').update({ status: 'ended' }).eq('id', data.id);
      const channel = host.client.channel(topic, { config: { private: true, broadcast: { ack: true } } });
      assert.deepEqual(await subscribe(channel), ['SUBSCRIBED', undefined]);
      assert.equal(await channel.send({ type: 'broadcast', event: 'late', payload: {} }), 'error');
      await channel.unsubscribe();
    });
  });

  describe('postgres_changes', () => {
    it('delivers each row only to subscribers whose RLS lets them read it', async () => {
      const third = await stack.createUser({ name: 'Dan' });
      assert.ifError((await host.client.from('video_call_participants').insert({ session_id: sessionId, user_id: third.id })).error);
      const watch = (user: TestUser, filter?: string) => {
        const box = inbox<{ eventType: string; new: Record<string, unknown> }>();
        const channel = user.client
          .channel(`signals-${user.id}-${Math.random()}`)
          .on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'video_call_signals', ...(filter ? { filter } : {}) }, (p) =>
            box.push(p as never),
          );
        return { box, channel };
      };
      const toGuest = watch(guest, `to_user=eq.${guest.id}`);
      const thirdAll = watch(third);
      const outsiderAll = watch(outsider);
      for (const { channel } of [toGuest, thirdAll, outsiderAll]) assert.deepEqual(await subscribe(channel), ['SUBSCRIBED', undefined]);

      const send = (to: string | null, kind: string) =>
        host.client.from('video_call_signals').insert({ session_id: sessionId, to_user: to, kind, payload: { n: kind } });
      assert.ifError((await send(guest.id, 'offer')).error);
      assert.ifError((await send(null, 'bye')).error);
      const guestGot = await toGuest.box.waitFor(1);
      const thirdGot = await thirdAll.box.waitFor(1);
      await settle();
      assert.deepEqual(guestGot.map((p) => p.new.kind), ['offer'], 'filter: only what is addressed to the guest');
      assert.equal(guestGot[0].new.from_user, host.id);
      assert.deepEqual(guestGot[0].new.payload, { n: 'offer' });
      assert.equal(typeof guestGot[0].new.id, 'number');
      assert.deepEqual(thirdGot.map((p) => p.new.kind), ['bye'], 'RLS: the third member never sees the guest’s offer');
      assert.deepEqual(outsiderAll.box.items, [], 'RLS: outsiders see nothing');
      for (const { channel } of [toGuest, thirdAll, outsiderAll]) await channel.unsubscribe();
    });

    it('sends INSERT and UPDATE events through a filter', async () => {
      const events = inbox<{ eventType: string; new: Record<string, unknown> }>();
      const channel = guest.client
        .channel(`participants-${Math.random()}`)
        .on('postgres_changes', { event: '*', schema: 'public', table: 'video_call_participants', filter: `session_id=eq.${sessionId}` }, (p) =>
          events.push(p as never),
        );
      assert.deepEqual(await subscribe(channel), ['SUBSCRIBED', undefined]);
      await host.client.from('video_call_participants').insert({ session_id: sessionId, email: 'gail@example.test' });
      await guest.client.from('video_call_participants').update({ mic_on: true }).eq('user_id', guest.id);
      const got = await events.waitFor(2);
      assert.deepEqual(got.map((p) => p.eventType), ['INSERT', 'UPDATE']);
      assert.equal(got[0].new.email, 'gail@example.test');
      assert.equal(got[1].new.mic_on, true);
      await channel.unsubscribe();
    });

    it('sends DELETE events with the primary key only and filters them on nothing else', async () => {
      const invite = async (email: string) =>
        (await host.client.from('video_call_participants').insert({ session_id: sessionId, email }).select('id').single()).data!.id as string;
      const fay = await invite('fay@example.test');
      const gus = await invite('gus@example.test');
      const byEmail = inbox<{ old: Record<string, unknown> }>();
      const byKey = inbox<{ old: Record<string, unknown> }>();
      const all = inbox<{ old: Record<string, unknown> }>();
      const table = { event: 'DELETE', schema: 'public', table: 'video_call_participants' } as const;
      // The outsider cannot read the session's rows; a filter on a hidden column must not tell
      // them whether a deleted row held a value.
      const channel = outsider.client
        .channel(`deletes-${Math.random()}`)
        .on('postgres_changes', { ...table, filter: 'email=eq.fay@example.test' }, (p) => byEmail.push(p as never))
        .on('postgres_changes', { ...table, filter: `id=eq.${fay}` }, (p) => byKey.push(p as never))
        .on('postgres_changes', table, (p) => all.push(p as never));
      assert.deepEqual(await subscribe(channel), ['SUBSCRIBED', undefined]);
      await host.client.from('video_call_participants').delete().eq('id', fay);
      await host.client.from('video_call_participants').delete().eq('id', gus);
      // Changes reach a channel in commit order: once the second delete is in, the first was matched.
      assert.deepEqual((await all.waitFor(2)).map((p) => p.old), [{ id: fay }, { id: gus }]);
      assert.deepEqual(byKey.items.map((p) => p.old), [{ id: fay }]);
      assert.deepEqual(byEmail.items, []);
      await channel.unsubscribe();
    });

    it('refuses a subscription with a filter on an unknown column', async () => {
      const [status] = await subscribe(
        guest.client.channel(`bad-${Math.random()}`).on('postgres_changes', { event: '*', schema: 'public', table: 'video_call_signals', filter: 'nope=eq.1' }, () => undefined),
      );
      assert.equal(status, 'CHANNEL_ERROR');
    });
  });

  describe('tokens', () => {
    const now = () => Math.floor(Date.now() / 1000);
    const tokenFor = (user: TestUser, seconds: number) =>
      stack.sign({ sub: user.id, role: 'authenticated', aud: 'authenticated', email: user.email, iat: now(), exp: now() + seconds });

    it('closes a channel whose token expires, and keeps one whose token was refreshed', async () => {
      let token = tokenFor(guest, 3);
      const client: SupabaseClient = createClient(stack.url, stack.anonKey, { ...clientOptions, accessToken: async () => token } as never);
      await client.realtime.setAuth();
      const closed = inbox<string>();
      const expiring = client.channel(callTopic(), { config: { private: true } });
      expiring.subscribe((status) => closed.push(status));
      await closed.waitFor(1);
      assert.equal(closed.items[0], 'SUBSCRIBED');
      assert.ok((await closed.waitFor(2, 8000)).includes('CLOSED'), 'the server closed the channel when the token expired');
      await client.removeAllChannels();

      token = tokenFor(guest, 3);
      await client.realtime.setAuth();
      const refreshed = inbox<string>();
      const kept = client.channel(`call:${sessionId}`, { config: { private: true, broadcast: { ack: true } } });
      kept.subscribe((status) => refreshed.push(status));
      await refreshed.waitFor(1);
      token = tokenFor(guest, 3600);
      await client.realtime.setAuth(token);
      await settle(3500);
      assert.deepEqual(refreshed.items, ['SUBSCRIBED']);
      assert.equal(await kept.send({ type: 'broadcast', event: 'still', payload: {} }), 'ok');
      await client.removeAllChannels();
    });

    it('refuses a forged or expired token at join', async () => {
      const expired = stack.sign({ sub: guest.id, role: 'authenticated', iat: now() - 100, exp: now() - 10 });
      const client = createClient(stack.url, stack.anonKey, { ...clientOptions, accessToken: async () => expired } as never);
      await client.realtime.setAuth();
      const [status, message] = await subscribe(client.channel(callTopic(), { config: { private: true } }));
      assert.equal(status, 'CHANNEL_ERROR');
      assert.match(message ?? '', /JWT/);
      await client.removeAllChannels();
    });
  });

  describe('protocol and REST edge cases', () => {
    const socketUrl = (key: string) => `${stack.url.replace('http', 'ws')}/realtime/v1/websocket?apikey=${key}&vsn=2.0.0`;
    const open = (key: string) =>
      new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(socketUrl(key));
        ws.once('open', () => resolve(ws));
        ws.once('error', reject);
      });
    const nextMessage = (ws: WebSocket) => new Promise<unknown>((resolve) => ws.once('message', (data) => resolve(JSON.parse(String(data)))));

    it('drops malformed frames and answers the next heartbeat', async () => {
      const ws = await open(stack.anonKey);
      ws.send('{not json');
      ws.send(JSON.stringify({ nonsense: true }));
      ws.send(Buffer.from([9, 9, 9]));
      const reply = nextMessage(ws);
      ws.send(JSON.stringify([null, '7', 'phoenix', 'heartbeat', {}]));
      assert.deepEqual(await reply, [null, '7', 'phoenix', 'phx_reply', { status: 'ok', response: {} }]);
      const unmatched = nextMessage(ws);
      ws.send(JSON.stringify([null, '8', 'realtime:never-joined', 'broadcast', { type: 'broadcast', event: 'x', payload: {} }]));
      assert.deepEqual(await unmatched, [null, '8', 'realtime:never-joined', 'phx_reply', { status: 'error', response: { reason: 'unmatched topic' } }]);
      ws.close();
    });

    it('refuses a socket with a bad apikey', async () => {
      await assert.rejects(open('not-a-jwt'), /401/);
    });

    it('broadcasts from REST to subscribers, and refuses bad REST input', async () => {
      const received = inbox<unknown>();
      const listener = guest.client.channel(callTopic(), { config: { private: true } }).on('broadcast', { event: 'notice' }, (m) => received.push(m.payload));
      await subscribe(listener);
      const sender = host.client.channel(callTopic(), { config: { private: true } });
      assert.deepEqual(await sender.httpSend('notice', { n: 1 }), { success: true });
      const url = `${stack.url}/realtime/v1/api/broadcast`;
      const post = (body: string, token = host.token) =>
        fetch(url, { method: 'POST', headers: { apikey: stack.anonKey, authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body });
      const batch = await post(JSON.stringify({ messages: [{ topic: callTopic(), event: 'notice', payload: { n: 2 }, private: true }] }));
      assert.equal(batch.status, 202);
      assert.deepEqual(await received.waitFor(2), [{ n: 1 }, { n: 2 }]);

      assert.equal((await post('{oops')).status, 400);
      assert.equal((await post(JSON.stringify({ messages: 'x' }))).status, 400);
      const big = await post(JSON.stringify({ messages: [{ topic: 'open', event: 'e', payload: 'x'.repeat(256 * 1024 + 10) }] }));
      assert.equal(big.status, 413);
      const refused = await post(JSON.stringify({ messages: [{ topic: callTopic(), event: 'notice', payload: {}, private: true }] }), outsider.token);
      assert.equal(refused.status, 403);
      const unsigned = await fetch(url, { method: 'POST', body: '{}' });
      assert.equal(unsigned.status, 401);
      await settle();
      assert.equal(received.items.length, 2);
      await Promise.all([listener.unsubscribe(), guest.client.removeChannel(sender)]);
    });
  });
});
