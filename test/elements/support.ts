/** Browser-side helpers for element tests: the local stack's address and signed-up users. */
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { CallClient } from '../../src/core/call-client.ts';

export interface Backend {
  url: string;
  anonKey: string;
}

export interface BrowserUser {
  id: string;
  name: string;
  email: string;
  supabase: SupabaseClient;
  callClient: CallClient;
}

let backend: Promise<Backend> | undefined;

export function localStack(): Promise<Backend> {
  backend ??= fetch('/__stack.json').then((response) => response.json());
  return backend;
}

/** Signs a new user up through the stack's Auth service, in a client of their own. */
export async function signUp(name: string): Promise<BrowserUser> {
  const { url, anonKey } = await localStack();
  const email = `${name.toLowerCase()}-${crypto.randomUUID()}@example.test`;
  const supabase = createClient(url, anonKey, { auth: { persistSession: false, storageKey: email } });
  const { data, error } = await supabase.auth.signUp({ email, password: 'secret-password', options: { data: { display_name: name } } });
  if (error || !data.user) throw new Error(`sign-up failed: ${error?.message}`);
  return { id: data.user.id, name, email, supabase, callClient: new CallClient({ client: supabase }) };
}

/** The same person signed in on another page (a second tab, their phone): a client of its own. */
export async function anotherPage(user: BrowserUser): Promise<BrowserUser> {
  const { url, anonKey } = await localStack();
  const supabase = createClient(url, anonKey, { auth: { persistSession: false, storageKey: `${user.email}#${crypto.randomUUID()}` } });
  const { error } = await supabase.auth.signInWithPassword({ email: user.email, password: 'secret-password' });
  if (error) throw new Error(`sign-in failed: ${error.message}`);
  return { ...user, supabase, callClient: new CallClient({ client: supabase }) };
}

/** A session hosted by `host` with `guests` invited. */
export async function newCall(host: BrowserUser, guests: BrowserUser[] = [], title = 'Weekly sync'): Promise<string> {
  const session = await host.callClient.createSession({ title });
  for (const guest of guests) {
    const { error } = await host.supabase.from('video_call_participants').insert({ session_id: session.id, user_id: guest.id });
    if (error) throw new Error(error.message);
  }
  return session.id;
}

export function nextEvent<T = unknown>(target: EventTarget, type: string, ms = 15000): Promise<CustomEvent<T>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${type} event within ${ms} ms`)), ms);
    target.addEventListener(type, (event) => {
      clearTimeout(timer);
      resolve(event as CustomEvent<T>);
    }, { once: true });
  });
}

/** Waits until `check` holds, re-checking every 50 ms. */
export async function until(check: () => boolean, what: string, ms = 15000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
