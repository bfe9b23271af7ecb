/**
 * video_call_history as real users through supabase-js: a deal's calls with their host, who was
 * invited, who came and for how long (every stretch, rejoins included), and the chat's message
 * count, for members only; an outsider and a removed guest get no rows, the anon key and bad
 * arguments are refused, and nobody but the service role touches the attendance table.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startTestStack, type TestStack, type TestUser } from '../support/stack.ts';

describe('call history of a CRM entity', () => {
  let stack: TestStack;
  let host: TestUser;
  let guest: TestUser;
  let absent: TestUser;
  let stranger: TestUser;

  before(async () => {
    stack = await startTestStack();
    host = await stack.createUser({ name: 'Host Anna' });
    guest = await stack.createUser({ name: 'Guest Boris' });
    absent = await stack.createUser({ name: 'Absent Vera' });
    stranger = await stack.createUser({ name: 'Stranger' });
  });
  after(() => stack.close());

  const newCall = async (dealId: string, title: string, invitees: TestUser[], type = 'deal') => {
    const { data, error } = await host.client
      .from('video_call_sessions')
      .insert({ title, crm_entity_type: type, crm_entity_id: dealId })
      .select()
      .single();
    assert.ifError(error);
    for (const invitee of invitees) {
      assert.ifError((await host.client.rpc('invite_to_video_call', { p_session_id: data.id, p_invitee: invitee.id })).error);
    }
    return data.id as string;
  };
  /** Moves a participant's stretches (oldest first) to `[joined ago, left ago | still in]`. */
  const setStretches = async (sessionId: string, user: TestUser, stretches: [string, string | null][]) => {
    const { rows } = await stack.db.query<{ id: string }>(
      `select a.id from public.video_call_attendance a join public.video_call_participants p on p.id = a.participant_id
       where p.session_id = $1 and p.user_id = $2 order by a.joined_at, a.id`,
      [sessionId, user.id],
    );
    assert.equal(rows.length, stretches.length, 'stretches recorded');
    for (const [index, [joined, left]] of stretches.entries()) {
      await stack.db.query(
        `update public.video_call_attendance set joined_at = now() - $2::interval, left_at = now() - $3::interval where id = $1`,
        [rows[index].id, joined, left ?? '0 seconds'],
      );
      if (left === null) await stack.db.query(`update public.video_call_attendance set left_at = null where id = $1`, [rows[index].id]);
    }
  };
  const history = (user: TestUser, type: string, id: string) =>
    user.client.rpc('video_call_history', { p_entity_type: type, p_entity_id: id });

  it('lists the deal\'s calls, newest first, with host, attendance and message count', async () => {
    const deal = randomUUID();
    const older = await newCall(deal, 'Kick-off', [guest]);
    const call = await newCall(deal, 'Negotiation', [guest, absent]);
    await newCall(deal, 'Other type', [guest], 'task');
    await newCall(randomUUID(), 'Other deal', [guest]);
    assert.ifError((await host.client.rpc('join_video_call', { p_session_id: older })).error);
    await stack.db.query(`update public.video_call_sessions set started_at = now() - interval '2 days' where id = $1`, [older]);
    for (const user of [host, guest]) assert.ifError((await user.client.rpc('join_video_call', { p_session_id: call })).error);
    for (const body of ['Hello', 'Привет']) {
      assert.ifError((await guest.client.from('video_call_messages').insert({ session_id: call, body })).error);
    }
    assert.ifError((await guest.client.rpc('leave_video_call', { p_session_id: call })).error);
    // The guest stayed 25 minutes, the host the whole hour the call lasted.
    await setStretches(call, guest, [['50 minutes', '25 minutes']]);
    await setStretches(call, host, [['1 hour', null]]);
    await stack.db.query(`update public.video_call_sessions set started_at = now() - interval '1 hour' where id = $1`, [call]);
    assert.ifError((await host.client.from('video_call_sessions').update({ status: 'ended' }).eq('id', call)).error);

    for (const reader of [host, guest]) {
      const { data, error } = await history(reader, 'deal', deal);
      assert.ifError(error);
      assert.deepEqual(data.map((row: { title: string }) => row.title), ['Negotiation', 'Kick-off']);
      const [latest] = data;
      assert.equal(latest.session_id, call);
      assert.equal(latest.host_name, 'Host Anna');
      assert.equal(latest.message_count, 2);
      assert.ok(Math.abs(latest.duration_s - 3600) <= 5, String(latest.duration_s));
      assert.deepEqual(
        latest.participants.map((p: Record<string, unknown>) => [p.display_name, p.invite_status, p.joined_at !== null]),
        [
          ['Host Anna', 'accepted', true],
          ['Guest Boris', 'accepted', true],
          ['Absent Vera', 'invited', false],
        ],
      );
      const [hostRow, guestRow, absentRow] = latest.participants;
      assert.equal(hostRow.user_id, host.id);
      assert.ok(Math.abs(hostRow.attended_s - 3600) <= 5, `until the call ended: ${hostRow.attended_s}`);
      assert.ok(Math.abs(guestRow.attended_s - 1500) <= 5, `join to leave: ${guestRow.attended_s}`);
      assert.equal(absentRow.joined_at, null);
      assert.equal(absentRow.attended_s, null, 'never joined');
      assert.equal(absentRow.left_at, null);
      assert.equal(data[1].ended_at, null);
      assert.equal(data[1].duration_s, null, 'still going: no duration yet');
      assert.equal(data[1].message_count, 0);
    }
  });

  it('adds up every stretch someone was in: rejoins, and a reload that rejoins without leaving', async () => {
    const deal = randomUUID();
    const call = await newCall(deal, 'Rejoins', [guest]);
    const join = async () => assert.ifError((await guest.client.rpc('join_video_call', { p_session_id: call })).error);
    const leave = async () => assert.ifError((await guest.client.rpc('leave_video_call', { p_session_id: call })).error);
    await join();
    await leave();
    await join();
    await leave();
    await setStretches(call, guest, [['40 minutes', '30 minutes'], ['20 minutes', '15 minutes']]);
    const attended = async () => {
      const { data, error } = await history(host, 'deal', deal);
      assert.ifError(error);
      return data[0].participants.find((p: { user_id: string }) => p.user_id === guest.id).attended_s as number;
    };
    assert.ok(Math.abs((await attended()) - 900) <= 5, 'ten minutes and five');

    // A reload: joined again while still in. The open stretch ends at the last heartbeat.
    await join();
    await setStretches(call, guest, [['40 minutes', '30 minutes'], ['20 minutes', '15 minutes'], ['10 minutes', null]]);
    await stack.db.query(
      `update public.video_call_participants set last_seen_at = now() - interval '6 minutes' where session_id = $1 and user_id = $2`,
      [call, guest.id],
    );
    await join();
    const { rows } = await stack.db.query<{ ended_ago: number | null }>(
      `select extract(epoch from now() - a.left_at)::float8 as ended_ago from public.video_call_attendance a
       join public.video_call_participants p on p.id = a.participant_id
       where p.session_id = $1 and p.user_id = $2 order by a.joined_at, a.id`,
      [call, guest.id],
    );
    assert.equal(rows.length, 4, 'the reload opened a fourth stretch');
    assert.ok(Math.abs(Number(rows[2].ended_ago) - 360) <= 5, `the third ended at the heartbeat: ${rows[2].ended_ago}`);
    assert.equal(rows[3].ended_ago, null, 'the fourth is open');
    assert.ok(Math.abs((await attended()) - (600 + 300 + 240)) <= 5, String(await attended()));
    await leave();
    const open = await stack.db.query<{ open: number }>(
      `select count(*)::int as open from public.video_call_attendance a join public.video_call_participants p on p.id = a.participant_id
       where p.session_id = $1 and a.left_at is null`,
      [call],
    );
    assert.equal(open.rows[0].open, 0, 'leaving closed it');
  });

  it('gives an outsider and a removed guest nothing, and an invitee only their own calls', async () => {
    const deal = randomUUID();
    const withGuest = await newCall(deal, 'With Boris', [guest]);
    await newCall(deal, 'Without Boris', []);
    const outsider = await history(stranger, 'deal', deal);
    assert.ifError(outsider.error);
    assert.deepEqual(outsider.data, []);
    const invitee = await history(guest, 'deal', deal);
    assert.deepEqual(invitee.data.map((row: { title: string }) => row.title), ['With Boris']);
    assert.ifError((await host.client.rpc('remove_video_call_participant', { p_session_id: withGuest, p_user_id: guest.id })).error);
    const removed = await history(guest, 'deal', deal);
    assert.ifError(removed.error);
    assert.deepEqual(removed.data, []);
    assert.equal((await history(host, 'deal', deal)).data.length, 2);
  });

  it('refuses the anon key and bad arguments', async () => {
    const anon = await stack.anonClient().rpc('video_call_history', { p_entity_type: 'deal', p_entity_id: 'x' });
    assert.ok(anon.error, 'signed out');
    for (const [type, id, pattern] of [
      ['', 'x', /p_entity_type/],
      ['deal', '  ', /p_entity_id/],
      ['d'.repeat(101), 'x', /p_entity_type/],
      ['deal', 'x'.repeat(201), /p_entity_id/],
    ] as const) {
      const { error } = await history(host, type, id);
      assert.equal(error?.code, '22023', `${type.length}/${id.length}`);
      assert.match(error?.message ?? '', pattern);
    }
    const nulls = await host.client.rpc('video_call_history', { p_entity_type: null, p_entity_id: null });
    assert.equal(nulls.error?.code, '22023');
  });

  it('keeps the attendance stretches from users and the anon key: they are read through the history', async () => {
    const call = await newCall(randomUUID(), 'Stretches', [guest]);
    assert.ifError((await guest.client.rpc('join_video_call', { p_session_id: call })).error);
    const { rows } = await stack.db.query<{ id: string }>(`select id from public.video_call_participants where session_id = $1 and user_id = $2`, [call, guest.id]);
    for (const client of [host.client, guest.client, stack.anonClient()]) {
      const read = await client.from('video_call_attendance').select('*');
      assert.equal(read.error?.code, '42501');
      const forged = await client.from('video_call_attendance').insert({ participant_id: rows[0].id, joined_at: '2020-01-01T00:00:00Z' });
      assert.equal(forged.error?.code, '42501');
      const edited = await client.from('video_call_attendance').update({ left_at: null }).eq('participant_id', rows[0].id);
      assert.equal(edited.error?.code, '42501');
    }
    const stored = await stack.db.query(`select * from public.video_call_attendance where participant_id = $1`, [rows[0].id]);
    assert.equal(stored.rows.length, 1);
  });
});
