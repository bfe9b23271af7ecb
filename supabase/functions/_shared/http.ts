/**
 * The HTTP conventions every call function follows: CORS for browser callers, and errors as JSON
 * `{ error: { code, message } }` with a status that says what went wrong.
 */

export const corsHeaders: Record<string, string> = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'POST, OPTIONS',
  'access-control-allow-headers': 'authorization, apikey, x-client-info, content-type',
  'access-control-max-age': '86400',
};

export class FunctionError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...corsHeaders, 'content-type': 'application/json; charset=utf-8' },
  });
}

export function errorResponse(error: unknown): Response {
  if (error instanceof FunctionError) {
    return json(error.status, { error: { code: error.code, message: error.message } });
  }
  console.error(error);
  return json(500, { error: { code: 'internal_error', message: 'the function failed unexpectedly' } });
}

/** Answers preflight and refuses methods other than POST; returns a Response to send, if any. */
export function preflight(request: Request): Response | undefined {
  if (request.method === 'OPTIONS') return new Response(null, { status: 204, headers: corsHeaders });
  if (request.method !== 'POST') {
    const response = json(405, { error: { code: 'method_not_allowed', message: `${request.method} is not allowed; use POST` } });
    response.headers.set('allow', 'POST, OPTIONS');
    return response;
  }
  return undefined;
}

/** Reads a JSON object body of at most `limit` bytes. */
export async function readJsonObject(request: Request, limit: number): Promise<Record<string, unknown>> {
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) {
    throw new FunctionError(413, 'body_too_large', `the request body is larger than ${limit} bytes`);
  }
  const bytes = new Uint8Array(await request.arrayBuffer());
  if (bytes.length > limit) {
    throw new FunctionError(413, 'body_too_large', `the request body is larger than ${limit} bytes`);
  }
  const text = new TextDecoder().decode(bytes);
  if (text.trim() === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new FunctionError(400, 'invalid_json', 'the request body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new FunctionError(400, 'invalid_body', 'the request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

/** The bearer token of the request, or a 401. */
export function bearerToken(request: Request): string {
  const header = request.headers.get('authorization') ?? '';
  const match = /^bearer\s+(\S+)$/i.exec(header.trim());
  if (!match) throw new FunctionError(401, 'missing_token', 'sign in first: the Authorization bearer token is missing');
  return match[1];
}

/** The claims of a JWT the gateway has already verified (verify_jwt = true). */
export function verifiedClaims(token: string): Record<string, unknown> {
  try {
    const [, body] = token.split('.');
    return JSON.parse(atob(body.replaceAll('-', '+').replaceAll('_', '/')));
  } catch {
    throw new FunctionError(401, 'invalid_token', 'the bearer token is not a JWT');
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);
