/**
 * A private call channel and its public twin (same topic, `private: false`) are different channels,
 * as on hosted Realtime: nothing sent on one (broadcast and presence, over the socket or the REST
 * endpoint) reaches the other, in either direction. And the call core joins the private one only.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { RealtimeChannel, SupabaseClient } from '@supabase/supabase-js';
import { CallSession } from '../../src/core/call-session.ts';
import { startTestStack, type TestStack, type TestUser } from '../support/stack.ts';

/** Subscribes and resolves once SUBSCRIBED (rejects on any other first status). */
const subscribe = (channel: RealtimeChannel): Promise<RealtimeChannel> =>
  new Promise((resolve, reject) => {
    channel.subscribe((status, error) => {
      if (status === 'SUBSCRIBED') resolve(channel);
      else if (status !== 'CLOSED') reject(error ?? new Error(status));
    });
  });

/** What a channel hears: broadcasts of any event and presence joins, in order of arrival. */
function listen(channel: RealtimeChannel) {
  const heard: string[] = [];
  const waiters: { item: string; resolve: () => void }[] = [];
  const hear = (item: string) => {
    heard.push(item);
    for (const waiter of waiters.filter((w) => w.item === item)) waiter.resolve();
  };
  channel
    .on('broadcast', { event: '*' }, ({ event }) => hear(`broadcast:${event}`))
    .on('presence', { event: 'join' }, ({ key }) => hear(`presence:${key}`));
  return {
    heard,
    /** Resolves once `item` (`broadcast:<event>` or `presence:<key>`) has been heard. */
    hears: (item: string) =>
      heard.includes(item) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ item, resolve })),
  };
}

