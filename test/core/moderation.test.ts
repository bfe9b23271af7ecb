/**
 * Moderation (the client side of host controls) against the real local stack: a guest waiting in
 * the lobby knocks and hears of their admission from their own row, the host's waiting list, a
 * removal and the end of the call reaching the page through postgres_changes, the host's signed
 * `moderation` broadcasts believed and forged ones dropped, and the refusals of anyone else.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { RealtimeChannel, SupabaseClient } from '@supabase/supabase-js';
import type { CallError } from '../../src/core/errors.ts';
import { Moderation, type ModerationMessage, type WaitingGuest } from '../../src/core/moderation.ts';
import { KEYED_PARTICIPANT_COLUMNS, type KeyedParticipantRecord } from '../../src/core/participant.ts';
import { SignalSigner } from '../../src/core/signal-keys.ts';
import { MemberKeys } from '../../src/core/signaling.ts';
import { startTestStack, type TestStack, type TestUser } from '../support/stack.ts';

/** Resolves the first time `test` holds for what was recorded, or rejects after `ms`. */
const eventually = async (test: () => boolean | Promise<boolean>, what: string, ms = 5000) => {
  const start = Date.now();
  while (!(await test())) {
    if (Date.now() - start > ms) assert.fail(`timed out waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
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

describe('Moderation', () => {
  let stack: TestStack;
  let host: TestUser;
  let guest: TestUser;
  let other: TestUser;
  let service: SupabaseClient;
  const started: Moderation[] = [];

  before(async () => {
    stack = await startTestStack();
    host = await stack.createUser({ name: 'Anna' });
    guest = await stack.createUser({ name: 'Boris' });
    other = await stack.createUser({ name: 'Vera' });
    service = stack.serviceClient();
  });
  afterEach(async () => {
    for (const moderation of started.splice(0)) await moderation.stop();
    for (const user of [host, guest, other]) await user.client.removeAllChannels();
  });
  after(() => stack?.close());

  const newSession = async (settings: Record<string, unknown>, ...guests: TestUser[]) => {
    const { data, error } = await host.client.from('video_call_sessions').insert({ title: 'Standup', settings }).select('id').single();
    assert.ifError(error);
    for (const invitee of guests) assert.ifError((await host.client.from('video_call_participants').insert({ session_id: data!.id, user_id: invitee.id })).error);
    return data!.id as string;
  };
  const rowOf = async (sessionId: string, user: TestUser) =>
    (await service.from('video_call_participants').select('*').eq('session_id', sessionId).eq('user_id', user.id).single()).data as Record<string, unknown>;

  /** A page's Moderation, what it was told, and (joined) its call channel and signer. */
  const pageOf = (user: TestUser, sessionId: string, timing: { knockEveryMs?: number; knockFreshMs?: number } = {}) => {
    const told = { admitted: 0, removed: 0, ended: 0, heard: [] as ModerationMessage[], peersRemoved: [] as string[], waiting: [] as WaitingGuest[][] };
    const page = {
      told,
      channel: undefined as RealtimeChannel | undefined,
      signer: undefined as SignalSigner | undefined,
      keys: new MemberKeys(user.client, sessionId),
      moderation: undefined as unknown as Moderation,
      /** Joins with a signal key and opens the call channel, as CallSession does. */
      async join() {
        page.signer = await SignalSigner.create();
        const joined = await user.client.rpc('join_video_call', { p_session_id: sessionId, p_signal_key: page.signer.publicJwk });
        assert.ifError(joined.error);
        await page.readRows();
        await user.client.realtime.setAuth(user.token);
        const channel = user.client.channel(`call:${sessionId}`, { config: { private: true, broadcast: { self: false } } });
        page.moderation.attach(channel);
        page.channel = channel;
        await new Promise<void>((resolve, reject) =>
          channel.subscribe((status) => (status === 'SUBSCRIBED' ? resolve() : status !== 'CLOSED' && reject(new Error(status)))),
        );
      },
      /** What ParticipantRows hands it: every row the user may read. */
      async readRows() {
        const { data, error } = await user.client.from('video_call_participants').select(KEYED_PARTICIPANT_COLUMNS).eq('session_id', sessionId);
        assert.ifError(error);
        await page.keys.learn(data ?? []);
        page.moderation.setRows((data ?? []) as KeyedParticipantRecord[]);
      },
    };
    page.moderation = new Moderation({
      supabase: user.client,
      sessionId,
      userId: user.id,
      signer: () => page.signer,
      keys: () => page.keys,
      channel: () => page.channel,
      admitted: () => told.admitted++,
      removed: () => told.removed++,
      ended: () => told.ended++,
      peerRemoved: (id) => told.peersRemoved.push(id),
      heard: (message) => told.heard.push(message),
      waitingChanged: (waiting) => told.waiting.push(waiting),
      log: () => undefined,
      ...timing,
    });
    started.push(page.moderation);
    return page;
  };

  it('tells where one stands and reads the host and the lobby', async () => {
    const sessionId = await newSession({ lobby: true }, guest);
    const hostPage = pageOf(host, sessionId);
    assert.equal(await hostPage.moderation.standing(), 'host');
    assert.equal(hostPage.moderation.hostId, host.id);
    assert.equal(hostPage.moderation.isHost, true);
    assert.equal(hostPage.moderation.lobby, true);
    const guestPage = pageOf(guest, sessionId);
    assert.equal(await guestPage.moderation.standing(), 'waiting');
    assert.equal(guestPage.moderation.hostId, host.id, 'a waiting guest reads the session');
    assert.equal(guestPage.moderation.isHost, false);
    assert.equal(await pageOf(other, sessionId).moderation.standing(), null, 'not invited');
    // Signed out: the question itself is refused, with a CallError that says what was asked.
    const anonymous = new Moderation({
      ...{ supabase: stack.anonClient(), sessionId, userId: guest.id, signer: () => undefined, keys: () => undefined, channel: () => undefined },
      ...{ admitted() {}, removed() {}, ended() {}, peerRemoved() {}, heard() {}, waitingChanged() {}, log() {} },
    });
    const refused = await rejection(anonymous.standing());
    assert.equal(refused.name, 'CallError');
    assert.match(refused.message, /could not read where you stand in the call/);
    assert.equal(anonymous.hostId, undefined, 'an anonymous reader sees no session');
    const open = await newSession({}, guest);
    assert.equal(await pageOf(guest, open).moderation.standing(), 'admitted', 'without a lobby invitees count as admitted');
  });

  it('knocks, shows the guest in the host’s waiting list, and hears of the admission from the row', async () => {
    const sessionId = await newSession({ lobby: true }, guest, other);
    const hostPage = pageOf(host, sessionId);
    await hostPage.moderation.standing();
    const guestPage = pageOf(guest, sessionId);
    await guestPage.moderation.standing();
    await guestPage.moderation.knock();
    assert.ok((await rowOf(sessionId, guest)).knocked_at, 'the knock is stamped');
    await new Promise((resolve) => setTimeout(resolve, 5));
    await pageOf(other, sessionId).moderation.knock();
    await hostPage.readRows();
    assert.deepEqual(
      hostPage.moderation.waiting.map((waiting) => [waiting.userId, waiting.name]),
      [
        [guest.id, 'Boris'],
        [other.id, 'Vera'],
      ],
      'the earliest knock first',
    );
    assert.deepEqual(hostPage.told.waiting.at(-1)!.length, 2);
    assert.deepEqual(guestPage.moderation.waiting, [], 'only the host has a waiting list');

    await hostPage.moderation.admit(guest.id);
    await eventually(() => guestPage.told.admitted > 0, 'the guest hears of the admission');
    assert.equal(guestPage.told.removed, 0);
    assert.equal(await guestPage.moderation.standing(), 'admitted');
    await hostPage.readRows();
    assert.deepEqual(
      hostPage.moderation.waiting.map((waiting) => waiting.userId),
      [other.id],
    );
  });

  it('keeps a guest on the host’s list while their page knocks, drops one whose window closed, and lists nobody who never came', async () => {
    const sessionId = await newSession({ lobby: true }, guest, other);
    const hostPage = pageOf(host, sessionId, { knockFreshMs: 1500 });
    await hostPage.moderation.standing();
    const guestPage = pageOf(guest, sessionId, { knockEveryMs: 300 });
    await guestPage.moderation.standing();
    await guestPage.moderation.knock();
    await hostPage.readRows();
    assert.deepEqual(hostPage.moderation.waiting.map((waiting) => waiting.userId), [guest.id], 'Vera, invited, never knocked: not waiting');

    const otherPage = pageOf(other, sessionId, { knockEveryMs: 300 });
    await otherPage.moderation.standing();
    await otherPage.moderation.knock();
    await hostPage.readRows();
    assert.deepEqual(hostPage.moderation.waiting.map((waiting) => waiting.userId), [guest.id, other.id]);
    // Vera's window closes: her page says nothing more. Boris's keeps knocking.
    await otherPage.moderation.stop();
    const first = (await rowOf(sessionId, guest)).knocked_at;
    await eventually(async () => (await rowOf(sessionId, guest)).knocked_at !== first, 'Boris knocks again');
    await eventually(async () => {
      await hostPage.readRows();
      return hostPage.moderation.waiting.map((waiting) => waiting.userId).join() === guest.id;
    }, 'Vera off the list, Boris still on it');
    assert.deepEqual(hostPage.told.waiting.at(-1)!.map((waiting) => waiting.userId), [guest.id]);

    // Rows no longer read (the host's page hears nothing new): the list empties by itself once Boris's knock is stale.
    await guestPage.moderation.stop();
    await eventually(() => hostPage.told.waiting.at(-1)!.length === 0, 'the list empty once the knocks are stale', 10_000);
    await hostPage.moderation.stop();
  });

  it('hears at once when the host let the guest in before the knock', async () => {
    const sessionId = await newSession({ lobby: true }, guest);
    assert.ifError((await host.client.rpc('admit_video_call_participant', { p_session_id: sessionId, p_user_id: guest.id })).error);
    const guestPage = pageOf(guest, sessionId);
    await guestPage.moderation.knock();
    assert.equal(guestPage.told.admitted, 1);
  });

  it('tells a declined guest, a removed member and the others; the removed one is out after a dropped channel', async () => {
    const sessionId = await newSession({ lobby: true }, guest, other);
    const hostPage = pageOf(host, sessionId);
    await hostPage.moderation.standing();
    await hostPage.join();
    assert.ifError((await host.client.rpc('admit_video_call_participant', { p_session_id: sessionId, p_user_id: guest.id })).error);
    const guestPage = pageOf(guest, sessionId);
    await guestPage.moderation.standing();
    await guestPage.join();
    await guestPage.moderation.watch();
    const otherPage = pageOf(other, sessionId);
    await otherPage.moderation.knock();

    // Declining the waiting one.
    await hostPage.moderation.remove(other.id);
    await eventually(() => otherPage.told.removed > 0, 'the declined guest hears of it');
    assert.ok((await rowOf(sessionId, other)).removed_at);

    // Removing the member in the call: their page, and the host's rows, tell.
    await hostPage.moderation.remove(guest.id);
    await eventually(() => guestPage.told.removed > 0, 'the removed guest hears of it');
    assert.equal(await guestPage.moderation.isOut(), true, 'after a dropped channel: out, do not reopen');
    await hostPage.readRows();
    assert.deepEqual(hostPage.told.peersRemoved.sort(), [guest.id, other.id].sort());
    await hostPage.readRows();
    assert.equal(hostPage.told.peersRemoved.length, 2, 'a row seen again drops nobody twice');
    assert.equal(await hostPage.moderation.isOut(), false, 'the host is still in');
  });

  it('tells everyone when the host ends the call for all', async () => {
    const sessionId = await newSession({ lobby: true }, guest, other);
    const hostPage = pageOf(host, sessionId);
    await hostPage.moderation.standing();
    await hostPage.join();
    const otherPage = pageOf(other, sessionId);
    await otherPage.moderation.knock();
    assert.ifError((await host.client.rpc('admit_video_call_participant', { p_session_id: sessionId, p_user_id: guest.id })).error);
    const guestPage = pageOf(guest, sessionId);
    await guestPage.moderation.standing();
    await guestPage.join();
    await guestPage.moderation.watch();
    await hostPage.moderation.endForAll();
    await eventually(() => guestPage.told.ended > 0 && otherPage.told.ended > 0, 'the member and the waiting guest hear the call ended');
    assert.equal((await service.from('video_call_sessions').select('status').eq('id', sessionId).single()).data!.status, 'ended');
    assert.equal(await guestPage.moderation.isOut(), true);
    const knock = pageOf(guest, sessionId);
    await knock.moderation.knock();
    assert.equal(knock.told.ended, 1, 'knocking on an ended call says it ended');
  });

  it('believes the host’s signed moderation messages for us or for all, and drops the rest', async () => {
    const sessionId = await newSession({}, guest, other);
    const hostPage = pageOf(host, sessionId);
    await hostPage.moderation.standing();
    await hostPage.join();
    const guestPage = pageOf(guest, sessionId);
    await guestPage.moderation.standing();
    await guestPage.join();
    const otherPage = pageOf(other, sessionId);
    await otherPage.moderation.standing();
    await otherPage.join();
    await hostPage.readRows();
    await guestPage.readRows();
    await otherPage.readRows();

    await hostPage.moderation.send({ action: 'mute', to: guest.id });
    await hostPage.moderation.send({ action: 'mute-request', to: other.id });
    await eventually(() => guestPage.told.heard.length === 1 && otherPage.told.heard.length === 1, 'each hears theirs');
    assert.deepEqual(guestPage.told.heard, [{ action: 'mute', to: guest.id }]);
    assert.deepEqual(otherPage.told.heard, [{ action: 'mute-request', to: other.id }]);

    // A member forging the host's `from`, signed with their own key: dropped.
    const forged = await otherPage.signer!.sign(sessionId, { from: host.id, to: guest.id, kind: 'moderation', payload: { action: 'mute' } } as never);
    await otherPage.channel!.send({ type: 'broadcast', event: 'moderation', payload: { ...forged, action: 'mute', to: guest.id } });
    // A member sending as themselves: not the host, dropped.
    const ownName = await otherPage.signer!.sign(sessionId, { from: other.id, to: guest.id, kind: 'moderation', payload: { action: 'mute' } } as never);
    await otherPage.channel!.send({ type: 'broadcast', event: 'moderation', payload: { ...ownName, action: 'mute', to: guest.id } });
    // Malformed: an unknown action, and an action that is not the signed one.
    await otherPage.channel!.send({ type: 'broadcast', event: 'moderation', payload: { action: 'explode' } });
    const mismatched = await hostPage.signer!.sign(sessionId, { from: host.id, to: guest.id, kind: 'moderation', payload: { action: 'mute-request' } } as never);
    await hostPage.channel!.send({ type: 'broadcast', event: 'moderation', payload: { ...mismatched, action: 'mute', to: guest.id } });
    // Then a real one for everyone: it arrives after the others, which were dropped.
    await hostPage.moderation.send({ action: 'mute' });
    await eventually(() => guestPage.told.heard.length === 2 && otherPage.told.heard.length === 2, 'both hear the one for everyone');
    assert.deepEqual(guestPage.told.heard[1], { action: 'mute' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(guestPage.told.heard.length, 2, 'nothing forged was believed');
  });

  it('refuses the host’s calls to anyone else, and bad input, changing nothing', async () => {
    const sessionId = await newSession({ lobby: true }, guest, other);
    const guestPage = pageOf(guest, sessionId);
    await guestPage.moderation.standing();
    assert.equal((await rejection(guestPage.moderation.admit(other.id))).code, 'not_host');
    assert.equal((await rejection(guestPage.moderation.remove(other.id))).code, 'not_host');
    assert.equal((await rejection(guestPage.moderation.endForAll())).code, 'not_host');
    assert.equal((await rejection(guestPage.moderation.send({ action: 'mute', to: other.id }))).code, 'not_host');
    // Without having read the session first, the database refuses them just the same.
    const unread = pageOf(guest, sessionId);
    assert.equal((await rejection(unread.moderation.admit(other.id))).code, 'not_host');
    assert.equal((await rejection(unread.moderation.endForAll())).code, 'not_host');
    const row = await rowOf(sessionId, other);
    assert.equal(row.admitted_at, null);
    assert.equal(row.removed_at, null);
    assert.equal((await service.from('video_call_sessions').select('status').eq('id', sessionId).single()).data!.status, 'scheduled');

    const hostPage = pageOf(host, sessionId);
    await hostPage.moderation.standing();
    assert.equal((await rejection(hostPage.moderation.admit(''))).code, 'invalid_input');
    assert.equal((await rejection(hostPage.moderation.admit('not-a-uuid'))).code, 'invalid_input');
    assert.equal((await rejection(hostPage.moderation.remove(host.id))).code, 'invalid_input', 'the host cannot remove themselves');
    const stranger = await stack.createUser({ name: 'Eve' });
    assert.equal((await rejection(hostPage.moderation.admit(stranger.id))).code, 'session_not_found', 'not invited');
    assert.equal((await rejection(hostPage.moderation.send({ action: 'mute', to: guest.id }))).code, 'channel_refused', 'not joined: no channel to send on');
    assert.equal((await rowOf(sessionId, other)).admitted_at, null);
  });
});
