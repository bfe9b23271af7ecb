/**
 * The SFU's backend (issue 18): the video-call-sfu function against a real Janus of the stack
 * (joined without WebRTC through test/support/janus.ts), its refusals, its faults (Janus stopped
 * and restarted, no SFU at all), and the cleanup's pass over the rooms. Janus must be installed:
 * without it the stack refuses to start and these tests fail.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, afterEach, before, describe, it } from 'node:test';
import { JwtKeys } from '../../supabase/local/auth/jwt.ts';
import { callFunction } from '../support/functions.ts';
import { janusSession, type JanusTestSession } from '../support/janus.ts';
import { startTestStack, type TestStack, type TestUser } from '../support/stack.ts';

type Row = Record<string, any>;
const UNAUTHORIZED = 433;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const errorOf = async (response: Response) => ({ status: response.status, code: (await response.json()).error?.code });

describe('video-call-sfu with Janus', () => {
  let stack: TestStack;
  let host: TestUser;
  let guest: TestUser;
  let waiting: TestUser;
  let outsider: TestUser;
  const janus: JanusTestSession[] = [];

  const sfu = (body: unknown, token?: string, init?: RequestInit) => callFunction(stack, 'video-call-sfu', body, token, init);
  const newSession = async (settings: Row = {}, ...guests: TestUser[]) => {
    const { data, error } = await host.client.from('video_call_sessions').insert({ title: 'SFU', settings }).select('id').single();
    assert.ifError(error);
    for (const invitee of guests) assert.ifError((await host.client.from('video_call_participants').insert({ session_id: data!.id, user_id: invitee.id })).error);
    return data!.id as string;
  };
  const access = async (sessionId: string, user: TestUser) => {
    const response = await sfu({ session_id: sessionId }, user.token);
    const body = await response.json();
    assert.equal(response.status, 200, JSON.stringify(body));
    return body as { url: string; room: string; token: string; expires_at: string };
  };
  const openJanus = async () => {
    const session = await janusSession(stack.sfu!.httpUrl);
    janus.push(session);
    return session;
  };

  before(async () => {
    stack = await startTestStack({ sfu: true });
    host = await stack.createUser({ name: 'Anna' });
    guest = await stack.createUser({ name: 'Boris' });
    waiting = await stack.createUser({ name: 'Vera' });
    outsider = await stack.createUser({ name: 'Eve' });
  });
  afterEach(async () => {
    for (const session of janus.splice(0)) await session.destroy();
  });
  after(async () => {
    await stack?.close();
  });

  it('gives a member a token for their call\'s room, which Janus lets them join', async () => {
    const sessionId = await newSession({}, guest);
    const answer = await access(sessionId, guest);
    assert.equal(answer.url, stack.sfuUrl);
    assert.match(answer.url, /^ws:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(answer.room, sessionId);
    assert.match(answer.token, new RegExp(`^${guest.id}\\.\\d+\\.[A-Za-z0-9_-]{43}$`));
    const expiresIn = Date.parse(answer.expires_at) - Date.now();
    assert.ok(expiresIn > 3500_000 && expiresIn <= 3600_000, `expires in ${expiresIn} ms`);

    const session = await openJanus();
    const joined = await session.join(sessionId, `${guest.id}:${randomUUID()}`, answer.token);
    assert.equal(joined.videoroom, 'joined', JSON.stringify(joined));
    assert.equal(joined.room, sessionId);
    // The room is private (hidden from a list without the admin key) and holds the guest.
    const listed = await session.request({ request: 'list' });
    assert.ok(!listed.list.some((room: Row) => room.room === sessionId), 'a private room is not listed');
    const participants = await session.request({ request: 'listparticipants', room: sessionId });
    assert.deepEqual(participants.participants.map((p: Row) => p.id.split(':')[0]), [guest.id]);
    // The host gets a token too, and a second call leaves the guest's token in place.
    const hostAnswer = await access(sessionId, host);
    const hostJoin = await (await openJanus()).join(sessionId, `${host.id}:${randomUUID()}`, hostAnswer.token);
    assert.equal(hostJoin.videoroom, 'joined');
  });

  it('makes the room as asked: private, pvtid required, 16 publishers, opus and vp8, capped bitrate', async () => {
    const sessionId = await newSession();
    await access(sessionId, host);
    const session = await openJanus();
    const listed = await session.request({ request: 'list', admin_key: stack.sfu!.adminKey });
    const room = listed.list.find((entry: Row) => entry.room === sessionId);
    assert.ok(room, 'the admin key lists private rooms');
    assert.equal(room.is_private, true);
    assert.equal(room.require_pvtid, true);
    assert.equal(room.max_publishers, 16);
    assert.equal(room.audiocodec, 'opus');
    assert.equal(room.videocodec, 'vp8');
    assert.equal(room.bitrate, 1_500_000);
    assert.equal(room.fir_freq, 10);
    assert.equal(room.notify_joining, false);
  });

  it('refuses a made-up token and a token for another call\'s room (Janus 433)', async () => {
    const first = await newSession({}, guest);
    const second = await newSession();
    const answer = await access(first, guest);
    await access(second, host);
    const session = await openJanus();
    const madeUp = await session.join(first, `${guest.id}:${randomUUID()}`, `${guest.id}.9999999999.${'A'.repeat(43)}`);
    assert.equal(madeUp.error_code, UNAUTHORIZED, JSON.stringify(madeUp));
    const elsewhere = await (await openJanus()).join(second, `${guest.id}:${randomUUID()}`, answer.token);
    assert.equal(elsewhere.error_code, UNAUTHORIZED, JSON.stringify(elsewhere));
    const none = await (await openJanus()).join(first, `${guest.id}:${randomUUID()}`, '');
    assert.equal(none.error_code, UNAUTHORIZED);
  });

  it('answers 403 to an outsider and to a guest waiting in the lobby', async () => {
    const sessionId = await newSession({ lobby: true }, waiting);
    assert.deepEqual(await errorOf(await sfu({ session_id: sessionId }, outsider.token)), { status: 403, code: 'not_a_participant' });
    assert.deepEqual(await errorOf(await sfu({ session_id: sessionId }, waiting.token)), { status: 403, code: 'waiting_for_host' });
    assert.ifError((await host.client.rpc('admit_video_call_participant', { p_session_id: sessionId, p_user_id: waiting.id })).error);
    await access(sessionId, waiting);
  });

  it('revokes a removed participant: 403, their token no longer joins, their publisher is kicked at the host\'s next call', async () => {
    const other = await stack.createUser({ name: 'Gleb' });
    const sessionId = await newSession({}, guest, other);
    const answer = await access(sessionId, guest);
    const spare = await access(sessionId, guest);
    const otherAnswer = await access(sessionId, other);
    const guestJanus = await openJanus();
    assert.equal((await guestJanus.join(sessionId, `${guest.id}:${randomUUID()}`, answer.token)).videoroom, 'joined');
    const otherJanus = await openJanus();
    assert.equal((await otherJanus.join(sessionId, `${other.id}:${randomUUID()}`, otherAnswer.token)).videoroom, 'joined');

    assert.ifError((await host.client.rpc('remove_video_call_participant', { p_session_id: sessionId, p_user_id: guest.id })).error);
    assert.deepEqual(await errorOf(await sfu({ session_id: sessionId }, guest.token)), { status: 403, code: 'removed' });
    await access(sessionId, host);

    const kicked = await guestJanus.nextEvent((data) => data.leaving === 'ok' && data.reason === 'kicked');
    assert.equal(kicked.room, sessionId);
    const again = await (await openJanus()).join(sessionId, `${guest.id}:${randomUUID()}`, spare.token);
    assert.equal(again.error_code, UNAUTHORIZED, 'every token of the removed user is revoked');
    const participants = await otherJanus.request({ request: 'listparticipants', room: sessionId });
    assert.deepEqual(participants.participants.map((p: Row) => p.id.split(':')[0]), [other.id], 'the others stay');
    assert.equal((await (await openJanus()).join(sessionId, `${other.id}:${randomUUID()}`, otherAnswer.token)).videoroom, 'joined');
  });

  it('answers 401 without a token, or with a forged or expired one', async () => {
    const sessionId = await newSession({}, guest);
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: guest.id, role: 'authenticated', aud: 'authenticated', email: guest.email, iat: now };
    const forged = new JwtKeys('another-secret-that-is-at-least-32-characters').sign({ ...claims, exp: now + 3600 } as never);
    const expired = stack.sign({ ...claims, iat: now - 7200, exp: now - 60 });
    for (const [what, token] of [['none', undefined], ['forged', forged], ['expired', expired]] as const) {
      const response = await sfu({ session_id: sessionId }, token);
      assert.equal(response.status, 401, what);
      await response.body?.cancel();
    }
  });

  it('answers 400 to malformed JSON, wrong types and a missing or bad session_id, 413 to a large body, 405 to GET', async () => {
    const cases: Array<[string, unknown, string]> = [
      ['malformed JSON', '{"session_id": ', 'invalid_json'],
      ['an array', '[]', 'invalid_body'],
      ['no session_id', {}, 'invalid_session_id'],
      ['a number', { session_id: 42 }, 'invalid_session_id'],
      ['not a uuid', { session_id: 'room-1' }, 'invalid_session_id'],
    ];
    for (const [what, body, code] of cases) {
      const response = await sfu(body, guest.token);
      const answer = await response.json();
      assert.equal(response.status, 400, what);
      assert.equal(answer.error.code, code, what);
      assert.ok(answer.error.message.length > 10, what);
    }
    assert.deepEqual(await errorOf(await sfu({ session_id: randomUUID(), pad: 'x'.repeat(8192) }, guest.token)), { status: 413, code: 'body_too_large' });
    assert.deepEqual(await errorOf(await sfu(undefined, guest.token, { method: 'GET' })), { status: 405, code: 'method_not_allowed' });
    const preflight = await sfu(undefined, undefined, { method: 'OPTIONS' });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
  });

  it('answers 404 for an unknown session and 409 for an ended one', async () => {
    assert.deepEqual(await errorOf(await sfu({ session_id: randomUUID() }, guest.token)), { status: 404, code: 'session_not_found' });
    const sessionId = await newSession({}, guest);
    assert.ifError((await host.client.rpc('end_video_call', { p_session_id: sessionId })).error);
    assert.deepEqual(await errorOf(await sfu({ session_id: sessionId }, guest.token)), { status: 409, code: 'session_ended' });
  });

  it('destroys an ended session\'s room at cleanup and reconciles the open ones', async () => {
    const ended = await newSession({}, guest);
    const open = await newSession({}, guest);
    const endedAnswer = await access(ended, guest);
    await access(open, guest);
    const watcher = await openJanus();
    assert.equal((await watcher.join(ended, `${guest.id}:${randomUUID()}`, endedAnswer.token)).videoroom, 'joined');
    assert.ifError((await host.client.rpc('end_video_call', { p_session_id: ended })).error);

    const response = await callFunction(stack, 'video-call-cleanup', {}, stack.serviceRoleKey);
    const answer = await response.json();
    assert.equal(response.status, 200, JSON.stringify(answer));
    assert.ok(answer.sfu.rooms_destroyed >= 1, JSON.stringify(answer.sfu));
    assert.ok(answer.sfu.rooms_reconciled >= 1, JSON.stringify(answer.sfu));
    await watcher.nextEvent((data) => data.videoroom === 'destroyed' && data.room === ended);
    const session = await openJanus();
    assert.equal((await session.request({ request: 'exists', room: ended })).exists, false);
    assert.equal((await session.request({ request: 'exists', room: open })).exists, true);
  });

  it('answers 503 sfu_unreachable while Janus is down (within a few seconds), and works again after it restarts', async () => {
    const sessionId = await newSession({}, guest);
    await stack.sfu!.stop();
    try {
      const started = Date.now();
      assert.deepEqual(await errorOf(await sfu({ session_id: sessionId }, guest.token)), { status: 503, code: 'sfu_unreachable' });
      assert.ok(Date.now() - started < 10_000);
      const cleanup = await callFunction(stack, 'video-call-cleanup', {}, stack.serviceRoleKey);
      const answer = await cleanup.json();
      assert.equal(cleanup.status, 200, 'the cleanup does not fail for the SFU');
      assert.equal(answer.sfu, 'unreachable');
    } finally {
      await stack.sfu!.start();
    }
    const answer = await access(sessionId, guest);
    const joined = await (await openJanus()).join(sessionId, `${guest.id}:${randomUUID()}`, answer.token);
    assert.equal(joined.videoroom, 'joined', 'the room is made again on the restarted Janus');
  });

  it('answers 503 sfu_unreachable, bounded, when Janus hangs (stopped with SIGSTOP)', async () => {
    const sessionId = await newSession({}, guest);
    const pid = stack.sfu!.pid!;
    process.kill(pid, 'SIGSTOP');
    try {
      const started = Date.now();
      assert.deepEqual(await errorOf(await sfu({ session_id: sessionId }, guest.token)), { status: 503, code: 'sfu_unreachable' });
      // Bounded (3 s in _shared/janus.ts), not a speed figure: only "does not hang" is checked.
      const took = Date.now() - started;
      assert.ok(took < 15_000, `gave up after ${took} ms`);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await access(sessionId, guest);
  });
});

describe('video-call-sfu tokens that expire', () => {
  let stack: TestStack;
  after(async () => {
    await stack?.close();
  });

  it('refuses a token once it has expired (revoked at the next call)', async () => {
    stack = await startTestStack({ sfu: true, functionEnv: { SFU_TOKEN_TTL_S: '2' } });
    const host = await stack.createUser({ name: 'Anna' });
    const guest = await stack.createUser({ name: 'Boris' });
    const { data } = await host.client.from('video_call_sessions').insert({ title: 'Short' }).select('id').single();
    assert.ifError((await host.client.from('video_call_participants').insert({ session_id: data!.id, user_id: guest.id })).error);
    const response = await callFunction(stack, 'video-call-sfu', { session_id: data!.id }, guest.token);
    const answer = await response.json();
    assert.equal(response.status, 200, JSON.stringify(answer));
    assert.ok(Date.parse(answer.expires_at) - Date.now() <= 2000);
    await sleep(3000);
    const renewed = await callFunction(stack, 'video-call-sfu', { session_id: data!.id }, host.token);
    assert.equal(renewed.status, 200);
    await renewed.body?.cancel();
    const session = await janusSession(stack.sfu!.httpUrl);
    try {
      const joined = await session.join(data!.id, `${guest.id}:${randomUUID()}`, answer.token);
      assert.equal(joined.error_code, UNAUTHORIZED, JSON.stringify(joined));
    } finally {
      await session.destroy();
    }
  });
});

describe('video-call-sfu without an SFU', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack({ sfu: false });
  });
  after(async () => {
    await stack?.close();
  });

  it('answers 503 sfu_unavailable, and the cleanup skips the SFU', async () => {
    const host = await stack.createUser({ name: 'Anna' });
    const { data } = await host.client.from('video_call_sessions').insert({ title: 'Mesh' }).select('id').single();
    assert.equal(stack.sfu, undefined);
    assert.equal(stack.sfuUrl, undefined);
    assert.deepEqual(await errorOf(await callFunction(stack, 'video-call-sfu', { session_id: data!.id }, host.token)), { status: 503, code: 'sfu_unavailable' });
    const cleanup = await callFunction(stack, 'video-call-cleanup', {}, stack.serviceRoleKey);
    assert.equal(cleanup.status, 200);
    assert.equal((await cleanup.json()).sfu, 'skipped');
  });
});
