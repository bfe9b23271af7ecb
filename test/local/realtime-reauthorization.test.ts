/**
 * The local stack's Realtime closes a private channel whose user the database stopped allowing
 * (removed from a call, invitation withdrawn, the call deleted) on the NOTIFY the call migrations
 * send, within moments, while everyone still allowed stays on the channel; a channel still allowed
 * gets its new permissions (an ended call's channel takes no more writes).
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { RealtimeChannel } from '@supabase/supabase-js';
import { startTestStack, type TestStack, type TestUser } from '../support/stack.ts';

/** A private call channel joined by a user, with what it hears and the statuses it went through. */
async function joinCall(user: TestUser, sessionId: string) {
  const statuses: string[] = [];
  const system: { status: string; message: string }[] = [];
  const heard: string[] = [];
  let onChange = () => undefined as void;
  const changed = () => new Promise<void>((resolve) => (onChange = resolve));
  const channel: RealtimeChannel = user.client.channel(`call:${sessionId}`, { config: { private: true, broadcast: { ack: true } } });
  channel
    .on('system', {}, (payload: { status: string; message: string }) => {
      system.push({ status: payload.status, message: payload.message });
      onChange();
    })
    .on('broadcast', { event: '*' }, ({ event }) => {
      heard.push(event);
      onChange();
    });
  const subscribed = new Promise<void>((resolve, reject) => {
    channel.subscribe((status) => {
      statuses.push(status);
      onChange();
      if (status === 'SUBSCRIBED') resolve();
      else if (statuses.length === 1) reject(new Error(`joined with ${status}`));
    });
  });
  await subscribed;
  /** Resolves once `test` holds, rejects after `ms`. */
  const until = async (test: () => boolean, ms: number, what: string) => {
    const deadline = Date.now() + ms;
    while (!test()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`not within ${ms} ms: ${what} (statuses ${statuses.join(', ')})`);
      await Promise.race([changed(), new Promise((resolve) => setTimeout(resolve, Math.min(left, 50)))]);
    }
  };
  return { channel, statuses, system, heard, until };
}

