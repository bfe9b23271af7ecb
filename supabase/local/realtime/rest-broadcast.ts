/**
 * `POST /realtime/v1/api/broadcast`: messages sent over HTTP (a batch `{ messages: [...] }`, or one
 * message at `/api/broadcast/<topic>/events/<event>`) reach the topic's readers like a push would.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JwtClaims, JwtKeys } from '../auth/jwt.ts';
import { apiRole, type Database } from '../db/database.ts';
import { HttpError, readBody, requestToken, sendJson } from '../http.ts';
import { authorize, verifyToken } from './authorization.ts';
import { BROADCAST_LIMIT, deliver } from './broadcast.ts';
import type { ChannelRegistry } from './channels.ts';
import { NAME_LIMIT } from './protocol.ts';

interface Message {
  topic: string;
  event: string;
  payload: unknown;
  binary: boolean;
  size: number;
  private: boolean;
}

export function createRestBroadcast(db: Database, keys: JwtKeys, channels: ChannelRegistry, log: (message: string) => void) {
  return async function handle(req: IncomingMessage, res: ServerResponse, url: URL, path: string): Promise<void> {
    const match = /^\/api\/broadcast(?:\/([^/]+)\/events\/([^/]+))?\/?$/.exec(path);
    if (!match) throw new HttpError(404, `no route for ${url.pathname}`, { error: `no route for ${url.pathname}` });
    if (req.method !== 'POST') throw new HttpError(405, 'use POST', { error: 'Method not allowed: use POST' });
    const token = requestToken(req, url);
    if (!token) throw new HttpError(401, 'no token', { error: 'no API key or JWT was found in the request' });
    let claims: JwtClaims;
    try {
      claims = verifyToken(keys, token);
      apiRole(claims);
    } catch (error) {
      throw new HttpError(401, (error as Error).message, { error: (error as Error).message });
    }
    const raw = await readBody(req, BROADCAST_LIMIT + 64 * 1024).catch((error: unknown) => {
      if (error instanceof HttpError && error.status === 413) {
        throw new HttpError(413, 'payload too large', { error: `Payload too large: the limit is ${BROADCAST_LIMIT} bytes` });
      }
      throw error;
    });
    let messages: Message[];
    if (match[1]) {
      const binary = (req.headers['content-type'] ?? '').startsWith('application/octet-stream');
      let payload: unknown = raw;
      if (!binary) {
        try {
          payload = JSON.parse(raw.toString('utf8'));
        } catch {
          throw new HttpError(400, 'invalid JSON', { error: 'the body is not valid JSON' });
        }
      }
      let topic: string;
      let event: string;
      try {
        topic = decodeURIComponent(match[1]);
        event = decodeURIComponent(match[2]);
      } catch {
        throw new HttpError(400, 'bad path', { error: 'the topic or event in the path is not valid percent-encoding' });
      }
      messages = [
        {
          topic,
          event,
          payload,
          binary,
          size: raw.length,
          private: url.searchParams.get('private') === 'true',
        },
      ];
    } else {
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        throw new HttpError(400, 'invalid JSON', { error: 'the body is not valid JSON' });
      }
      const list = (body as { messages?: unknown } | null)?.messages;
      if (!Array.isArray(list) || list.some((m) => !m || typeof m.topic !== 'string' || typeof m.event !== 'string')) {
        throw new HttpError(400, 'invalid messages', { error: 'send { messages: [{ topic, event, payload, private? }] }' });
      }
      messages = list.map((m) => ({
        topic: m.topic,
        event: m.event,
        payload: m.payload ?? null,
        binary: false,
        size: Buffer.byteLength(JSON.stringify(m.payload ?? null)),
        private: m.private === true,
      }));
    }
    for (const message of messages) {
      const topicBytes = Buffer.byteLength(`realtime:${message.topic}`);
      if (topicBytes > NAME_LIMIT) {
        throw new HttpError(400, 'topic too long', {
          error: `Topic too long: ${topicBytes} bytes with its "realtime:" prefix, the limit is ${NAME_LIMIT}`,
        });
      }
      const eventBytes = Buffer.byteLength(message.event);
      if (eventBytes > NAME_LIMIT) {
        throw new HttpError(400, 'event too long', { error: `Event name too long: ${eventBytes} bytes, the limit is ${NAME_LIMIT}` });
      }
      if (message.size > BROADCAST_LIMIT) {
        throw new HttpError(413, 'payload too large', { error: `Payload too large: ${message.size} bytes, the limit is ${BROADCAST_LIMIT}` });
      }
    }
    for (const message of messages) {
      const can = await authorize(db, claims, message.topic, message.private).catch((error: unknown) => {
        log(`authorization of ${message.topic} failed: ${(error as Error).message}`);
        throw new HttpError(403, 'unauthorized', { error: 'Unauthorized: authorization check failed' });
      });
      if (!can.writeBroadcast) {
        throw new HttpError(403, 'unauthorized', { error: `Unauthorized: You do not have permissions to write to this Channel topic: ${message.topic}` });
      }
    }
    for (const message of messages) {
      deliver(channels, `realtime:${message.topic}`, message.private, { event: message.event, payload: message.payload, binary: message.binary, size: message.size });
    }
    sendJson(res, 202, undefined);
  };
}
