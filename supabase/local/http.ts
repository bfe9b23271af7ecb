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

/** Parses a JSON body; an empty body is `undefined`, a malformed one a 400. */
export async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const raw = await readBody(req, limit);
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (error) {
    throw new HttpError(400, `request body is not valid JSON: ${(error as Error).message}`);
  }
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

/** The token a request acts with: `Authorization: Bearer …`, else the `apikey` header or query. */
export function requestToken(req: IncomingMessage, url: URL): string | undefined {
  const authorization = req.headers.authorization;
  if (authorization?.toLowerCase().startsWith('bearer ')) return authorization.slice(7).trim();
  const apikey = req.headers.apikey ?? url.searchParams.get('apikey');
  return Array.isArray(apikey) ? apikey[0] : (apikey ?? undefined);
}

/**
 * Verifies the request's JWT (Authorization bearer, else apikey). A missing, malformed, forged or
 * expired token becomes the error `shapeError` builds, so each service answers in its own shape.
 */
export function authenticate(
  req: IncomingMessage,
  url: URL,
  keys: JwtKeys,
  shapeError: (status: number, message: string, reason?: JwtError['reason'] | 'missing') => HttpError,
): JwtClaims {
  const token = requestToken(req, url);
  if (!token) throw shapeError(401, 'no API key or JWT was found in the request', 'missing');
  try {
    return keys.verify(token);
  } catch (error) {
    if (error instanceof JwtError) throw shapeError(401, error.message, error.reason);
    throw error;
  }
}
