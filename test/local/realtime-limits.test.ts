/**
 * The Realtime service against hostile or careless sockets, spoken to in raw Phoenix frames: silent
 * sockets are closed, one socket joins at most 100 channels, topics and event names are bounded,
 * a token the verifier trips over is refused cleanly everywhere, and no frame shape breaks it.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { startTestStack, type TestStack, type TestUser } from '../support/stack.ts';

/** The idle timeout this file's stack runs with (hosted and the default: 60 s). */
const HEARTBEAT_TIMEOUT_MS = 1500;

type Reply = { status: string; response: { reason?: string } & Record<string, unknown> };
type Message = [string | null, string | null, string, string, unknown];

/** One raw Phoenix socket (protocol 2.0.0), heartbeating unless told to stay silent. */
class PhoenixSocket {
  readonly messages: (Message | Buffer)[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  #waiters: { match: (message: Message | Buffer) => boolean; resolve: (message: Message | Buffer) => void }[] = [];
  #refs = 0;
  #heartbeat?: NodeJS.Timeout;

  private constructor(readonly ws: WebSocket, heartbeat: boolean) {
    ws.on('message', (data, isBinary) => {
      const message = isBinary ? (data as Buffer) : (JSON.parse(String(data)) as Message);
      this.messages.push(message);
      for (const waiter of this.#waiters.filter((w) => w.match(message))) {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        waiter.resolve(message);
      }
    });
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
    if (heartbeat) {
      this.#heartbeat = setInterval(() => this.push('phoenix', 'heartbeat', {}), HEARTBEAT_TIMEOUT_MS / 4);
      void this.closed.then(() => clearInterval(this.#heartbeat));
    }
  }

  static open(url: string, { heartbeat = true } = {}): Promise<PhoenixSocket> {
    const ws = new WebSocket(url);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new PhoenixSocket(ws, heartbeat)));
      ws.once('error', reject);
    });
  }

  /** Sends a frame and returns its ref. */
  push(topic: string, event: string, payload: unknown, joinRef: string | null = null): string {
    const ref = `r${++this.#refs}`;
    this.ws.send(JSON.stringify([joinRef, ref, topic, event, payload]));
    return ref;
  }

  /** The first message (already received or still to come) that `match` accepts. */
  next(match: (message: Message | Buffer) => boolean): Promise<Message | Buffer> {
    const seen = this.messages.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.#waiters.push({ match, resolve }));
  }

  async reply(ref: string): Promise<Reply> {
    const message = (await this.next((m) => Array.isArray(m) && m[1] === ref && m[3] === 'phx_reply')) as Message;
    return message[4] as Reply;
  }

  /** Pushes and waits for the reply. */
  request(topic: string, event: string, payload: unknown): Promise<Reply> {
    return this.reply(this.push(topic, event, payload));
  }

  close(): void {
    clearInterval(this.#heartbeat);
    this.ws.close();
  }
}

const isFrame = (topic: string, event: string) => (m: Message | Buffer) => Array.isArray(m) && m[2] === topic && m[3] === event;

