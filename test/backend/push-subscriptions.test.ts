/**
 * video_call_push_subscriptions through supabase-js as real users: each user sees, adds and
 * removes only their own browsers, and the REST API refuses endpoints and keys no push service
 * would take (400, nothing stored).
 */
import assert from 'node:assert/strict';
import { createECDH, randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startTestStack, type TestStack, type TestUser } from '../support/stack.ts';

/** Keys as PushSubscription.toJSON() gives them: base64url without padding. */
function subscriptionKeys() {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return { p256dh: ecdh.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url') };
}
const subscription = (endpoint = `https://push.example.test/send/${randomUUID()}`, extra: Record<string, unknown> = {}) => ({
  endpoint,
  ...subscriptionKeys(),
  lang: 'ru',
  user_agent: 'Mozilla/5.0 (test)',
  ...extra,
});

describe('push subscriptions', () => {
  let stack: TestStack;
  let anna: TestUser;
  let boris: TestUser;

  before(async () => {
    stack = await startTestStack();
    anna = await stack.createUser({ name: 'Anna' });
    boris = await stack.createUser({ name: 'Boris' });
  });
  after(() => stack.close());

  const storedCount = async (filter: { endpoint?: string; user_id?: string }) => {
    let query = stack.serviceClient().from('video_call_push_subscriptions').select('*', { count: 'exact', head: true });
    if (filter.endpoint !== undefined) query = query.eq('endpoint', filter.endpoint);
    if (filter.user_id) query = query.eq('user_id', filter.user_id);
    const { count, error } = await query;
    assert.ifError(error);
    return count;
  };

  it('stores a subscription for the signed-in user, with user_id filled in', async () => {
    const row = subscription();
    const { data, error } = await anna.client.from('video_call_push_subscriptions').insert(row).select().single();
    assert.ifError(error);
    assert.equal(data.user_id, anna.id);
    assert.equal(data.endpoint, row.endpoint);
    assert.equal(data.lang, 'ru');
    assert.equal(data.failure_count, 0);
    assert.equal(data.last_success_at, null);
  });

  it('shows each user only their own subscriptions', async () => {
    const borisRow = subscription();
    assert.ifError((await boris.client.from('video_call_push_subscriptions').insert(borisRow)).error);
    const { data: annaSees } = await anna.client.from('video_call_push_subscriptions').select('user_id, endpoint');
    assert.ok(annaSees!.length >= 1);
    assert.ok(annaSees!.every((row) => row.user_id === anna.id));
    const { data: borisSees } = await boris.client.from('video_call_push_subscriptions').select('user_id, endpoint');
    assert.deepEqual(borisSees, [{ user_id: boris.id, endpoint: borisRow.endpoint }]);
    const { data: anonSees, error } = await stack.anonClient().from('video_call_push_subscriptions').select('id');
    assert.ok(error || anonSees!.length === 0, 'signed-out visitors read nothing');
  });

  it('refuses a subscription in another user\'s name and stores nothing', async () => {
    const row = subscription(undefined, { user_id: boris.id });
    const refused = await anna.client.from('video_call_push_subscriptions').insert(row);
    assert.equal(refused.status, 403);
    assert.equal(await storedCount({ endpoint: row.endpoint }), 0);
  });

  it('lets a user delete only their own subscriptions', async () => {
    const row = subscription();
    assert.ifError((await boris.client.from('video_call_push_subscriptions').insert(row)).error);
    const { data: annaDeleted } = await anna.client.from('video_call_push_subscriptions').delete().eq('endpoint', row.endpoint).select();
    assert.deepEqual(annaDeleted, []);
    assert.equal(await storedCount({ endpoint: row.endpoint }), 1);
    const { data: borisDeleted, error } = await boris.client.from('video_call_push_subscriptions').delete().eq('endpoint', row.endpoint).select();
    assert.ifError(error);
    assert.equal(borisDeleted!.length, 1);
    assert.equal(await storedCount({ endpoint: row.endpoint }), 0);
  });

  it('keeps the delivery bookkeeping out of users\' hands', async () => {
    const row = subscription();
    const inserted = await anna.client.from('video_call_push_subscriptions').insert({ ...row, failure_count: 5 });
    assert.equal(inserted.status, 403);
    assert.ifError((await anna.client.from('video_call_push_subscriptions').insert(row)).error);
    const updated = await anna.client.from('video_call_push_subscriptions').update({ failure_count: 0, user_id: boris.id }).eq('endpoint', row.endpoint);
    assert.equal(updated.status, 403);
    const { data } = await stack.serviceClient().from('video_call_push_subscriptions').select('user_id').eq('endpoint', row.endpoint).single();
    assert.equal(data!.user_id, anna.id);
  });

  it('leaves the delivery results function to the service role', async () => {
    const { data } = await anna.client.from('video_call_push_subscriptions').insert(subscription()).select('id').single();
    const args = { p_sent: [], p_failed: [], p_gone: [data!.id] };
    assert.ok([401, 403, 404].includes((await anna.client.rpc('record_video_call_push_results', args)).status));
    assert.ok([401, 403, 404].includes((await stack.anonClient().rpc('record_video_call_push_results', args)).status));
    const still = await stack.serviceClient().from('video_call_push_subscriptions').select('*', { count: 'exact', head: true }).eq('id', data!.id);
    assert.equal(still.count, 1, 'the refused calls deleted nothing');
    const failed = await stack.serviceClient().rpc('record_video_call_push_results', { p_sent: [], p_failed: [data!.id], p_gone: [] });
    assert.ifError(failed.error);
    const { data: row } = await stack.serviceClient().from('video_call_push_subscriptions').select('failure_count').eq('id', data!.id).single();
    assert.equal(row!.failure_count, 1);
    assert.ifError((await stack.serviceClient().rpc('record_video_call_push_results', args)).error);
    const { count } = await stack.serviceClient().from('video_call_push_subscriptions').select('*', { count: 'exact', head: true }).eq('id', data!.id);
    assert.equal(count, 0);
  });

  it('refuses a signed-out visitor', async () => {
    const row = subscription();
    const refused = await stack.anonClient().from('video_call_push_subscriptions').insert(row);
    assert.equal(refused.status, 401);
    assert.equal(await storedCount({ endpoint: row.endpoint }), 0);
  });

  it('answers 409 to an endpoint already stored', async () => {
    const row = subscription();
    assert.ifError((await anna.client.from('video_call_push_subscriptions').insert(row)).error);
    const again = await boris.client.from('video_call_push_subscriptions').insert({ ...row, ...subscriptionKeys() });
    assert.equal(again.status, 409);
    assert.equal(await storedCount({ endpoint: row.endpoint, user_id: anna.id }), 1);
  });

  it('accepts https endpoints and plain http on 127.0.0.1 or localhost only', async () => {
    for (const endpoint of [
      'https://fcm.googleapis.com/fcm/send/abc:def',
      'https://updates.push.services.mozilla.com/wpush/v2/gAAAA',
      'https://web.push.apple.com:443/QGz',
      'http://127.0.0.1:9000/push/1',
      'http://localhost/push/2',
      'http://localhost:8080',
    ]) {
      const { error } = await anna.client.from('video_call_push_subscriptions').insert(subscription(endpoint));
      assert.ifError(error);
    }
  });

  it('answers 400 to any other endpoint and stores nothing', async () => {
    for (const endpoint of [
      'http://push.example.test/send/1',
      'http://127.0.0.1.evil.example/push',
      'http://localhost.evil.example/push',
      'http://127.0.0.1@evil.example/push',
      'https://user:pass@push.example.test/x',
      'ftp://127.0.0.1/push',
      'javascript:alert(1)',
      'https://',
      'https://push.example.test/with space',
      ' https://push.example.test/leading-space',
      '',
      `https://push.example.test/${'x'.repeat(2100)}`,
    ]) {
      const refused = await anna.client.from('video_call_push_subscriptions').insert(subscription(endpoint));
      assert.equal(refused.status, 400, endpoint);
      assert.match(refused.error!.message, /endpoint/, endpoint);
      assert.equal(await storedCount({ endpoint }), 0, endpoint);
    }
  });

  it('answers 400 to an endpoint changed to a refused one by the service role too', async () => {
    const row = subscription();
    assert.ifError((await anna.client.from('video_call_push_subscriptions').insert(row)).error);
    const refused = await stack.serviceClient().from('video_call_push_subscriptions').update({ endpoint: 'http://evil.example/' }).eq('endpoint', row.endpoint);
    assert.equal(refused.status, 400);
    assert.equal(await storedCount({ endpoint: row.endpoint }), 1);
  });

  it('answers 400 to malformed p256dh and auth keys and stores nothing', async () => {
    const good = subscriptionKeys();
    const compressed = (() => {
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      return ecdh.getPublicKey(undefined, 'compressed').toString('base64url');
    })();
    const cases: Array<[string, Record<string, unknown>]> = [
      ['p256dh', { p256dh: 'not-a-key' }],
      ['p256dh', { p256dh: compressed }],
      ['p256dh', { p256dh: good.p256dh.slice(0, -1) + '*' }],
      ['p256dh', { p256dh: 'A' + good.p256dh.slice(1) }],
      ['p256dh', { p256dh: null }],
      ['p256dh', { p256dh: 42 }],
      ['auth', { auth: randomBytes(15).toString('base64url') }],
      ['auth', { auth: randomBytes(32).toString('base64url') }],
      ['auth', { auth: '' }],
      ['auth', { auth: null }],
      ['lang', { lang: 'русский' }],
      ['user_agent', { user_agent: 'x'.repeat(600) }],
    ];
    for (const [field, values] of cases) {
      const row = { ...subscription(), ...values };
      const refused = await anna.client.from('video_call_push_subscriptions').insert(row);
      assert.equal(refused.status, 400, JSON.stringify(values));
      assert.match(refused.error!.message, new RegExp(field), JSON.stringify(values));
      assert.equal(await storedCount({ endpoint: row.endpoint }), 0);
    }
  });

  it('accepts padded base64url keys as some browsers send them', async () => {
    const keys = subscriptionKeys();
    const { error } = await anna.client
      .from('video_call_push_subscriptions')
      .insert({ ...subscription(), p256dh: `${keys.p256dh}=`, auth: `${keys.auth}==` });
    assert.ifError(error);
  });

  it('goes when its user is deleted', async () => {
    const carol = await stack.createUser({ name: 'Carol' });
    assert.ifError((await carol.client.from('video_call_push_subscriptions').insert(subscription())).error);
    assert.equal(await storedCount({ user_id: carol.id }), 1);
    await stack.db.query('delete from auth.users where id = $1', [carol.id]);
    assert.equal(await storedCount({ user_id: carol.id }), 0);
  });
});
