/**
 * settings.force_relay and settings.fallback_url (issue 15), checked by the database for every
 * writer: a host through REST and RLS, and the service role, which RLS does not stop.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SupabaseClient } from '@supabase/supabase-js';
import { startTestStack, type TestStack, type TestUser } from '../support/stack.ts';

const GOOD_URLS = [
  'https://meet.example.com/team-standup',
  'https://meet.example.com:8443/r/abc?pwd=xyz#start',
  'HTTPS://Meet.Example.com',
  'https://zoom.example/j/123@456',
  'https://[2001:db8::1]/room',
  'https://встреча.example/комната',
  'http://localhost:5173/fallback',
  'http://127.0.0.1:8080',
  'http://localhost',
  `https://meet.example.com/${'a'.repeat(2048 - 'https://meet.example.com/'.length)}`,
];

const BAD_URLS: Array<[string, unknown, RegExp]> = [
  ['plain http elsewhere', 'http://meet.example.com/room', /https: link/],
  ['http on a look-alike of localhost', 'http://localhost.example.com/room', /https: link/],
  ['http to 127.0.0.1 with user-info', 'http://127.0.0.1@evil.example/room', /https: link/],
  ['user-info', 'https://user:password@meet.example.com/room', /without a user name or password/],
  ['a name before @', 'https://meet.example.com@evil.example/', /https: link/],
  ['a backslash in the host', 'https://evil.example\\@meet.example.com/', /backslashes/],
  ['javascript:', 'javascript:alert(1)', /https: link/],
  ['data:', 'data:text/html,<script>alert(1)</script>', /https: link/],
  ['no host', 'https:///room', /https: link/],
  ['a port without a host', 'https://:443/room', /https: link/],
  ['an empty string', '', /https: link/],
  ['a relative link', '/calls/fallback', /https: link/],
  ['a space', 'https://meet.example.com/my room', /spaces/],
  ['a new line', 'https://meet.example.com/\nroom', /https: link/],
  ['too long', `https://meet.example.com/${'a'.repeat(2048)}`, /at most 2048 characters/],
  ['a number', 42, /must be a link/],
  ['an object', { url: 'https://meet.example.com' }, /must be a link/],
  ['an array', ['https://meet.example.com'], /must be a link/],
];

const BAD_FORCE_RELAY: unknown[] = ['true', 1, 0, 'yes', [], {}];

describe('fallback settings of a session', () => {
  let stack: TestStack;
  let host: TestUser;
  let service: SupabaseClient;
  let sessionId: string;

  const settingsOf = async (id: string) => (await service.from('video_call_sessions').select('settings').eq('id', id).single()).data!.settings;

  before(async () => {
    stack = await startTestStack();
    host = await stack.createUser({ name: 'Анна' });
    service = stack.serviceClient();
    const { data, error } = await host.client.from('video_call_sessions').insert({ title: 'Fallback', settings: { reminder_minutes: [15] } }).select('id').single();
    assert.ifError(error);
    sessionId = data!.id;
  });
  after(async () => {
    await stack?.close();
  });

  it('accepts https links, http on localhost and 127.0.0.1, and no link at all', async () => {
    for (const fallback_url of [...GOOD_URLS, null]) {
      const { error } = await host.client.from('video_call_sessions').insert({ title: 'Good', settings: { fallback_url } });
      assert.ifError(error);
    }
    const updated = await host.client.from('video_call_sessions').update({ settings: { fallback_url: GOOD_URLS[1], force_relay: true } }).eq('id', sessionId);
    assert.ifError(updated.error);
    assert.deepEqual(await settingsOf(sessionId), { fallback_url: GOOD_URLS[1], force_relay: true });
  });

  it('accepts force_relay true, false or absent', async () => {
    for (const force_relay of [true, false, null]) {
      const { error } = await host.client.from('video_call_sessions').insert({ title: 'Relay', settings: { force_relay } });
      assert.ifError(error);
    }
    assert.ifError((await host.client.from('video_call_sessions').insert({ title: 'No settings' })).error);
  });

  for (const [writer, client] of [['a host', () => host.client], ['the service role', () => service]] as const) {
    it(`refuses links that are not https (or local http), with user-info, too long or not text, from ${writer}`, async () => {
      for (const [what, fallback_url, message] of BAD_URLS) {
        const inserted = await client().from('video_call_sessions').insert({ title: 'Bad', host_id: host.id, settings: { fallback_url } });
        assert.equal(inserted.error?.code, '22023', `insert refused: ${what}`);
        assert.match(inserted.error!.message, /settings\.fallback_url/, what);
        assert.match(inserted.error!.message, message, what);
      }
      const before = await settingsOf(sessionId);
      const updated = await client().from('video_call_sessions').update({ settings: { fallback_url: 'http://meet.example.com' } }).eq('id', sessionId);
      assert.equal(updated.error?.code, '22023');
      assert.deepEqual(await settingsOf(sessionId), before, 'the session is as it was');
    });

    it(`refuses a force_relay that is not a boolean, from ${writer}`, async () => {
      for (const force_relay of BAD_FORCE_RELAY) {
        const inserted = await client().from('video_call_sessions').insert({ title: 'Bad', host_id: host.id, settings: { force_relay } });
        assert.equal(inserted.error?.code, '22023', `refused: ${JSON.stringify(force_relay)}`);
        assert.match(inserted.error!.message, /settings\.force_relay must be true or false/);
      }
    });
  }

  it('answers REST 400 for a refused setting', async () => {
    const response = await fetch(`${stack.url}/rest/v1/video_call_sessions?id=eq.${sessionId}`, {
      method: 'PATCH',
      headers: { apikey: stack.anonKey, authorization: `Bearer ${host.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ settings: { fallback_url: 'ftp://files.example.com' } }),
    });
    assert.equal(response.status, 400);
    assert.equal((await response.json()).code, '22023');
  });
});
