/**
 * CallClient's calendar-event calls against the real local stack: which call an event id leads
 * each person to, found and opened the same way, never a stranger's.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createClient } from '@supabase/supabase-js';
import { CallClient } from '../../src/core/call-client.ts';
import { clientOptions, startTestStack, type TestStack } from '../support/stack.ts';

describe('CallClient: calls of calendar events', () => {
  let stack: TestStack;

  before(async () => {
    stack = await startTestStack();
  });
  after(() => stack.close());

  /** Someone signed up through the Auth API, with a CallClient of their own. */
  const person = async (name: string) => {
    const supabase = createClient(stack.url, stack.anonKey, clientOptions as never);
    const email = `${name.toLowerCase()}.${randomUUID()}@crm.test`;
    const { data, error } = await supabase.auth.signUp({ email, password: 'correct horse battery', options: { data: { display_name: name } } });
    assert.ifError(error);
    return { id: data.user!.id, email, calls: new CallClient({ client: supabase }) };
  };

  it('finds what it opens, for the host and for the attendees, and nothing of a stranger’s call', async () => {
    const [anna, boris, squatter] = await Promise.all([person('Anna'), person('Boris'), person('Squatter')]);
    const eventId = `evt-${randomUUID()}`;
    const attendees = [anna.email, boris.email];
    const squat = await squatter.calls.openEventCall({ eventId, attendees });
    assert.equal(await anna.calls.findSessionByEvent(eventId, { attendees }), null, 'the squatter’s call is not Anna’s');
    assert.equal(await boris.calls.findSessionByEvent(eventId, { attendees }), null);

    const opened = await anna.calls.openEventCall({ eventId, title: 'Acme demo', attendees });
    assert.notEqual(opened.id, squat.id);
    assert.equal(opened.host_id, anna.id);
    assert.equal((await boris.calls.findSessionByEvent(eventId, { attendees }))?.id, opened.id);
    assert.equal((await boris.calls.openEventCall({ eventId, attendees })).id, opened.id);

    await anna.calls.supabase.from('video_call_sessions').update({ status: 'ended' }).eq('id', opened.id);
    assert.equal(await boris.calls.findSessionByEvent(eventId, { attendees }), null);
    const ended = await boris.calls.findSessionByEvent(eventId, { attendees, includeEnded: true });
    assert.deepEqual([ended?.id, ended?.status], [opened.id, 'ended']);
  });

  it('gives someone not invited a call of their own rather than an error', async () => {
    const [anna, eve] = await Promise.all([person('Anna'), person('Eve')]);
    const eventId = `evt-${randomUUID()}`;
    const annas = await anna.calls.openEventCall({ eventId });
    assert.equal(await eve.calls.findSessionByEvent(eventId, { includeEnded: true }), null);
    const eves = await eve.calls.openEventCall({ eventId });
    assert.notEqual(eves.id, annas.id);
    assert.equal(eves.host_id, eve.id);
  });
});
