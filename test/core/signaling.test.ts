/**
 * Both signaling transports against the real local stack with supabase-js: delivery to the
 * addressee, sender identity that cannot be forged, malformed signals and floods dropped.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient, type RealtimeChannel } from '@supabase/supabase-js';
import type { Signal } from '../../src/core/signal.ts';
import { SignalSigner } from '../../src/core/signal-keys.ts';
import { BroadcastTransport, MemberKeys, TableTransport, type SignalingTransport } from '../../src/core/signaling.ts';
import { clientOptions, startTestStack, type TestStack, type TestUser } from '../support/stack.ts';

interface Member {
  user: TestUser;
  transport: SignalingTransport;
  channel: RealtimeChannel;
  received: Signal[];
  logs: string[];
  signer?: SignalSigner;
}

describe('signaling transports', () => {
  let stack: TestStack;
  let anna: TestUser;
  let boris: TestUser;
  let eve: TestUser;
  let sessionId: string;

  const until = async (check: () => boolean, what: string, ms = 4000) => {
    const deadline = Date.now() + ms;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  async function member(user: TestUser, kind: 'broadcast' | 'table'): Promise<Member> {
    const received: Signal[] = [];
    const logs: string[] = [];
    const context = { supabase: user.client, sessionId, userId: user.id, onSignal: (s: Signal) => received.push(s), log: (m: string) => logs.push(m) };
    let transport: SignalingTransport;
    let signer: SignalSigner | undefined;
    if (kind === 'broadcast') {
      signer = await SignalSigner.create();
      const stored = await user.client.from('video_call_participants').update({ signal_key: signer.publicJwk }).eq('session_id', sessionId).eq('user_id', user.id);
      assert.ifError(stored.error);
      transport = new BroadcastTransport(context, signer, new MemberKeys(user.client, sessionId));
    } else transport = new TableTransport(context);
    const channel = user.client.channel(`call:${sessionId}`, { config: { private: true } });
    transport.attach(channel);
    await new Promise<void>((resolve, reject) =>
      channel.subscribe((status, error) => (status === 'SUBSCRIBED' ? resolve() : status === 'CHANNEL_ERROR' ? reject(error) : undefined)),
    );
    return { user, transport, channel, received, logs, signer };
  }

  before(async () => {
    stack = await startTestStack();
    anna = await stack.createUser({ name: 'Anna' });
    boris = await stack.createUser({ name: 'Boris' });
    eve = await stack.createUser({ name: 'Eve' });
    const { data } = await anna.client.from('video_call_sessions').insert({ title: 'Signals' }).select().single();
    sessionId = data.id;
    for (const user of [boris, eve]) {
      assert.ifError((await anna.client.from('video_call_participants').insert({ session_id: sessionId, user_id: user.id })).error);
    }
  });
  after(() => stack.close());

  /**
   * supabase-js as Anna whose reads of the signal keys are answered by the server and then held
   * by `hold` before supabase-js sees them: a read that went out before some key was stored.
   */
  const annaHoldingKeyReads = (hold: () => Promise<void>) =>
    createClient(stack.url, stack.anonKey, {
      ...clientOptions,
      accessToken: async () => anna.token,
      global: {
        fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
          const response = await fetch(input, init);
          if (String(input).includes('signal_key')) await hold();
          return response;
        },
      },
    } as never);

  describe('broadcast', () => {
    let a: Member;
    let b: Member;
    let e: Member;
    before(async () => {
      [a, b, e] = await Promise.all([member(anna, 'broadcast'), member(boris, 'broadcast'), member(eve, 'broadcast')]);
    });
    after(async () => {
      for (const m of [a, b, e]) await m.user.client.removeChannel(m.channel);
    });

    it('delivers a signed signal to its addressee only, with the proven sender', async () => {
      await a.transport.send({ to: boris.id, kind: 'offer', payload: { description: { type: 'offer', sdp: 'v=0\r\n' } } });
      await until(() => b.received.length === 1, 'Boris to get the offer');
      assert.deepEqual({ ...b.received[0] }, { from: anna.id, to: boris.id, kind: 'offer', payload: { description: { type: 'offer', sdp: 'v=0\r\n' } } });
      await a.transport.send({ to: null, kind: 'bye', payload: {} });
      await until(() => b.received.length === 2 && e.received.length === 1, 'everyone to get the bye');
      assert.equal(e.received.every((s) => s.kind === 'bye'), true, 'Eve never saw the offer addressed to Boris');
    });

    it('drops a signal whose `from` is forged, even by a member', async () => {
      const before = b.received.length;
      const forged = await e.signer!.sign(sessionId, { from: anna.id, to: boris.id, kind: 'restart', payload: {} });
      await e.channel.send({ type: 'broadcast', event: 'signal', payload: forged });
      const unsigned = { from: anna.id, to: boris.id, kind: 'restart', payload: {}, session: sessionId, ts: Date.now(), sig: 'AAAA' };
      await e.channel.send({ type: 'broadcast', event: 'signal', payload: unsigned });
      await until(() => b.logs.filter((line) => line.includes('signature does not match')).length === 2, 'both forgeries to be dropped');
      assert.equal(b.received.length, before);
    });

    it('drops malformed signals and a flood without disturbing the others', async () => {
      await e.channel.send({ type: 'broadcast', event: 'signal', payload: { kind: 'offer' } });
      await e.channel.send({ type: 'broadcast', event: 'signal', payload: { from: eve.id, kind: 'offer', payload: { description: { type: 'offer', sdp: 'garbage' } } } });
      await until(() => b.logs.filter((line) => line.includes('malformed')).length === 2, 'malformed signals to be dropped');
      const before = b.received.length;
      const flood = Array.from({ length: 200 }, () => e.transport.send({ to: boris.id, kind: 'ice', payload: { candidates: [] } }));
      await Promise.all(flood);
      await until(() => b.logs.some((line) => line.includes('too many messages')), 'the flood to be limited');
      await a.transport.send({ to: boris.id, kind: 'ice', payload: { candidates: [], marker: true } });
      await until(() => b.received.some((s) => s.payload.marker === true), 'Anna’s signal to still arrive');
      const fromEve = b.received.slice(before).filter((s) => s.from === eve.id).length;
      assert.ok(fromEve < 200, `only part of the flood got through (${fromEve})`);
    });

    it('finds a key stored while an earlier read of the keys was under way', async () => {
      // Anna's reads of the keys are held after the server answered them: the first one went out
      // before Boris's new key was stored, so it cannot know it. Verifying must wait for a read
      // that went out after the signal arrived, not settle for the one already under way.
      let release!: () => void;
      let answered!: () => void;
      const firstAnswered = new Promise<void>((resolve) => (answered = resolve));
      const held = new Promise<void>((resolve) => (release = resolve));
      let first = true;
      const keys = new MemberKeys(
        annaHoldingKeyReads(async () => {
          if (!first) return;
          first = false;
          answered();
          await held;
        }),
        sessionId,
      );
      const earlier = keys.refresh();
      await firstAnswered;
      const rekeyed = await SignalSigner.create();
      assert.ifError((await boris.client.from('video_call_participants').update({ signal_key: rekeyed.publicJwk }).eq('session_id', sessionId).eq('user_id', boris.id)).error);
      const signed = await rekeyed.sign(sessionId, { from: boris.id, to: anna.id, kind: 'offer', payload: { description: { type: 'offer', sdp: 'v=0\r\n' } } });
      const verified = keys.verify(signed);
      release();
      await earlier;
      assert.equal(await verified, true, 'the offer signed with the key stored after the first read went out is verified');
      const stale = await b.signer!.sign(sessionId, { from: boris.id, to: anna.id, kind: 'ice', payload: { candidates: [] } });
      assert.equal(await keys.verify(stale), false, 'the replaced key no longer verifies');
      assert.ifError((await boris.client.from('video_call_participants').update({ signal_key: b.signer!.publicJwk }).eq('session_id', sessionId).eq('user_id', boris.id)).error);
    });

    it('verifies as soon as the key comes with a changed row, without waiting for a slow read', async () => {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const keys = new MemberKeys(
        annaHoldingKeyReads(() => held),
        sessionId,
      );
      const rekeyed = await SignalSigner.create();
      const signed = await rekeyed.sign(sessionId, { from: boris.id, to: anna.id, kind: 'offer', payload: { description: { type: 'offer', sdp: 'v=0\r\n' } } });
      let settled = false;
      const verified = keys.verify(signed).then((ok) => ((settled = true), ok));
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(settled, false, 'the read is held, so nothing is known yet');
      await keys.learn([{ user_id: boris.id, signal_key: rekeyed.publicJwk }]);
      assert.equal(await verified, true);
      release();
    });
  });

  describe('table', () => {
    it('stores signals through video-call-signal and delivers rows to the addressee only', async () => {
      const [a, b, e] = await Promise.all([member(anna, 'table'), member(boris, 'table'), member(eve, 'table')]);
      try {
        await a.transport.send({ to: boris.id, kind: 'answer', payload: { description: { type: 'answer', sdp: 'v=0\r\n' } } });
        await a.transport.send({ to: eve.id, kind: 'ice', payload: { candidates: [] } });
        await until(() => b.received.length === 1 && e.received.length === 1, 'each addressee to get theirs');
        assert.equal(b.received[0].from, anna.id);
        assert.equal(b.received[0].kind, 'answer');
        assert.equal(e.received[0].kind, 'ice');
        await assert.rejects(
          b.transport.send({ to: boris.id, kind: 'offer', payload: { huge: 'x'.repeat(70 * 1024) } }),
          /video-call-signal refused/,
        );
      } finally {
        for (const m of [a, b, e]) await m.user.client.removeChannel(m.channel);
      }
    });
  });
});
