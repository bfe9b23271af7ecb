/**
 * settings.topology (issue 18): 'mesh', 'sfu' or 'auto' when present, checked by the database for
 * every writer: a host through REST and RLS, and the service role, which RLS does not stop.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SupabaseClient } from '@supabase/supabase-js';
import { startTestStack, type TestStack, type TestUser } from '../support/stack.ts';

const BAD_TOPOLOGIES: unknown[] = ['MESH', 'p2p', '', ' sfu', 'auto ', 1, true, [], ['sfu'], { mode: 'sfu' }];

describe('settings.topology of a session', () => {
  let stack: TestStack;
  let host: TestUser;
  let service: SupabaseClient;
  let sessionId: string;

  const settingsOf = async (id: string) => (await service.from('video_call_sessions').select('settings').eq('id', id).single()).data!.settings;

  before(async () => {
    stack = await startTestStack();
    host = await stack.createUser({ name: 'Анна' });
    service = stack.serviceClient();
    const { data, error } = await host.client.from('video_call_sessions').insert({ title: 'Topology', settings: { topology: 'mesh' } }).select('id').single();
    assert.ifError(error);
    sessionId = data!.id;
  });
  after(async () => {
    await stack?.close();
  });

  it('accepts mesh, sfu, auto, null and no topology at all', async () => {
    for (const topology of ['mesh', 'sfu', 'auto', null]) {
      const { error } = await host.client.from('video_call_sessions').insert({ title: 'Good', settings: { topology, lobby: true } });
      assert.ifError(error);
    }
    assert.ifError((await host.client.from('video_call_sessions').insert({ title: 'None', settings: {} })).error);
    const updated = await host.client.from('video_call_sessions').update({ settings: { topology: 'sfu', force_relay: true } }).eq('id', sessionId);
    assert.ifError(updated.error);
    assert.deepEqual(await settingsOf(sessionId), { topology: 'sfu', force_relay: true });
  });

  for (const [writer, client] of [['a host', () => host.client], ['the service role', () => service]] as const) {
    it(`refuses any other topology from ${writer}, and leaves the session as it was`, async () => {
      for (const topology of BAD_TOPOLOGIES) {
        const inserted = await client().from('video_call_sessions').insert({ title: 'Bad', host_id: host.id, settings: { topology } });
        assert.equal(inserted.error?.code, '22023', `refused: ${JSON.stringify(topology)}`);
        assert.match(inserted.error!.message, /settings\.topology must be "mesh", "sfu" or "auto"/);
      }
      const before = await settingsOf(sessionId);
      const updated = await client().from('video_call_sessions').update({ settings: { topology: 'star' } }).eq('id', sessionId);
      assert.equal(updated.error?.code, '22023');
      assert.deepEqual(await settingsOf(sessionId), before, 'the session is as it was');
    });
  }

  it('answers REST 400 for a refused topology', async () => {
    const response = await fetch(`${stack.url}/rest/v1/video_call_sessions?id=eq.${sessionId}`, {
      method: 'PATCH',
      headers: { apikey: stack.anonKey, authorization: `Bearer ${host.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ settings: { topology: 'ring' } }),
    });
    assert.equal(response.status, 400);
    assert.equal((await response.json()).code, '22023');
  });
});
