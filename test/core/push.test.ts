/**
 * The core's push outside a browser page (Node: no window, service worker or Notification), where
 * a host's server-side code may still construct a CallClient: a clear state and clear errors,
 * never a crash. The browser side is test/elements/call-notifications.test.ts and
 * test/e2e/push.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CallClient } from '../../src/core/call-client.ts';
import { pushSupported, vapidKeyBytes } from '../../src/core/push.ts';
import { clientOptions, startTestStack, type TestStack } from '../support/stack.ts';
import { vapidKeys } from '../support/push-service.ts';
import { usableAuth } from '../../src/sw/auth-store.ts';
import { readCallPush, readWorkerMessage } from '../../src/sw/messages.ts';
import { notificationLang, notificationText } from '../../src/sw/notification-text.ts';

describe('push in the core', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack({ mail: false });
  });
  after(async () => {
    await stack?.close();
  });

  it('reads a VAPID public key into the 65 bytes subscribe() wants, and refuses anything else by name', () => {
    const { publicKey } = vapidKeys();
    const bytes = vapidKeyBytes(publicKey);
    assert.equal(bytes.length, 65);
    assert.equal(bytes[0], 4, 'an uncompressed P-256 point');
    assert.deepEqual(Buffer.from(bytes).toString('base64url'), publicKey);
    for (const bad of ['', 'not-a-key', publicKey.slice(1), `A${publicKey.slice(1)}`, `${publicKey}xx`, 42 as unknown as string]) {
      assert.throws(() => vapidKeyBytes(bad), (error: Error & { code?: string }) => error.code === 'invalid_input' && /VAPID public key/.test(error.message), String(bad));
    }
  });

  it('says "unsupported" without a browser page, and enablePush refuses with codes a host can branch on', async () => {
    assert.equal(pushSupported(), false);
    const client = new CallClient({ url: stack.url, anonKey: stack.anonKey, options: clientOptions as never });
    assert.equal(await client.pushState(), 'unsupported');
    const key = vapidKeys().publicKey;
    await assert.rejects(client.enablePush({ registration: {} as never, vapidPublicKey: key }), (error: Error & { code?: string }) => error.code === 'not_signed_in');
    const { error } = await client.supabase.auth.signUp({ email: `push-${Date.now()}@example.test`, password: 'secret-password' });
    assert.ifError(error);
    await assert.rejects(client.enablePush({ registration: {} as never, vapidPublicKey: key }), (error: Error & { code?: string }) => error.code === 'push_unsupported');
    await assert.doesNotReject(client.disablePush(), 'turning off what cannot be on is no error');
  });
});

describe('what the page and the worker say to each other', () => {
  const auth = { type: 'call-widgets:auth', supabaseUrl: 'https://abc.supabase.co/', anonKey: 'anon', accessToken: 'eyJ.token', expiresAt: 2_000_000_000, lang: 'ru' };

  it('keeps only the fields of an auth message, so a refresh token handed over by mistake is never stored', () => {
    assert.deepEqual(readWorkerMessage({ ...auth, refresh_token: 'never-this', refreshToken: 'nor-this' }), { ...auth, supabaseUrl: 'https://abc.supabase.co' });
    assert.deepEqual(readWorkerMessage({ type: 'call-widgets:signed-out', accessToken: 'x' }), { type: 'call-widgets:signed-out' });
  });

  it('refuses auth messages that could send the token anywhere odd, or carry none', () => {
    for (const bad of [
      { ...auth, supabaseUrl: 'javascript:alert(1)' },
      { ...auth, supabaseUrl: 42 },
      { ...auth, accessToken: '' },
      { ...auth, expiresAt: 'tomorrow' },
      { ...auth, expiresAt: Number.NaN },
      { ...auth, type: 'other:auth' },
      null,
      'call-widgets:auth',
    ]) {
      assert.equal(readWorkerMessage(bad), null, JSON.stringify(bad));
    }
  });

  it('uses a stored token only while it has at least 30 s left, else Decline hands over to the page', () => {
    const now = 1_800_000_000_000;
    const at = (seconds: number) => readWorkerMessage({ ...auth, expiresAt: now / 1000 + seconds }) as Parameters<typeof usableAuth>[0];
    assert.equal(usableAuth(null, now), null);
    assert.equal(usableAuth(at(-60), now), null, 'expired');
    assert.equal(usableAuth(at(20), now), null, 'about to expire on the way');
    assert.equal(usableAuth(at(300), now)?.accessToken, 'eyJ.token');
  });

  it('takes a push as ours only with a known kind and a session id, and words it in Russian or English', () => {
    assert.equal(readCallPush({ kind: 'invite', session_id: '' }), null);
    assert.equal(readCallPush({ kind: 'cancel', session_id: 's' }), null);
    const push = readCallPush({ kind: 'invite', session_id: 's', title: '  ', host_name: null, extra: 'dropped' })!;
    assert.deepEqual(push, { kind: 'invite', session_id: 's', event_id: null, title: '  ', starts_at: null, url: null, host_name: null });
    assert.deepEqual(notificationText(push, 'en'), {
      title: 'Video call',
      body: 'You are invited to a video call',
      actions: [
        { action: 'join', title: 'Join' },
        { action: 'decline', title: 'Decline' },
      ],
    });
    assert.equal(notificationLang('ru-RU'), 'ru');
    assert.equal(notificationLang('uk'), 'en');
    assert.equal(notificationText({ ...push, starts_at: 'not a date', host_name: 'Анна' }, 'ru').body, 'Анна приглашает вас на видеозвонок');
  });
});
