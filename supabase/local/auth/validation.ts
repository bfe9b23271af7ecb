/**
 * What `/auth/v1` accepts from a request body, with GoTrue's limits and error shapes: every value
 * is checked here before it reaches SQL or a token, so bad input is a 4xx and never a 500.
 */
import type { IncomingMessage } from 'node:http';
import { HttpError, readJson } from '../http.ts';

const MAX_BODY = 1024 * 1024;
const MIN_PASSWORD = 6;
/** GoTrue's limits: e-mail addresses in characters, passwords in bytes (bcrypt reads no more). */
const MAX_EMAIL = 255;
const MAX_PASSWORD_BYTES = 72;
/**
 * User (and app) metadata travels inside every access token, base64url-encoded (4/3 of its size),
 * and the token in an Authorization header. 4 KiB each keeps a token near 12 KB at worst, inside
 * Node's 16 KiB header limit and the 8 KiB-per-line limit of common proxies for user metadata
 * alone; past that every request of the user would be a 431.
 */
export const MAX_METADATA_BYTES = 4096;
/**
 * Profile fields the call tables copy into `video_call_participants`, bounded as its columns are,
 * so that no one's profile can make inviting them fail.
 */
const PROFILE_FIELDS: Record<string, number> = { display_name: 200, full_name: 200, name: 200, avatar_url: 2000 };
const EMAIL = /^[^\s@\x00-\x1f\x7f]+@[^\s@\x00-\x1f\x7f]+\.[^\s@\x00-\x1f\x7f]+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);

/** GoTrue's error body: auth-js reads `error_code` and `msg`. */
export function authError(status: number, errorCode: string, message: string): HttpError {
  return new HttpError(status, message, { code: status, error_code: errorCode, msg: message });
}

const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Text Postgres stores as it is: no NUL (text and jsonb refuse it) and no unpaired surrogate. */
const storable = (text: string) => !text.includes('\0') && !UNPAIRED_SURROGATE.test(text);

/** Checks that optional fields of a body have the types GoTrue accepts. */
export function field<T>(body: Record<string, unknown>, name: string, type: 'string' | 'object' | 'boolean'): T | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  const ok = type === 'object' ? typeof value === 'object' && !Array.isArray(value) : typeof value === type;
  if (!ok) throw authError(400, 'validation_failed', `${name} must be a${type === 'object' ? 'n object' : ` ${type}`}`);
  if (typeof value === 'string' && !storable(value)) {
    throw authError(400, 'validation_failed', `${name} contains a NUL character or invalid UTF-16`);
  }
  return value as T;
}

/** The request's JSON object body (`{}` when empty); anything else is a 400 or 413. */
export async function bodyObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  let body: unknown;
  try {
    body = await readJson(req, MAX_BODY);
  } catch (error) {
    if (error instanceof HttpError) throw authError(error.status, error.status === 413 ? 'request_too_large' : 'bad_json', error.message);
    throw error;
  }
  if (body === undefined) return {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw authError(400, 'bad_json', 'the request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

/** The normalized address, or GoTrue's 400. The length is checked first, before any pattern runs. */
export function checkEmail(email: string): string {
  const normalized = email.trim().toLowerCase();
  if (normalized.length > MAX_EMAIL) throw authError(400, 'validation_failed', 'An email address is too long');
  if (!EMAIL.test(normalized)) throw authError(400, 'validation_failed', 'Unable to validate email address: invalid format');
  return normalized;
}

/** Whether an address could belong to an account at all (sign-in answers a bad one as a wrong one). */
export const possibleEmail = (email: string) => email.trim().length <= MAX_EMAIL;
/** Whether a password could be one at all. */
export const possiblePassword = (password: string) => Buffer.byteLength(password) <= MAX_PASSWORD_BYTES;

export function checkPassword(password: string): void {
  if (!possiblePassword(password)) {
    throw authError(400, 'validation_failed', `Password cannot be longer than ${MAX_PASSWORD_BYTES} characters`);
  }
  if (password.length < MIN_PASSWORD) {
    throw new HttpError(422, 'Password should be at least 6 characters.', {
      code: 422,
      error_code: 'weak_password',
      msg: `Password should be at least ${MIN_PASSWORD} characters.`,
      weak_password: { reasons: ['length'] },
    });
  }
}

/**
 * Checks metadata as it will be stored (after merging an update into what is there): at most
 * MAX_METADATA_BYTES of JSON, text Postgres can store, and profile fields within their columns.
 */
export function checkMetadata(metadata: Record<string, unknown>, name: 'user_metadata' | 'app_metadata'): void {
  const size = Buffer.byteLength(JSON.stringify(metadata));
  if (size > MAX_METADATA_BYTES) {
    throw authError(400, 'validation_failed', `${name} is ${size} bytes of JSON; at most ${MAX_METADATA_BYTES} are allowed`);
  }
  const unstorable = (value: unknown): boolean =>
    typeof value === 'string'
      ? !storable(value)
      : typeof value === 'object' && value !== null && Object.entries(value).some(([key, inner]) => !storable(key) || unstorable(inner));
  if (unstorable(metadata)) throw authError(400, 'validation_failed', `${name} contains a NUL character or invalid UTF-16`);
  if (name !== 'user_metadata') return;
  for (const [key, limit] of Object.entries(PROFILE_FIELDS)) {
    const value = metadata[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') throw authError(400, 'validation_failed', `user_metadata.${key} must be a string`);
    if ([...value].length > limit) {
      throw authError(400, 'validation_failed', `user_metadata.${key} is longer than ${limit} characters`);
    }
  }
}
