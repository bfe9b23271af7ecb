/**
 * Function monitoring, applied to every function by `serveFunction` (http.ts):
 * - each response carries `x-request-id`: the caller's own when it sent a valid uuid (so a client
 *   or the smoke test can match its request to the log), else a fresh one;
 * - one log line per request on stdout (4xx/5xx on stderr): what hosted Supabase keeps as the
 *   function's logs, and what the local stack prints on its console;
 * - a 4xx or 5xx goes to `record_video_call_function_failure`, which logs every 5xx and 4xx
 *   bursts (see the migration) and says whether to alert; then `ALERT_WEBHOOK_URL` gets a JSON
 *   POST. Plain fetch to PostgREST: no client library for the functions that do not need one.
 * Nothing here may change the answer: a database or webhook that fails or hangs is logged and
 * given up on after a few seconds.
 */

const REQUEST_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,100}$/;
/** How long recording a failure, and then the webhook, may each hold the answer back. */
const MONITOR_TIMEOUT_MS = 3000;

/** The caller's request id when it is a uuid, else a new one. */
export function requestIdOf(request: Request): string {
  const given = request.headers.get('x-request-id')?.trim();
  return given && REQUEST_ID.test(given) ? given.toLowerCase() : crypto.randomUUID();
}

/** The function's name: the first path segment, as functions are served (`/<name>/…`). */
export function functionNameOf(request: Request): string {
  const first = new URL(request.url).pathname.split('/').filter(Boolean)[0] ?? '';
  return FUNCTION_NAME.test(first) ? first : 'unknown';
}

/** `response` with the request id header (a copy when its headers are immutable). */
export function withRequestId(response: Response, requestId: string): Response {
  try {
    response.headers.set('x-request-id', requestId);
    return response;
  } catch {
    const copy = new Response(response.body, response);
    copy.headers.set('x-request-id', requestId);
    return copy;
  }
}

interface Failure {
  functionName: string;
  status: number;
  code?: string;
  message?: string;
  requestId: string;
}

/** The `{ error: { code, message } }` of a JSON error answer, when it has one. */
async function errorOf(response: Response): Promise<{ code?: string; message?: string }> {
  if (!(response.headers.get('content-type') ?? '').includes('json')) return {};
  try {
    const body = await response.clone().json();
    const error = body?.error;
    return {
      code: typeof error?.code === 'string' ? error.code : undefined,
      message: typeof error?.message === 'string' ? error.message : undefined,
    };
  } catch {
    return {};
  }
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(MONITOR_TIMEOUT_MS),
  });
  if (!response.ok) throw new Error(`${url.split('?')[0]} answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
  return response;
}

/** Writes the failure through the RPC and sends the alert it asks for. Never throws. */
async function recordFailure(failure: Failure): Promise<void> {
  const url = Deno.env.get('SUPABASE_URL');
  const key = Deno.env.get('SUPABASE_SERVICE_ROLE_KEY');
  if (!url || !key) return;
  let verdict: { logged?: boolean; alert?: boolean; count?: number };
  try {
    const answer = await post(
      `${url}/rest/v1/rpc/record_video_call_function_failure`,
      {
        p_function_name: failure.functionName,
        p_status: failure.status,
        p_code: failure.code ?? null,
        p_message: failure.message ?? null,
        p_request_id: failure.requestId,
      },
      { apikey: key, authorization: `Bearer ${key}` },
    );
    verdict = await answer.json();
  } catch (error) {
    console.error(`monitoring: the failure of request ${failure.requestId} was not logged: ${(error as Error).message}`);
    return;
  }
  const webhook = Deno.env.get('ALERT_WEBHOOK_URL');
  if (!verdict.alert || !webhook) return;
  try {
    await post(webhook, {
      function_name: failure.functionName,
      status: failure.status,
      code: failure.code ?? null,
      message: failure.message ?? null,
      request_id: failure.requestId,
      count: verdict.count ?? 1,
      at: new Date().toISOString(),
    });
  } catch (error) {
    console.error(`monitoring: the alert for ${failure.functionName} was not delivered: ${(error as Error).message}`);
  }
}

/** The log line of one answered request; on a 4xx/5xx, records it (awaited: see the module doc). */
export async function monitor(request: Request, response: Response, requestId: string, startedAt: number): Promise<void> {
  const functionName = functionNameOf(request);
  const status = response.status;
  const failed = status >= 400;
  const { code, message } = failed ? await errorOf(response) : {};
  const line = `${request.method} ${functionName} ${status} ${Math.round(performance.now() - startedAt)} ms request_id=${requestId}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}`;
  if (failed) console.error(line);
  else console.log(line);
  if (failed && status <= 599) await recordFailure({ functionName, status, code, message, requestId });
}
