/**
 * CallChat against the real local stack with people signed up through the Auth API: history by
 * pages, live messages and the unread count, sending with its refusals, a retry after a lost
 * answer storing one row, and one shared chat per session per client.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createClient } from '@supabase/supabase-js';
import { CallClient } from '../../src/core/call-client.ts';
import type { CallChat, ChatMessage } from '../../src/core/chat.ts';
import type { CallError } from '../../src/core/errors.ts';
import { clientOptions, startTestStack, type TestStack } from '../support/stack.ts';

describe('CallChat', () => {
  let stack: TestStack;
  const chats: CallChat[] = [];

  before(async () => {
    stack = await startTestStack();
  });
  after(async () => {
    for (const chat of chats) await chat.close();
    await stack?.close();
  });

  /** Someone signed up through the Auth API, with a CallClient of their own (and their fetch). */
  const person = async (name: string, fetch?: typeof globalThis.fetch) => {
    const supabase = createClient(stack.url, stack.anonKey, { ...clientOptions, ...(fetch ? { global: { fetch } } : {}) } as never);
    const email = `${name.toLowerCase()}.${randomUUID()}@crm.test`;
    const { data, error } = await supabase.auth.signUp({ email, password: 'correct horse battery', options: { data: { display_name: name } } });
    assert.ifError(error);
    await supabase.realtime.setAuth();
    return { id: data.user!.id, calls: new CallClient({ client: supabase }) };
  };
  type Person = Awaited<ReturnType<typeof person>>;
  const callOf = async (host: Person, ...guests: Person[]) => {
    const session = await host.calls.createSession({ title: 'Чат' });
    for (const guest of guests) await host.calls.invite(session.id, guest.id, { notify: false });
    return session.id;
  };
  const openChat = async (who: Person, sessionId: string) => {
    const chat = await who.calls.chat(sessionId);
    chats.push(chat);
    await chat.start();
    return chat;
  };
  const rejection = async (promise: Promise<unknown>) => {
    try {
      await promise;
    } catch (error) {
      return error as CallError;
    }
    assert.fail('expected a rejection');
  };
  const storedBodies = async (sessionId: string) =>
    ((await stack.serviceClient().from('video_call_messages').select('body').eq('session_id', sessionId).order('created_at')).data ?? []).map(
      (row) => row.body as string,
    );

  it('shows the latest 50 messages in order, and the older ones on request', async () => {
    const host = await person('Anna');
    const sessionId = await callOf(host);
    const rows = Array.from({ length: 60 }, (_, i) => ({
      session_id: sessionId,
      user_id: host.id,
      body: `message ${i + 1}`,
    }));
    // The service role writes the backlog in one go (the rate limit is for people).
    const { error } = await stack.serviceClient().from('video_call_messages').insert(rows);
    assert.ifError(error);
    const chat = await openChat(host, sessionId);
    assert.equal(chat.status, 'ready');
    assert.equal(chat.messages.length, 50);
    assert.equal(chat.messages[0].body, 'message 11');
    assert.equal(chat.messages.at(-1)!.body, 'message 60');
    assert.ok(chat.messages.every((m) => m.own && m.state === 'sent' && m.displayName === 'Anna'));
    assert.equal(chat.hasOlder, true);
    await chat.loadOlder();
    assert.deepEqual(
      chat.messages.map((m) => m.body),
      rows.map((r) => r.body),
    );
    assert.equal(chat.hasOlder, false);
  });

  it('brings others\' messages live, counts them unread until markRead, and not one\'s own', async () => {
    const host = await person('Anna');
    const guest = await person('Boris');
    const sessionId = await callOf(host, guest);
    const hostChat = await openChat(host, sessionId);
    const guestChat = await openChat(guest, sessionId);
    assert.equal(hostChat.status, 'ready');
    assert.equal(hostChat.messages.length, 0);
    const arrived = new Promise<ChatMessage>((resolve) => hostChat.on('message', ({ message }) => resolve(message)));
    const sent = await guestChat.send('  Привет, Анна! 👋 ');
    assert.equal(sent.body, 'Привет, Анна! 👋');
    assert.equal(sent.own, true);
    assert.equal(guestChat.unread, 0, 'one\'s own message is not unread');
    const message = await arrived;
    assert.deepEqual([message.id, message.body, message.own, message.displayName, message.userId], [sent.id, sent.body, false, 'Boris', guest.id]);
    assert.equal(hostChat.unread, 1);
    assert.deepEqual(hostChat.messages.map((m) => m.id), [sent.id]);
    hostChat.markRead();
    assert.equal(hostChat.unread, 0);
    // The sender's own copy arrives live too, and is not doubled.
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(guestChat.messages.map((m) => [m.id, m.state]), [[sent.id, 'sent']]);
  });

  it('refuses empty and over-long messages before sending anything', async () => {
    const host = await person('Anna');
    const sessionId = await callOf(host);
    const chat = await openChat(host, sessionId);
    assert.equal((await rejection(chat.send(' \n\t '))).code, 'message_empty');
    const tooLong = await rejection(chat.send('😀'.repeat(4001)));
    assert.equal(tooLong.code, 'message_too_long');
    assert.match(tooLong.message, /4000/);
    assert.deepEqual(chat.messages, []);
    const longest = await chat.send('😀'.repeat(4000));
    assert.equal([...longest.body].length, 4000);
    assert.equal((await storedBodies(sessionId)).length, 1);
  });

  it('marks a message failed with the reason when an outsider, an ended call or the rate limit refuses it', async () => {
    const host = await person('Anna');
    const stranger = await person('Mallory');
    const sessionId = await callOf(host);
    const outsider = await openChat(stranger, sessionId);
    const refused = await rejection(outsider.send('let me in'));
    assert.equal(refused.code, 'not_participant');
    assert.deepEqual(outsider.messages.map((m) => [m.body, m.state, m.error?.code]), [['let me in', 'failed', 'not_participant']]);
    outsider.discard(outsider.messages[0].id);
    assert.deepEqual(outsider.messages, []);

    const chat = await openChat(host, sessionId);
    for (let i = 0; i < 20; i++) await chat.send(`quick ${i}`);
    assert.equal((await rejection(chat.send('one too many'))).code, 'rate_limited');
    assert.equal(chat.messages.at(-1)!.state, 'failed');

    await host.calls.supabase.from('video_call_sessions').update({ status: 'ended' }).eq('id', sessionId);
    const ended = await rejection(chat.retry(chat.messages.at(-1)!.id));
    assert.equal(ended.code, 'call_ended');
    assert.equal((await storedBodies(sessionId)).length, 20);
  });

  it('stores a message once when its answer was lost and it is sent again', async () => {
    // The network drops the answers to the first send and to its checks, after the server had them.
    let lossyNow = true;
    const lossy: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      const url = String(input);
      if (lossyNow && url.includes('/rest/v1/video_call_messages') && (init?.method === 'POST' || /[?&]id=eq\./.test(url))) {
        throw new TypeError('network connection lost');
      }
      return response;
    };
    const host = await person('Anna', lossy);
    const sessionId = await callOf(host);
    // Not started: no live copy comes to tell it the message arrived, so only the retry can.
    const chat = await host.calls.chat(sessionId);
    chats.push(chat);
    const lost = await rejection(chat.send('arrived after all'));
    assert.equal(lost.code, 'failed');
    const [failed] = chat.messages.filter((m) => m.state === 'failed');
    assert.equal(failed.body, 'arrived after all');
    lossyNow = false;
    const sent = await chat.retry(failed.id);
    assert.equal(sent.id, failed.id);
    assert.equal(sent.state, 'sent');
    assert.deepEqual(await storedBodies(sessionId), ['arrived after all']);
    assert.deepEqual(chat.messages.map((m) => [m.id, m.state]), [[failed.id, 'sent']]);
  });

  it('finds a message stored when only the answer to its send was lost', async () => {
    let dropNext = true;
    const lossy: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (dropNext && init?.method === 'POST' && String(input).includes('/rest/v1/video_call_messages')) {
        dropNext = false;
        throw new TypeError('network connection lost');
      }
      return response;
    };
    const host = await person('Anna', lossy);
    const sessionId = await callOf(host);
    const chat = await openChat(host, sessionId);
    const sent = await chat.send('arrived after all');
    assert.equal(sent.state, 'sent');
    assert.deepEqual(await storedBodies(sessionId), ['arrived after all']);
    assert.deepEqual(chat.messages.map((m) => m.id), [sent.id]);
  });

  it('shares one chat per session between the callers of a client, until the last lets go', async () => {
    const host = await person('Anna');
    const sessionId = await callOf(host);
    const first = await host.calls.chat(sessionId);
    const second = await host.calls.chat(sessionId);
    assert.equal(first, second);
    await first.start();
    first.release();
    second.release();
    await new Promise((resolve) => setTimeout(resolve, 1300));
    const third = await host.calls.chat(sessionId);
    chats.push(third);
    assert.notEqual(third, first);
  });
});
