/**
 * The HTTP conventions every call function follows: CORS for browser callers, errors as JSON
 * `{ error: { code, message } }` with a status that says what went wrong, bounded JSON bodies,
 * an `x-request-id` on every answer and failures logged and alerted (monitoring.ts).
 * Who the caller is: auth.ts.
 */
import { monitor, requestIdOf, withRequestId } from './monitoring.ts';

export const corsHeaders: Record<string, string> = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'POST, OPTIONS',
  'access-control-allow-headers': 'authorization, apikey, x-client-info, content-type, x-request-id',
  'access-control-expose-headers': 'x-request-id',
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

/** `report`: print an unexpected error here (serveFunction prints it with the request id itself). */
export function errorResponse(error: unknown, report = true): Response {
  if (error instanceof FunctionError) {
    return json(error.status, { error: { code: error.code, message: error.message } });
  }
  if (report) console.error(error);
  return json(500, { error: { code: 'internal_error', message: 'the function failed unexpectedly' } });
}

/**
 * Serves `handle`, answering whatever it throws in the `{ error }` shape (500 when unexpected),
 * every answer with its `x-request-id`, every failure recorded before it goes (monitoring.ts).
 */
export function serveFunction(handle: (request: Request) => Promise<Response>): void {
  Deno.serve(async (request) => {
    const startedAt = performance.now();
    const requestId = requestIdOf(request);
    let response: Response;
    try {
      response = await handle(request);
    } catch (error) {
      if (!(error instanceof FunctionError)) console.error(`request_id=${requestId}`, error);
      response = errorResponse(error, false);
    }
    response = withRequestId(response, requestId);
    await monitor(request, response, requestId, startedAt).catch((error) => console.error('monitoring failed:', error));
    return response;
  });
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

/**
 * How deep a body's JSON may nest: deeper text parses, but then overflows the stack of whatever
 * walks it (JSON.stringify, Postgres' jsonb) and would end as a 500.
 */
export const MAX_JSON_DEPTH = 64;

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
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
    throw new FunctionError(400, 'invalid_json', `the request body nests JSON deeper than ${MAX_JSON_DEPTH} levels`);
  }
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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);
