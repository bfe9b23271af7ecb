/**
 * TURN and STUN servers for a call, in the form `RTCPeerConnection` takes (`iceServers`), with
 * time-limited TURN credentials in coturn's REST-API scheme (`use-auth-secret`): the username is
 * `<unix expiry>:<user id>` and the credential `base64(HMAC-SHA1(TURN_SECRET, username))`. coturn
 * recomputes the credential from its `static-auth-secret` and refuses it once the expiry has
 * passed, so nothing is stored and no server call is needed to hand credentials out.
 *
 * Settings, from the function's environment:
 * - `TURN_SECRET`: coturn's `static-auth-secret`;
 * - `TURN_URLS`: comma-separated `turn:` / `turns:` URLs (`turn:turn.example.com:3478?transport=udp`);
 * - `STUN_URLS`: comma-separated `stun:` / `stuns:` URLs; when unset, the STUN side of each
 *   `turn:` server (coturn answers STUN on its TURN port), so no third party learns who calls;
 *   set but empty: no STUN server;
 * - `TURN_TTL`: seconds a credential lasts, default 3600, kept within 60 s … 24 h.
 */

/** How long a credential lasts when TURN_TTL is not set. */
export const DEFAULT_TURN_TTL = 3600;
/** The contract's bound: a credential lasts at most a day (longer values are clamped to it). */
export const MAX_TURN_TTL = 24 * 3600;
/** Shorter than this and a credential could expire while ICE is still gathering. */
export const MIN_TURN_TTL = 60;

/** One entry of `RTCConfiguration.iceServers`. */
export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

export interface TurnSettings {
  /** null when TURN is not usable: no secret, or no valid TURN URL. */
  turn: { secret: string; urls: string[] } | null;
  stunUrls: string[];
  ttl: number;
  /** What was wrong with the settings, for the function's log (never sent to callers). */
  problems: string[];
}

const TURN_URL = /^turns?:[^\s,?]+(\?transport=(udp|tcp))?$/i;
const STUN_URL = /^stuns?:[^\s,?]+$/i;

function list(value: string | undefined): string[] {
  return (value ?? '').split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
}

/**
 * Reads the TURN settings from an environment: the function passes `Deno.env.get`. (No Deno
 * global here, so Node's tests and type check can import this file too.)
 */
export function turnSettings(get: (name: string) => string | undefined): TurnSettings {
  const problems: string[] = [];
  const secret = get('TURN_SECRET') ?? '';
  const turnUrls: string[] = [];
  for (const url of list(get('TURN_URLS'))) {
    if (TURN_URL.test(url)) turnUrls.push(url);
    else problems.push(`TURN_URLS: ${JSON.stringify(url)} is not a turn: or turns: URL; left out`);
  }
  if (!secret) problems.push('TURN_SECRET is not set: no TURN server is handed out');
  else if (turnUrls.length === 0) problems.push('TURN_URLS names no TURN server: no TURN server is handed out');

  const stunSetting = get('STUN_URLS');
  const stunUrls: string[] = [];
  if (stunSetting === undefined) {
    for (const url of turnUrls) {
      const stun = /^turn:([^?]+)/i.exec(url)?.[1];
      if (stun && !stunUrls.includes(`stun:${stun}`)) stunUrls.push(`stun:${stun}`);
    }
  } else {
    for (const url of list(stunSetting)) {
      if (STUN_URL.test(url)) stunUrls.push(url);
      else problems.push(`STUN_URLS: ${JSON.stringify(url)} is not a stun: or stuns: URL; left out`);
    }
  }

  let ttl = DEFAULT_TURN_TTL;
  const ttlSetting = get('TURN_TTL');
  if (ttlSetting !== undefined && ttlSetting.trim() !== '') {
    const seconds = Number(ttlSetting);
    if (!Number.isFinite(seconds)) problems.push(`TURN_TTL ${JSON.stringify(ttlSetting)} is not a number of seconds; ${DEFAULT_TURN_TTL} used`);
    else {
      ttl = Math.min(MAX_TURN_TTL, Math.max(MIN_TURN_TTL, Math.floor(seconds)));
      if (ttl !== seconds) problems.push(`TURN_TTL ${ttlSetting} is outside ${MIN_TURN_TTL}…${MAX_TURN_TTL} whole seconds; ${ttl} used`);
    }
  }
  return { turn: secret && turnUrls.length > 0 ? { secret, urls: turnUrls } : null, stunUrls, ttl, problems };
}

/** coturn's REST-API credential for `userId`, valid until `expiresAt` (unix seconds). */
export async function turnCredential(secret: string, userId: string, expiresAt: number): Promise<{ username: string; credential: string }> {
  const username = `${expiresAt}:${userId}`;
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-1' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(username)));
  return { username, credential: btoa(String.fromCharCode(...mac)) };
}

/** The STUN servers alone: for callers who get no relay. */
export function stunServers(settings: TurnSettings): IceServer[] {
  return settings.stunUrls.length > 0 ? [{ urls: settings.stunUrls }] : [];
}

/** STUN, then TURN with a credential for `userId` lasting `settings.ttl` from `now` (ms). */
export async function iceServersFor(settings: TurnSettings, userId: string, now = Date.now()): Promise<IceServer[]> {
  const servers = stunServers(settings);
  if (!settings.turn) return servers;
  const expiresAt = Math.floor(now / 1000) + settings.ttl;
  const { username, credential } = await turnCredential(settings.turn.secret, userId, expiresAt);
  return [...servers, { urls: settings.turn.urls, username, credential }];
}
