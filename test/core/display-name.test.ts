/**
 * CallClient.setDisplayName against the real local stack: the pre-join screen's name goes to our
 * own participant row, which is what the others' rosters and our presence read; nobody changes
 * another person's name, nor one of a call they are not in, and a blank or overlong name is refused.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { CallClient } from '../../src/core/call-client.ts';
import type { CallError } from '../../src/core/errors.ts';
import { clientOptions, startTestStack, type TestStack } from '../support/stack.ts';

interface Person {
  id: string;
  client: SupabaseClient;
  calls: CallClient;
}

describe('CallClient.setDisplayName', () => {
  let stack: TestStack;
  let anna: Person;
  let boris: Person;
  let gleb: Person;
  /** Someone signed up through the Auth API, with a CallClient of their own. */
  const person = async (name: string): Promise<Person> => {
    const client = createClient(stack.url, stack.anonKey, clientOptions as never);
    const { data, error } = await client.auth.signUp({ email: `${name.toLowerCase()}.${randomUUID()}@crm.test`, password: 'correct horse battery', options: { data: { display_name: name } } });
    assert.ifError(error);
    return { id: data.user!.id, client, calls: new CallClient({ client }) };
  };
  let sessionId: string;
  const nameOf = async (userId: string) =>
    (await stack.serviceClient().from('video_call_participants').select('display_name').eq('session_id', sessionId).eq('user_id', userId).single()).data?.display_name;

  before(async () => {
    stack = await startTestStack({ mail: false });
    [anna, boris, gleb] = [await person('Anna'), await person('Boris'), await person('Gleb')];
    const session = await anna.calls.createSession({ title: 'Names' });
    sessionId = session.id;
    const { error } = await anna.client.from('video_call_participants').insert({ session_id: sessionId, user_id: boris.id });
    assert.equal(error, null);
  });
  after(() => stack.close());

  it('changes our own name in the call, trimmed, and join_video_call hands it back', async () => {
    await boris.calls.setDisplayName(sessionId, '  Boris I.  ');
    assert.equal(await nameOf(boris.id), 'Boris I.');
    const { data, error } = await boris.client.rpc('join_video_call', { p_session_id: sessionId });
    assert.equal(error, null);
    assert.equal((data as { display_name: string }).display_name, 'Boris I.');
  });

  it('refuses a blank or overlong name before asking the database', async () => {
    const client = boris.calls;
    for (const name of ['', '   ', 'x'.repeat(201)]) {
      await assert.rejects(client.setDisplayName(sessionId, name), (error: CallError) => error.code === 'invalid_input');
    }
    assert.equal(await nameOf(boris.id), 'Boris I.');
  });

  it('never changes another person’s row, nor a call we are not in', async () => {
    // RLS: the update finds no row of Anna's for Boris, and none at all for Gleb.
    await boris.client.from('video_call_participants').update({ display_name: 'Not Anna' }).eq('session_id', sessionId).eq('user_id', anna.id);
    assert.equal(await nameOf(anna.id), 'Anna');
    await gleb.calls.setDisplayName(sessionId, 'Gatecrasher');
    const { data } = await stack.serviceClient().from('video_call_participants').select('user_id').eq('session_id', sessionId);
    assert.deepEqual(data!.map((row) => row.user_id).sort(), [anna.id, boris.id].sort());
  });
});
