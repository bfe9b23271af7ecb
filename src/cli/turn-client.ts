/**
 * Just enough TURN (RFC 8656, STUN framing of RFC 8489) to prove that credentials handed out by
 * `video-call-ice-servers` open a relay: an Allocate, answered 401 with REALM and NONCE, sent
 * again with the long-term credential (MESSAGE-INTEGRITY keyed MD5(username:realm:password)),
 * then a Refresh with lifetime 0 to give the relay back at once. Over UDP for `turn:` URLs, TCP for
 * `?transport=tcp`, TLS for `turns:` — the message framing is the same on all three.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';

const MAGIC_COOKIE = 0x2112a442;
const ALLOCATE = 0x003;
const REFRESH = 0x004;
const ATTRIBUTE = { username: 0x0006, messageIntegrity: 0x0008, errorCode: 0x0009, lifetime: 0x000d, realm: 0x0014, nonce: 0x0015, xorRelayedAddress: 0x0016, requestedTransport: 0x0019 } as const;

/** Where a `turn:` / `turns:` URL points, and over what. */
export interface TurnTarget {
  host: string;
  port: number;
  transport: 'udp' | 'tcp' | 'tls';
}

/** Reads `turn:host[:port][?transport=udp|tcp]` and `turns:host[:port]`; undefined for anything else. */
export function parseTurnUrl(url: string): TurnTarget | undefined {
  const match = /^(turns?):(\[[^\]]+\]|[^:?]+)(?::(\d+))?(?:\?transport=(udp|tcp))?$/i.exec(url.trim());
  if (!match) return undefined;
  const secure = match[1].toLowerCase() === 'turns';
  const transport = secure ? 'tls' : ((match[4]?.toLowerCase() as 'udp' | 'tcp' | undefined) ?? 'udp');
  return { host: match[2].replace(/^\[|\]$/g, ''), port: match[3] ? Number(match[3]) : secure ? 5349 : 3478, transport };
}

interface Message {
  messageClass: number;
  transaction: Buffer;
  attributes: Map<number, Buffer>;
}

function attribute(type: number, value: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt16BE(type, 0);
  header.writeUInt16BE(value.length, 2);
  return Buffer.concat([header, value, Buffer.alloc((4 - (value.length % 4)) % 4)]);
}

function encode(method: number, attributes: Buffer[], key?: Buffer): Buffer {
  const body = Buffer.concat(attributes);
  const header = Buffer.alloc(20);
  // A request: class bits 0, the method's bits spread around them.
  header.writeUInt16BE((method & 0x000f) | ((method & 0x0070) << 1) | ((method & 0x0f80) << 2), 0);
  header.writeUInt16BE(body.length + (key ? 24 : 0), 2);
  header.writeUInt32BE(MAGIC_COOKIE, 4);
  randomBytes(12).copy(header, 8);
  const signed = Buffer.concat([header, body]);
  if (!key) return signed;
  // The length in the header the HMAC covers already counts the MESSAGE-INTEGRITY attribute.
  return Buffer.concat([signed, attribute(ATTRIBUTE.messageIntegrity, createHmac('sha1', key).update(signed).digest())]);
}

function decode(raw: Buffer): Message | undefined {
  if (raw.length < 20 || raw.readUInt32BE(4) !== MAGIC_COOKIE || (raw[0] & 0xc0) !== 0) return undefined;
  const type = raw.readUInt16BE(0);
  const attributes = new Map<number, Buffer>();
  for (let offset = 20; offset + 4 <= raw.length; ) {
    const kind = raw.readUInt16BE(offset);
    const length = raw.readUInt16BE(offset + 2);
    if (!attributes.has(kind)) attributes.set(kind, raw.subarray(offset + 4, offset + 4 + length));
    offset += 4 + length + ((4 - (length % 4)) % 4);
  }
  return { messageClass: ((type >> 4) & 1) | ((type >> 7) & 2), transaction: raw.subarray(8, 20), attributes };
}

function errorCode(message: Message): { code: number; reason: string } {
  const value = message.attributes.get(ATTRIBUTE.errorCode);
  if (!value || value.length < 4) return { code: 0, reason: 'an error answer without ERROR-CODE' };
  return { code: (value[2] & 0x07) * 100 + value[3], reason: value.subarray(4).toString('utf8') };
}

/** One connection to a TURN server that sends a request and waits for the answer to it. */
interface Transport {
  exchange(request: Buffer): Promise<Message>;
  close(): void;
}

