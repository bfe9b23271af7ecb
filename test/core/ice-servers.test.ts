/**
 * TURN credentials for the core: what `video-call-ice-servers` answers, checked, and kept fresh
 * before their ttl runs out. A project without TURN (no function, not configured) joins with STUN
 * only and a warning: tried here against the real local stack.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createClient } from '@supabase/supabase-js';
import { fetchIceServers, hasRelay, IceServerLease, parseIceServers, STUN_ONLY, type IceServersAnswer } from '../../src/core/ice-servers.ts';
import { clientOptions, startTestStack, type TestStack } from '../support/stack.ts';

const turn = (username = '1700000000:user') => ({ urls: ['turn:127.0.0.1:3478?transport=udp'], username, credential: 'c2VjcmV0' });

describe('ICE servers answer', () => {
  it('keeps the servers and ttl of a well-formed answer', () => {
    const answer = parseIceServers({ iceServers: [{ urls: 'stun:127.0.0.1:3478' }, turn()], ttl: 3600 });
    assert.deepEqual(answer, { iceServers: [{ urls: 'stun:127.0.0.1:3478' }, turn()], ttl: 3600 });
    assert.equal(hasRelay(answer.iceServers), true);
  });

  it('clamps a ttl above 24 hours and ignores one that is not a positive number', () => {
    assert.equal(parseIceServers({ iceServers: [turn()], ttl: 10 * 24 * 3600 }).ttl, 24 * 3600);
    assert.equal(parseIceServers({ iceServers: [turn()], ttl: -5 }).ttl, undefined);
    assert.equal(parseIceServers({ iceServers: [turn()], ttl: '3600' }).ttl, undefined);
  });

  it('says turn_not_configured when the function says so or gives no TURN server', () => {
    assert.equal(parseIceServers({ iceServers: [{ urls: 'stun:stun.example.com' }], ttl: 60, warning: 'turn_not_configured' }).warning, 'turn_not_configured');
    assert.equal(parseIceServers({ iceServers: [{ urls: 'stun:stun.example.com' }], ttl: 60 }).warning, 'turn_not_configured');
    assert.deepEqual(parseIceServers({ iceServers: [], ttl: 60 }), { iceServers: STUN_ONLY, warning: 'turn_not_configured' });
  });

  it('turns malformed answers into STUN only with ice_servers_invalid', () => {
    for (const data of [null, 'not json', '[1]', { iceServers: 'turn:x' }, { iceServers: [null] }, { iceServers: [{ urls: 'http://evil.example' }] }, { iceServers: [{ urls: [] }] }, { iceServers: [{ urls: 'turn:x', username: 7 }] }]) {
      const answer = parseIceServers(data);
      assert.equal(answer.warning, 'ice_servers_invalid', JSON.stringify(data));
      assert.deepEqual(answer.iceServers, STUN_ONLY);
      assert.ok(answer.detail);
    }
  });

  it('reads an answer that came as JSON text', () => {
    assert.deepEqual(parseIceServers(JSON.stringify({ iceServers: [turn()], ttl: 60 })).iceServers, [turn()]);
  });
});

describe('ICE server lease', () => {
  /** A fetcher answering from a list, recording when it was asked. */
  const answers = (list: IceServersAnswer[]) => {
    const asked: number[] = [];
    return { asked, fetch: async () => (asked.push(Date.now()), list[Math.min(asked.length - 1, list.length - 1)]!) };
  };

  it('fetches again at 80 % of the ttl and hands the new servers on', async () => {
    const source = answers([
      { iceServers: [turn('1:first')], ttl: 0.5 },
      { iceServers: [turn('2:second')], ttl: 60 },
    ]);
    let lease!: IceServerLease;
    const refreshed = new Promise<IceServersAnswer>((resolve) => {
      lease = new IceServerLease(undefined as never, 'session', { fetch: source.fetch, onRefresh: resolve });
    });
    const first = await lease.start();
    assert.equal(first.iceServers[0]!.username, '1:first');
    const next = await refreshed;
    lease.stop();
    assert.equal(next.iceServers[0]!.username, '2:second');
    assert.equal(lease.current, next);
    const waited = source.asked[1]! - source.asked[0]!;
    assert.ok(waited >= 390 && waited < 1000, `refreshed after ${waited} ms of a 500 ms ttl`);
  });

  it('keeps the TURN servers it has when a refresh fails, and tries again sooner', async () => {
    const source = answers([
      { iceServers: [turn('1:first')], ttl: 0.5 },
      { iceServers: STUN_ONLY, warning: 'ice_servers_unavailable' },
      { iceServers: [turn('3:third')], ttl: 60 },
    ]);
    let lease!: IceServerLease;
    const refreshed = new Promise<IceServersAnswer>((resolve) => {
      lease = new IceServerLease(undefined as never, 'session', { fetch: source.fetch, onRefresh: resolve });
    });
    await lease.start();
    const next = await refreshed;
    lease.stop();
    assert.equal(source.asked.length, 3);
    assert.equal(next.iceServers[0]!.username, '3:third');
  });

  it('stops refreshing once stopped', async () => {
    const source = answers([{ iceServers: [turn()], ttl: 0.1 }]);
    const lease = new IceServerLease(undefined as never, 'session', { fetch: source.fetch, onRefresh: () => assert.fail('refreshed after stop') });
    await lease.start();
    lease.stop();
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(source.asked.length, 1);
  });
});

describe('ICE servers from the local stack with coturn', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack({ mail: false, turn: true });
  });
  after(async () => {
    await stack?.close();
  });

  it('gives a participant of the call TURN credentials for the stack’s coturn, with a ttl to refresh by', async () => {
    const host = await stack.createUser({ name: 'Anna' });
    const { data: session, error } = await host.client.from('video_call_sessions').insert({ title: 'TURN' }).select().single();
    assert.ifError(error);
    const answer = await fetchIceServers(host.client, session.id);
    assert.equal(answer.warning, undefined, answer.detail);
    assert.equal(hasRelay(answer.iceServers), true);
    assert.ok(answer.ttl! > 0 && answer.ttl! <= 24 * 3600);
    const relay = answer.iceServers.find((server) => [server.urls].flat().some((url) => url.startsWith('turn:')))!;
    assert.match(relay.username!, new RegExp(`^\\d+:${host.id}$`));
    assert.ok(relay.credential);
  });
});

describe('ICE servers from the local stack without TURN', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack({ mail: false });
  });
  after(async () => {
    await stack?.close();
  });

  it('gives a signed-in user STUN only with a warning when the project has no TURN, without throwing', async () => {
    const supabase = createClient(stack.url, stack.anonKey, clientOptions as never);
    const { error } = await supabase.auth.signUp({ email: `ice.${randomUUID()}@crm.test`, password: 'correct horse battery' });
    assert.ifError(error);
    const answer = await fetchIceServers(supabase, randomUUID());
    assert.ok(answer.warning === 'ice_servers_unavailable' || answer.warning === 'turn_not_configured', `warning ${answer.warning}`);
    assert.equal(hasRelay(answer.iceServers), false);
  });

  it('gives the anon key alone no TURN servers', async () => {
    const supabase = createClient(stack.url, stack.anonKey, clientOptions as never);
    const answer = await fetchIceServers(supabase);
    assert.ok(answer.warning);
    assert.equal(hasRelay(answer.iceServers), false);
  });
});
