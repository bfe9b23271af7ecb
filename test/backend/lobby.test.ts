/**
 * Host controls (issue 16): the lobby, removal and ending a call, from both sides. Every rule is
 * the database's (RLS, the RPCs, the realtime.messages policies) or the functions', so each is
 * tried through what a page uses: supabase-js against the local stack, real Deno functions.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { SupabaseClient } from '@supabase/supabase-js';
import { callFunction } from '../support/functions.ts';
import { createServerDatabase, startTestStack, type TestStack, type TestUser } from '../support/stack.ts';

const supabaseDir = fileURLToPath(new URL('../../supabase', import.meta.url));
const LOBBY_MIGRATION = '20261203000100_video_call_lobby.sql';

type Row = Record<string, unknown>;

/** The first status a private channel reaches other than CLOSED. */
const channelStatus = (client: SupabaseClient, sessionId: string): Promise<string> =>
  new Promise((resolve) => {
    client.channel(`call:${sessionId}`, { config: { private: true } }).subscribe((status) => {
      if (status !== 'CLOSED') resolve(status);
    });
  });

describe('the lobby, removal and ending a call', () => {
  let stack: TestStack;
  let host: TestUser;
  let guest: TestUser;
  let other: TestUser;
  let outsider: TestUser;
  let service: SupabaseClient;

  const newSession = async (settings: Row, ...guests: TestUser[]) => {
    const { data, error } = await host.client.from('video_call_sessions').insert({ title: 'Standup', settings }).select('id').single();
    assert.ifError(error);
    for (const invitee of guests) {
      assert.ifError((await host.client.from('video_call_participants').insert({ session_id: data!.id, user_id: invitee.id })).error);
    }
    return data!.id as string;
  };
  const rowOf = async (sessionId: string, user: TestUser) =>
    (await service.from('video_call_participants').select('*').eq('session_id', sessionId).eq('user_id', user.id).single()).data as Row;
  const sessionRow = async (sessionId: string) => (await service.from('video_call_sessions').select('*').eq('id', sessionId).single()).data as Row;
  const standing = async (sessionId: string, user: TestUser) => {
    const { data, error } = await service.rpc('video_call_standing', { p_session_id: sessionId, p_user_id: user.id });
    assert.ifError(error);
    return data as string | null;
  };
  const rpc = async (user: TestUser, name: string, args: Row) => {
    const { data, error, status } = await user.client.rpc(name, args);
    return { data: data as Row | null, error, status };
  };
  const signal = (user: TestUser, sessionId: string) =>
    callFunction(stack, 'video-call-signal', { session_id: sessionId, kind: 'ice', payload: { candidates: [] } }, user.token);
  const errorCode = async (response: Response) => ({ status: response.status, code: (await response.json()).error?.code });

  before(async () => {
    stack = await startTestStack();
    host = await stack.createUser({ name: 'Anna' });
    guest = await stack.createUser({ name: 'Boris' });
    other = await stack.createUser({ name: 'Vera' });
    outsider = await stack.createUser({ name: 'Eve' });
    service = stack.serviceClient();
  });
  afterEach(async () => {
    for (const user of [host, guest, other, outsider]) await user.client.removeAllChannels();
  });
  after(() => stack?.close());

  describe('settings.lobby', () => {
    it('accepts true, false or nothing', async () => {
      for (const lobby of [true, false, null]) {
        assert.ifError((await host.client.from('video_call_sessions').insert({ title: 'Lobby', settings: { lobby } })).error);
      }
    });

    for (const [writer, client] of [['a host', () => host.client], ['the service role', () => service]] as const) {
      it(`refuses a lobby that is not a boolean, from ${writer}, with a 400`, async () => {
        const sessionId = await newSession({ lobby: false });
        for (const lobby of ['true', 1, 0, 'yes', [], {}]) {
          const inserted = await client().from('video_call_sessions').insert({ title: 'Bad', host_id: host.id, settings: { lobby } });
          assert.equal(inserted.error?.code, '22023', JSON.stringify(lobby));
          assert.equal(inserted.status, 400);
          assert.match(inserted.error!.message, /settings\.lobby must be true or false/);
        }
        const updated = await client().from('video_call_sessions').update({ settings: { lobby: 'on' } }).eq('id', sessionId);
        assert.equal(updated.error?.code, '22023');
        assert.deepEqual((await sessionRow(sessionId)).settings, { lobby: false }, 'the session is as it was');
      });
    }

    it('refuses an invitation that comes admitted, removed or knocked', async () => {
      const sessionId = await newSession({ lobby: true });
      for (const column of ['admitted_at', 'removed_at', 'knocked_at']) {
        const { error, status } = await host.client
          .from('video_call_participants')
          .insert({ session_id: sessionId, user_id: guest.id, [column]: new Date().toISOString() });
        assert.equal(error?.code, '42501', column);
        assert.equal(status, 403);
      }
      const { count } = await service.from('video_call_participants').select('*', { count: 'exact', head: true }).eq('session_id', sessionId);
      assert.equal(count, 1, 'only the host’s row');
    });

    it('lets nobody write admission or removal by an update', async () => {
      const sessionId = await newSession({ lobby: true }, guest);
      const updated = await guest.client
        .from('video_call_participants')
        .update({ admitted_at: new Date().toISOString() })
        .eq('session_id', sessionId)
        .eq('user_id', guest.id);
      assert.equal(updated.error?.code, '42501');
      const byHost = await host.client
        .from('video_call_participants')
        .update({ removed_at: new Date().toISOString() })
        .eq('session_id', sessionId)
        .eq('user_id', guest.id);
      assert.equal(byHost.error?.code, '42501');
      const row = await rowOf(sessionId, guest);
      assert.equal(row.admitted_at, null);
      assert.equal(row.removed_at, null);
    });
  });

  describe('a waiting guest', () => {
    let sessionId: string;
    before(async () => {
      sessionId = await newSession({ lobby: true }, guest, other);
      assert.ifError((await rpc(host, 'join_video_call', { p_session_id: sessionId })).error);
    });

    it('stands waiting, and the host stands host', async () => {
      assert.equal(await standing(sessionId, guest), 'waiting');
      assert.equal(await standing(sessionId, host), 'host');
      assert.equal(await standing(sessionId, outsider), null);
      const { data } = await rpc(guest, 'video_call_standing', { p_session_id: sessionId });
      assert.equal(data, 'waiting', 'asked about themselves');
    });

    it('tells nobody outside the call where people stand', async () => {
      const { data, error } = await rpc(outsider, 'video_call_standing', { p_session_id: sessionId, p_user_id: guest.id });
      assert.ifError(error);
      assert.equal(data, null);
      const waiting = await rpc(guest, 'video_call_standing', { p_session_id: sessionId, p_user_id: host.id });
      assert.equal(waiting.data, null, 'not even a waiting guest');
      const asHost = await rpc(host, 'video_call_standing', { p_session_id: sessionId, p_user_id: guest.id });
      assert.equal(asHost.data, 'waiting', 'the host sees who waits');
    });

    it('is told to wait by join_video_call (423 waiting_for_host), and nothing changes', async () => {
      const before = await rowOf(sessionId, guest);
      const { error, status } = await rpc(guest, 'join_video_call', { p_session_id: sessionId, p_signal_key: { kty: 'EC' } });
      assert.equal(status, 423);
      assert.equal(error?.code, 'PT423');
      assert.equal(error?.message, 'waiting_for_host');
      assert.deepEqual(await rowOf(sessionId, guest), before);
    });

    it('sees the session and their own row, not the others', async () => {
      const session = await guest.client.from('video_call_sessions').select('title, settings').eq('id', sessionId).single();
      assert.ifError(session.error);
      assert.deepEqual(session.data, { title: 'Standup', settings: { lobby: true } });
      const rows = await guest.client.from('video_call_participants').select('user_id').eq('session_id', sessionId);
      assert.deepEqual(rows.data, [{ user_id: guest.id }]);
      const hostRows = await host.client.from('video_call_participants').select('user_id').eq('session_id', sessionId);
      assert.equal(hostRows.data?.length, 3, 'the host sees everyone');
    });

    it('is refused the private call channel', async () => {
      assert.equal(await channelStatus(guest.client, sessionId), 'CHANNEL_ERROR');
      assert.equal(await channelStatus(host.client, sessionId), 'SUBSCRIBED');
    });

    it('can neither send nor read signals', async () => {
      const sent = await guest.client.from('video_call_signals').insert({ session_id: sessionId, kind: 'offer', payload: {} });
      assert.equal(sent.error?.code, '42501');
      assert.equal(sent.status, 403);
      assert.ifError((await host.client.from('video_call_signals').insert({ session_id: sessionId, kind: 'ice', payload: {} })).error);
      const read = await guest.client.from('video_call_signals').select('id').eq('session_id', sessionId);
      assert.deepEqual(read.data, []);
      assert.deepEqual(await errorCode(await signal(guest, sessionId)), { status: 403, code: 'waiting_for_host' });
    });

    it('gets STUN only from video-call-ice-servers', async () => {
      const response = await callFunction(stack, 'video-call-ice-servers', { session_id: sessionId }, guest.token);
      assert.equal(response.status, 200);
      const body = await response.json();
      assert.equal(body.warning, 'waiting_for_host');
      assert.ok(body.iceServers.every((server: { credential?: string }) => server.credential === undefined));
    });

    it('knocks: knocked_at is stamped and the host sees it', async () => {
      const { data, error } = await rpc(guest, 'knock_video_call', { p_session_id: sessionId });
      assert.ifError(error);
      assert.ok(data!.knocked_at);
      assert.equal(data!.admitted_at, null);
      const seen = await host.client.from('video_call_participants').select('knocked_at').eq('session_id', sessionId).eq('user_id', guest.id).single();
      assert.equal(seen.data!.knocked_at, data!.knocked_at);
      assert.equal((await rpc(outsider, 'knock_video_call', { p_session_id: sessionId })).status, 403);
    });

    it('cannot admit, remove or end: 403 and nothing changed', async () => {
      const beforeGuest = await rowOf(sessionId, guest);
      const beforeOther = await rowOf(sessionId, other);
      const beforeSession = await sessionRow(sessionId);
      for (const [name, args] of [
        ['admit_video_call_participant', { p_session_id: sessionId, p_user_id: guest.id }],
        ['admit_video_call_participant', { p_session_id: sessionId, p_user_id: other.id }],
        ['remove_video_call_participant', { p_session_id: sessionId, p_user_id: other.id }],
        ['end_video_call', { p_session_id: sessionId }],
      ] as const) {
        for (const caller of [guest, other, outsider]) {
          const { error, status } = await rpc(caller, name, args);
          assert.equal(status, 403, `${name} by a guest`);
          assert.equal(error?.code, '42501');
        }
      }
      assert.deepEqual(await rowOf(sessionId, guest), beforeGuest);
      assert.deepEqual(await rowOf(sessionId, other), beforeOther);
      assert.deepEqual(await sessionRow(sessionId), beforeSession);
    });

    it('is let in by the host: channel, signals and joining open', async () => {
      const { data, error } = await rpc(host, 'admit_video_call_participant', { p_session_id: sessionId, p_user_id: guest.id });
      assert.ifError(error);
      assert.ok(data!.admitted_at);
      assert.equal(await standing(sessionId, guest), 'admitted');
      const again = await rpc(host, 'admit_video_call_participant', { p_session_id: sessionId, p_user_id: guest.id });
      assert.equal(again.data!.admitted_at, data!.admitted_at, 'admitting twice changes nothing');

      const joined = await rpc(guest, 'join_video_call', { p_session_id: sessionId });
      assert.ifError(joined.error);
      assert.equal(joined.data!.presence_status, 'connected');
      assert.equal(await channelStatus(guest.client, sessionId), 'SUBSCRIBED');
      assert.ifError((await guest.client.from('video_call_signals').insert({ session_id: sessionId, kind: 'offer', payload: {} })).error);
      assert.equal((await signal(guest, sessionId)).status, 201);
      const rows = await guest.client.from('video_call_participants').select('user_id').eq('session_id', sessionId);
      assert.equal(rows.data?.length, 3, 'a member sees everyone');
      const ice = await (await callFunction(stack, 'video-call-ice-servers', { session_id: sessionId }, guest.token)).json();
      assert.notEqual(ice.warning, 'waiting_for_host');
      assert.notEqual(ice.warning, 'not_a_participant');
    });

    it('may be addressed by a member while waiting, and reads nothing until admitted', async () => {
      const stored = await host.client.from('video_call_signals').insert({ session_id: sessionId, to_user: other.id, kind: 'offer', payload: {} });
      assert.ifError(stored.error);
      const addressed = await service.from('video_call_signals').select('id').eq('session_id', sessionId).eq('to_user', other.id);
      assert.equal(addressed.data?.length, 1);
      const read = await other.client.from('video_call_signals').select('id').eq('session_id', sessionId);
      assert.deepEqual(read.data, []);
    });
  });

  describe('removal', () => {
    let sessionId: string;
    before(async () => {
      sessionId = await newSession({}, guest, other);
      for (const user of [host, guest, other]) {
        assert.ifError((await rpc(user, 'join_video_call', { p_session_id: sessionId, p_signal_key: { kty: 'EC', x: user.id } })).error);
      }
    });

    it('is the host’s only: a guest removing another gets 403 and nothing changes', async () => {
      const before = await rowOf(sessionId, other);
      const { status, error } = await rpc(guest, 'remove_video_call_participant', { p_session_id: sessionId, p_user_id: other.id });
      assert.equal(status, 403);
      assert.equal(error?.code, '42501');
      assert.deepEqual(await rowOf(sessionId, other), before);
    });

    it('marks the row removed, declined and left, and clears the signal key', async () => {
      const { data, error } = await rpc(host, 'remove_video_call_participant', { p_session_id: sessionId, p_user_id: guest.id });
      assert.ifError(error);
      assert.ok(data!.removed_at);
      assert.equal(data!.invite_status, 'declined');
      assert.equal(data!.presence_status, 'left');
      assert.ok(data!.left_at);
      assert.equal(data!.signal_key, null);
      assert.equal(await standing(sessionId, guest), 'removed');
      const again = await rpc(host, 'remove_video_call_participant', { p_session_id: sessionId, p_user_id: guest.id });
      assert.equal(again.data!.removed_at, data!.removed_at, 'removing twice changes nothing');
      assert.notEqual((await rowOf(sessionId, other)).signal_key, null, 'the others keep theirs');
    });

    it('refuses the removed user everywhere', async () => {
      const join = await rpc(guest, 'join_video_call', { p_session_id: sessionId });
      assert.equal(join.status, 403);
      assert.equal(join.error?.code, '42501');
      assert.equal(await channelStatus(guest.client, sessionId), 'CHANNEL_ERROR');
      const sent = await guest.client.from('video_call_signals').insert({ session_id: sessionId, kind: 'bye', payload: {} });
      assert.equal(sent.error?.code, '42501');
      assert.deepEqual(await errorCode(await signal(guest, sessionId)), { status: 403, code: 'not_participant' });
      assert.equal((await rpc(guest, 'knock_video_call', { p_session_id: sessionId })).status, 403);
      assert.equal((await rpc(guest, 'answer_video_call_invitation', { p_session_id: sessionId, p_status: 'accepted' })).status, 403);
      assert.equal((await rpc(guest, 'touch_video_call', { p_session_id: sessionId })).status, 403);
      const ice = await (await callFunction(stack, 'video-call-ice-servers', { session_id: sessionId }, guest.token)).json();
      assert.equal(ice.warning, 'not_a_participant');
    });

    it('leaves them their own row (with removed_at) and nothing else', async () => {
      const rows = await guest.client.from('video_call_participants').select('user_id, removed_at').eq('session_id', sessionId);
      assert.equal(rows.data?.length, 1);
      assert.equal(rows.data![0].user_id, guest.id);
      assert.ok(rows.data![0].removed_at);
      const session = await guest.client.from('video_call_sessions').select('id').eq('id', sessionId);
      assert.deepEqual(session.data, []);
      const edited = await guest.client
        .from('video_call_participants')
        .update({ invite_status: 'accepted', signal_key: { kty: 'EC' } })
        .eq('session_id', sessionId)
        .eq('user_id', guest.id)
        .select('id');
      assert.deepEqual(edited.data, [], 'they no longer change their row');
      assert.equal((await rowOf(sessionId, guest)).invite_status, 'declined');
    });

    it('cannot be invited or admitted again (409)', async () => {
      const invited = await rpc(host, 'invite_to_video_call', { p_session_id: sessionId, p_invitee: guest.id });
      assert.equal(invited.status, 409);
      assert.equal(invited.error?.code, 'PT409');
      const inserted = await host.client.from('video_call_participants').insert({ session_id: sessionId, user_id: guest.id });
      assert.equal(inserted.status, 409);
      const admitted = await rpc(host, 'admit_video_call_participant', { p_session_id: sessionId, p_user_id: guest.id });
      assert.equal(admitted.status, 409);
      assert.ok((await rowOf(sessionId, guest)).removed_at);
    });

    it('keeps the other members in: their channel, signals and rows', async () => {
      assert.equal(await channelStatus(other.client, sessionId), 'SUBSCRIBED');
      assert.equal((await signal(other, sessionId)).status, 201);
      const rows = await other.client.from('video_call_participants').select('user_id').eq('session_id', sessionId);
      assert.equal(rows.data?.length, 3, 'they still see the removed row, marked');
    });

    it('declines a waiting guest the same way', async () => {
      const lobbyId = await newSession({ lobby: true }, guest);
      assert.ifError((await rpc(guest, 'knock_video_call', { p_session_id: lobbyId })).error);
      const { data, error } = await rpc(host, 'remove_video_call_participant', { p_session_id: lobbyId, p_user_id: guest.id });
      assert.ifError(error);
      assert.ok(data!.removed_at);
      assert.equal(await standing(lobbyId, guest), 'removed');
      assert.equal((await rpc(guest, 'join_video_call', { p_session_id: lobbyId })).status, 403);
      assert.equal((await rpc(guest, 'knock_video_call', { p_session_id: lobbyId })).status, 403);
    });
  });

  describe('calls of calendar events', () => {
    it('lead a waiting guest to the host’s call, and a removed one no longer', async () => {
      const eventId = `evt-${Date.now()}`;
      const created = await rpc(host, 'event_video_call', { p_event_id: eventId, p_title: 'Review', p_attendees: [guest.id] });
      assert.ifError(created.error);
      const sessionId = created.data!.id as string;
      assert.ifError((await host.client.from('video_call_sessions').update({ settings: { lobby: true } }).eq('id', sessionId)).error);
      assert.equal(await standing(sessionId, guest), 'waiting');

      const found = await guest.client.rpc('find_event_video_call', { p_event_id: eventId, p_attendees: [host.id] });
      assert.ifError(found.error);
      assert.deepEqual(found.data.map((row: Row) => row.id), [sessionId]);
      const opened = await rpc(guest, 'event_video_call', { p_event_id: eventId, p_attendees: [host.id] });
      assert.equal(opened.data!.id, sessionId, 'not a call of their own');

      assert.ifError((await rpc(host, 'remove_video_call_participant', { p_session_id: sessionId, p_user_id: guest.id })).error);
      const gone = await guest.client.rpc('find_event_video_call', { p_event_id: eventId, p_attendees: [host.id] });
      assert.deepEqual(gone.data, []);
    });
  });

  describe('what a page watches', () => {
    /** The caller's own row as postgres_changes delivers it, on a topic of its own. */
    const watchOwnRow = async (user: TestUser, sessionId: string) => {
      const rows: Row[] = [];
      let wake = () => undefined as void;
      const channel = user.client
        .channel(`own-row:${sessionId}:${Math.random()}`)
        .on('postgres_changes', { event: 'UPDATE', schema: 'public', table: 'video_call_participants', filter: `session_id=eq.${sessionId}` }, ({ new: row }) => {
          rows.push(row);
          wake();
        });
      await new Promise<void>((resolve, reject) =>
        channel.subscribe((status, error) => (status === 'SUBSCRIBED' ? resolve() : status !== 'CLOSED' && reject(error ?? new Error(status)))),
      );
      return {
        rows,
        async next(test: (row: Row) => boolean) {
          const deadline = Date.now() + 3000;
          while (!rows.some(test)) {
            if (Date.now() > deadline) throw new Error(`no such row in ${JSON.stringify(rows)}`);
            await Promise.race([new Promise<void>((resolve) => (wake = resolve)), new Promise((resolve) => setTimeout(resolve, 100))]);
          }
          return rows.find(test)!;
        },
      };
    };

    it('tells a waiting guest they were admitted, and a removed one they were removed', async () => {
      const sessionId = await newSession({ lobby: true }, guest, other);
      const guestRows = await watchOwnRow(guest, sessionId);
      const otherRows = await watchOwnRow(other, sessionId);
      assert.ifError((await rpc(guest, 'knock_video_call', { p_session_id: sessionId })).error);
      assert.ifError((await rpc(host, 'admit_video_call_participant', { p_session_id: sessionId, p_user_id: guest.id })).error);
      const admitted = await guestRows.next((row) => row.admitted_at !== null);
      assert.equal(admitted.user_id, guest.id);

      assert.ifError((await rpc(host, 'remove_video_call_participant', { p_session_id: sessionId, p_user_id: guest.id })).error);
      const removed = await guestRows.next((row) => row.removed_at !== null);
      assert.equal(removed.user_id, guest.id);
      assert.ok(guestRows.rows.every((row) => row.user_id === guest.id), 'only their own row');

      assert.ifError((await rpc(host, 'remove_video_call_participant', { p_session_id: sessionId, p_user_id: other.id })).error);
      const declined = await otherRows.next((row) => row.removed_at !== null);
      assert.equal(declined.user_id, other.id, 'a declined waiting guest learns it the same way');
      assert.ok(otherRows.rows.every((row) => row.user_id === other.id), 'a waiting guest saw nobody else’s row');
    });
  });

  describe('a session without a lobby', () => {
    it('counts invitees as admitted, as before', async () => {
      const sessionId = await newSession({}, guest);
      assert.equal((await rowOf(sessionId, guest)).admitted_at, null);
      assert.equal(await standing(sessionId, guest), 'admitted');
      assert.equal(await channelStatus(guest.client, sessionId), 'SUBSCRIBED');
      assert.ifError((await guest.client.from('video_call_signals').insert({ session_id: sessionId, kind: 'offer', payload: {} })).error);
      const joined = await rpc(guest, 'join_video_call', { p_session_id: sessionId });
      assert.ifError(joined.error);
      assert.ok(joined.data!.admitted_at, 'joining admits');
    });

    it('keeps who joined in when the host turns the lobby on, and makes the others wait', async () => {
      const sessionId = await newSession({}, guest, other);
      assert.ifError((await rpc(guest, 'join_video_call', { p_session_id: sessionId })).error);
      assert.ifError((await host.client.from('video_call_sessions').update({ settings: { lobby: true } }).eq('id', sessionId)).error);
      assert.equal(await standing(sessionId, guest), 'admitted');
      assert.equal(await standing(sessionId, other), 'waiting');
      assert.equal((await rpc(other, 'join_video_call', { p_session_id: sessionId })).status, 423);
    });
  });

  describe('ending a call', () => {
    it('ends it for everyone, once, by the host only', async () => {
      const sessionId = await newSession({}, guest);
      for (const user of [host, guest]) assert.ifError((await rpc(user, 'join_video_call', { p_session_id: sessionId })).error);
      const before = await sessionRow(sessionId);
      const byGuest = await rpc(guest, 'end_video_call', { p_session_id: sessionId });
      assert.equal(byGuest.status, 403);
      assert.deepEqual(await sessionRow(sessionId), before);

      const { data, error } = await rpc(host, 'end_video_call', { p_session_id: sessionId });
      assert.ifError(error);
      assert.equal(data!.status, 'ended');
      assert.ok(data!.ended_at);
      for (const user of [host, guest]) assert.equal((await rowOf(sessionId, user)).presence_status, 'left');
      const again = await rpc(host, 'end_video_call', { p_session_id: sessionId });
      assert.equal(again.data!.ended_at, data!.ended_at, 'ending twice changes nothing');

      assert.equal((await rpc(guest, 'join_video_call', { p_session_id: sessionId })).status, 409);
      const sent = await guest.client.from('video_call_signals').insert({ session_id: sessionId, kind: 'bye', payload: {} });
      assert.equal(sent.error?.code, '42501');
      const admitted = await rpc(host, 'admit_video_call_participant', { p_session_id: sessionId, p_user_id: guest.id });
      assert.equal(admitted.status, 409);
      const removed = await rpc(host, 'remove_video_call_participant', { p_session_id: sessionId, p_user_id: guest.id });
      assert.ifError(removed.error); // a removal after the end still takes away what members keep
    });
  });

  describe('bad input', () => {
    let sessionId: string;
    before(async () => {
      sessionId = await newSession({ lobby: true }, guest);
    });
    const unknown = '00000000-0000-4000-8000-000000000000';

    it('answers 404 for an unknown session', async () => {
      for (const [name, args] of [
        ['admit_video_call_participant', { p_session_id: unknown, p_user_id: guest.id }],
        ['remove_video_call_participant', { p_session_id: unknown, p_user_id: guest.id }],
        ['end_video_call', { p_session_id: unknown }],
        ['knock_video_call', { p_session_id: unknown }],
      ] as const) {
        const { status, error } = await rpc(host, name, args);
        assert.equal(status, 404, name);
        assert.equal(error?.code, 'PT404');
      }
    });

    it('answers 404 for someone who is not a participant, 400 for the host or no one', async () => {
      const before = await sessionRow(sessionId);
      assert.equal((await rpc(host, 'admit_video_call_participant', { p_session_id: sessionId, p_user_id: outsider.id })).status, 404);
      assert.equal((await rpc(host, 'remove_video_call_participant', { p_session_id: sessionId, p_user_id: outsider.id })).status, 404);
      const self = await rpc(host, 'remove_video_call_participant', { p_session_id: sessionId, p_user_id: host.id });
      assert.equal(self.status, 400);
      assert.equal(self.error?.code, '22023');
      const nobody = await rpc(host, 'admit_video_call_participant', { p_session_id: sessionId, p_user_id: null });
      assert.equal(nobody.status, 400);
      assert.equal(await standing(sessionId, guest), 'waiting');
      assert.equal((await rowOf(sessionId, host)).removed_at, null);
      assert.deepEqual(await sessionRow(sessionId), before);
    });

    it('answers 400 for arguments of the wrong type', async () => {
      for (const [name, args] of [
        ['admit_video_call_participant', { p_session_id: 'not-a-uuid', p_user_id: guest.id }],
        ['remove_video_call_participant', { p_session_id: sessionId, p_user_id: 42 }],
        ['end_video_call', { p_session_id: { id: sessionId } }],
        ['knock_video_call', { p_session_id: 'x' }],
        ['video_call_standing', { p_session_id: sessionId, p_user_id: 'me' }],
      ] as const) {
        const { status } = await rpc(host, name, args);
        assert.equal(status, 400, `${name} ${JSON.stringify(args)}`);
      }
      assert.equal(await standing(sessionId, guest), 'waiting');
      assert.equal((await sessionRow(sessionId)).status, 'scheduled');
    });

    it('refuses the host’s calls to signed-out visitors', async () => {
      const anon = stack.anonClient();
      for (const name of ['admit_video_call_participant', 'remove_video_call_participant']) {
        const { error } = await anon.rpc(name, { p_session_id: sessionId, p_user_id: guest.id });
        assert.equal(error?.code, '42501', name);
      }
      assert.equal((await anon.rpc('end_video_call', { p_session_id: sessionId })).error?.code, '42501');
      assert.equal(await standing(sessionId, guest), 'waiting');
    });
  });

  describe('rows written before the migration', () => {
    it('are admitted, so turning a lobby on keeps everyone invited before it in', async () => {
      // A project of the migrations before this one, then the same database with this one added.
      const project = mkdtempSync(join(tmpdir(), 'call-widgets-lobby-'));
      mkdirSync(join(project, 'migrations'));
      copyFileSync(join(supabaseDir, 'config.toml'), join(project, 'config.toml'));
      for (const file of readdirSync(join(supabaseDir, 'migrations')).filter((name) => name < LOBBY_MIGRATION)) {
        symlinkSync(join(supabaseDir, 'migrations', file), join(project, 'migrations', file));
      }
      const server = process.env.TEST_DATABASE_URL ? await createServerDatabase(process.env.TEST_DATABASE_URL) : undefined;
      const options = server
        ? { supabaseDir: project, databaseUrl: server.url }
        : { supabaseDir: project, pglite: true, memory: false, dataDir: join(project, 'db') };
      try {
        const before = await startTestStack(options);
        const [anna, boris] = [await before.createUser({ name: 'Anna' }), await before.createUser({ name: 'Boris' })];
        const { rows } = await before.db.query<{ id: string }>(`insert into video_call_sessions (title, host_id) values ('Old', $1) returning id`, [anna.id]);
        await before.db.query(`insert into video_call_participants (session_id, user_id) values ($1, $2)`, [rows[0].id, boris.id]);
        await before.close();

        symlinkSync(join(supabaseDir, 'migrations', LOBBY_MIGRATION), join(project, 'migrations', LOBBY_MIGRATION));
        const migrated = await startTestStack(options);
        try {
          assert.deepEqual(migrated.migrations.applied, [LOBBY_MIGRATION]);
          const admitted = await migrated.db.query<{ admitted: boolean }>(
            `select admitted_at is not null as admitted from video_call_participants where session_id = $1`,
            [rows[0].id],
          );
          assert.deepEqual(admitted.rows, [{ admitted: true }, { admitted: true }]);
          await migrated.db.query(`update video_call_sessions set settings = '{"lobby": true}' where id = $1`, [rows[0].id]);
          const standing = await migrated.db.query<{ standing: string }>(`select public.video_call_standing($1, $2) as standing`, [rows[0].id, boris.id]);
          assert.equal(standing.rows[0].standing, 'admitted');
        } finally {
          await migrated.close();
        }
      } finally {
        await server?.drop();
        rmSync(project, { recursive: true, force: true });
      }
    });
  });
});
