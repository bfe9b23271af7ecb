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
