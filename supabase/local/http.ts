/**
 * Request/response plumbing shared by the services: bounded body reading, JSON answers, CORS, and
 * the bearer token / apikey pair every Supabase endpoint takes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { JwtError, type JwtClaims, type JwtKeys } from './auth/jwt.ts';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The JSON body to send; each service shapes its own errors the way the real one does. */
    readonly body: unknown = { message },
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const CORS_HEADERS: Record<string, string> = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS, HEAD',
  'access-control-allow-headers':
    'authorization, apikey, x-client-info, content-type, content-profile, accept-profile, prefer, range, range-unit, x-upsert, x-supabase-api-version, x-region',
  'access-control-expose-headers': 'content-range, content-location, x-total-count, preference-applied',
  'access-control-max-age': '86400',
};

/** Reads the whole body, refusing more than `limit` bytes with 413 (and without buffering it). */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    throw new HttpError(413, `request body is larger than ${limit} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      req.resume();
      throw new HttpError(413, `request body is larger than ${limit} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * How deep a request's JSON may nest. Real bodies nest a handful of levels; a body of 100 000 `[`
 * parses, but then overflows the stack of whatever walks it (JSON.stringify, Postgres' jsonb).
 */
export const MAX_JSON_DEPTH = 256;

/** Whether `text` opens more than `limit` arrays/objects inside each other (strings skipped). */
function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === 0x5c) i++;
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) inString = true;
    else if (char === 0x5b || char === 0x7b) {
      if (++depth > limit) return true;
    } else if (char === 0x5d || char === 0x7d) depth--;
  }
  return false;
}

/** Parses JSON text nested at most `maxDepth` deep; anything else is a 400. */
export function parseJson(text: string, maxDepth = MAX_JSON_DEPTH): unknown {
  if (nestsDeeperThan(text, maxDepth)) {
    throw new HttpError(400, `request body is not valid JSON: nested deeper than ${maxDepth} levels`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `request body is not valid JSON: ${(error as Error).message}`);
  }
}

/** Parses a JSON body; an empty body is `undefined`, a malformed or too deeply nested one a 400. */
export async function readJson(req: IncomingMessage, limit: number, maxDepth = MAX_JSON_DEPTH): Promise<unknown> {
  const raw = await readBody(req, limit);
  if (raw.length === 0) return undefined;
  return parseJson(raw.toString('utf8'), maxDepth);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    ...CORS_HEADERS,
    ...(text ? { 'content-type': 'application/json; charset=utf-8' } : {}),
    ...headers,
  });
  res.end(text);
}

const MALFORMED_AUTHORIZATION = 'invalid JWT: the Authorization header is not "Bearer <token>"';

/**
 * The bearer token of an `Authorization` header: scheme case-insensitive, any whitespace after it
 * (RFC 7235 allows one or more); undefined when the header is anything else.
 */
export function bearerToken(authorization: string): string | undefined {
  return /^bearer\s+(\S+)$/i.exec(authorization.trim())?.[1];
}

/** The request's credential: its Authorization header when present, else the apikey. */
function credentialOf(req: IncomingMessage, url: URL): { token?: string; malformed?: true } {
  const authorization = req.headers.authorization;
  if (authorization !== undefined) {
    const token = bearerToken(authorization);
    return token === undefined ? { malformed: true } : { token };
  }
  const apikey = req.headers.apikey ?? url.searchParams.get('apikey');
  return { token: (Array.isArray(apikey) ? apikey[0] : apikey) ?? undefined };
}

/**
 * The token a request acts with: the `Authorization` bearer when that header is present, else the
 * `apikey` header or query parameter. A malformed Authorization header is a 401 (HttpError), never
 * a reason to use the apikey instead: whoever reads the header next would take it as checked.
 */
export function requestToken(req: IncomingMessage, url: URL): string | undefined {
  const credential = credentialOf(req, url);
  if (credential.malformed) throw new HttpError(401, MALFORMED_AUTHORIZATION);
  return credential.token;
}

/**
 * Verifies the request's JWT (Authorization bearer, else apikey). A missing, malformed, forged or
 * expired token, or a malformed Authorization header, becomes the error `shapeError` builds, so
 * each service answers in its own shape.
 */
export function authenticate(
  req: IncomingMessage,
  url: URL,
  keys: JwtKeys,
  shapeError: (status: number, message: string, reason?: JwtError['reason'] | 'missing') => HttpError,
): JwtClaims {
  const { token, malformed } = credentialOf(req, url);
  if (malformed) throw shapeError(401, MALFORMED_AUTHORIZATION, 'malformed');
  if (!token) throw shapeError(401, 'no API key or JWT was found in the request', 'missing');
  try {
    return keys.verify(token);
  } catch (error) {
    if (error instanceof JwtError) throw shapeError(401, error.message, error.reason);
    throw error;
  }
}
