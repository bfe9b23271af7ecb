/**
 * Calls an edge function of a test stack as a browser would: POST with the anon apikey, a JSON
 * body (a string is sent as it is, for malformed JSON), the bearer token when given; `init`
 * overrides the method (GET and HEAD carry no body) and adds headers.
 */
export function callFunction(stack: { url: string; anonKey: string }, name: string, body: unknown, token?: string, init: RequestInit = {}): Promise<Response> {
  const method = (init.method ?? 'POST').toUpperCase();
  return fetch(`${stack.url}/functions/v1/${name}`, {
    method: 'POST',
    ...init,
    headers: {
      apikey: stack.anonKey,
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(init.headers as Record<string, string> | undefined),
    },
    body: method === 'GET' || method === 'HEAD' ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
}
