/**
 * `POST /realtime/v1/api/broadcast`: messages sent over HTTP (a batch `{ messages: [...] }`, or one
 * message at `/api/broadcast/<topic>/events/<event>`) reach the topic's readers like a push would.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JwtKeys } from '../auth/jwt.ts';
import { apiRole, type Database } from '../db/database.ts';
import { authenticate, HttpError, readBody, sendJson } from '../http.ts';
import { authorize } from './authorization.ts';
import { BROADCAST_LIMIT, deliver } from './broadcast.ts';
import type { ChannelRegistry } from './channels.ts';

interface Message {
  topic: string;
  event: string;
  payload: unknown;
  binary: boolean;
  size: number;
  private: boolean;
}

export function createRestBroadcast(db: Database, keys: JwtKeys, channels: ChannelRegistry) {
  return async function handle(req: IncomingMessage, res: ServerResponse, url: URL, path: string): Promise<void> {
    const match = /^\/api\/broadcast(?:\/([^/]+)\/events\/([^/]+))?\/?$/.exec(path);
    if (!match) throw new HttpError(404, `no route for ${url.pathname}`, { error: `no route for ${url.pathname}` });
    if (req.method !== 'POST') throw new HttpError(405, 'use POST', { error: 'Method not allowed: use POST' });
    const claims = authenticate(req, url, keys, (status, message) => new HttpError(status, message, { error: message }));
    try {
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
      messages = [
        {
          topic: decodeURIComponent(match[1]),
          event: decodeURIComponent(match[2]),
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
      if (message.size > BROADCAST_LIMIT) {
        throw new HttpError(413, 'payload too large', { error: `Payload too large: ${message.size} bytes, the limit is ${BROADCAST_LIMIT}` });
      }
    }
    for (const message of messages) {
      const can = await authorize(db, claims, message.topic, message.private);
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
