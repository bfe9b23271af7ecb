/**
 * Web Push for call invitations and reminders (issue 14): a browser's push subscription stored as
 * the signed-in user's row of `video_call_push_subscriptions`, and the access token handed to the
 * call widgets' service worker (src/sw/) so a notification's Decline can answer without a page.
 * `CallClient.enablePush()` / `disablePush()` / `pushState()` are this class; it never touches
 * the DOM beyond `navigator` and `Notification`.
 *
 * One browser belongs to whoever is signed in on it now: when its endpoint is already registered
 * by another account (the unique `endpoint` refuses the insert and RLS hides that row), the
 * browser's subscription is renewed — the push service hands out a new endpoint and the old
 * account's row dies at its next push (404/410, which `webpush-send` deletes). A sign-out
 * unsubscribes the browser for the same reason, and makes the worker forget the token.
 */
import type { AuthChangeEvent, Session, SupabaseClient } from '@supabase/supabase-js';
import type { WorkerMessage } from '../sw/messages.ts';
import { CallError, toCallError } from './errors.ts';

/**
 * What `pushState()` says about this browser and the signed-in user:
 * - `unsupported`: no service worker, PushManager or Notification, or not a secure context;
 * - `denied`: notifications are blocked for the site (only the browser's settings can undo it);
 * - `prompt`: not asked yet — `enablePush()` will ask;
 * - `subscribed`: allowed, and this browser's subscription is stored for the signed-in user;
 * - `unsubscribed`: allowed, but no subscription of this browser is stored for them (never
 *   enabled, turned off, signed out, or enabled by another account).
 */
export type PushState = 'unsupported' | 'denied' | 'prompt' | 'subscribed' | 'unsubscribed';

/** The parts of a `ServiceWorkerRegistration` push needs (a real one in pages). */
export interface PushRegistration {
  readonly pushManager: Pick<PushManager, 'getSubscription' | 'subscribe'>;
  readonly active: ServiceWorker | null;
  readonly waiting: ServiceWorker | null;
  readonly installing: ServiceWorker | null;
}

export interface EnablePushOptions {
  /** The registration of a worker that runs `call-widgets-sw.js` (registered as it is, or imported by the site's own). */
  registration: PushRegistration;
  /** The VAPID public key `webpush-send` signs with: base64url, 65 bytes (the local stack prints `VAPID_PUBLIC_KEY=`). */
  vapidPublicKey: string;
  /** Language of the notifications (`ru`, `en` …); default the page's `lang`, else the browser's. */
  lang?: string;
  /** How long the browser's push service may take to subscribe before it counts as failed. Default 30 000 ms. */
  subscribeTimeoutMs?: number;
}

export interface PushStateOptions {
  /** The worker's registration; default the one given to `enablePush()`, else the page's. */
  registration?: PushRegistration;
}

const TABLE = 'video_call_push_subscriptions';
const LAST_ENDPOINT = 'call-widgets:push-endpoint';

/** Whether this page can take push notifications at all. */
export function pushSupported(): boolean {
  return (
    typeof window !== 'undefined' &&
    window.isSecureContext &&
    'serviceWorker' in navigator &&
    'PushManager' in window &&
    'Notification' in window
  );
}

