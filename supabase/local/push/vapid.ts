/**
 * The stack's VAPID keys (Web Push): made on first boot and kept with the data, so browsers
 * subscribed once stay subscribed across restarts; fresh ones for an in-memory stack.
 * Both halves are base64url without padding, the formats `web-push` takes: the public key is the
 * uncompressed P-256 point (65 bytes, 0x04‖x‖y), the private key the 32-byte scalar.
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

/** Where a stack keeps its keys: a file beside its database. */
export const VAPID_FILE = 'vapid-keys.json';

export function generateVapidKeys(): VapidKeys {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const jwk = privateKey.export({ format: 'jwk' });
  const point = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
  return { publicKey: point.toString('base64url'), privateKey: jwk.d! };
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** The keys kept in `file`, made and written there (readable only by this user) the first time. */
export function loadVapidKeys(file: string): VapidKeys {
  if (existsSync(file)) {
    let kept: Partial<VapidKeys>;
    try {
      kept = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new Error(`${file} is not valid JSON (${(error as Error).message}); restore it, or delete it to make new VAPID keys (push subscriptions made with the old ones stop working)`);
    }
    const valid = (value: unknown, bytes: number) =>
      typeof value === 'string' && BASE64URL.test(value) && Buffer.from(value, 'base64url').length === bytes;
    if (!valid(kept.publicKey, 65) || !valid(kept.privateKey, 32)) {
      throw new Error(`${file} does not hold VAPID keys ({ publicKey, privateKey } in base64url); restore it, or delete it to make new ones`);
    }
    return { publicKey: kept.publicKey!, privateKey: kept.privateKey! };
  }
  const keys = generateVapidKeys();
  mkdirSync(dirname(file), { recursive: true });
  // Written whole or not at all: a crash mid-write must not leave a file that fails the next boot.
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  renameSync(partial, file);
  return keys;
}
