/**
 * Reactions between two members on the call's real private channel (local stack, supabase-js):
 * the set and the sender's rate limit are held where sent, and a receiver drops what is not in
 * the set, not from someone present, or too fast.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createClient, type RealtimeChannel, type SupabaseClient } from '@supabase/supabase-js';
import { CallClient } from '../../src/core/call-client.ts';
import { CallReactions, REACTIONS, type CallReactionDetail } from '../../src/core/call-reactions.ts';
import type { CallError } from '../../src/core/errors.ts';
import { clientOptions, startTestStack, type TestStack } from '../support/stack.ts';

describe('call reactions', () => {
  let stack: TestStack;
  const channels: [SupabaseClient, RealtimeChannel][] = [];

  before(async () => {
    stack = await startTestStack();
  });
  after(async () => {
    for (const [supabase, channel] of channels) await supabase.removeChannel(channel);
    await stack?.close();
  });

  const person = async (name: string) => {
    const supabase = createClient(stack.url, stack.anonKey, clientOptions as never);
    const email = `${name.toLowerCase()}.${randomUUID()}@crm.test`;
    const { data, error } = await supabase.auth.signUp({ email, password: 'correct horse battery', options: { data: { display_name: name } } });
    assert.ifError(error);
    await supabase.realtime.setAuth();
    return { id: data.user!.id, supabase, calls: new CallClient({ client: supabase }) };
  };
  type Person = Awaited<ReturnType<typeof person>>;

  /** Joins the call's channel with a CallReactions on it; `track` puts them in presence. */
  const onChannel = async (who: Person, sessionId: string, now: () => number, track = true) => {
    const { error } = await who.supabase.rpc('join_video_call', { p_session_id: sessionId });
    assert.ifError(error);
    await who.supabase.realtime.setAuth();
    const channel = who.supabase.channel(`call:${sessionId}`, { config: { private: true, presence: { key: who.id }, broadcast: { self: false } } });
    channels.push([who.supabase, channel]);
    const received: CallReactionDetail[] = [];
    const dropped: string[] = [];
    const reactions = new CallReactions({
      userId: who.id,
      isMember: (id) => Boolean(channel.presenceState()[id]),
      received: (detail) => received.push(detail),
      log: (message) => dropped.push(message),
      now,
    });
    reactions.attach(channel);
    // realtime-js syncs presence only for a channel that listens to it.
    channel.on('presence', { event: 'sync' }, () => undefined);
    await new Promise<void>((resolve, reject) => channel.subscribe((status) => (status === 'SUBSCRIBED' ? resolve() : status === 'CHANNEL_ERROR' && reject(new Error(status)))));
    if (track) assert.equal(await channel.track({ name: who.id }), 'ok');
    return { channel, reactions, received, dropped };
  };
  const until = async (check: () => boolean, what: string) => {
    const end = Date.now() + 5000;
    while (!check()) {
      if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const rejection = async (promise: Promise<unknown>) => {
    try {
      await promise;
    } catch (error) {
      return error as CallError;
    }
    assert.fail('expected a rejection');
  };

  it('sends one of the set to the others and shows it at once, at most one a second', async () => {
    const [anna, boris] = [await person('Anna'), await person('Boris')];
    const session = await anna.calls.createSession({ title: 'Реакции' });
    await anna.calls.invite(session.id, boris.id, { notify: false });
    let clock = 10_000;
    const a = await onChannel(anna, session.id, () => clock);
    const b = await onChannel(boris, session.id, () => clock);
    await until(() => Boolean(a.channel.presenceState()[boris.id] && b.channel.presenceState()[anna.id]), 'both in presence');

    await a.reactions.send(a.channel, '👍');
    assert.deepEqual(a.received, [{ from: anna.id, emoji: '👍', own: true }], 'shown on the sender\'s page at once');
    await until(() => b.received.length === 1, 'Boris to see it');
    assert.deepEqual(b.received, [{ from: anna.id, emoji: '👍', own: false }]);

    const fast = await rejection(a.reactions.send(a.channel, '🎉'));
    assert.equal(fast.code, 'rate_limited');
    const unknown = await rejection(a.reactions.send(a.channel, '💩'));
    assert.equal(unknown.code, 'invalid_input');
    assert.equal(a.received.length, 1, 'neither refused one is shown');

    clock += 1000;
    await a.reactions.send(a.channel, REACTIONS[3]);
    await until(() => b.received.length === 2, 'the second reaction');
    assert.equal(b.received[1].emoji, '❤️');
  });

  it('drops what is not in the set, not from someone present, or faster than a sender may send', async () => {
    const [anna, boris, vera] = [await person('Anna'), await person('Boris'), await person('Vera')];
    const session = await anna.calls.createSession({ title: 'Реакции' });
    await anna.calls.invite(session.id, boris.id, { notify: false });
    await anna.calls.invite(session.id, vera.id, { notify: false });
    const clock = 50_000;
    const a = await onChannel(anna, session.id, () => clock);
    // Boris is on the channel but not in presence (not in the call); Vera is, and sends by hand.
    const b = await onChannel(boris, session.id, () => clock, false);
    const v = await onChannel(vera, session.id, () => clock);
    await until(() => Boolean(a.channel.presenceState()[vera.id]), 'Vera in presence');
    const raw = (channel: RealtimeChannel, payload: unknown) => channel.send({ type: 'broadcast', event: 'reaction', payload });

    await raw(v.channel, { emoji: '💩', from: vera.id });
    await raw(v.channel, { emoji: '<img src=x>', from: vera.id });
    await raw(v.channel, { from: vera.id });
    await raw(v.channel, 'just text');
    await raw(b.channel, { emoji: '👍', from: boris.id });
    await raw(v.channel, { emoji: '👍', from: randomUUID() });
    await raw(v.channel, { emoji: '👍', from: anna.id });
    await raw(v.channel, { emoji: '😮', from: vera.id });
    await raw(v.channel, { emoji: '😂', from: vera.id });
    await until(() => a.received.length >= 1 && a.dropped.length >= 7, 'everything to arrive');
    assert.deepEqual(a.received, [{ from: vera.id, emoji: '😮', own: false }], 'only Vera\'s first good one; the second came too soon');
    assert.equal(a.dropped.length, 7);
  });
});