/** A VAPID public key (base64url P-256 point) as the bytes `pushManager.subscribe` wants. */
export function vapidKeyBytes(key: string): Uint8Array<ArrayBuffer> {
  if (typeof key !== 'string' || !/^B[A-Za-z0-9_-]{86}=?$/.test(key.trim())) {
    throw new CallError('invalid_input', 'the VAPID public key must be 65 bytes in base64url (87 characters starting with "B")');
  }
  const binary = atob(key.trim().replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = new Uint8Array(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function sameKey(a: ArrayBuffer | null | undefined, b: Uint8Array): boolean {
  if (!a || a.byteLength !== b.length) return false;
  const view = new Uint8Array(a);
  return view.every((byte, i) => byte === b[i]);
}

export class CallPush {
  /** The worker push was enabled with (or found subscribed): tokens and sign-outs go to it. */
  #registration: PushRegistration | undefined;
  /** Whose subscription that is: another account's session on this client is a sign-out for it. */
  #userId: string | undefined;
  #lang: string | undefined;
  #timeoutMs = 30_000;

  constructor(private readonly supabase: SupabaseClient) {
    supabase.auth.onAuthStateChange((event, session) => this.#authChanged(event, session));
  }

  async state(options: PushStateOptions = {}): Promise<PushState> {
    if (!pushSupported()) return 'unsupported';
    if (Notification.permission === 'denied') return 'denied';
    if (Notification.permission !== 'granted') return 'prompt';
    const registration = options.registration ?? this.#registration ?? (await navigator.serviceWorker.getRegistration());
    const subscription = await registration?.pushManager.getSubscription();
    if (!registration || !subscription) return 'unsubscribed';
    const { data: auth } = await this.supabase.auth.getSession();
    if (!auth.session) return 'unsubscribed';
    const { data, error } = await this.supabase.from(TABLE).select('id').eq('endpoint', subscription.endpoint).maybeSingle();
    if (error) throw toCallError(error, { action: 'could not read the push subscription' });
    if (!data) return 'unsubscribed';
    this.#registration = registration;
    this.#userId = auth.session.user.id;
    this.#tellWorker(this.#authMessage(auth.session));
    return 'subscribed';
  }

  async enable(options: EnablePushOptions): Promise<PushState> {
    const { data: auth } = await this.supabase.auth.getSession();
    if (!auth.session) throw new CallError('not_signed_in', 'sign in to get call notifications');
    if (!pushSupported()) throw new CallError('push_unsupported', 'this browser cannot show push notifications here (it needs service workers, Push and a secure context)');
    if (!options?.registration?.pushManager) throw new CallError('invalid_input', 'enablePush needs the service worker registration that runs call-widgets-sw.js');
    const key = vapidKeyBytes(options.vapidPublicKey);
    const permission = Notification.permission === 'granted' ? 'granted' : await Notification.requestPermission();
    if (permission !== 'granted') throw new CallError('push_denied', 'notifications are not allowed for this site');
    this.#lang = options.lang;
    this.#timeoutMs = options.subscribeTimeoutMs ?? 30_000;
    const registration = options.registration;
    let subscription = await this.#subscribe(registration, key);
    const stored = await this.#store(subscription);
    if (stored === 'taken') {
      // Another account registered this browser: renew, so this one gets its own endpoint.
      await subscription.unsubscribe();
      subscription = await this.#subscribe(registration, key);
      if ((await this.#store(subscription)) === 'taken') {
        throw new CallError('failed', 'the push service gave this browser an endpoint that another account has registered');
      }
    }
    this.#registration = registration;
    this.#userId = auth.session.user.id;
    this.#tellWorker(this.#authMessage(auth.session));
    return 'subscribed';
  }

  async disable(options: PushStateOptions = {}): Promise<void> {
    const registration = options.registration ?? this.#registration ?? (pushSupported() ? await navigator.serviceWorker.getRegistration() : undefined);
    this.#registration = undefined;
    const subscription = await registration?.pushManager.getSubscription();
    if (subscription) {
      const { data: auth } = await this.supabase.auth.getSession();
      if (auth.session) {
        const { error } = await this.supabase.from(TABLE).delete().eq('endpoint', subscription.endpoint);
        if (error) throw toCallError(error, { action: 'could not remove the push subscription' });
      }
      await subscription.unsubscribe();
    }
    forgetEndpoint();
    if (registration) tell(registration, { type: 'call-widgets:signed-out' });
  }

  async #subscribe(registration: PushRegistration, key: Uint8Array<ArrayBuffer>): Promise<PushSubscription> {
    const existing = await registration.pushManager.getSubscription();
    if (existing && sameKey(existing.options?.applicationServerKey, key)) return existing;
    // Made with another VAPID key (another project, or keys rotated): pushes signed with ours would be refused.
    if (existing) await existing.unsubscribe();
    let timer: ReturnType<typeof setTimeout> | undefined;
    // A browser whose push service cannot be reached (offline, blocked, none at all) may never answer.
    const silence = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${Math.round(this.#timeoutMs / 1000)} s`)), this.#timeoutMs);
    });
    try {
      return await Promise.race([registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key }), silence]);
    } catch (error) {
      const denied = (error as DOMException)?.name === 'NotAllowedError';
      throw new CallError(denied ? 'push_denied' : 'failed', `the browser's push service could not subscribe: ${(error as Error)?.message ?? error}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stores the subscription as the user's row; `taken` when another account has its endpoint. */
  async #store(subscription: PushSubscription): Promise<'stored' | 'taken'> {
    const json = subscription.toJSON();
    const endpoint = subscription.endpoint;
    const previous = lastEndpoint();
    if (previous && previous !== endpoint) {
      // The browser's endpoint changed since it was stored: the old row only fails pushes now.
      await this.supabase.from(TABLE).delete().eq('endpoint', previous);
    }
    const lang = (this.#lang || pageLang() || '').trim();
    const row = {
      endpoint,
      p256dh: json.keys?.p256dh,
      auth: json.keys?.auth,
      lang: /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$/.test(lang) ? lang : null,
      user_agent: navigator.userAgent.slice(0, 512) || null,
    };
    const { error } = await this.supabase.from(TABLE).insert(row);
    if (error?.code === '23505') {
      const { data } = await this.supabase.from(TABLE).select('id').eq('endpoint', endpoint).maybeSingle();
      if (!data) return 'taken';
    } else if (error) {
      throw toCallError(error, { action: 'could not save the push subscription' });
    }
    rememberEndpoint(endpoint);
    return 'stored';
  }

  #authMessage(session: Session): WorkerMessage {
    const { supabaseUrl, supabaseKey } = this.supabase as unknown as { supabaseUrl: string; supabaseKey: string };
    return {
      type: 'call-widgets:auth',
      supabaseUrl: String(supabaseUrl),
      anonKey: supabaseKey,
      accessToken: session.access_token,
      expiresAt: session.expires_at ?? Math.floor(Date.now() / 1000) + (session.expires_in ?? 0),
      lang: this.#lang || pageLang() || null,
    };
  }

  #tellWorker(message: WorkerMessage): void {
    if (this.#registration) tell(this.#registration, message);
  }

  #authChanged(event: AuthChangeEvent, session: Session | null): void {
    const registration = this.#registration;
    if (!registration) return;
    if (event === 'SIGNED_OUT' || !session || session.user.id !== this.#userId) {
      this.#registration = undefined;
      tell(registration, { type: 'call-widgets:signed-out' });
      // The next person on this browser must not get the previous one's calls.
      void registration.pushManager
        .getSubscription()
        .then((subscription) => subscription?.unsubscribe())
        .catch(() => undefined);
      forgetEndpoint();
      return;
    }
    tell(registration, this.#authMessage(session));
  }
}

function tell(registration: PushRegistration, message: WorkerMessage): void {
  (registration.active ?? registration.waiting ?? registration.installing)?.postMessage(message);
}

function pageLang(): string {
  return (typeof document !== 'undefined' && document.documentElement.lang) || (typeof navigator !== 'undefined' ? navigator.language : '');
}

// The endpoint stored last, so a changed one replaces its row (delete, then insert: no update).
function lastEndpoint(): string | null {
  try {
    return localStorage.getItem(LAST_ENDPOINT);
  } catch {
    return null;
  }
}

function rememberEndpoint(endpoint: string): void {
  try {
    localStorage.setItem(LAST_ENDPOINT, endpoint);
  } catch {
    // Storage may be blocked; the old row then only fails its pushes until webpush-send removes it.
  }
}

function forgetEndpoint(): void {
  try {
    localStorage.removeItem(LAST_ENDPOINT);
  } catch {
    // as above
  }
}
