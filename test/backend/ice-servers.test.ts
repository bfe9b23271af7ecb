/**
 * video-call-ice-servers in real Deno behind the local stack: who gets TURN credentials, and that
 * the credentials are coturn's REST-API ones (checked here with node:crypto, independently of the
 * function's WebCrypto). That coturn itself accepts them: test/local/turn.test.ts.
 */
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createClient } from '@supabase/supabase-js';
import { JwtKeys } from '../../supabase/local/auth/jwt.ts';
import { DEFAULT_TURN_TTL, MAX_TURN_TTL, MIN_TURN_TTL, turnSettings } from '../../supabase/functions/_shared/turn.ts';
import { clientOptions, startTestStack, type TestStack, type TestUser } from '../support/stack.ts';
import { callFunction } from '../support/functions.ts';

const SECRET = 'turn-secret-for-tests';
const TURN_URLS = 'turn:turn.example.test:3478?transport=udp,turn:turn.example.test:3478?transport=tcp,turns:turn.example.test:5349';

interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

describe('video-call-ice-servers', () => {
  let stack: TestStack;
  let host: TestUser;
  let guest: TestUser;
  let outsider: TestUser;
  let sessionId: string;

  const get = (token?: string, query = '', init: RequestInit = {}) =>
    fetch(`${stack.url}/functions/v1/video-call-ice-servers${query}`, {
      method: 'GET',
      ...init,
      headers: { apikey: stack.anonKey, ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.headers as Record<string, string> | undefined) },
    });
  const post = (body: unknown, token?: string, init: RequestInit = {}) => callFunction(stack, 'video-call-ice-servers', body, token, init);
  const errorOf = async (response: Response) => {
    const body = await response.json();
    assert.equal(typeof body.error?.message, 'string', `error JSON shape: ${JSON.stringify(body)}`);
    return { status: response.status, code: body.error.code as string };
  };
  const turnOf = (servers: IceServer[]) => servers.find((server) => server.urls.some((url) => url.startsWith('turn')));

  /** The answer's TURN entry checked against coturn's scheme: expiry = now + ttl, HMAC of the username. */
  const assertTurnCredential = (answer: { iceServers: IceServer[]; ttl: number }, userId: string, askedAt: number) => {
    const turn = turnOf(answer.iceServers);
    assert.ok(turn, `a TURN server in ${JSON.stringify(answer.iceServers)}`);
    assert.deepEqual(turn.urls, TURN_URLS.split(','));
    const [expiry, user, ...rest] = turn.username!.split(':');
    assert.equal(rest.length, 0, 'username is <expiry>:<user id>');
    assert.equal(user, userId);
    const expected = Math.floor(askedAt / 1000) + answer.ttl;
    assert.ok(Math.abs(Number(expiry) - expected) <= 2, `expiry ${expiry} is now + ttl (${expected})`);
    assert.equal(turn.credential, createHmac('sha1', SECRET).update(turn.username!).digest('base64'));
  };

  before(async () => {
    stack = await startTestStack({ functionEnv: { TURN_SECRET: SECRET, TURN_URLS, TURN_TTL: '1800' } });
    host = await stack.createUser({ name: 'Анна' });
    guest = await stack.createUser({ name: 'Boris' });
    outsider = await stack.createUser({ name: 'Eve' });
    const { data, error } = await host.client.from('video_call_sessions').insert({ title: 'Планёрка / Stand-up' }).select('id').single();
    assert.ifError(error);
    sessionId = data!.id;
    assert.ifError((await host.client.from('video_call_participants').insert({ session_id: sessionId, user_id: guest.id })).error);
  });
  after(async () => {
    await stack?.close();
  });

  it('gives a signed-in user STUN and a TURN credential that lasts TURN_TTL, on GET and on POST', async () => {
    for (const send of [() => get(guest.token), () => post({}, guest.token), () => post('', guest.token)]) {
      const askedAt = Date.now();
      const response = await send();
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('cache-control'), 'no-store');
      const answer = await response.json();
      assert.equal(answer.ttl, 1800);
      assert.equal(answer.warning, undefined);
      // STUN from the TURN server itself when STUN_URLS is not set.
      assert.deepEqual(answer.iceServers[0], { urls: ['stun:turn.example.test:3478'] });
      assertTurnCredential(answer, guest.id, askedAt);
    }
  });

  it('gives the host and an invited participant TURN for their session, by query or body', async () => {
    for (const [user, send] of [
      [host, () => get(host.token, `?session_id=${sessionId}`)],
      [guest, () => post({ session_id: sessionId }, guest.token)],
      [guest, () => post({ session_id: sessionId.toUpperCase() }, guest.token)],
    ] as const) {
      const askedAt = Date.now();
      const response = await send();
      assert.equal(response.status, 200);
      const answer = await response.json();
      assert.equal(answer.warning, undefined);
      assertTurnCredential(answer, user.id, askedAt);
    }
  });

  it('gives someone invited by e-mail only TURN for that session', async () => {
    const invitee = await stack.createUser({ email: `${randomUUID()}@example.test` });
    assert.ifError((await host.client.from('video_call_participants').insert({ session_id: sessionId, email: invitee.email.toUpperCase() })).error);
    const answer = await (await post({ session_id: sessionId }, invitee.token)).json();
    assert.equal(answer.warning, undefined);
    assertTurnCredential(answer, invitee.id, Date.now());
  });

  it('gives an outsider of the session STUN only, saying why', async () => {
    for (const response of [await post({ session_id: sessionId }, outsider.token), await get(outsider.token, `?session_id=${sessionId}`)]) {
      assert.equal(response.status, 200);
      const answer = await response.json();
      assert.deepEqual(answer, { iceServers: [{ urls: ['stun:turn.example.test:3478'] }], ttl: 1800, warning: 'not_a_participant' });
    }
  });

  it('gives the members of an ended session STUN only', async () => {
    const { data } = await host.client.from('video_call_sessions').insert({ title: 'Ended' }).select('id').single();
    assert.ifError((await host.client.rpc('join_video_call', { p_session_id: data!.id })).error);
    assert.ifError((await stack.serviceClient().from('video_call_sessions').update({ status: 'ended' }).eq('id', data!.id)).error);
    const answer = await (await post({ session_id: data!.id }, host.token)).json();
    assert.equal(answer.warning, 'session_ended');
    assert.equal(turnOf(answer.iceServers), undefined);
  });

  it('gives an anonymous sign-in TURN only for a session they belong to', async () => {
    const visitor = createClient(stack.url, stack.anonKey, clientOptions as never);
    const { data, error } = await visitor.auth.signInAnonymously();
    assert.ifError(error);
    const token = data.session!.access_token;
    const alone = await (await post({}, token)).json();
    assert.equal(alone.warning, 'session_required');
    assert.equal(turnOf(alone.iceServers), undefined);
    assert.ifError((await host.client.from('video_call_participants').insert({ session_id: sessionId, user_id: data.user!.id })).error);
    const invited = await (await post({ session_id: sessionId }, token)).json();
    assertTurnCredential(invited, data.user!.id, Date.now());
    await visitor.auth.signOut();
  });

  it('answers 401 without a token, with the anon key alone, a forged, an expired or a malformed token', async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: guest.id, role: 'authenticated', aud: 'authenticated', email: guest.email, iat: now };
    const forged = new JwtKeys('another-secret-that-is-at-least-32-characters').sign({ ...claims, exp: now + 3600 } as never);
    const expired = stack.sign({ ...claims, iat: now - 7200, exp: now - 60 });
    const ofNobody = stack.sign({ ...claims, sub: randomUUID(), exp: now + 3600 });
    const cases: Array<[string, Promise<Response>, string]> = [
      ['no token', get(), 'missing_token'],
      ['no token (POST)', post({ session_id: sessionId }), 'missing_token'],
      ['the anon key', get(stack.anonKey), 'invalid_token'],
      ['a forged token', post({}, forged), 'invalid_token'],
      ['an expired token', get(expired), 'invalid_token'],
      ['a token of no user', get(ofNobody), 'invalid_token'],
      ['not a bearer header', get(undefined, '', { headers: { authorization: 'Basic dXNlcjpwYXNz' } }), 'invalid_token'],
    ];
    for (const [what, response, code] of cases) {
      assert.deepEqual(await errorOf(await response), { status: 401, code }, what);
    }
  });

  it('answers 404 for an unknown session and 400 for a malformed one, before any credential', async () => {
    assert.deepEqual(await errorOf(await post({ session_id: randomUUID() }, guest.token)), { status: 404, code: 'session_not_found' });
    assert.deepEqual(await errorOf(await get(guest.token, `?session_id=${randomUUID()}`)), { status: 404, code: 'session_not_found' });
    for (const session_id of ['not-a-uuid', 42, true, [sessionId], { id: sessionId }]) {
      assert.deepEqual(await errorOf(await post({ session_id }, guest.token)), { status: 400, code: 'invalid_session_id' }, JSON.stringify(session_id));
    }
    assert.deepEqual(await errorOf(await get(guest.token, '?session_id=1%27%20or%201=1')), { status: 400, code: 'invalid_session_id' });
  });

  it('answers 400 for a body that is not a JSON object and 413 for an oversized one', async () => {
    assert.deepEqual(await errorOf(await post('{"session_id":', guest.token)), { status: 400, code: 'invalid_json' });
    assert.deepEqual(await errorOf(await post('[1, 2]', guest.token)), { status: 400, code: 'invalid_body' });
    assert.deepEqual(await errorOf(await post('"text"', guest.token)), { status: 400, code: 'invalid_body' });
    assert.deepEqual(await errorOf(await post({ session_id: sessionId, padding: 'x'.repeat(8192) }, guest.token)), { status: 413, code: 'body_too_large' });
  });

  it('answers 405 to other methods and the CORS preflight with GET and POST allowed', async () => {
    const put = await post({}, guest.token, { method: 'PUT' });
    assert.deepEqual(await errorOf(put), { status: 405, code: 'method_not_allowed' });
    assert.equal(put.headers.get('allow'), 'GET, POST, OPTIONS');
    const preflight = await fetch(`${stack.url}/functions/v1/video-call-ice-servers`, {
      method: 'OPTIONS',
      headers: { origin: 'https://crm.example.test', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
    assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /GET/);
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /authorization/);
  });
});

