/**
 * Phoenix channel frames as realtime-js writes and reads them. Version 2.0.0 (the default) sends
 * `[join_ref, ref, topic, event, payload]` arrays as text and user broadcasts as binary frames;
 * version 1.0.0 sends `{ join_ref, ref, topic, event, payload }` objects.
 */

export interface Frame {
  joinRef: string | null;
  ref: string | null;
  topic: string;
  event: string;
  payload: unknown;
}

/** A user broadcast: `{ type: 'broadcast', event, payload }` in JSON, or raw bytes. */
export interface Broadcast {
  event: string;
  /** JSON value, or bytes when the sender used binary encoding. */
  payload: unknown;
  binary: boolean;
  /** Size of the user payload in bytes, for the limit. */
  size: number;
  meta?: unknown;
}

/** Longest topic (with its `realtime:` prefix) or event name: binary frames give them one byte. */
export const NAME_LIMIT = 255;

const KIND_PUSH = 3;
const KIND_BROADCAST = 4;
const ENCODING_BINARY = 0;
const ENCODING_JSON = 1;

export class ProtocolError extends Error {}

/**
 * Decodes one incoming frame; user broadcasts come back with their payload in `broadcast` (absent
 * when the broadcast is unusable). Throws ProtocolError for what cannot be a frame at all.
 */
export function decodeFrame(data: Buffer | string, isBinary: boolean, vsn: string): Frame & { broadcast?: Broadcast } {
  if (isBinary) {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    if (bytes.length < 7 || bytes[0] !== KIND_PUSH) throw new ProtocolError('unknown binary frame');
    const lengths = [bytes[1], bytes[2], bytes[3], bytes[4], bytes[5]];
    const encoding = bytes[6];
    let offset = 7;
    const [joinRef, ref, topic, event, meta] = lengths.map((length) => {
      if (offset + length > bytes.length) throw new ProtocolError('truncated binary frame');
      const text = bytes.subarray(offset, offset + length).toString('utf8');
      offset += length;
      return text;
    });
    const body = bytes.subarray(offset);
    let payload: unknown;
    if (encoding === ENCODING_JSON) {
      try {
        payload = JSON.parse(body.toString('utf8'));
      } catch {
        throw new ProtocolError('broadcast payload is not valid JSON');
      }
    } else if (encoding === ENCODING_BINARY) payload = Buffer.from(body);
    else throw new ProtocolError(`unknown payload encoding ${encoding}`);
    return {
      joinRef: joinRef || null,
      ref: ref || null,
      topic,
      event: 'broadcast',
      payload: { type: 'broadcast', event, payload },
      broadcast: {
        event,
        payload,
        binary: encoding === ENCODING_BINARY,
        size: body.length,
        meta: meta ? safeJson(meta) : undefined,
      },
    };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(data.toString());
  } catch {
    throw new ProtocolError('frame is not valid JSON');
  }
  let frame: Frame;
  if (vsn.startsWith('2') && Array.isArray(parsed) && parsed.length === 5) {
    const [joinRef, ref, topic, event, payload] = parsed;
    frame = { joinRef: joinRef ?? null, ref: ref ?? null, topic, event, payload };
  } else if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
    const object = parsed as Record<string, unknown>;
    frame = {
      joinRef: (object.join_ref as string) ?? null,
      ref: (object.ref as string) ?? null,
      topic: object.topic as string,
      event: object.event as string,
      payload: object.payload,
    };
  } else throw new ProtocolError('frame is neither a 5-element array nor an object');
  if (typeof frame.topic !== 'string' || typeof frame.event !== 'string') {
    throw new ProtocolError('frame needs a string topic and event');
  }
  if (frame.event === 'broadcast') {
    // A broadcast without a usable event or payload keeps its frame (without `broadcast`), so the
    // push can still be answered with an error.
    const payload = frame.payload as { event?: unknown; payload?: unknown } | null;
    if (!payload || typeof payload !== 'object' || typeof payload.event !== 'string') return frame;
    let text: string;
    try {
      text = JSON.stringify(payload.payload ?? null);
    } catch {
      return frame;
    }
    return {
      ...frame,
      broadcast: { event: payload.event, payload: payload.payload ?? null, binary: false, size: Buffer.byteLength(text) },
    };
  }
  return frame;
}

export function encodeFrame(frame: Frame, vsn: string): string {
  if (vsn.startsWith('2')) return JSON.stringify([frame.joinRef, frame.ref, frame.topic, frame.event, frame.payload]);
  return JSON.stringify({ join_ref: frame.joinRef, ref: frame.ref, topic: frame.topic, event: frame.event, payload: frame.payload });
}

/** A user broadcast to one client: a binary frame for 2.0.0, a JSON frame for 1.0.0. */
export function encodeBroadcast(topic: string, broadcast: Broadcast, vsn: string): string | Buffer {
  if (!vsn.startsWith('2')) {
    const payload = broadcast.binary ? Array.from(broadcast.payload as Buffer) : broadcast.payload;
    return encodeFrame({ joinRef: null, ref: null, topic, event: 'broadcast', payload: { type: 'broadcast', event: broadcast.event, payload } }, vsn);
  }
  const topicBytes = Buffer.from(topic);
  const eventBytes = Buffer.from(broadcast.event);
  const metaBytes = Buffer.from(broadcast.meta === undefined ? '' : JSON.stringify(broadcast.meta));
  const body = broadcast.binary ? (broadcast.payload as Buffer) : Buffer.from(JSON.stringify(broadcast.payload));
  if (topicBytes.length > NAME_LIMIT || eventBytes.length > NAME_LIMIT || metaBytes.length > NAME_LIMIT) {
    throw new ProtocolError(`topic, event or metadata longer than ${NAME_LIMIT} bytes`);
  }
  const header = Buffer.from([
    KIND_BROADCAST,
    topicBytes.length,
    eventBytes.length,
    metaBytes.length,
    broadcast.binary ? ENCODING_BINARY : ENCODING_JSON,
  ]);
  return Buffer.concat([header, topicBytes, eventBytes, metaBytes, body]);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
