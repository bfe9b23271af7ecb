/**
 * video_call_messages as real users through supabase-js: members read and write as themselves
 * while the call is on, everybody else is refused, bad bodies are refused with nothing stored,
 * nobody edits or deletes a message, and the transcript outlives the call and the sender's account.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startTestStack, type TestStack, type TestUser } from '../support/stack.ts';

describe('call chat', () => {
  let stack: TestStack;
  let host: TestUser;
  let guest: TestUser;
  let stranger: TestUser;

  before(async () => {
    stack = await startTestStack();
    host = await stack.createUser({ name: 'Host Anna' });
    guest = await stack.createUser({ name: 'Guest Boris' });
    stranger = await stack.createUser({ name: 'Stranger' });
  });
  after(() => stack.close());

  const newSession = async (invitees: TestUser[] = [guest]) => {
    const { data, error } = await host.client.from('video_call_sessions').insert({ title: 'Chat' }).select().single();
    assert.ifError(error);
    for (const invitee of invitees) {
      const invited = await host.client.rpc('invite_to_video_call', { p_session_id: data.id, p_invitee: invitee.id });
      assert.ifError(invited.error);
    }
    return data.id as string;
  };
  const send = (user: TestUser, sessionId: string, body: unknown, extra: Record<string, unknown> = {}) =>
    user.client.from('video_call_messages').insert({ session_id: sessionId, body, ...extra }).select().single();
  const stored = async (sessionId: string) => {
    const { data, error } = await stack
      .serviceClient()
      .from('video_call_messages')
      .select('*')
      .eq('session_id', sessionId)
      .order('created_at');
    assert.ifError(error);
    return data as { id: string; user_id: string | null; display_name: string | null; body: string }[];
  };
  const endSession = async (sessionId: string) => {
    const { error } = await host.client.from('video_call_sessions').update({ status: 'ended' }).eq('id', sessionId);
    assert.ifError(error);
  };

  it('lets the host and a guest write as themselves and both read the conversation', async () => {
    const sessionId = await newSession();
    const first = await send(host, sessionId, '  Hello everyone \n');
    assert.ifError(first.error);
    assert.equal(first.data.body, 'Hello everyone', 'the body is trimmed');
    assert.equal(first.data.user_id, host.id);
    assert.equal(first.data.display_name, 'Host Anna');
    const second = await send(guest, sessionId, 'Привет! 👋');
    assert.ifError(second.error);
    assert.equal(second.data.display_name, 'Guest Boris');
    for (const reader of [host, guest]) {
      const { data, error } = await reader.client
        .from('video_call_messages')
        .select('body, user_id')
        .eq('session_id', sessionId)
        .order('created_at');
      assert.ifError(error);
      assert.deepEqual(data, [
        { body: 'Hello everyone', user_id: host.id },
        { body: 'Привет! 👋', user_id: guest.id },
      ]);
    }
  });

  it('shows an outsider and the anon key nothing, and refuses their messages', async () => {
    const sessionId = await newSession();
    assert.ifError((await send(guest, sessionId, 'members only')).error);
    const read = await stranger.client.from('video_call_messages').select('*').eq('session_id', sessionId);
    assert.ifError(read.error);
    assert.deepEqual(read.data, []);
    const anonRead = await stack.anonClient().from('video_call_messages').select('*').eq('session_id', sessionId);
    assert.ok(anonRead.error || anonRead.data?.length === 0, 'the anon key reads nothing');
    const written = await send(stranger, sessionId, 'let me in');
    assert.equal(written.error?.code, '42501');
    assert.match(written.error!.message, /participants/);
    const anonWritten = await stack.anonClient().from('video_call_messages').insert({ session_id: sessionId, body: 'hi' });
    assert.ok(anonWritten.error, 'the anon key cannot write');
    assert.deepEqual((await stored(sessionId)).map((m) => m.body), ['members only']);
  });

  it('keeps a guest waiting in the lobby out of the chat, and lets them in once admitted', async () => {
    const { data, error } = await host.client.from('video_call_sessions').insert({ title: 'Lobby chat', settings: { lobby: true } }).select().single();
    assert.ifError(error);
    const sessionId = data.id as string;
    assert.ifError((await host.client.rpc('invite_to_video_call', { p_session_id: sessionId, p_invitee: guest.id })).error);
    assert.ifError((await send(host, sessionId, 'before anyone comes')).error);
    const peek = await guest.client.from('video_call_messages').select('*').eq('session_id', sessionId);
    assert.ifError(peek.error);
    assert.deepEqual(peek.data, [], 'a waiting guest reads nothing');
    const early = await send(guest, sessionId, 'let me in');
    assert.equal(early.error?.code, '42501');
    assert.ifError((await host.client.rpc('admit_video_call_participant', { p_session_id: sessionId, p_user_id: guest.id })).error);
    assert.ifError((await send(guest, sessionId, 'thanks')).error);
    const read = await guest.client.from('video_call_messages').select('body').eq('session_id', sessionId).order('seq');
    assert.deepEqual(read.data?.map((m) => m.body), ['before anyone comes', 'thanks']);
  });

  it('takes the chat away from a removed participant, reading and writing, and leaves it to the others', async () => {
    const sessionId = await newSession([guest, stranger]);
    assert.ifError((await send(guest, sessionId, 'I was here')).error);
    assert.ifError((await host.client.rpc('remove_video_call_participant', { p_session_id: sessionId, p_user_id: guest.id })).error);
    const read = await guest.client.from('video_call_messages').select('*').eq('session_id', sessionId);
    assert.ifError(read.error);
    assert.deepEqual(read.data, [], 'a removed participant reads nothing, their own messages included');
    const written = await send(guest, sessionId, 'still here?');
    assert.equal(written.error?.code, '42501');
    const others = await stranger.client.from('video_call_messages').select('body').eq('session_id', sessionId);
    assert.deepEqual(others.data?.map((m) => m.body), ['I was here'], 'the others keep the transcript');
  });

  it('refuses a message written in someone else\'s name', async () => {
    const sessionId = await newSession();
    const forged = await send(guest, sessionId, 'I am the host', { user_id: host.id });
    assert.equal(forged.error?.code, '42501');
    assert.match(forged.error!.message, /as yourself/);
    const nameless = await send(guest, sessionId, 'nobody', { user_id: null });
    assert.equal(nameless.error?.code, '42501');
    const spoofedName = await send(guest, sessionId, 'as someone', { display_name: 'The Host' });
    assert.ifError(spoofedName.error);
    assert.equal(spoofedName.data.display_name, 'Guest Boris', 'the name comes from the sender, not the client');
    assert.deepEqual((await stored(sessionId)).map((m) => m.body), ['as someone']);
  });

  it('refuses a message in an ended call, and keeps the transcript readable to members', async () => {
    const sessionId = await newSession();
    assert.ifError((await send(host, sessionId, 'Notes: ship on Friday')).error);
    assert.ifError((await send(guest, sessionId, 'Agreed')).error);
    await endSession(sessionId);
    const late = await send(guest, sessionId, 'one more thing');
    assert.equal(late.error?.code, 'PT409');
    assert.equal(late.status, 409);
    assert.match(late.error!.message, /ended/);
    for (const reader of [host, guest]) {
      const { data, error } = await reader.client.from('video_call_messages').select('body').eq('session_id', sessionId).order('created_at');
      assert.ifError(error);
      assert.deepEqual(data.map((m) => m.body), ['Notes: ship on Friday', 'Agreed']);
    }
    const outsider = await stranger.client.from('video_call_messages').select('*').eq('session_id', sessionId);
    assert.deepEqual(outsider.data, []);
  });

  it('refuses an outsider writing into an ended call as not a participant, telling them nothing more', async () => {
    const sessionId = await newSession();
    await endSession(sessionId);
    const written = await send(stranger, sessionId, 'hello?');
    assert.equal(written.error?.code, '42501');
  });

  it('refuses empty, blank and over-long bodies with a clear error and stores nothing', async () => {
    const sessionId = await newSession();
    const bad: [unknown, RegExp][] = [
      ['', /empty/],
      ['   \n\t  ', /empty/],
      ['\u00a0\u200b', /empty/],
      ['x'.repeat(4001), /at most 4000 characters/],
      [' ' + '😀'.repeat(4001), /at most 4000 characters/],
    ];
    for (const [body, message] of bad) {
      const { error, status } = await send(guest, sessionId, body);
      assert.equal(error?.code, '22023', `${String(body).slice(0, 10)}… is refused`);
      assert.equal(status, 400);
      assert.match(error!.message, message);
    }
    const missing = await send(guest, sessionId, null);
    assert.ok(missing.error, 'a null body is refused');
    assert.deepEqual(await stored(sessionId), []);
  });

  it('accepts 4000 characters counted as code points, emoji and right-to-left text included', async () => {
    const sessionId = await newSession();
    const emoji = '😀'.repeat(4000);
    const long = await send(guest, sessionId, emoji);
    assert.ifError(long.error);
    assert.equal([...long.data.body].length, 4000);
    const rtl = await send(guest, sessionId, 'مرحبا بالجميع');
    assert.ifError(rtl.error);
    const html = await send(guest, sessionId, '<script>alert(1)</script><b>bold</b>');
    assert.ifError(html.error);
    assert.deepEqual(
      (await stored(sessionId)).map((m) => m.body),
      [emoji, 'مرحبا بالجميع', '<script>alert(1)</script><b>bold</b>'],
      'bodies are stored exactly, markup as text',
    );
  });

  it('stores one row when the same client-picked id is sent twice', async () => {
    const sessionId = await newSession();
    const id = randomUUID();
    const first = await guest.client
      .from('video_call_messages')
      .upsert({ id, session_id: sessionId, body: 'retry me' }, { onConflict: 'id', ignoreDuplicates: true })
      .select();
    assert.ifError(first.error);
    assert.equal(first.data.length, 1);
    const again = await guest.client
      .from('video_call_messages')
      .upsert({ id, session_id: sessionId, body: 'retry me' }, { onConflict: 'id', ignoreDuplicates: true })
      .select();
    assert.ifError(again.error);
    assert.equal(again.data.length, 0, 'the retry adds nothing');
    const plain = await send(guest, sessionId, 'retry me', { id });
    assert.equal(plain.status, 409, 'a plain insert of a taken id is a conflict');
    const stolen = await host.client
      .from('video_call_messages')
      .upsert({ id, session_id: sessionId, body: 'overwrite' }, { onConflict: 'id', ignoreDuplicates: true })
      .select();
    assert.ifError(stolen.error);
    assert.deepEqual((await stored(sessionId)).map((m) => [m.id, m.user_id, m.body]), [[id, guest.id, 'retry me']]);
  });

  it('limits one user to 20 messages in 10 seconds', async () => {
    // A user of its own: the other tests' messages are within the same 10 seconds.
    const chatty = await stack.createUser({ name: 'Chatty' });
    const sessionId = await newSession([chatty]);
    for (let i = 1; i <= 20; i++) assert.ifError((await send(chatty, sessionId, `message ${i}`)).error);
    const flood = await send(chatty, sessionId, 'message 21');
    assert.equal(flood.error?.code, 'PT429');
    assert.equal(flood.status, 429);
    assert.match(flood.error!.message, /20 in 10 seconds/);
    assert.ifError((await send(host, sessionId, 'the host still can')).error);
    assert.equal((await stored(sessionId)).length, 21);
  });

  it('lets nobody edit or delete a message, the host included', async () => {
    const sessionId = await newSession();
    const { data: message } = await send(guest, sessionId, 'original');
    for (const user of [guest, host]) {
      const edited = await user.client.from('video_call_messages').update({ body: 'changed' }).eq('id', message!.id).select();
      assert.ok(edited.error || edited.data?.length === 0, 'no edit');
      const removed = await user.client.from('video_call_messages').delete().eq('id', message!.id).select();
      assert.ok(removed.error || removed.data?.length === 0, 'no delete');
    }
    assert.deepEqual((await stored(sessionId)).map((m) => m.body), ['original']);
  });

  it('keeps a deleted sender\'s messages with their name, and drops messages with their session', async () => {
    const leaver = await stack.createUser({ name: 'Leaving Lena' });
    const sessionId = await newSession([leaver]);
    assert.ifError((await send(leaver, sessionId, 'bye all')).error);
    await stack.db.query('delete from auth.users where id = $1', [leaver.id]);
    const { data, error } = await host.client.from('video_call_messages').select('body, user_id, display_name').eq('session_id', sessionId);
    assert.ifError(error);
    assert.deepEqual(data, [{ body: 'bye all', user_id: null, display_name: 'Leaving Lena' }]);
    const { error: deleted } = await host.client.from('video_call_sessions').delete().eq('id', sessionId);
    assert.ifError(deleted);
    assert.deepEqual(await stored(sessionId), []);
  });
});