describe('video-call-ice-servers without TURN configured', () => {
  let stack: TestStack;
  let user: TestUser;
  before(async () => {
    stack = await startTestStack({ functionEnv: { STUN_URLS: 'stun:stun.example.test:3478' } });
    user = await stack.createUser();
  });
  after(async () => {
    await stack?.close();
  });

  it('answers STUN only with warning turn_not_configured, not an error', async () => {
    const response = await callFunction(stack, 'video-call-ice-servers', {}, user.token);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { iceServers: [{ urls: ['stun:stun.example.test:3478'] }], ttl: DEFAULT_TURN_TTL, warning: 'turn_not_configured' });
  });
});

describe('TURN settings', () => {
  const read = (env: Record<string, string>) => turnSettings((name) => env[name]);

  it('hands out no TURN with a secret but no TURN_URLS, or URLs but no secret', () => {
    assert.equal(read({ TURN_SECRET: 's' }).turn, null);
    assert.equal(read({ TURN_SECRET: 's', TURN_URLS: ' , ' }).turn, null);
    assert.equal(read({ TURN_URLS: 'turn:a.test:3478' }).turn, null);
    assert.match(read({ TURN_SECRET: 's' }).problems.join('\n'), /TURN_URLS names no TURN server/);
  });

  it('leaves out URLs of the wrong scheme and says so', () => {
    const settings = read({ TURN_SECRET: 's', TURN_URLS: 'https://a.test, turn:a.test:3478?transport=tcp', STUN_URLS: 'stun:b.test:19302,turn:b.test' });
    assert.deepEqual(settings.turn, { secret: 's', urls: ['turn:a.test:3478?transport=tcp'] });
    assert.deepEqual(settings.stunUrls, ['stun:b.test:19302']);
    assert.equal(settings.problems.length, 2);
  });

  it('takes no STUN server for an empty STUN_URLS, and the TURN servers own STUN when unset', () => {
    assert.deepEqual(read({ TURN_SECRET: 's', TURN_URLS: 'turn:a.test:3478', STUN_URLS: '' }).stunUrls, []);
    assert.deepEqual(read({ TURN_SECRET: 's', TURN_URLS: 'turn:a.test:3478?transport=udp,turn:a.test:3478?transport=tcp,turns:a.test:5349' }).stunUrls, ['stun:a.test:3478']);
  });

  it('keeps TURN_TTL within a minute and a day, and uses the default for nonsense', () => {
    assert.equal(read({}).ttl, DEFAULT_TURN_TTL);
    assert.equal(read({ TURN_TTL: '600' }).ttl, 600);
    assert.equal(read({ TURN_TTL: '999999' }).ttl, MAX_TURN_TTL);
    assert.equal(read({ TURN_TTL: '5' }).ttl, MIN_TURN_TTL);
    assert.equal(read({ TURN_TTL: '-1' }).ttl, MIN_TURN_TTL);
    assert.equal(read({ TURN_TTL: 'an hour' }).ttl, DEFAULT_TURN_TTL);
    assert.match(read({ TURN_TTL: '999999' }).problems.join('\n'), /TURN_TTL 999999 is outside .*; 86400 used/);
  });
});
