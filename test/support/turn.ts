/**
 * A minimal TURN client over UDP (RFC 8656, STUN framing of RFC 8489), enough to prove that
 * credentials really open a relay on a TURN server: Allocate (answered 401 with REALM and NONCE,
 * then again with long-term credentials), CreatePermission, a Send indication whose data a peer
 * receives from the relayed address, and Refresh with lifetime 0 to give the relay back.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';

const MAGIC_COOKIE = 0x2112a442;
const METHOD = { allocate: 0x003, refresh: 0x004, send: 0x006, createPermission: 0x008 } as const;
const ATTRIBUTE = {
  username: 0x0006,
  messageIntegrity: 0x0008,
  errorCode: 0x0009,
  lifetime: 0x000d,
  xorPeerAddress: 0x0012,
  data: 0x0013,
  realm: 0x0014,
  nonce: 0x0015,
  xorRelayedAddress: 0x0016,
  requestedTransport: 0x0019,
} as const;

export interface Address {
  address: string;
  port: number;
}

interface Message {
  /** 0 request, 1 indication, 2 success, 3 error. */
  messageClass: number;
  method: number;
  transaction: Buffer;
  attributes: Map<number, Buffer>;
  raw: Buffer;
}

/** A TURN error response: `code` 401 for bad credentials, 438 stale nonce, … */
export class TurnError extends Error {
  constructor(
    readonly code: number,
    reason: string,
  ) {
    super(`TURN error ${code}: ${reason}`);
  }
}

function messageType(method: number, messageClass: number): number {
  return (method & 0x000f) | ((method & 0x0070) << 1) | ((method & 0x0f80) << 2) | ((messageClass & 1) << 4) | ((messageClass & 2) << 7);
}

function attribute(type: number, value: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt16BE(type, 0);
  header.writeUInt16BE(value.length, 2);
  return Buffer.concat([header, value, Buffer.alloc((4 - (value.length % 4)) % 4)]);
}

function header(type: number, length: number, transaction: Buffer): Buffer {
  const buffer = Buffer.alloc(20);
  buffer.writeUInt16BE(type, 0);
  buffer.writeUInt16BE(length, 2);
  buffer.writeUInt32BE(MAGIC_COOKIE, 4);
  transaction.copy(buffer, 8);
  return buffer;
}

/** Encodes a message; with `key`, ends it with MESSAGE-INTEGRITY (HMAC-SHA1 over all before it). */
function encode(method: number, messageClass: number, attributes: Buffer[], key?: Buffer, transaction = randomBytes(12)): Buffer {
  const body = Buffer.concat(attributes);
  const type = messageType(method, messageClass);
  if (!key) return Buffer.concat([header(type, body.length, transaction), body]);
  // The length in the header the HMAC covers already counts the MESSAGE-INTEGRITY attribute.
  const signed = Buffer.concat([header(type, body.length + 24, transaction), body]);
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
  return {
    messageClass: ((type >> 4) & 1) | ((type >> 7) & 2),
    method: (type & 0x000f) | ((type >> 1) & 0x0070) | ((type >> 2) & 0x0f80),
    transaction: raw.subarray(8, 20),
    attributes,
    raw,
  };
}

function xorAddress(value: Buffer): Address {
  const port = value.readUInt16BE(2) ^ (MAGIC_COOKIE >>> 16);
  const address = [0, 1, 2, 3].map((i) => value[4 + i] ^ ((MAGIC_COOKIE >>> (24 - 8 * i)) & 0xff)).join('.');
  return { address, port };
}

function encodeXorAddress(target: Address): Buffer {
  const value = Buffer.alloc(8);
  value[1] = 0x01;
  value.writeUInt16BE(target.port ^ (MAGIC_COOKIE >>> 16), 2);
  target.address.split('.').forEach((octet, i) => (value[4 + i] = Number(octet) ^ ((MAGIC_COOKIE >>> (24 - 8 * i)) & 0xff)));
  return value;
}

function errorOf(message: Message): TurnError {
  const value = message.attributes.get(ATTRIBUTE.errorCode);
  if (!value) return new TurnError(0, 'error response without ERROR-CODE');
  return new TurnError((value[2] & 0x07) * 100 + value[3], value.subarray(4).toString('utf8'));
}

/** A relay allocated on a TURN server for one client socket. */
export interface Allocation {
  relayed: Address;
  /** Seconds the server keeps it without a Refresh. */
  lifetime: number;
  /** Whether the server's success answer carried a MESSAGE-INTEGRITY made with the same key. */
  serverSigned: boolean;
  /** Lets `peer` send to the relay and relays `data` to it (CreatePermission, then a Send indication). */
  sendTo(peer: Address, data: Buffer): Promise<void>;
  /** Gives the relay back (Refresh, lifetime 0) and closes the socket. */
  release(): Promise<void>;
}