describe('realtime limits', () => {
  let stack: TestStack;
  let user: TestUser;
  let socketUrl: (key?: string) => string;

  before(async () => {
    const previous = process.env.REALTIME_HEARTBEAT_TIMEOUT_MS;
    process.env.REALTIME_HEARTBEAT_TIMEOUT_MS = String(HEARTBEAT_TIMEOUT_MS);
    try {
      stack = await startTestStack();
    } finally {
      if (previous === undefined) delete process.env.REALTIME_HEARTBEAT_TIMEOUT_MS;
      else process.env.REALTIME_HEARTBEAT_TIMEOUT_MS = previous;
    }
    user = await stack.createUser({ name: 'Anna' });
    socketUrl = (key = stack.anonKey) => `${stack.url.replace('http', 'ws')}/realtime/v1/websocket?apikey=${key}&vsn=2.0.0`;
  });
  after(() => stack.close());

  describe('sockets', () => {
    it('closes a socket that stops sending heartbeats, and its presence leaves', async () => {
      const topic = 'realtime:idle-room';
      const watcher = await PhoenixSocket.open(socketUrl());
      const silent = await PhoenixSocket.open(socketUrl(), { heartbeat: false });
      assert.equal((await watcher.request(topic, 'phx_join', { config: { presence: { key: 'watcher' } } })).status, 'ok');
      assert.equal((await silent.request(topic, 'phx_join', { config: { presence: { key: 'quiet' } } })).status, 'ok');
      assert.equal((await silent.request(topic, 'presence', { type: 'presence', event: 'track', payload: { name: 'Quiet' } })).status, 'ok');

      const left = watcher.next((m) => isFrame(topic, 'presence_diff')(m) && 'quiet' in ((m as Message)[4] as { leaves: object }).leaves);
      const { code, reason } = await silent.closed;
      assert.equal(code, 1000);
      assert.equal(reason, 'heartbeat timeout');
      await left;
      // The watcher, older than the timeout, stayed open because it kept sending heartbeats.
      assert.equal(watcher.ws.readyState, WebSocket.OPEN);
      assert.equal((await watcher.request('phoenix', 'heartbeat', {})).status, 'ok');
      watcher.close();
    });

    it('refuses the join beyond 100 channels on one socket, with a reason', async () => {
      const socket = await PhoenixSocket.open(socketUrl());
      const refs = Array.from({ length: 101 }, (_, i) => socket.push(`realtime:many-${i}`, 'phx_join', {}));
      const replies = await Promise.all(refs.map((ref) => socket.reply(ref)));
      assert.deepEqual(replies.slice(0, 100).map((r) => r.status), Array(100).fill('ok'));
      assert.equal(replies[100].status, 'error');
      assert.match(replies[100].response.reason ?? '', /Too many channels/);

      assert.equal((await socket.request('realtime:many-0', 'phx_join', {})).status, 'ok', 'joining a joined topic again is no new channel');
      assert.equal((await socket.request('realtime:many-1', 'phx_leave', {})).status, 'ok');
      assert.equal((await socket.request('realtime:many-100', 'phx_join', {})).status, 'ok', 'a place freed by leaving');
      socket.close();
    });
  });

  describe('names', () => {
    const long = 'x'.repeat(300);
    const broadcastUrl = () => `${stack.url}/realtime/v1/api/broadcast`;
    const post = (body: unknown, path = '') =>
      fetch(`${broadcastUrl()}${path}`, {
        method: 'POST',
        headers: { apikey: stack.anonKey, authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    it('refuses topics and event names over 255 bytes on the socket', async () => {
      const socket = await PhoenixSocket.open(socketUrl());
      const refused = await socket.request(`realtime:${long}`, 'phx_join', {});
      assert.equal(refused.status, 'error');
      assert.match(refused.response.reason ?? '', /Topic too long: 309 bytes, the limit is 255/);

      const topic = 'realtime:names';
      assert.equal((await socket.request(topic, 'phx_join', { config: { broadcast: { self: true, ack: true } } })).status, 'ok');
      const tooLong = await socket.request(topic, 'broadcast', { type: 'broadcast', event: long, payload: {} });
      assert.equal(tooLong.status, 'error');
      assert.match(tooLong.response.reason ?? '', /Event name too long: 300 bytes, the limit is 255/);
      const longest = 'e'.repeat(255);
      assert.equal((await socket.request(topic, 'broadcast', { type: 'broadcast', event: longest, payload: { n: 1 } })).status, 'ok');
      const echoed = (await socket.next((m) => Buffer.isBuffer(m))) as Buffer;
      assert.ok(echoed.includes(Buffer.from(longest)), 'the 255-byte event was relayed');
      assert.equal(socket.messages.filter((m) => Buffer.isBuffer(m)).length, 1, 'the 300-byte event was not');
      socket.close();
    });

    it('answers REST broadcasts with an over-long topic or event with 400 and a reason', async () => {
      for (const response of [
        await post({ messages: [{ topic: 'room', event: long, payload: {} }] }),
        await post({ messages: [{ topic: long, event: 'e', payload: {} }] }),
        await post({}, `/room/events/${long}`),
        await post({}, `/${long}/events/e`),
      ]) {
        assert.equal(response.status, 400);
        assert.match((await response.json()).error, /too long: \d+ bytes.*the limit is 255/);
      }
      assert.equal((await post({}, '/room/events/%E0%A4%A')).status, 400, 'broken percent-encoding');
      assert.equal((await post({ messages: [{ topic: 'room', event: 'e'.repeat(255), payload: {} }] })).status, 202);
    });
  });

  describe('tokens the verifier trips over', () => {
    /** Correctly signed, but its header is the JSON `null`. */
    const nullHeaderToken = () => {
      const now = Math.floor(Date.now() / 1000);
      const head = Buffer.from('null').toString('base64url');
      const body = Buffer.from(JSON.stringify({ sub: user.id, role: 'authenticated', exp: now + 3600 })).toString('base64url');
      const signature = createHmac('sha256', stack.jwtSecret).update(`${head}.${body}`).digest('base64url');
      return `${head}.${body}.${signature}`;
    };
    const clean = (text: string) => assert.doesNotMatch(text, /Cannot read|TypeError/);

    it('refuses such a token at connect, join, access_token and REST broadcast', async () => {
      const token = nullHeaderToken();
      const refused = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const ws = new WebSocket(socketUrl(token));
        ws.once('unexpected-response', (_req, res) => {
          let body = '';
          res.on('data', (chunk) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        ws.once('open', () => reject(new Error('the socket opened')));
      });
      assert.equal(refused.status, 401);
      assert.match(JSON.parse(refused.body).message, /Invalid apikey: invalid JWT/);
      clean(refused.body);

      const socket = await PhoenixSocket.open(socketUrl());
      const join = await socket.request('realtime:tokens', 'phx_join', { access_token: token });
      assert.equal(join.status, 'error');
      assert.match(join.response.reason ?? '', /Invalid JWT/);
      clean(join.response.reason ?? '');

      assert.equal((await socket.request('realtime:tokens', 'phx_join', {})).status, 'ok');
      socket.push('realtime:tokens', 'access_token', { access_token: token });
      const system = (await socket.next(isFrame('realtime:tokens', 'system'))) as Message;
      assert.equal((system[4] as { status: string }).status, 'error');
      clean((system[4] as { message: string }).message);
      await socket.next(isFrame('realtime:tokens', 'phx_close'));
      assert.equal((await socket.request('phoenix', 'heartbeat', {})).status, 'ok');
      socket.close();

      const rest = await fetch(`${stack.url}/realtime/v1/api/broadcast`, {
        method: 'POST',
        headers: { apikey: stack.anonKey, authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ messages: [{ topic: 'room', event: 'e', payload: {} }] }),
      });
      assert.equal(rest.status, 401);
      const { error } = await rest.json();
      assert.match(error, /invalid JWT/);
      clean(error);
    });
  });

  describe('malformed frames', () => {
    it('answers every frame with a ref or drops it, and keeps serving', async () => {
      const socket = await PhoenixSocket.open(socketUrl());
      // Nested deeper than JSON.stringify can follow: written by hand, parsed fine by the server.
      const deep = '['.repeat(100_000) + ']'.repeat(100_000);
      const expected: [string, 'ok' | 'error'][] = [];
      const push = (topic: string, event: string, payload: unknown, status: 'ok' | 'error') =>
        expected.push([socket.push(topic, event, payload), status]);
      const pushRaw = (topic: string, event: string, payloadJson: string, status: 'ok' | 'error') => {
        const ref = `raw-${expected.length}`;
        socket.ws.send(`[null,"${ref}","${topic}","${event}",${payloadJson}]`);
        expected.push([ref, status]);
      };
      push('realtime:a', 'phx_join', null, 'ok');
      push('realtime:b', 'phx_join', 5, 'ok');
      push('realtime:c', 'phx_join', { config: 5 }, 'ok');
      push('realtime:d', 'phx_join', { config: { postgres_changes: 5 } }, 'error');
      push('realtime:e', 'phx_join', { config: { postgres_changes: [null] } }, 'error');
      push('realtime:f', 'phx_join', { config: { postgres_changes: [{ event: 5, table: {}, filter: [] }] } }, 'error');
      push('realtime:g', 'phx_join', { config: { presence: { key: {} }, broadcast: 'x', private: 'yes' } }, 'ok');
      push('realtime:h', 'phx_join', { access_token: {} }, 'error');
      push('realtime:i', 'phx_join', { access_token: 'a.b.c' }, 'error');
      push('realtime:j', 'phx_join', { config: { private: true, postgres_changes: [{ table: 'nope', filter: 'x=eq.1' }] } }, 'error');
      push('realtime:a', 'presence', 'x', 'error');
      pushRaw('realtime:a', 'presence', `{"event":"track","payload":{"deep":${deep}}}`, 'error');
      push('realtime:a', 'broadcast', { type: 'broadcast', event: 5 }, 'error');
      push('realtime:a', 'broadcast', null, 'error');
      pushRaw('realtime:a', 'broadcast', `{"type":"broadcast","event":"e","payload":${deep}}`, 'error');
      push('realtime:never-joined', 'broadcast', { type: 'broadcast', event: 'x' }, 'error');
      push('realtime:a', 'made_up', {}, 'error');
      push('realtime:a', 'phx_leave', null, 'ok');
      for (const garbage of ['{', '[1,2,3]', 'null', '"text"', '[]', JSON.stringify([null, 'x', 5, 'phx_join', {}]), '['.repeat(100_000)]) {
        socket.ws.send(garbage);
      }
      for (const bytes of [[3], [3, 255, 255, 255, 255, 255, 1], [4, 1, 1, 1, 1], [3, 0, 0, 1, 1, 0, 7, 0x61, 0x62]]) socket.ws.send(Buffer.from(bytes));

      const replies = await Promise.all(expected.map(([ref]) => socket.reply(ref)));
      assert.deepEqual(
        replies.map((reply) => reply.status),
        expected.map(([, status]) => status),
      );
      for (const reply of replies) if (reply.status === 'error') assert.equal(typeof reply.response.reason, 'string');
      assert.equal((await socket.request('phoenix', 'heartbeat', {})).status, 'ok');
      socket.close();
      const { error } = await user.client.from('video_call_sessions').select('id').limit(1);
      assert.ifError(error);
    });
  });
});