describe('private call channels and their public twin', () => {
  let stack: TestStack;
  let host: TestUser;
  let guest: TestUser;
  let outsider: TestUser;
  let anon: SupabaseClient;
  let topic: string;

  before(async () => {
    stack = await startTestStack();
    host = await stack.createUser({ name: 'Anna' });
    guest = await stack.createUser({ name: 'Boris' });
    outsider = await stack.createUser({ name: 'Eve' });
    anon = stack.anonClient();
    const { data, error } = await host.client.from('video_call_sessions').insert({ title: 'Twin' }).select().single();
    assert.ifError(error);
    topic = `call:${data.id}`;
    assert.ifError((await host.client.from('video_call_participants').insert({ session_id: data.id, user_id: guest.id })).error);
  });
  afterEach(async () => {
    for (const client of [host.client, guest.client, outsider.client, anon]) await client.removeAllChannels();
  });
  after(() => stack.close());

  /** Members on the private channel, the outsider and an anonymous visitor on the public twin. */
  async function joinBoth() {
    const options = (key: string, isPrivate: boolean) => ({ config: { private: isPrivate, broadcast: { ack: true }, presence: { key } } });
    const hostChannel = host.client.channel(topic, options(host.id, true));
    const guestChannel = guest.client.channel(topic, options(guest.id, true));
    const outsiderChannel = outsider.client.channel(topic, options(outsider.id, false));
    const anonChannel = anon.channel(topic, options('anon', false));
    const ears = { host: listen(hostChannel), guest: listen(guestChannel), outsider: listen(outsiderChannel), anon: listen(anonChannel) };
    for (const channel of [hostChannel, guestChannel, outsiderChannel, anonChannel]) await subscribe(channel);
    return { hostChannel, guestChannel, outsiderChannel, anonChannel, ears };
  }

  it('keeps members’ broadcasts and presence away from the public twin', async () => {
    const { hostChannel, outsiderChannel, anonChannel, ears } = await joinBoth();
    assert.equal(await hostChannel.track({ name: 'Anna' }), 'ok');
    assert.equal(await hostChannel.send({ type: 'broadcast', event: 'signal', payload: { kind: 'offer' } }), 'ok');
    assert.deepEqual(await hostChannel.httpSend('signal', { kind: 'ice' }), { success: true });
    await ears.guest.hears('broadcast:signal');

    // Everything above was relayed before its reply came back; a message on the twin sent now
    // reaches the outsider after anything that leaked.
    const marker = ears.outsider.hears('broadcast:marker');
    assert.equal(await anonChannel.send({ type: 'broadcast', event: 'marker', payload: {} }), 'ok');
    await marker;
    assert.deepEqual(ears.outsider.heard, ['broadcast:marker']);
    assert.deepEqual(Object.keys(outsiderChannel.presenceState()), []);
    assert.deepEqual(ears.anon.heard, []);
    assert.ok(ears.guest.heard.includes(`presence:${host.id}`), 'the guest saw the host arrive');
  });

  it('keeps what the public twin sends away from the members', async () => {
    const { hostChannel, guestChannel, outsiderChannel, anonChannel, ears } = await joinBoth();
    assert.equal(await outsiderChannel.track({ name: 'Eve', mic: true }), 'ok');
    assert.equal(await anonChannel.track({ name: 'nobody' }), 'ok');
    assert.equal(await outsiderChannel.send({ type: 'broadcast', event: 'signal', payload: { kind: 'bye' } }), 'ok');
    assert.deepEqual(await anonChannel.httpSend('signal', { kind: 'restart' }), { success: true });
    const rest = await fetch(`${stack.url}/realtime/v1/api/broadcast`, {
      method: 'POST',
      headers: { apikey: stack.anonKey, authorization: `Bearer ${outsider.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ topic, event: 'moderation', payload: { action: 'end' }, private: false }] }),
    });
    assert.equal(rest.status, 202);
    await ears.outsider.hears('broadcast:moderation');

    const marker = ears.guest.hears('broadcast:marker');
    assert.equal(await hostChannel.send({ type: 'broadcast', event: 'marker', payload: {} }), 'ok');
    await marker;
    assert.deepEqual(ears.guest.heard, ['broadcast:marker']);
    assert.deepEqual(ears.host.heard, []);
    assert.deepEqual(Object.keys(guestChannel.presenceState()), []);
    assert.deepEqual(Object.keys(hostChannel.presenceState()), []);
  });

  it('joins a call through the core on the private channel only', async () => {
    const guestChannel = guest.client.channel(topic, { config: { private: true } });
    const guestEars = listen(guestChannel);
    const twinChannel = outsider.client.channel(topic, { config: { private: false } });
    const twinEars = listen(twinChannel);
    const anonChannel = anon.channel(topic, { config: { private: false, broadcast: { ack: true } } });
    for (const channel of [guestChannel, twinChannel, anonChannel]) await subscribe(channel);

    // Node has no WebRTC, and join() refuses a browser without it. Nobody else joins this call, so
    // no peer connection is ever made: the constructor is only there to be seen, and throws if used.
    const hadPeerConnection = 'RTCPeerConnection' in globalThis;
    Object.assign(globalThis, {
      RTCPeerConnection: class {
        constructor() {
          throw new Error('no peer connection is expected in this test');
        }
      },
    });
    const session = new CallSession(host.client, topic.slice('call:'.length), host.id, { media: false });
    try {
      await session.join();
      assert.equal(session.state, 'connected');
      const callChannels = host.client.getChannels().filter((channel) => channel.topic === `realtime:${topic}`);
      assert.equal(callChannels.length, 1);
      assert.equal(callChannels[0].params.config.private, true);
      await guestEars.hears(`presence:${host.id}`);
      const marker = twinEars.hears('broadcast:marker');
      assert.equal(await anonChannel.send({ type: 'broadcast', event: 'marker', payload: {} }), 'ok');
      await marker;
      assert.deepEqual(twinEars.heard, ['broadcast:marker'], 'the core’s presence never reaches the public twin');
    } finally {
      await session.leave();
      if (!hadPeerConnection) delete (globalThis as { RTCPeerConnection?: unknown }).RTCPeerConnection;
    }
  });
});