/**
 * Allocates a UDP relay on `server` with coturn REST-API credentials (or any long-term ones):
 * the first Allocate is answered 401 with REALM and NONCE, the second carries USERNAME, REALM,
 * NONCE and MESSAGE-INTEGRITY keyed with MD5(username:realm:password). Rejects with a TurnError
 * (401 for a wrong credential) or when the server does not answer within `timeoutMs`.
 */
export async function allocateRelay(server: Address, username: string, password: string, timeoutMs = 3000): Promise<Allocation> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const exchange = (request: Buffer): Promise<Message> =>
    new Promise((resolve, reject) => {
      const transaction = request.subarray(8, 20);
      const timer = setTimeout(() => {
        socket.off('message', onMessage);
        reject(new Error(`no answer from TURN server ${server.address}:${server.port} within ${timeoutMs} ms`));
      }, timeoutMs);
      const onMessage = (raw: Buffer) => {
        const message = decode(raw);
        if (!message || !message.transaction.equals(transaction)) return;
        clearTimeout(timer);
        socket.off('message', onMessage);
        resolve(message);
      };
      socket.on('message', onMessage);
      socket.send(request, server.port, server.address);
    });

  try {
    const transport = attribute(ATTRIBUTE.requestedTransport, Buffer.from([17, 0, 0, 0]));
    const challenge = await exchange(encode(METHOD.allocate, 0, [transport]));
    if (challenge.messageClass !== 3) throw new Error('the TURN server allocated without asking for credentials');
    const challengeError = errorOf(challenge);
    if (challengeError.code !== 401) throw challengeError;
    const realm = challenge.attributes.get(ATTRIBUTE.realm)!;
    const nonce = challenge.attributes.get(ATTRIBUTE.nonce)!;
    const key = createHash('md5').update(`${username}:${realm.toString('utf8')}:${password}`).digest();
    const credentials = [attribute(ATTRIBUTE.username, Buffer.from(username)), attribute(ATTRIBUTE.realm, realm), attribute(ATTRIBUTE.nonce, nonce)];

    const answer = await exchange(encode(METHOD.allocate, 0, [transport, ...credentials], key));
    if (answer.messageClass === 3) throw errorOf(answer);
    const relayedValue = answer.attributes.get(ATTRIBUTE.xorRelayedAddress);
    if (answer.messageClass !== 2 || !relayedValue) throw new Error('the Allocate success carries no XOR-RELAYED-ADDRESS');
    const integrity = answer.attributes.get(ATTRIBUTE.messageIntegrity);
    const serverSigned = integrity !== undefined && verifies(answer.raw, integrity, key);

    const signedRequest = async (method: number, attributes: Buffer[]) => {
      const reply = await exchange(encode(method, 0, [...attributes, ...credentials], key));
      if (reply.messageClass === 3) throw errorOf(reply);
      return reply;
    };
    return {
      relayed: xorAddress(relayedValue),
      lifetime: answer.attributes.get(ATTRIBUTE.lifetime)?.readUInt32BE(0) ?? 0,
      serverSigned,
      async sendTo(peer, data) {
        await signedRequest(METHOD.createPermission, [attribute(ATTRIBUTE.xorPeerAddress, encodeXorAddress(peer))]);
        socket.send(encode(METHOD.send, 1, [attribute(ATTRIBUTE.xorPeerAddress, encodeXorAddress(peer)), attribute(ATTRIBUTE.data, data)]), server.port, server.address);
      },
      async release() {
        try {
          await signedRequest(METHOD.refresh, [attribute(ATTRIBUTE.lifetime, Buffer.from([0, 0, 0, 0]))]);
        } finally {
          socket.close();
        }
      },
    };
  } catch (error) {
    socket.close();
    throw error;
  }
}

/** Checks a received MESSAGE-INTEGRITY: the HMAC over the message up to it, length counting it. */
function verifies(raw: Buffer, integrity: Buffer, key: Buffer): boolean {
  const offset = integrity.byteOffset - raw.byteOffset - 4;
  const signed = Buffer.from(raw.subarray(0, offset));
  signed.writeUInt16BE(offset + 24 - 20, 2);
  return createHmac('sha1', key).update(signed).digest().equals(integrity);
}

/** A UDP socket on 127.0.0.1 standing for the remote peer; resolves each datagram with its sender. */
export async function peerSocket(): Promise<{ address: Address; next(): Promise<{ data: Buffer; from: Address }>; close(): void }> {
  const socket: Socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    address: { address: '127.0.0.1', port: socket.address().port },
    next: () => new Promise((resolve) => socket.once('message', (data, from) => resolve({ data, from: { address: from.address, port: from.port } }))),
    close: () => socket.close(),
  };
}
