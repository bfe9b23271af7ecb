/**
 * The STUN/TURN servers of a call, from the `video-call-ice-servers` function (ARCHITECTURE 9.2):
 * short-lived TURN credentials for the signed-in user, fetched before joining and again before
 * they expire, so a call longer than their `ttl` can still fall back to the relay.
 *
 * A project without TURN (function not deployed, not configured, unreachable, or answering
 * something we do not understand) still joins: with the public STUN servers only and a warning,
 * never a failed join — a direct call works for most people, and the fallback ladder then knows
 * there is no relay to fall back to.
 */
import type { SupabaseClient } from '@supabase/supabase-js';

/** Used when the function gives us nothing: STUN finds a direct path through most home routers. */
export const STUN_ONLY: RTCIceServer[] = [{ urls: 'stun:stun.l.google.com:19302' }];

/** Why the servers are STUN only. */
export type IceServersWarning =
  /** The function answered that no TURN server is set up (`TURN_URL` / `TURN_SECRET`). */
  | 'turn_not_configured'
  /** The function is not deployed (404), failed, or could not be reached. */
  | 'ice_servers_unavailable'
  /** The function answered something that is not `{ iceServers, ttl }`. */
  | 'ice_servers_invalid';

export interface IceServersAnswer {
  iceServers: RTCIceServer[];
  /** Seconds the credentials stay valid (the function's `ttl`); absent when they do not expire. */
  ttl?: number;
  /** Set when the servers are STUN only because TURN could not be had. */
  warning?: IceServersWarning;
  /** What went wrong, for logs, with `warning`. */
  detail?: string;
}

/** The function's `ttl` is at most 24 h; anything above is clamped, so a refresh is never put off for weeks. */
const MAX_TTL_S = 24 * 3600;

/** Whether the servers include a TURN relay (a relay step on the fallback ladder is possible). */
export function hasRelay(servers: readonly RTCIceServer[]): boolean {
  return servers.some((server) => urlsOf(server).some((url) => /^turns?:/i.test(url)));
}

function urlsOf(server: RTCIceServer): string[] {
  return typeof server.urls === 'string' ? [server.urls] : Array.isArray(server.urls) ? server.urls : [];
}

/**
 * Asks `video-call-ice-servers` (POST with the user's JWT, `{ session_id }`) for this call's
 * servers. Never throws: on any failure the answer is STUN only with a `warning`.
 */
export async function fetchIceServers(supabase: SupabaseClient, sessionId?: string): Promise<IceServersAnswer> {
  let data: unknown;
  try {
    const result = await supabase.functions.invoke('video-call-ice-servers', { body: sessionId ? { session_id: sessionId } : {} });
    if (result.error) {
      const response = (result.error as { context?: unknown }).context;
      const status = response instanceof Response ? ` (${response.status})` : '';
      return { iceServers: STUN_ONLY, warning: 'ice_servers_unavailable', detail: `${result.error.message}${status}` };
    }
    data = result.data;
  } catch (error) {
    return { iceServers: STUN_ONLY, warning: 'ice_servers_unavailable', detail: (error as Error).message };
  }
  return parseIceServers(data);
}

/** Checks an answer of the function; what does not fit becomes STUN only with `ice_servers_invalid`. */
export function parseIceServers(data: unknown): IceServersAnswer {
  const answer = typeof data === 'string' ? safeJson(data) : data;
  if (typeof answer !== 'object' || answer === null) return invalid('not a JSON object');
  const { iceServers, ttl, warning } = answer as Record<string, unknown>;
  if (!Array.isArray(iceServers)) return invalid('iceServers is not a list');
  const servers: RTCIceServer[] = [];
  for (const server of iceServers) {
    if (typeof server !== 'object' || server === null) return invalid('an ICE server is not an object');
    const { urls, username, credential } = server as Record<string, unknown>;
    const list = typeof urls === 'string' ? [urls] : urls;
    if (!Array.isArray(list) || !list.length || !list.every((url) => typeof url === 'string' && /^(stun|stuns|turn|turns):/i.test(url))) {
      return invalid('an ICE server has no stun:/turn: urls');
    }
    if ((username !== undefined && typeof username !== 'string') || (credential !== undefined && typeof credential !== 'string')) {
      return invalid('username and credential must be strings');
    }
    servers.push({ urls, ...(username !== undefined ? { username } : {}), ...(credential !== undefined ? { credential } : {}) } as RTCIceServer);
  }
  const seconds = typeof ttl === 'number' && Number.isFinite(ttl) && ttl > 0 ? Math.min(ttl, MAX_TTL_S) : undefined;
  if (!servers.length) return { iceServers: STUN_ONLY, warning: 'turn_not_configured' };
  const result: IceServersAnswer = { iceServers: servers, ...(seconds ? { ttl: seconds } : {}) };
  if (warning === 'turn_not_configured' || !hasRelay(servers)) result.warning = 'turn_not_configured';
  return result;
}

function invalid(detail: string): IceServersAnswer {
  return { iceServers: STUN_ONLY, warning: 'ice_servers_invalid', detail };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export interface IceServerLeaseOptions {
  /** Called with new servers after each refresh (not for the first fetch). */
  onRefresh(answer: IceServersAnswer): void;
  /** Fraction of `ttl` after which the servers are fetched again (default 0.8). */
  refreshAt?: number;
  /** Fetches the servers (default: the function through `supabase`). */
  fetch?: () => Promise<IceServersAnswer>;
}

/**
 * The servers of one joined call, kept fresh: `start()` fetches them, then fetches again at 80 %
 * of each `ttl` and hands what came to `onRefresh` (the mesh gives them to live connections).
 * A refresh that fails keeps the servers we have rather than dropping TURN from a call.
 */
export class IceServerLease {
  readonly #fetch: () => Promise<IceServersAnswer>;
  readonly #options: IceServerLeaseOptions;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  current: IceServersAnswer | undefined;

  constructor(supabase: SupabaseClient, sessionId: string, options: IceServerLeaseOptions) {
    this.#options = options;
    this.#fetch = options.fetch ?? (() => fetchIceServers(supabase, sessionId));
  }

  async start(): Promise<IceServersAnswer> {
    this.#stopped = false;
    const answer = await this.#fetch();
    this.current = answer;
    this.#schedule(answer.ttl);
    return answer;
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #schedule(ttl: number | undefined): void {
    clearTimeout(this.#timer);
    if (this.#stopped || !ttl) return;
    this.#timer = setTimeout(() => void this.#refresh(ttl), ttl * 1000 * (this.#options.refreshAt ?? 0.8));
  }

  async #refresh(previousTtl: number): Promise<void> {
    const answer = await this.#fetch();
    if (this.#stopped) return;
    if (answer.warning && this.current && !this.current.warning) {
      // Keep the TURN servers we have (valid a while longer) and try again soon.
      this.#schedule(Math.max(5, previousTtl * 0.1));
      return;
    }
    this.current = answer;
    this.#options.onRefresh(answer);
    this.#schedule(answer.ttl);
  }
}
