/**
 * video_call_history as real users through supabase-js: a deal's calls with their host, who was
 * invited, who came and for how long, and the chat's message count, for members only; an
 * outsider and a removed guest get no rows, the anon key and bad arguments are refused.
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
    // The guest stayed 25 minutes, the call lasted an hour.
    await stack.db.query(
      `update public.video_call_participants set joined_at = now() - interval '50 minutes', left_at = now() - interval '25 minutes'
       where session_id = $1 and user_id = $2`,
      [call, guest.id],
    );
    await stack.db.query(`update public.video_call_participants set joined_at = now() - interval '1 hour' where session_id = $1 and user_id = $2`, [call, host.id]);
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
      assert.equal(absentRow.attended_s, null);
      assert.equal(absentRow.left_at, null);
      assert.equal(data[1].ended_at, null);
      assert.equal(data[1].duration_s, null, 'still going: no duration yet');
      assert.equal(data[1].message_count, 0);
    }
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
});
