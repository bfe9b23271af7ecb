/**
 * A stand-in Web Push service on 127.0.0.1 for the functions' tests and the bench: it does what a
 * real one does before it accepts a message — checks the VAPID JWT (ES256 against the public key,
 * aud = its own origin, exp ahead) and decrypts the aes128gcm body with the subscriber's keys
 * (http_ece), as the browser would.
 */
import assert from 'node:assert/strict';
import { createECDH, createPublicKey, randomBytes, verify, type ECDH } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';

const ece = createRequire(import.meta.url)('http_ece') as {
  decrypt(buffer: Buffer, params: { version: 'aes128gcm'; privateKey: ECDH; authSecret: Buffer }): Buffer;
};

/** A VAPID key pair as `web-push generate-vapid-keys` prints it (base64url, raw P-256). */
export function vapidKeys() {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return { publicKey: ecdh.getPublicKey().toString('base64url'), privateKey: ecdh.getPrivateKey().toString('base64url') };
}

/** One browser: its keys stay here, so only this test can read what was pushed to it. */
export interface Browser {
  endpoint: string;
  ecdh: ECDH;
  auth: Buffer;
}

export interface Delivery {
  path: string;
  /** The VAPID JWT's claims, once its signature checked out against the public key. */
  claims: { aud: string; exp: number; sub: string };
  payload: Record<string, unknown>;
  headers: IncomingMessage['headers'];
}

/**
 * The stand-in push service: `/ok/…` accepts (201), `/gone/…` 410, `/missing/…` 404, `/broken/…`
 * 500, `/hang/…` never answers. Every accepted message must carry a valid VAPID JWT and decrypt.
 */
export class PushService {
  readonly deliveries: Delivery[] = [];
  readonly problems: string[] = [];
  readonly browsers = new Map<string, Browser>();
  private server!: Server;
  private hanging: ServerResponse[] = [];
  origin = '';

  constructor(private readonly vapidPublicKey: string) {}

  async start() {
    this.server = createServer((request, response) => void this.receive(request, response));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  browser(path: string): Browser {
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const browser = { endpoint: `${this.origin}${path}`, ecdh, auth: randomBytes(16) };
    this.browsers.set(path, browser);
    return browser;
  }

  private async receive(request: IncomingMessage, response: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const path = request.url ?? '';
    if (path.startsWith('/hang/')) {
      this.hanging.push(response);
      return;
    }
    const status = path.startsWith('/gone/') ? 410 : path.startsWith('/missing/') ? 404 : path.startsWith('/broken/') ? 500 : 201;
    try {
      const browser = this.browsers.get(path);
      if (!browser) throw new Error(`no browser subscribed at ${path}`);
      const claims = this.checkVapid(request.headers.authorization ?? '');
      assert.equal(request.headers['content-encoding'], 'aes128gcm');
      const plain = ece.decrypt(Buffer.concat(chunks), { version: 'aes128gcm', privateKey: browser.ecdh, authSecret: browser.auth });
      this.deliveries.push({ path, claims, payload: JSON.parse(plain.toString('utf8')), headers: request.headers });
      response.writeHead(status).end();
    } catch (error) {
      this.problems.push(`${path}: ${(error as Error).message}`);
      response.writeHead(400).end();
    }
  }

  /** `vapid t=<JWT>, k=<public key>`: the JWT must verify with ES256 against our VAPID public key. */
  private checkVapid(header: string) {
    const match = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header);
    if (!match) throw new Error(`Authorization is not VAPID: ${header}`);
    const [, jwt, key] = match;
    assert.equal(key, this.vapidPublicKey, 'k is the VAPID public key');
    const [head, body, signature] = jwt.split('.');
    assert.deepEqual(JSON.parse(Buffer.from(head, 'base64url').toString()), { typ: 'JWT', alg: 'ES256' });
    const raw = Buffer.from(key, 'base64url');
    const publicKey = createPublicKey({
      key: { kty: 'EC', crv: 'P-256', x: raw.subarray(1, 33).toString('base64url'), y: raw.subarray(33, 65).toString('base64url') },
      format: 'jwk',
    });
    const valid = verify('sha256', Buffer.from(`${head}.${body}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'));
    if (!valid) throw new Error('the VAPID signature does not verify');
    return JSON.parse(Buffer.from(body, 'base64url').toString()) as Delivery['claims'];
  }

  async close() {
    for (const response of this.hanging) response.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** The row a browser's PushSubscription.toJSON() makes in video_call_push_subscriptions. */
export function subscriptionValues(browser: Browser, lang = 'ru') {
  return { endpoint: browser.endpoint, p256dh: browser.ecdh.getPublicKey().toString('base64url'), auth: browser.auth.toString('base64url'), lang };
}
