/**
 * The core's one error type. Whatever refused — the database, a function, Realtime, the browser,
 * or the core's own checks — a host or element sees a `CallError` with a code from
 * `CallErrorCode`. The backend's own codes (SQLSTATE, PostgREST's `PTxxx` / `PGRSTxxx`, the
 * functions' `{ error: { code } }`) are translated in `toCallError` and nowhere else, so none of
 * them reaches a `code`.
 */

/** What went wrong, machine-readable. */
export type CallErrorCode =
  /** Nobody is signed in, or their token was refused. */
  | 'not_signed_in'
  /** Not invited to this call. */
  | 'not_participant'
  /** Only the call's host may do that. */
  | 'not_host'
  /** The call has a lobby and its host has not let this guest in yet (the session waits, see `waiting`). */
  | 'waiting_for_host'
  | 'already_invited'
  | 'session_not_found'
  | 'session_ended'
  /** The database or a function refused what was sent (a malformed id, e-mail or date…). */
  | 'invalid_input'
  /** Realtime refused the call's channel. */
  | 'channel_refused'
  | 'join_failed'
  | 'signaling_failed'
  | 'media_denied'
  | 'media_unavailable'
  /** This browser cannot make WebRTC calls (no RTCPeerConnection): see the `fallback` event. */
  | 'webrtc_unsupported'
  /** A service the call needs is not set up: a function not deployed, no SMTP or VAPID keys. */
  | 'unavailable'
  /** This browser cannot take push notifications (no service worker, PushManager or Notification, or not a secure context). */
  | 'push_unsupported'
  /** Notifications are blocked for the site, or the person did not allow them. */
  | 'push_denied'
  /** A chat message with nothing in it but spaces. */
  | 'message_empty'
  /** A chat message over 4000 characters (code points). */
  | 'message_too_long'
  /** Too many chat messages at once: at most 20 in 10 seconds. */
  | 'rate_limited'
  /** The call has ended: its chat can be read, not written. */
  | 'call_ended'
  /** Anything else; the message says what. */
  | 'failed';

export interface CallErrorOptions {
  /** The error this one stands for (a PostgrestError, a thrown Error). */
  cause?: unknown;
  /** The HTTP status of the answer that carried the error, when there was one. */
  status?: number;
}

/** An error of the call core: a `code` to branch on, a `message` for people and logs. */
export class CallError extends Error {
  readonly code: CallErrorCode;
  /** The HTTP status of the answer that carried the error, when there was one. */
  readonly status?: number;

  constructor(code: CallErrorCode, message: string, options: CallErrorOptions = {}) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
    // `message` enumerable (an Error's own is not) and `name` not: `{ ...error }` and JSON give
    // `{ code, message }`, as the plain error objects before this class did — elements spread a
    // session's error into their `call-error` detail.
    Object.defineProperties(this, {
      message: { value: message, enumerable: true, writable: true, configurable: true },
      name: { value: 'CallError', writable: true, configurable: true },
    });
    this.code = code;
    if (options.status !== undefined) this.status = options.status;
  }
}

/** What an error means where it happened. */
export interface CallErrorContext {
  /** The code for a refusal (SQLSTATE 42501, status 403): what the caller lacks there. Default `not_participant`. */
  refused?: CallErrorCode;
  /** The code when the error says nothing we know. Default `failed`. */
  fallback?: CallErrorCode;
  /** What was being done, put before the original message: `could not read the call`. */
  action?: string;
  /** The HTTP status of the answer, when the error itself does not carry it. */
  status?: number;
  /** The code for an ended call where this call site has its own (the chat's `call_ended`). Default `session_ended`. */
  ended?: CallErrorCode;
}

/** A refusal: `not_participant`, `not_host`… depending on what was asked (`CallErrorContext.refused`). */
const REFUSED = 0;
const INVALID = 'invalid_input';
const SIGNED_OUT = 'not_signed_in';

/**
 * The backend's codes in ours. A conflict (`23505`, `PT409`) whose message says the call ended is
 * `session_ended` (`toCallError`).
 */
