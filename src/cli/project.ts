/**
 * What the smoke checks share: the project's address and keys, supabase-js clients that give up
 * on a request after the check's time limit, raw calls to the edge functions (the status codes
 * are what is checked, so no client library in between), and the throwaway people and rows the
 * run makes — kept here so the last check can delete them whatever failed before.
 */
import { createClient, type SupabaseClient } from '@supabase/supabase-js';

export interface SmokeOptions {
  url: string;
  anonKey: string;
  serviceRoleKey: string;
  /** Chromium (or Chrome) for the two-browser media check; none skips it. */
  browser?: string;
  /** Each check's limit, in ms. */
  checkTimeoutMs: number;
}

/** A throwaway user of this run, signed in. */
export interface SmokeUser {
  role: 'host' | 'guest' | 'outsider';
  id: string;
  email: string;
  password: string;
  token: string;
  client: SupabaseClient;
}

/** A function's answer as the checks look at it. */
export interface FunctionAnswer {
  status: number;
  body: Record<string, unknown> | null;
  requestId: string | null;
}

export class SmokeProject {
  readonly url: string;
  readonly admin: SupabaseClient;
  readonly anon: SupabaseClient;
  readonly users = new Map<SmokeUser['role'], SmokeUser>();
  /** Ids of the auth users this run made (kept even when signing in failed, for the clean-up). */
  readonly createdUserIds: string[] = [];
  sessionId?: string;
  /** The TURN URLs and credential video-call-ice-servers handed out, for the media check. */
  iceServers?: RTCIceServer[];
  /** A random tag in every e-mail address and title this run makes. */
  readonly tag = Math.random().toString(36).slice(2, 10);

  constructor(readonly options: SmokeOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.admin = this.client(options.serviceRoleKey);
    this.anon = this.client(options.anonKey);
  }

  /** fetch that gives up after the check's limit, so a silent server fails the check, not the run. */
  readonly fetch = (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const limit = AbortSignal.timeout(this.options.checkTimeoutMs);
    return fetch(input, { ...init, signal: init.signal ? AbortSignal.any([init.signal, limit]) : limit });
  };

  /** supabase-js with `key`, and as `token`'s user when given; Node 22's own WebSocket for Realtime. */
  client(key: string, token?: string): SupabaseClient {
    return createClient(this.url, key, {
      auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
      global: { fetch: this.fetch },
      realtime: { transport: WebSocket as never, timeout: this.options.checkTimeoutMs },
      ...(token ? { accessToken: async () => token } : {}),
    });
  }

  user(role: SmokeUser['role']): SmokeUser {
    const user = this.users.get(role);
    if (!user) throw new Error(`the ${role} was not signed in`);
    return user;
  }

  session(): string {
    if (!this.sessionId) throw new Error('no session was created');
    return this.sessionId;
  }

  /** Calls `/functions/v1/<name>` with `bearer` (none: no Authorization header) and a JSON body. */
  async callFunction(name: string, bearer: string | null, body?: unknown, method = 'POST', query = ''): Promise<FunctionAnswer> {
    const headers: Record<string, string> = { apikey: this.options.anonKey };
    if (bearer !== null) headers.authorization = `Bearer ${bearer}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await this.fetch(`${this.url}/functions/v1/${name}${query}`, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: Record<string, unknown> | null = null;
    try {
      const value = JSON.parse(text);
      if (value && typeof value === 'object') parsed = value as Record<string, unknown>;
    } catch {
      parsed = null;
    }
    return { status: response.status, body: parsed, requestId: response.headers.get('x-request-id') };
  }
}

/** The function's answer in a few words, for a failed check: status, and its error code and message. */
export function describeAnswer(name: string, answer: FunctionAnswer): string {
  const error = (answer.body?.error ?? answer.body) as { code?: unknown; message?: unknown; msg?: unknown } | null;
  const said = error && typeof error === 'object' ? [error.code, error.message ?? error.msg].filter((part) => typeof part === 'string' || typeof part === 'number').join(': ') : '';
  if (answer.status === 404 && !answer.requestId) return `${name} is not deployed (404${said ? ` ${said}` : ''})`;
  return `${name} answered ${answer.status}${said ? ` (${said})` : ''}`;
}

/** Throws `message` unless `condition` holds: the checks' one assertion. */
export function expect(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}
