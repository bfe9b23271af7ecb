/// <reference lib="webworker" />
/**
 * The call widgets' service worker, built to the classic script `dist/call-widgets-sw.js`:
 * register it as it is (`navigator.serviceWorker.register('/call-widgets-sw.js')`), or, when the
 * site has a worker of its own, `importScripts('/node_modules/supabase-call-widgets/dist/call-widgets-sw.js')`
 * from it. It only takes pushes, clicks and messages that are ours (a `kind` + `session_id`
 * payload, a notification it showed, a `call-widgets:*` message) and leaves the rest alone.
 *
 * - `push`: shows the invitation or reminder (title, time, host; Join / Decline, or Join /
 *   Dismiss), one notification per call (`tag`), so a reminder replaces the invitation.
 * - `notificationclick`: Join or the body focuses a window already on the call's page, else opens
 *   it; Decline answers `answer_video_call_invitation(…, 'declined')` with the token the page
 *   handed over and shows a short confirmation — with no usable token it opens the page with
 *   `?answer=declined` instead, so the page answers.
 * - `message`: `call-widgets:auth` keeps the access token (IndexedDB), `call-widgets:signed-out`
 *   forgets it.
 */
import { clearAuth, readAuth, saveAuth, usableAuth } from './auth-store.ts';
import { readCallPush, readWorkerMessage, type CallPushPayload } from './messages.ts';
import { notificationLang, notificationText, say } from './notification-text.ts';

declare const self: ServiceWorkerGlobalScope;

/** Marks our notifications' `data`, so clicks on a host's own notifications are left to the host. */
const MARK = 'call-widgets';

interface CallNotificationData {
  source: typeof MARK;
  push: CallPushPayload;
  lang: string;
}

/** NotificationOptions as browsers take them; TypeScript's DOM types leave out the newer fields. */
type ShownOptions = NotificationOptions & {
  actions?: { action: string; title: string }[];
  renotify?: boolean;
  timestamp?: number;
};

/**
 * `waitUntil` keeps the worker alive until the work ends. Events dispatched by script (a host's
 * worker handing one on, a test) may not be extended — the work still runs.
 */
function extend(event: ExtendableEvent, work: Promise<unknown>): void {
  if (event.isTrusted) event.waitUntil(work);
  else work.catch((error) => console.error('[call-widgets-sw]', error));
}

async function language(): Promise<{ lang: ReturnType<typeof notificationLang>; locale: string }> {
  const stored = (await readAuth().catch(() => null))?.lang;
  const locale = stored || self.navigator.language || 'en';
  return { lang: notificationLang(locale), locale };
}

async function showCallNotification(push: CallPushPayload): Promise<void> {
  const { lang, locale } = await language();
  const text = notificationText(push, lang, locale);
  const data: CallNotificationData = { source: MARK, push, lang };
  const options: ShownOptions = {
    body: text.body,
    tag: `call-widgets:${push.session_id}`,
    // A reminder that replaces the invitation should be noticed again.
    renotify: true,
    // A reminder is about a call starting now: it stays until answered. Invitations may fade.
    requireInteraction: push.kind === 'reminder',
    lang,
    data,
    actions: text.actions,
  };
  await self.registration.showNotification(text.title, options);
}

function isOurs(data: unknown): data is CallNotificationData {
  return !!data && typeof data === 'object' && (data as CallNotificationData).source === MARK && !!readCallPush((data as CallNotificationData).push);
}

/** The call's page: the push's `url` (same origin or not), else the worker's scope. */
function callUrl(push: CallPushPayload, answer?: 'declined'): string {
  const url = new URL(push.url ?? self.registration.scope, self.registration.scope);
  if (answer) url.searchParams.set('answer', answer);
  return url.href;
}

async function openCall(push: CallPushPayload, answer?: 'declined'): Promise<void> {
  const target = callUrl(push, answer);
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const open = answer ? undefined : windows.find((client) => client.url === target);
  if (open) {
    await open.focus();
    return;
  }
  await self.clients.openWindow(target);
}

/** Decline without a page when the worker holds a usable token; else the page does it. */
async function decline(push: CallPushPayload, lang: ReturnType<typeof notificationLang>): Promise<void> {
  const auth = usableAuth(await readAuth().catch(() => null));
  if (auth) {
    const response = await fetch(`${auth.supabaseUrl}/rest/v1/rpc/answer_video_call_invitation`, {
      method: 'POST',
      headers: { apikey: auth.anonKey, authorization: `Bearer ${auth.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ p_session_id: push.session_id, p_status: 'declined' }),
    }).catch(() => null);
    if (response?.ok) {
      const options: ShownOptions = { body: push.title ?? '', tag: `call-widgets:${push.session_id}`, lang, silent: true };
      await self.registration.showNotification(say(lang, 'declined'), options);
      return;
    }
    // A refused token (401) is as good as none; anything else (ended, no longer invited, offline)
    // the page shows in words, so hand over to it either way.
  }
  await openCall(push, 'declined');
}

self.addEventListener('push', (event: PushEvent) => {
  let payload: unknown;
  try {
    payload = event.data?.json();
  } catch {
    return;
  }
  const push = readCallPush(payload);
  if (push) extend(event, showCallNotification(push));
});

self.addEventListener('notificationclick', (event: NotificationEvent) => {
  const data: unknown = event.notification.data;
  if (!isOurs(data)) return;
  event.notification.close();
  if (event.action === 'dismiss') return;
  if (event.action === 'decline') extend(event, decline(data.push, notificationLang(data.lang)));
  else extend(event, openCall(data.push));
});

self.addEventListener('message', (event: ExtendableMessageEvent) => {
  const message = readWorkerMessage(event.data);
  if (!message) return;
  extend(event, message.type === 'call-widgets:auth' ? saveAuth(message) : clearAuth());
});