describe('Realtime re-authorizes a call channel when standing changes', () => {
  let stack: TestStack;
  let host: TestUser;
  let guest: TestUser;
  let other: TestUser;

  const newCall = async (settings: Record<string, unknown> = {}) => {
    const { data, error } = await host.client.from('video_call_sessions').insert({ title: 'Reauthorize', settings }).select('id').single();
    assert.ifError(error);
    for (const user of [guest, other]) {
      assert.ifError((await host.client.from('video_call_participants').insert({ session_id: data!.id, user_id: user.id })).error);
    }
    return data!.id as string;
  };

  before(async () => {
    stack = await startTestStack();
    host = await stack.createUser({ name: 'Anna' });
    guest = await stack.createUser({ name: 'Boris' });
    other = await stack.createUser({ name: 'Vera' });
  });
  afterEach(async () => {
    for (const user of [host, guest, other]) await user.client.removeAllChannels();
  });
  after(() => stack?.close());

  it('closes the removed user’s connected channel within 2 s, and the others stay', async () => {
    const sessionId = await newCall();
    const [hostSide, guestSide, otherSide] = [await joinCall(host, sessionId), await joinCall(guest, sessionId), await joinCall(other, sessionId)];
    assert.equal(await guestSide.channel.send({ type: 'broadcast', event: 'before', payload: {} }), 'ok');
    await hostSide.until(() => hostSide.heard.includes('before'), 2000, 'the guest was heard before removal');

    const removedAt = Date.now();
    const { error } = await host.client.rpc('remove_video_call_participant', { p_session_id: sessionId, p_user_id: guest.id });
    assert.ifError(error);
    await guestSide.until(() => guestSide.statuses.includes('CLOSED'), 2000, 'the removed guest’s channel closed');
    assert.ok(Date.now() - removedAt < 2000);
    assert.equal(guestSide.system.at(-1)?.status, 'error');
    assert.match(guestSide.system.at(-1)!.message, /Unauthorized/);

    assert.equal(await otherSide.channel.send({ type: 'broadcast', event: 'after', payload: {} }), 'ok');
    await hostSide.until(() => hostSide.heard.includes('after'), 2000, 'the members still hear each other');
    assert.deepEqual(hostSide.statuses, ['SUBSCRIBED']);
    assert.deepEqual(otherSide.statuses, ['SUBSCRIBED']);
    assert.ok(!guestSide.heard.includes('after'), 'nothing reached the removed guest');
  });

  it('ends closed when a join races the removal', async () => {
    for (let round = 0; round < 5; round++) {
      const sessionId = await newCall();
      const statuses: string[] = [];
      guest.client.channel(`call:${sessionId}`, { config: { private: true } }).subscribe((status) => statuses.push(status));
      const { error } = await host.client.rpc('remove_video_call_participant', { p_session_id: sessionId, p_user_id: guest.id });
      assert.ifError(error);
      const deadline = Date.now() + 2000;
      while (!statuses.some((status) => status === 'CHANNEL_ERROR' || status === 'CLOSED') && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      assert.ok(
        statuses.includes('CHANNEL_ERROR') || statuses.includes('CLOSED'),
        `round ${round}: refused or closed within 2 s, not left open (${statuses.join(', ')})`,
      );
      await guest.client.removeAllChannels();
    }
  });

  it('closes the channel of a guest whose invitation the host withdraws', async () => {
    const sessionId = await newCall();
    const [hostSide, guestSide] = [await joinCall(host, sessionId), await joinCall(guest, sessionId)];
    const withdrawn = await host.client.from('video_call_participants').delete().eq('session_id', sessionId).eq('user_id', guest.id);
    assert.ifError(withdrawn.error);
    await guestSide.until(() => guestSide.statuses.includes('CLOSED'), 2000, 'the withdrawn guest’s channel closed');
    assert.deepEqual(hostSide.statuses, ['SUBSCRIBED']);
  });

  it('closes the channels of guests who were not admitted when the host turns the lobby on', async () => {
    const sessionId = await newCall();
    assert.ifError((await guest.client.rpc('join_video_call', { p_session_id: sessionId })).error);
    const [guestSide, otherSide] = [await joinCall(guest, sessionId), await joinCall(other, sessionId)];
    const updated = await host.client.from('video_call_sessions').update({ settings: { lobby: true } }).eq('id', sessionId);
    assert.ifError(updated.error);
    await otherSide.until(() => otherSide.statuses.includes('CLOSED'), 2000, 'the guest who never joined now waits');
    assert.deepEqual(guestSide.statuses, ['SUBSCRIBED'], 'the guest who joined stays admitted');

    // The waiting guest knocks, is admitted, and may join the channel again.
    assert.ifError((await other.client.rpc('knock_video_call', { p_session_id: sessionId })).error);
    assert.ifError((await host.client.rpc('admit_video_call_participant', { p_session_id: sessionId, p_user_id: other.id })).error);
    await other.client.removeAllChannels();
    const again = await joinCall(other, sessionId);
    assert.deepEqual(again.statuses, ['SUBSCRIBED']);
  });

  it('keeps channels of an ended call open to read, and refuses their writes', async () => {
    const sessionId = await newCall();
    const [hostSide, guestSide] = [await joinCall(host, sessionId), await joinCall(guest, sessionId)];
    assert.ifError((await host.client.rpc('end_video_call', { p_session_id: sessionId })).error);
    const deadline = Date.now() + 2000;
    let answer = 'ok';
    while (answer === 'ok' && Date.now() < deadline) {
      answer = await guestSide.channel.send({ type: 'broadcast', event: 'late', payload: {} });
      if (answer === 'ok') await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(answer, 'error', 'the ended call’s channel takes no more broadcasts');
    assert.deepEqual(hostSide.statuses, ['SUBSCRIBED']);
    assert.deepEqual(guestSide.statuses, ['SUBSCRIBED']);
  });
});