async function udpTransport(target: TurnTarget, timeoutMs: number): Promise<Transport> {
  const { address, family } = await lookup(target.host);
  const socket = createSocket(family === 6 ? 'udp6' : 'udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, () => resolve());
  });
  return {
    exchange: (request) =>
      new Promise((resolve, reject) => {
        const transaction = request.subarray(8, 20);
        // UDP may lose the request: sent again after 500 ms, 1 s, … (RFC 8489's retransmission).
        let wait = 500;
        let retry: NodeJS.Timeout | undefined;
        const send = () => {
          socket.send(request, target.port, address);
          retry = setTimeout(send, (wait *= 2));
        };
        const done = () => {
          clearTimeout(timer);
          clearTimeout(retry);
          socket.off('message', onMessage);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no answer from ${target.host}:${target.port} over UDP within ${timeoutMs} ms`));
        }, timeoutMs);
        const onMessage = (raw: Buffer) => {
          const message = decode(raw);
          if (!message || !message.transaction.equals(transaction)) return;
          done();
          resolve(message);
        };
        socket.on('message', onMessage);
        send();
      }),
    close: () => socket.close(),
  };
}

async function streamTransport(target: TurnTarget, timeoutMs: number): Promise<Transport> {
  const socket: Socket = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      opened.destroy();
      reject(new Error(`could not connect to ${target.host}:${target.port} over ${target.transport.toUpperCase()} within ${timeoutMs} ms`));
    }, timeoutMs);
    const onOpen = () => {
      clearTimeout(timer);
      resolve(opened);
    };
    const opened: Socket =
      target.transport === 'tls' ? connectTls({ host: target.host, port: target.port, servername: target.host }, onOpen) : connectTcp({ host: target.host, port: target.port }, onOpen);
    opened.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
  socket.on('error', () => undefined);
  let buffered = Buffer.alloc(0);
  const waiting: Array<(message: Message) => void> = [];
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    // Over a stream, STUN messages follow each other: each is 20 bytes of header and its length.
    while (buffered.length >= 20 && buffered.length >= 20 + buffered.readUInt16BE(2)) {
      const length = 20 + buffered.readUInt16BE(2);
      const message = decode(buffered.subarray(0, length));
      buffered = buffered.subarray(length);
      if (message) waiting.shift()?.(message);
    }
  });
  return {
    exchange: (request) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no answer from ${target.host}:${target.port} within ${timeoutMs} ms`)), timeoutMs);
        waiting.push((message) => {
          clearTimeout(timer);
          resolve(message);
        });
        socket.write(request);
      }),
    close: () => socket.destroy(),
  };
}

/**
 * Allocates a relay on `target` with `username` / `credential`, then gives it back. Resolves with
 * the relayed address; rejects with what the server said (401 for a credential it refuses) or
 * when it does not answer within `timeoutMs`.
 */
export async function allocateAndRelease(target: TurnTarget, username: string, credential: string, timeoutMs = 5000): Promise<string> {
  const transport = target.transport === 'udp' ? await udpTransport(target, timeoutMs) : await streamTransport(target, timeoutMs);
  try {
    const requested = attribute(ATTRIBUTE.requestedTransport, Buffer.from([17, 0, 0, 0]));
    const challenge = await transport.exchange(encode(ALLOCATE, [requested]));
    if (challenge.messageClass !== 3) throw new Error('the TURN server allocated a relay without asking for credentials');
    const challengeError = errorCode(challenge);
    if (challengeError.code !== 401) throw new Error(`the TURN server answered ${challengeError.code} ${challengeError.reason}`);
    const realm = challenge.attributes.get(ATTRIBUTE.realm);
    const nonce = challenge.attributes.get(ATTRIBUTE.nonce);
    if (!realm || !nonce) throw new Error('the TURN server asked for credentials without REALM and NONCE');
    const key = createHash('md5').update(`${username}:${realm.toString('utf8')}:${credential}`).digest();
    const credentials = [attribute(ATTRIBUTE.username, Buffer.from(username)), attribute(ATTRIBUTE.realm, realm), attribute(ATTRIBUTE.nonce, nonce)];
    const answer = await transport.exchange(encode(ALLOCATE, [requested, ...credentials], key));
    if (answer.messageClass === 3) {
      const { code, reason } = errorCode(answer);
      throw new Error(code === 401 ? `the TURN server refused the credential (401 ${reason})` : `the TURN server refused the allocation (${code} ${reason})`);
    }
    const relayed = answer.attributes.get(ATTRIBUTE.xorRelayedAddress);
    if (answer.messageClass !== 2 || !relayed || relayed.length < 8) throw new Error('the Allocate answer carries no relayed address');
    const port = relayed.readUInt16BE(2) ^ (MAGIC_COOKIE >>> 16);
    const address = relayed[1] === 0x01 ? [0, 1, 2, 3].map((i) => relayed[4 + i] ^ ((MAGIC_COOKIE >>> (24 - 8 * i)) & 0xff)).join('.') : 'an IPv6 address';
    await transport.exchange(encode(REFRESH, [attribute(ATTRIBUTE.lifetime, Buffer.alloc(4)), ...credentials], key)).catch(() => undefined);
    return `${address}:${port}`;
  } finally {
    transport.close();
  }
}
