import assert from 'node:assert/strict';
import { createECDH } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { startLocalStack, type LocalStack } from '../../supabase/local/server.ts';
import { loadVapidKeys, VAPID_FILE } from '../../supabase/local/push/vapid.ts';
import { startTestStack } from '../support/stack.ts';

const fixture = fileURLToPath(new URL('../fixtures/functions-project', import.meta.url));

/** What the fixture's `settings` function sees of its environment. */
async function functionSettings(stack: LocalStack): Promise<Record<string, string | null>> {
  const response = await fetch(`${stack.url}/functions/v1/settings`, { headers: { authorization: `Bearer ${stack.anonKey}` } });
  assert.equal(response.status, 200);
  return response.json();
}

/** The public key is the uncompressed P-256 point of the private scalar. */
function assertKeyPair(publicKey: string, privateKey: string): void {
  assert.match(publicKey, /^[A-Za-z0-9_-]{87}$/);
  assert.match(privateKey, /^[A-Za-z0-9_-]{43}$/);
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(Buffer.from(privateKey, 'base64url'));
  assert.equal(ecdh.getPublicKey().toString('base64url'), publicKey);
  assert.equal(Buffer.from(publicKey, 'base64url')[0], 4);
}

describe('VAPID keys and the join link', () => {
  it('hands the functions a valid P-256 key pair, the subject and the stack environment’s CALL_JOIN_URL', async () => {
    const joinUrl = 'https://calls.example.test/join?session={session_id}&event={event_id}';
    const stack = await startTestStack({ supabaseDir: fixture, env: { CALL_JOIN_URL: joinUrl } });
    try {
      const seen = await functionSettings(stack);
      assert.equal(seen.VAPID_PUBLIC_KEY, stack.vapidPublicKey);
      assertKeyPair(seen.VAPID_PUBLIC_KEY!, seen.VAPID_PRIVATE_KEY!);
      assert.equal(seen.VAPID_SUBJECT, 'mailto:video-calls@localhost');
      assert.equal(seen.CALL_JOIN_URL, joinUrl);
    } finally {
      await stack.close();
    }
  });

  it('leaves CALL_JOIN_URL unset when the stack has none, and takes VAPID_SUBJECT from its environment', async () => {
    const stack = await startTestStack({ supabaseDir: fixture, env: { VAPID_SUBJECT: 'https://calls.example.test' } });
    try {
      const seen = await functionSettings(stack);
      assert.equal(seen.CALL_JOIN_URL, null);
      assert.equal(seen.VAPID_SUBJECT, 'https://calls.example.test');
    } finally {
      await stack.close();
    }
  });

  it('makes fresh keys for each in-memory stack', async () => {
    const first = await startTestStack();
    const second = await startTestStack();
    try {
      assert.notEqual(first.vapidPublicKey, second.vapidPublicKey);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('keeps the keys with the data across a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'call-widgets-vapid-'));
    try {
      const options = { port: 0, pglite: true, dataDir, scheduler: false, mail: false as const, log: () => undefined, env: {} };
      const first = await startLocalStack(options);
      const kept = first.vapidPublicKey;
      await first.close();
      const file = join(dataDir, VAPID_FILE);
      assert.equal(statSync(file).mode & 0o077, 0, 'the private key is readable by its owner only');
      const second = await startLocalStack(options);
      try {
        assert.equal(second.vapidPublicKey, kept);
        const stored = JSON.parse(readFileSync(file, 'utf8'));
        assertKeyPair(stored.publicKey, stored.privateKey);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('does not start on a damaged key file, saying so, and starts once it is gone', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'call-widgets-vapid-'));
    try {
      const options = { port: 0, pglite: true, dataDir, scheduler: false, mail: false as const, log: () => undefined, env: {} };
      await (await startLocalStack(options)).close();
      writeFileSync(join(dataDir, VAPID_FILE), '{ not json');
      await assert.rejects(startLocalStack(options), /vapid-keys\.json is not valid JSON/);
      rmSync(join(dataDir, VAPID_FILE));
      const again = await startLocalStack(options);
      try {
        assert.match(again.vapidPublicKey, /^[A-Za-z0-9_-]{87}$/);
      } finally {
        await again.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses a damaged key file with a clear error instead of replacing the keys', () => {
    const dir = mkdtempSync(join(tmpdir(), 'call-widgets-vapid-'));
    try {
      const file = join(dir, VAPID_FILE);
      writeFileSync(file, '{ not json');
      assert.throws(() => loadVapidKeys(file), /not valid JSON.*delete it/);
      writeFileSync(file, JSON.stringify({ publicKey: 'short', privateKey: 42 }));
      assert.throws(() => loadVapidKeys(file), /does not hold VAPID keys/);
      assert.equal(readFileSync(file, 'utf8'), JSON.stringify({ publicKey: 'short', privateKey: 42 }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