const BACKEND_CODES: Record<string, CallErrorCode | typeof REFUSED> = {
  // Postgres SQLSTATE: RLS and our SQL functions' checks, constraints, casts.
  '42501': REFUSED, // insufficient_privilege
  '23505': 'already_invited', // unique_violation
  '22023': INVALID, // invalid_parameter_value
  '22P02': INVALID, // invalid_text_representation (a malformed uuid)
  '22007': INVALID, // invalid_datetime_format
  '22008': INVALID, // datetime_field_overflow
  '22001': INVALID, // string_data_right_truncation
  '23502': INVALID, // not_null_violation
  '23514': INVALID, // check_violation
  // PostgREST: PTnnn are HTTP statuses our SQL functions raise; PGRSTnnn its own.
  PT400: INVALID,
  PT401: SIGNED_OUT,
  PT403: REFUSED,
  PT404: 'session_not_found',
  PT409: 'already_invited',
  PT423: 'waiting_for_host', // join_video_call: a guest in the lobby (20261203000100)
  PT429: 'rate_limited',
  PGRST301: SIGNED_OUT, // JWT invalid or expired
  PGRST302: SIGNED_OUT, // anonymous access refused
  // Edge functions: `{ error: { code, message } }` (supabase/functions/_shared/http.ts).
  missing_token: SIGNED_OUT,
  invalid_token: SIGNED_OUT,
  not_participant: 'not_participant',
  not_host: 'not_host',
  waiting_for_host: 'waiting_for_host',
  not_allowed: REFUSED,
  service_role_required: REFUSED,
  push_unavailable: 'unavailable',
  mail_unavailable: 'unavailable',
  session_ended: 'session_ended',
  session_not_found: 'session_not_found',
  invalid_json: INVALID,
  invalid_body: INVALID,
  invalid_kind: INVALID,
  invalid_option: INVALID,
  invalid_payload: INVALID,
  invalid_recipient: INVALID,
  invalid_user_ids: INVALID,
  too_many_recipients: INVALID,
  invalid_session_id: INVALID,
  payload_too_large: INVALID,
  body_too_large: INVALID,
};

/** Without a code we know, the answer's status still tells a refusal or a bad request. */
const STATUS_CODES: Record<number, CallErrorCode | typeof REFUSED> = { 400: INVALID, 401: SIGNED_OUT, 403: REFUSED, 413: INVALID };

/**
 * The `CallError` for a failure of the backend: a PostgREST error (`{ code, message }`, code a
 * SQLSTATE or `PTxxx` / `PGRSTxxx`), a function's error body (`{ error: { code, message } }`), or
 * anything thrown. A `CallError` comes back as it is.
 */
export function toCallError(error: unknown, context: CallErrorContext = {}): CallError {
  if (error instanceof CallError) return error;
  const body = field(error, 'error');
  const source = typeof body === 'object' && body !== null ? body : error;
  const backendCode = field(source, 'code');
  const message = String(field(source, 'message') ?? error);
  const status = context.status ?? numeric(field(error, 'status'));
  // Not Object.hasOwn: the bundles run on Safari 15.0.
  const known = typeof backendCode === 'string' && Object.prototype.hasOwnProperty.call(BACKEND_CODES, backendCode);
  let code = known ? BACKEND_CODES[backendCode as string] : status === undefined ? undefined : STATUS_CODES[status];
  if (code === 'already_invited' && /ended/.test(message)) code = context.ended ?? 'session_ended';
  // The chat table's own checks (migration 20261203000200).
  if (code === INVALID && /chat message cannot be empty/.test(message)) code = 'message_empty';
  if (code === INVALID && /chat message can have at most/.test(message)) code = 'message_too_long';
  if (code === REFUSED) code = context.refused ?? 'not_participant';
  return new CallError(code ?? context.fallback ?? 'failed', context.action ? `${context.action}: ${message}` : message, { cause: error, status });
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

function numeric(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}
