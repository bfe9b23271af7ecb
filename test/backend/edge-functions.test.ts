/**
 * The call edge functions, run by real Deno behind the local stack and called the way browsers
 * and supabase-js call them: every status code of the contract, and the effect on the database.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { JwtKeys } from '../../supabase/local/auth/jwt.ts';
import { startTestStack, type TestStack, type TestUser } from '../support/stack.ts';
import { callFunction } from '../support/functions.ts';

const supabaseDir = fileURLToPath(new URL('../../supabase', import.meta.url));

/** Tokens that must never pass for the service role (or anyone). */
function forgedServiceTokens(stack: TestStack): Record<string, string> {
  const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: 'supabase-demo', role: 'service_role', exp: now + 3600 };
  return {
    unsigned: `${base64url({ alg: 'HS256', typ: 'JWT' })}.${base64url(claims)}.`,
    'alg none': `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims)}.`,
    'another secret': new JwtKeys('another-secret-that-is-at-least-32-characters').sign(claims),
    expired: stack.sign({ ...claims, iat: now - 7200, exp: now - 60 }),
  };
}

describe('edge functions', () => {
  let stack: TestStack;
  let host: TestUser;
  let guest: TestUser;
  let outsider: TestUser;
  let sessionId: string;

  const post = (name: string, body: unknown, token?: string, init: RequestInit = {}) => callFunction(stack, name, body, token, init);
  const errorOf = async (response: Response) => {
    const body = await response.json();
    assert.equal(typeof body.error?.message, 'string', `error JSON shape: ${JSON.stringify(body)}`);
    return { status: response.status, code: body.error.code as string };
  };
  const newSession = async (title: string) => {
    const { data, error } = await host.client.from('video_call_sessions').insert({ title }).select().single();
    assert.ifError(error);
    const invited = await host.client.from('video_call_participants').insert({ session_id: data.id, user_id: guest.id });
    assert.ifError(invited.error);
    return data.id as string;
  };

  before(async () => {
    stack = await startTestStack({ scheduler: true });
    host = await stack.createUser({ name: 'Anna' });
    guest = await stack.createUser({ name: 'Boris' });
    outsider = await stack.createUser({ name: 'Eve' });
    sessionId = await newSession('Signals');
  });
  after(() => stack.close());

  describe('video-call-signal', () => {
    it('stores a signal from a participant and answers 201 with its id', async () => {
      const response = await post(
        'video-call-signal',
        { session_id: sessionId, to: guest.id, kind: 'offer', payload: { sdp: 'v=0' } },
        host.token,
      );
      assert.equal(response.status, 201);
      const body = await response.json();
      assert.ok(body.id);
      assert.ok(!Number.isNaN(Date.parse(body.created_at)));
      const { data } = await guest.client.from('video_call_signals').select('from_user, to_user, kind, payload').eq('id', body.id).single();
      assert.deepEqual(data, { from_user: host.id, to_user: guest.id, kind: 'offer', payload: { sdp: 'v=0' } });
    });

    it('works through supabase-js functions.invoke', async () => {
      const { data, error } = await guest.client.functions.invoke('video-call-signal', {
        body: { session_id: sessionId, kind: 'ice', payload: { candidates: [] } },
      });
      assert.ifError(error);
      assert.ok(data.id);
    });

    it('relays a stored signal to its addressee only, through postgres_changes', async () => {
      const third = await stack.createUser();
      await host.client.from('video_call_participants').insert({ session_id: sessionId, user_id: third.id });
      const received = (user: TestUser, expected: number) => {
        const seen: number[] = [];
        let done: () => void;
        const all = new Promise<void>((resolve) => (done = resolve));
        const channel = user.client.channel(`signals-${user.id}`).on(
          'postgres_changes',
          { event: 'INSERT', schema: 'public', table: 'video_call_signals', filter: `session_id=eq.${sessionId}` },
          (change) => {
            seen.push((change.new as { payload: { n: number } }).payload.n);
            if (seen.length === expected) done();
          },
        );
        const ready = new Promise<void>((resolve, reject) =>
          channel.subscribe((status, err) => (status === 'SUBSCRIBED' ? resolve() : status === 'CHANNEL_ERROR' ? reject(err) : undefined)),
        );
        return { seen, ready, all };
      };
      const forGuest = received(guest, 2);
      const forThird = received(third, 2);
      await Promise.all([forGuest.ready, forThird.ready]);
      const toGuest = await post('video-call-signal', { session_id: sessionId, to: guest.id, kind: 'answer', payload: { n: 1 } }, host.token);
      assert.equal(toGuest.status, 201);
      const toAll = await post('video-call-signal', { session_id: sessionId, kind: 'restart', payload: { n: 2 } }, host.token);
      assert.equal(toAll.status, 201);
      // A last signal for the third person only: once it has arrived, anything misrouted to the
      // guest before it would have arrived too.
      const marker = await post('video-call-signal', { session_id: sessionId, to: third.id, kind: 'bye', payload: { n: 3 } }, host.token);
      assert.equal(marker.status, 201);
      await Promise.all([forGuest.all, forThird.all]);
      assert.deepEqual(forGuest.seen, [1, 2]);
      assert.deepEqual(forThird.seen, [2, 3]);
    });

    it('answers 400 to malformed JSON, wrong types, unknown kinds and oversized payloads', async () => {
      assert.deepEqual(await errorOf(await post('video-call-signal', '{"session_id":', host.token)), { status: 400, code: 'invalid_json' });
      assert.deepEqual(await errorOf(await post('video-call-signal', '[1,2]', host.token)), { status: 400, code: 'invalid_body' });
      assert.deepEqual(await errorOf(await post('video-call-signal', { session_id: 42, kind: 'offer' }, host.token)), {
        status: 400,
        code: 'invalid_session_id',
      });
      assert.deepEqual(await errorOf(await post('video-call-signal', { session_id: sessionId, kind: 'hello' }, host.token)), {
        status: 400,
        code: 'invalid_kind',
      });
      assert.deepEqual(await errorOf(await post('video-call-signal', { session_id: sessionId, kind: 'ice', payload: 'x' }, host.token)), {
        status: 400,
        code: 'invalid_payload',
      });
      assert.deepEqual(
        await errorOf(await post('video-call-signal', { session_id: sessionId, kind: 'ice', payload: { blob: 'x'.repeat(65 * 1024) } }, host.token)),
        { status: 400, code: 'payload_too_large' },
      );
      assert.deepEqual(
        await errorOf(await post('video-call-signal', { session_id: sessionId, to: outsider.id, kind: 'offer' }, host.token)),
        { status: 400, code: 'invalid_recipient' },
      );
    });

    it('answers 400, not a 500, to a payload nested thousands of levels deep', async () => {
      const depth = 30_000;
      const body = `{"session_id":"${sessionId}","kind":"ice","payload":${'['.repeat(depth)}${']'.repeat(depth)}}`;
      assert.deepEqual(await errorOf(await post('video-call-signal', body, host.token)), { status: 400, code: 'invalid_json' });
    });

    it('answers 413 to a body far over the limit', async () => {
      const response = await post('video-call-signal', { session_id: sessionId, kind: 'ice', payload: { blob: 'x'.repeat(512 * 1024) } }, host.token);
      assert.equal(response.status, 413);
    });

    it('answers 401 to a missing, forged or expired token', async () => {
      assert.deepEqual(await errorOf(await post('video-call-signal', { session_id: sessionId, kind: 'bye' })), {
        status: 401,
        code: 'missing_token',
      });
      const forged = host.token.slice(0, -4) + 'AAAA';
      assert.equal((await post('video-call-signal', { session_id: sessionId, kind: 'bye' }, forged)).status, 401);
      const past = Math.floor(Date.now() / 1000) - 60;
      const expired = stack.sign({ sub: host.id, role: 'authenticated', aud: 'authenticated', exp: past, iat: past - 3600 });
      assert.deepEqual(await errorOf(await post('video-call-signal', { session_id: sessionId, kind: 'bye' }, expired)), {
        status: 401,
        code: 'invalid_token',
      });
    });

    it('answers 403 to someone not in the call and 404 to an unknown session', async () => {
      assert.deepEqual(await errorOf(await post('video-call-signal', { session_id: sessionId, kind: 'offer' }, outsider.token)), {
        status: 403,
        code: 'not_participant',
      });
      assert.deepEqual(
        await errorOf(await post('video-call-signal', { session_id: '00000000-0000-4000-8000-000000000000', kind: 'offer' }, host.token)),
        { status: 404, code: 'session_not_found' },
      );
    });

    it('answers 403 once the session has ended, and stores nothing', async () => {
      const ended = await newSession('Ended');
      await host.client.from('video_call_sessions').update({ status: 'ended' }).eq('id', ended);
      assert.deepEqual(await errorOf(await post('video-call-signal', { session_id: ended, kind: 'offer' }, guest.token)), {
        status: 403,
        code: 'session_ended',
      });
      const { count } = await stack.serviceClient().from('video_call_signals').select('*', { count: 'exact', head: true }).eq('session_id', ended);
      assert.equal(count, 0);
    });

    it('answers 405 to other methods and the CORS preflight with 204', async () => {
      const get = await fetch(`${stack.url}/functions/v1/video-call-signal`, { headers: { authorization: `Bearer ${host.token}` } });
      assert.deepEqual(await errorOf(get), { status: 405, code: 'method_not_allowed' });
      const preflight = await fetch(`${stack.url}/functions/v1/video-call-signal`, {
        method: 'OPTIONS',
        headers: { origin: 'http://crm.example', 'access-control-request-method': 'POST' },
      });
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
      assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /authorization/);
    });
  });

  describe('video-call-cleanup', () => {
    it('is refused without a token, with a bad one, and for ordinary users', async () => {
      assert.equal((await post('video-call-cleanup', {})).status, 401);
      assert.equal((await post('video-call-cleanup', {}, host.token.slice(0, -4) + 'AAAA')).status, 401);
      assert.deepEqual(await errorOf(await post('video-call-cleanup', {}, host.token)), { status: 403, code: 'service_role_required' });
    });

    it('rejects options of the wrong type', async () => {
      assert.deepEqual(await errorOf(await post('video-call-cleanup', { stale_after_seconds: 'soon' }, stack.serviceRoleKey)), {
        status: 400,
        code: 'invalid_option',
      });
      assert.deepEqual(await errorOf(await post('video-call-cleanup', 'nope', stack.serviceRoleKey)), { status: 400, code: 'invalid_json' });
    });

    it('ends abandoned calls, marks stale people left, purges old signals, and is idempotent', async () => {
      const abandoned = await newSession('Abandoned');
      const joined = await guest.client.rpc('join_video_call', { p_session_id: abandoned });
      assert.ifError(joined.error);
      assert.equal((await post('video-call-signal', { session_id: abandoned, kind: 'ice', payload: {} }, guest.token)).status, 201);
      const response = await post(
        'video-call-cleanup',
        { stale_after_seconds: 0, abandon_after_seconds: 0, signal_ttl_seconds: 0 },
        stack.serviceRoleKey,
      );
      assert.equal(response.status, 200);
      const counts = await response.json();
      assert.ok(counts.participants_left >= 1, JSON.stringify(counts));
      assert.ok(counts.sessions_ended >= 1, JSON.stringify(counts));
      assert.ok(counts.signals_purged >= 1, JSON.stringify(counts));
      const { data } = await host.client.from('video_call_sessions').select('status, ended_at').eq('id', abandoned).single();
      assert.equal(data?.status, 'ended');
      assert.ok(data?.ended_at);
      const again = await post('video-call-cleanup', { stale_after_seconds: 0, abandon_after_seconds: 0, signal_ttl_seconds: 0 }, stack.serviceRoleKey);
      // This stack runs no SFU (test/backend/sfu.test.ts covers the rooms' cleanup).
      assert.deepEqual(await again.json(), { participants_left: 0, sessions_ended: 0, signals_purged: 0, function_log_purged: 0, sfu: 'skipped' });
    });

    it('refuses forged, foreign and expired service-role tokens at the gateway, also after a tab', async () => {
      const attack = { stale_after_seconds: 0, abandon_after_seconds: 0, signal_ttl_seconds: 0 };
      for (const [name, token] of Object.entries(forgedServiceTokens(stack))) {
        for (const authorization of [`Bearer ${token}`, `Bearer\t${token}`]) {
          const response = await post('video-call-cleanup', attack, undefined, { headers: { authorization } });
          assert.deepEqual(await response.json(), { code: 401, message: 'Invalid JWT' }, name);
        }
      }
    });

    it('is what the stack’s scheduler runs', async () => {
      const live = await newSession('Scheduled');
      await guest.client.rpc('join_video_call', { p_session_id: live });
      // Age the call past the default thresholds, then let the scheduler do its round.
      await stack.db.query(`update video_call_participants set last_seen_at = now() - interval '1 hour' where session_id = $1`, [live]);
      await stack.db.query(`update video_call_sessions set last_activity_at = now() - interval '1 hour' where id = $1`, [live]);
      await stack.scheduler?.runAll();
      const { data } = await host.client.from('video_call_sessions').select('status').eq('id', live).single();
      assert.equal(data?.status, 'ended');
    });
  });

  describe('their own check of the caller, with the gateway check off', () => {
    let ungated: TestStack;
    let project: string;
    let member: TestUser;

    before(async () => {
      // The real functions and migrations, with verify_jwt off for every function.
      project = mkdtempSync(join(tmpdir(), 'call-widgets-ungated-'));
      symlinkSync(join(supabaseDir, 'functions'), join(project, 'functions'));
      symlinkSync(join(supabaseDir, 'migrations'), join(project, 'migrations'));
      writeFileSync(
        join(project, 'config.toml'),
        ['video-call-signal', 'video-call-cleanup'].map((name) => `[functions.${name}]\nverify_jwt = false\n`).join('\n'),
      );
      ungated = await startTestStack({ supabaseDir: project });
      member = await ungated.createUser({ name: 'Dana' });
    });
    after(async () => {
      await ungated.close();
      rmSync(project, { recursive: true, force: true });
    });

    const postTo = (name: string, body: unknown, authorization: string) =>
      fetch(`${ungated.url}/functions/v1/${name}`, {
        method: 'POST',
        headers: { apikey: ungated.anonKey, 'content-type': 'application/json', authorization },
        body: JSON.stringify(body),
      });

    it('video-call-cleanup runs for the service-role key only, and ends nothing for a forged one', async () => {
      const { data: session } = await member.client.from('video_call_sessions').insert({ title: 'Live' }).select().single();
      const joined = await member.client.rpc('join_video_call', { p_session_id: session!.id });
      assert.ifError(joined.error);
      const attack = { stale_after_seconds: 0, abandon_after_seconds: 0, signal_ttl_seconds: 0 };
      for (const [name, token] of Object.entries(forgedServiceTokens(ungated))) {
        for (const authorization of [`Bearer ${token}`, `Bearer\t${token}`]) {
          assert.deepEqual(await errorOf(await postTo('video-call-cleanup', attack, authorization)), { status: 401, code: 'invalid_token' }, name);
        }
      }
      assert.deepEqual(await errorOf(await postTo('video-call-cleanup', attack, `Bearer ${member.token}`)), {
        status: 403,
        code: 'service_role_required',
      });
      assert.deepEqual(await errorOf(await postTo('video-call-cleanup', attack, `Bearer ${ungated.anonKey}`)), {
        status: 403,
        code: 'service_role_required',
      });
      const { data } = await member.client.from('video_call_sessions').select('status').eq('id', session!.id).single();
      assert.equal(data?.status, 'active');

      const allowed = await postTo('video-call-cleanup', attack, `bearer\t${ungated.serviceRoleKey}`);
      assert.equal(allowed.status, 200);
      const { data: after } = await member.client.from('video_call_sessions').select('status').eq('id', session!.id).single();
      assert.equal(after?.status, 'ended');
    });

    it('video-call-signal takes a signed-in user only', async () => {
      const { data: session } = await member.client.from('video_call_sessions').insert({ title: 'Signals' }).select().single();
      const signal = { session_id: session!.id, kind: 'bye' };
      const now = Math.floor(Date.now() / 1000);
      const userClaims = { sub: member.id, role: 'authenticated', aud: 'authenticated', exp: now + 3600 };
      const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const forged = [
        `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(userClaims)}.`,
        new JwtKeys('another-secret-that-is-at-least-32-characters').sign(userClaims),
        ...Object.values(forgedServiceTokens(ungated)),
      ];
      for (const token of forged) {
        assert.deepEqual(await errorOf(await postTo('video-call-signal', signal, `Bearer\t${token}`)), { status: 401, code: 'invalid_token' });
      }
      assert.deepEqual(await errorOf(await postTo('video-call-signal', signal, `Basic ${member.token}`)), { status: 401, code: 'invalid_token' });
      assert.equal((await postTo('video-call-signal', signal, `Bearer\t${member.token}`)).status, 201);
    });
  });
});
