/**
 * webpush-send in real Deno behind the local stack, pushing to the stand-in push service of
 * test/support/push-service.ts, which checks the VAPID JWT and decrypts each message as a browser
 * would.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startTestStack, type TestStack, type TestUser } from '../support/stack.ts';
import { callFunction } from '../support/functions.ts';
import { PushService, vapidKeys } from '../support/push-service.ts';

const JOIN_URL = 'https://crm.example.test/calls/{session_id}?event={event_id}';

describe('webpush-send', () => {
  const vapid = vapidKeys();
  const push = new PushService(vapid.publicKey);
  let stack: TestStack;
  let host: TestUser;
  let guest: TestUser;
  let declined: TestUser;
  let outsider: TestUser;
  let sessionId: string;
  const startsAt = new Date(Date.now() + 3 * 3600 * 1000).toISOString();

  const post = (body: unknown, token?: string, init: RequestInit = {}) => callFunction(stack, 'webpush-send', body, token, init);
  const errorOf = async (response: Response) => {
    const body = await response.json();
    assert.equal(typeof body.error?.message, 'string', `error JSON shape: ${JSON.stringify(body)}`);
    return { status: response.status, code: body.error.code as string };
  };
  /** A browser of `user` subscribed at `path` of the stand-in service, stored as the user. */
  const subscribe = async (user: TestUser, path: string) => {
    const browser = push.browser(path);
    const { data, error } = await user.client
      .from('video_call_push_subscriptions')
      .insert({ endpoint: browser.endpoint, p256dh: browser.ecdh.getPublicKey().toString('base64url'), auth: browser.auth.toString('base64url'), lang: 'ru' })
      .select('id')
      .single();
    assert.ifError(error);
    return data!.id as string;
  };
  const subscriptionRow = async (id: string) =>
    (await stack.serviceClient().from('video_call_push_subscriptions').select('id, last_success_at, failure_count').eq('id', id).maybeSingle()).data;
  const newSession = async (values: Record<string, unknown> = {}) => {
    const { data, error } = await host.client
      .from('video_call_sessions')
      .insert({ title: 'Планёрка / Stand-up', event_id: 'evt-42', scheduled_at: startsAt, ...values })
      .select('id')
      .single();
    assert.ifError(error);
    for (const user of [guest, declined]) {
      assert.ifError((await host.client.from('video_call_participants').insert({ session_id: data!.id, user_id: user.id })).error);
    }
    const answer = await declined.client.from('video_call_participants').update({ invite_status: 'declined' }).eq('session_id', data!.id).eq('user_id', declined.id);
    assert.ifError(answer.error);
    return data!.id as string;
  };

  before(async () => {
    await push.start();
    stack = await startTestStack({
      functionEnv: {
        VAPID_PUBLIC_KEY: vapid.publicKey,
        VAPID_PRIVATE_KEY: vapid.privateKey,
        VAPID_SUBJECT: 'mailto:calls@example.test',
        CALL_JOIN_URL: JOIN_URL,
        PUSH_TIMEOUT_MS: '4000', // a push under a loaded full suite can take over 1.5 s
      },
    });
    host = await stack.createUser({ name: 'Анна' });
    guest = await stack.createUser({ name: 'Boris' });
    declined = await stack.createUser({ name: 'Dana' });
    outsider = await stack.createUser({ name: 'Eve' });
    sessionId = await newSession();
  });
  beforeEach(async () => {
    assert.ifError((await stack.serviceClient().from('video_call_push_subscriptions').delete().not('id', 'is', null)).error);
    push.deliveries.length = 0;
    push.problems.length = 0;
  });
  after(async () => {
    await stack?.close();
    await push.close();
  });

  it('pushes a host\'s invitation to each browser of the invitees, with a valid VAPID JWT and the call in the payload', async () => {
    const first = await subscribe(guest, '/ok/boris-laptop');
    await subscribe(guest, '/ok/boris-phone');
    await subscribe(host, '/ok/anna');
    await subscribe(declined, '/ok/dana');
    const response = await post({ session_id: sessionId, kind: 'invite' }, host.token);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { sent: 2, failed: 0, removed: 0 });
    assert.deepEqual(push.problems, []);
    assert.deepEqual(push.deliveries.map((delivery) => delivery.path).sort(), ['/ok/boris-laptop', '/ok/boris-phone']);
    // The session's time as the database gives it back; the same moment as the one scheduled.
    const scheduledAt = (await stack.serviceClient().from('video_call_sessions').select('scheduled_at').eq('id', sessionId).single()).data!.scheduled_at;
    assert.equal(new Date(scheduledAt).toISOString(), startsAt);
    for (const delivery of push.deliveries) {
      assert.equal(delivery.claims.aud, push.origin);
      assert.equal(delivery.claims.sub, 'mailto:calls@example.test');
      assert.ok(delivery.claims.exp > Date.now() / 1000, 'exp lies ahead');
      assert.ok(Number(delivery.headers.ttl) > 0);
      assert.deepEqual(delivery.payload, {
        kind: 'invite',
        session_id: sessionId,
        event_id: 'evt-42',
        title: 'Планёрка / Stand-up',
        starts_at: scheduledAt,
        url: `https://crm.example.test/calls/${sessionId}?event=evt-42`,
        host_name: 'Анна',
      });
    }
    const row = await subscriptionRow(first);
    assert.ok(row!.last_success_at, 'the delivery is recorded');
    assert.equal(row!.failure_count, 0);
  });

  it('pushes a reminder from the service role to everyone who has not declined, the host included', async () => {
    await subscribe(guest, '/ok/boris');
    await subscribe(host, '/ok/anna');
    await subscribe(declined, '/ok/dana');
    const response = await post({ session_id: sessionId, kind: 'reminder' }, stack.serviceRoleKey);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { sent: 2, failed: 0, removed: 0 });
    assert.deepEqual(push.deliveries.map((delivery) => delivery.path).sort(), ['/ok/anna', '/ok/boris']);
    assert.ok(push.deliveries.every((delivery) => delivery.payload.kind === 'reminder'));
  });

  it('sends only to the user_ids asked for', async () => {
    await subscribe(guest, '/ok/boris');
    await subscribe(host, '/ok/anna');
    const response = await post({ session_id: sessionId, kind: 'reminder', user_ids: [host.id] }, stack.serviceRoleKey);
    assert.deepEqual(await response.json(), { sent: 1, failed: 0, removed: 0 });
    assert.deepEqual(push.deliveries.map((delivery) => delivery.path), ['/ok/anna']);
  });

  it('deletes the subscriptions the push service says are gone (404, 410) and keeps the rest', async () => {
    const kept = await subscribe(guest, '/ok/boris');
    const gone = await subscribe(guest, '/gone/boris-old');
    const missing = await subscribe(guest, '/missing/boris-older');
    const response = await post({ session_id: sessionId, kind: 'invite' }, host.token);
    assert.deepEqual(await response.json(), { sent: 1, failed: 0, removed: 2 });
    assert.ok(await subscriptionRow(kept));
    assert.equal(await subscriptionRow(gone), null);
    assert.equal(await subscriptionRow(missing), null);
  });

  it('counts a push service that hangs or fails as failed, goes on with the others, and keeps those rows', async () => {
    const hanging = await subscribe(guest, '/hang/boris');
    const broken = await subscribe(guest, '/broken/boris');
    await subscribe(host, '/ok/anna');
    const response = await post({ session_id: sessionId, kind: 'reminder' }, stack.serviceRoleKey);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { sent: 1, failed: 2, removed: 0 });
    assert.deepEqual(push.deliveries.map((delivery) => delivery.path).sort(), ['/broken/boris', '/ok/anna']);
    assert.equal((await subscriptionRow(hanging))!.failure_count, 1);
    assert.equal((await subscriptionRow(broken))!.failure_count, 1);
  });

  it('answers { sent: 0 } when nobody has a browser subscribed', async () => {
    const response = await post({ session_id: sessionId, kind: 'invite' }, host.token);
    assert.deepEqual(await response.json(), { sent: 0, failed: 0, removed: 0 });
  });

  it('answers 400 to malformed JSON, wrong types, unknown kinds and recipients outside the call', async () => {
    assert.deepEqual(await errorOf(await post('{"session_id":', host.token)), { status: 400, code: 'invalid_json' });
    assert.deepEqual(await errorOf(await post('[1]', host.token)), { status: 400, code: 'invalid_body' });
    assert.deepEqual(await errorOf(await post({ session_id: 7, kind: 'invite' }, host.token)), { status: 400, code: 'invalid_session_id' });
    assert.deepEqual(await errorOf(await post({ session_id: sessionId, kind: 'party' }, host.token)), { status: 400, code: 'invalid_kind' });
    assert.deepEqual(await errorOf(await post({ session_id: sessionId, kind: 'invite', user_ids: 'all' }, host.token)), {
      status: 400,
      code: 'invalid_user_ids',
    });
    assert.deepEqual(await errorOf(await post({ session_id: sessionId, kind: 'invite', user_ids: [guest.id, 5] }, host.token)), {
      status: 400,
      code: 'invalid_user_ids',
    });
    assert.deepEqual(await errorOf(await post({ session_id: sessionId, kind: 'invite', user_ids: [outsider.id] }, host.token)), {
      status: 400,
      code: 'invalid_recipient',
    });
    assert.equal((await post({ session_id: sessionId, kind: 'invite', pad: 'x'.repeat(100 * 1024) }, host.token)).status, 413);
    assert.equal(push.deliveries.length, 0);
  });

  it('answers 401 to a missing, forged or expired token', async () => {
    assert.deepEqual(await errorOf(await post({ session_id: sessionId, kind: 'invite' })), { status: 401, code: 'missing_token' });
    assert.equal((await post({ session_id: sessionId, kind: 'invite' }, host.token.slice(0, -4) + 'AAAA')).status, 401);
    const past = Math.floor(Date.now() / 1000) - 60;
    const expired = stack.sign({ sub: host.id, role: 'authenticated', aud: 'authenticated', exp: past, iat: past - 3600 });
    assert.deepEqual(await errorOf(await post({ session_id: sessionId, kind: 'invite' }, expired)), { status: 401, code: 'invalid_token' });
    const forgedService = stack.sign({ role: 'service_role', exp: Math.floor(Date.now() / 1000) + 3600 });
    assert.equal((await post({ session_id: sessionId, kind: 'reminder' }, forgedService)).status, 401);
  });

  it('answers 403 to guests, outsiders, the anon key and a host sending reminders, and pushes nothing', async () => {
    await subscribe(guest, '/ok/boris');
    assert.deepEqual(await errorOf(await post({ session_id: sessionId, kind: 'invite' }, guest.token)), { status: 403, code: 'not_host' });
    assert.deepEqual(await errorOf(await post({ session_id: sessionId, kind: 'invite' }, outsider.token)), { status: 403, code: 'not_host' });
    assert.deepEqual(await errorOf(await post({ session_id: sessionId, kind: 'invite' }, stack.anonKey)), { status: 403, code: 'not_allowed' });
    assert.deepEqual(await errorOf(await post({ session_id: sessionId, kind: 'reminder' }, host.token)), {
      status: 403,
      code: 'service_role_required',
    });
    assert.equal(push.deliveries.length, 0);
  });

  it('answers 404 to an unknown session and 403 once the session has ended', async () => {
    assert.deepEqual(await errorOf(await post({ session_id: '00000000-0000-4000-8000-000000000000', kind: 'invite' }, stack.serviceRoleKey)), {
      status: 404,
      code: 'session_not_found',
    });
    const ended = await newSession({ event_id: 'evt-ended' });
    assert.ifError((await host.client.from('video_call_sessions').update({ status: 'ended' }).eq('id', ended)).error);
    await subscribe(guest, '/ok/boris');
    assert.deepEqual(await errorOf(await post({ session_id: ended, kind: 'invite' }, host.token)), { status: 403, code: 'session_ended' });
    assert.equal(push.deliveries.length, 0);
  });

  it('answers 405 to other methods and 204 to a preflight', async () => {
    const response = await post(undefined, host.token, { method: 'GET' });
    assert.deepEqual(await errorOf(response), { status: 405, code: 'method_not_allowed' });
    const preflight = await fetch(`${stack.url}/functions/v1/webpush-send`, { method: 'OPTIONS' });
    assert.equal(preflight.status, 204);
  });
});
