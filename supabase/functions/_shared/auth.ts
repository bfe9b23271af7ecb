/**
 * Who is calling. Every function checks its caller itself, whatever the gateway in front of it did:
 * `verify_jwt` may be off, and a gateway that misreads a header must not hand out the service role.
 * The checks hold on hosted projects as they are, with no secret beyond the default ones:
 * - a user: `auth.getUser(token)` asks the project's Auth server, which checks the signature
 *   (whatever the project's signing keys are), the expiry, and that the user and session exist;
 * - the service role: the bearer must be the project's service-role key itself, compared in
 *   constant time. A token that merely claims the role, signed or not, is not the key.
 */
import type { User } from 'npm:@supabase/supabase-js@2.119.1';
import { FunctionError } from './http.ts';
import { env, userClient } from './supabase.ts';

export type { User };

/** The bearer token of the request (scheme in any case, any whitespace before it), or a 401. */
export function bearerToken(request: Request): string {
  const header = request.headers.get('authorization');
  if (header === null) throw new FunctionError(401, 'missing_token', 'sign in first: the Authorization bearer token is missing');
  const match = /^bearer\s+(\S+)$/i.exec(header.trim());
  if (!match) throw new FunctionError(401, 'invalid_token', 'the Authorization header is not "Bearer <token>"');
  return match[1];
}

/** The signed-in user whose access token the request carries, or a 401. */
export async function requireUser(request: Request): Promise<User> {
  const user = await verifiedUser(bearerToken(request));
  if (!user) throw new FunctionError(401, 'invalid_token', 'the bearer token is invalid or expired; sign in again');
  return user;
}

/** Passes only a request whose bearer is the service-role key: 403 for other real keys and users, else 401. */
export async function requireServiceRole(request: Request): Promise<void> {
  const token = bearerToken(request);
  if (sameKey(token, env('SUPABASE_SERVICE_ROLE_KEY'))) return;
  if (sameKey(token, env('SUPABASE_ANON_KEY')) || (await verifiedUser(token))) {
    throw new FunctionError(403, 'service_role_required', 'only the service role may call this function');
  }
  throw new FunctionError(401, 'invalid_token', 'the bearer token is invalid or expired');
}

/**
 * The service role (null) or a signed-in user's id, for functions both may call (webpush-send,
 * video-call-email: the service role, or a session's host): 401 for bad tokens, 403 for the
 * anon key, saying `refusal`.
 */
export async function serviceRoleOrUser(request: Request, refusal: string): Promise<string | null> {
  try {
    await requireServiceRole(request);
    return null;
  } catch (error) {
    if (!(error instanceof FunctionError && error.status === 403)) throw error;
  }
  try {
    return (await requireUser(request)).id;
  } catch (error) {
    // A real key that is no user's token: the project's anon key.
    if (error instanceof FunctionError && error.status === 401) throw new FunctionError(403, 'not_allowed', refusal);
    throw error;
  }
}

async function verifiedUser(token: string): Promise<User | undefined> {
  const { data, error } = await userClient(token).auth.getUser(token);
  // No answer, or a failing one, from the Auth server says nothing about the token.
  if (error && (!error.status || error.status >= 500)) {
    throw new FunctionError(503, 'auth_unavailable', 'the sign-in service could not be reached; try again');
  }
  return error ? undefined : (data.user ?? undefined);
}

/** Compares without an early exit, so the time taken does not tell how much of a guess was right. */
function sameKey(given: string, expected: string): boolean {
  const a = new TextEncoder().encode(given);
  const b = new TextEncoder().encode(expected);
  let difference = a.length ^ b.length;
  for (let i = 0; i < b.length; i++) difference |= b[i] ^ (a[i] ?? 0);
  return difference === 0;
}
