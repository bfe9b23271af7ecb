/**
 * answer_video_call_invitation as real users through supabase-js: an invitee answers Yes / Maybe /
 * No for themselves only, an e-mail invitation is claimed by its confirmed address, and every
 * wrong caller or answer is refused with nothing changed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestStack, type TestStack, type TestUser } from '../support/stack.ts';

describe('answering an invitation', () => {
  let stack: TestStack;
  let host: TestUser;
  let guest: TestUser;
  let stranger: TestUser;

  before(async () => {
    stack = await startTestStack();
    host = await stack.createUser({ name: 'Host' });
    guest = await stack.createUser({ name: 'Guest' });
    stranger = await stack.createUser({ name: 'Stranger' });
  });
  after(() => stack.close());

  const newSession = async () => {
    const { data, error } = await host.client.from('video_call_sessions').insert({ title: 'Demo' }).select().single();
    assert.ifError(error);
    return data.id as string;
  };
  const invite = async (sessionId: string, invitee: string) => {
    const { data, error } = await host.client.rpc('invite_to_video_call', { p_session_id: sessionId, p_invitee: invitee });
    assert.ifError(error);
    return data as { id: string };
  };
  const statusOf = async (participantId: string) => {
    const { data, error } = await stack.serviceClient().from('video_call_participants').select('invite_status, user_id').eq('id', participantId).single();
    assert.ifError(error);
    return data as { invite_status: string; user_id: string | null };
  };
  const answer = (user: TestUser, sessionId: string, status: unknown) =>
    user.client.rpc('answer_video_call_invitation', { p_session_id: sessionId, p_status: status });

  it('records each answer the invitee gives, the last one winning', async () => {
    const sessionId = await newSession();
    const row = await invite(sessionId, guest.id);
    for (const status of ['tentative', 'accepted', 'declined']) {
      const { data, error } = await answer(guest, sessionId, status);
      assert.ifError(error);
      assert.equal(data.invite_status, status);
      assert.equal(data.id, row.id);
    }
    assert.equal((await statusOf(row.id)).invite_status, 'declined');
  });

  it('claims an invitation sent to the caller\'s e-mail address', async () => {
    const sessionId = await newSession();
    const row = await invite(sessionId, guest.email);
    const { data, error } = await answer(guest, sessionId, 'accepted');
    assert.ifError(error);
    assert.equal(data.id, row.id);
    assert.deepEqual(await statusOf(row.id), { invite_status: 'accepted', user_id: guest.id });
  });

  it('refuses someone who is not invited, and changes nothing', async () => {
    const sessionId = await newSession();
    const row = await invite(sessionId, guest.id);
    const { error } = await answer(stranger, sessionId, 'declined');
    assert.equal(error?.code, '42501');
    assert.match(error!.message, /not invited/);
    assert.equal((await statusOf(row.id)).invite_status, 'invited');
  });

  it('refuses an answer that is not Yes, Maybe or No', async () => {
    const sessionId = await newSession();
    const row = await invite(sessionId, guest.id);
    for (const status of ['invited', 'maybe', '', null, 42]) {
      const { error } = await answer(guest, sessionId, status);
      assert.ok(error, `"${status}" is refused`);
      assert.equal(error.code, '22023');
    }
    assert.equal((await statusOf(row.id)).invite_status, 'invited');
  });

  it('refuses the host, an unknown call, an ended call and a signed-out visitor', async () => {
    const sessionId = await newSession();
    const row = await invite(sessionId, guest.id);
    const byHost = await answer(host, sessionId, 'declined');
    assert.equal(byHost.error?.code, '22023');

    const unknown = await answer(guest, '00000000-0000-4000-8000-000000000000', 'accepted');
    assert.equal(unknown.error?.code, 'PT404');
    assert.equal(unknown.status, 404);

    const anon = await stack.anonClient().rpc('answer_video_call_invitation', { p_session_id: sessionId, p_status: 'declined' });
    assert.ok(anon.error, 'signed-out visitors cannot answer');

    assert.ifError((await host.client.from('video_call_sessions').update({ status: 'ended' }).eq('id', sessionId)).error);
    const ended = await answer(guest, sessionId, 'declined');
    assert.equal(ended.error?.code, 'PT409');
    assert.equal((await statusOf(row.id)).invite_status, 'invited');
  });
});
