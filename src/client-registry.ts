/**
 * Which CallClient an element talks to. The page-wide default: `configure({ client })` or
 * `configure({ url, anonKey })` once, and every element without its own `client` or
 * `supabase-url` uses it; elements configured by attributes share one client per URL + key.
 * Elements ask through `ClientController` (src/controllers/client-controller.ts).
 */
import { CallClient, type CallClientInit, type CallClientView } from './core/call-client.ts';

let defaultClient: CallClient | undefined;
const clients = new Map<string, CallClient>();

/** Sets the default backend for all elements on the page; returns its CallClient. */
export function configure(init: CallClientInit | { callClient: CallClient }): CallClient {
  defaultClient = 'callClient' in init ? init.callClient : new CallClient(init);
  return defaultClient;
}

export function getDefaultClient(): CallClient | undefined {
  return defaultClient;
}

/** One CallClient per URL + key, so elements configured by attributes share a connection. */
export function clientFor(url: string, anonKey: string): CallClient {
  const key = `${url}\n${anonKey}`;
  let client = clients.get(key);
  if (!client) {
    client = new CallClient({ url, anonKey });
    clients.set(key, client);
  }
  return client;
}

/** The client an element uses: its own `client`, else its `supabase-url` + key, else the page default. */
export function resolveClient(element: { client?: CallClientView; supabaseUrl?: string; supabaseAnonKey?: string }): CallClientView | undefined {
  if (element.client) return element.client;
  if (element.supabaseUrl && element.supabaseAnonKey) return clientFor(element.supabaseUrl, element.supabaseAnonKey);
  return getDefaultClient();
}
