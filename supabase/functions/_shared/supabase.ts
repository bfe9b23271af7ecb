/** Supabase clients for functions; the one place the client version is pinned. */
import { createClient, type SupabaseClient } from 'npm:@supabase/supabase-js@2.119.1';

export type { SupabaseClient };

/** A variable every project gives its functions (SUPABASE_URL, the keys); missing is a bug. */
export function env(name: string): string {
  const value = Deno.env.get(name);
  if (!value) throw new Error(`${name} is not set for this function`);
  return value;
}

const options = { auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false } };

/** Bypasses RLS: only after the function has checked who may do what. */
export function serviceClient(): SupabaseClient {
  return createClient(env('SUPABASE_URL'), env('SUPABASE_SERVICE_ROLE_KEY'), options);
}

/** Acts as the caller, so RLS applies. */
export function userClient(token: string): SupabaseClient {
  return createClient(env('SUPABASE_URL'), env('SUPABASE_ANON_KEY'), {
    ...options,
    global: { headers: { authorization: `Bearer ${token}` } },
  });
}
