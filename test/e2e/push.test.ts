/**
 * Push from end to end in real Chromium against the local stack: the script-tag bundle's
 * CallClient stores a subscription and hands the real dist/call-widgets-sw.js the access token;
 * the host's `webpush-send` pushes (VAPID-signed, aes128gcm) to a stand-in push service on
 * 127.0.0.1, which decrypts it as a browser would; that payload is delivered to the worker by
 * CDP `ServiceWorker.deliverPushMessage`, as Chromium's own push service would; the invitation is
 * shown with Join and Decline, and Decline answers the invitation with no page involved.
 *
 * Chromium has no vendor push service here, so `pushManager.subscribe` is the one stand-in: it
 * hands back the stand-in service's endpoint and keys. No DevTools command clicks a notification:
 * Decline is a `notificationclick` NotificationEvent dispatched in the worker itself (through the
 * worker's DevTools target), on the notification the worker showed. Such an event may not open a
 * window (that takes a person's click), so where the worker opens one, `clients.openWindow` is
 * replaced by a recorder in that worker; everything before it is the worker's own.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, CDPSession, Page, Worker } from 'playwright-core';
import { buildScriptTagBundle, buildServiceWorker } from '../../scripts/script-tag-bundle.ts';
import { demoJoinUrl, seedDemoUsers, startDemoServer, type DemoServer } from '../../demo/server.ts';
import { callFunction } from '../support/functions.ts';
import { PushService, vapidKeys } from '../support/push-service.ts';
import { startTestStack, type TestStack, type TestUser } from '../support/stack.ts';
import { launchBrowser, signUp } from './support.ts';

const page = (backend: { url: string; anonKey: string }, vapidPublicKey: string) => `<!doctype html>
<html lang="ru">
<head><meta charset="utf-8"><title>CRM</title></head>
<body>
  <script src="/call-widgets.min.js"></script>
  <script>
    const client = new CallWidgets.CallClient({ url: ${JSON.stringify(backend.url)}, anonKey: ${JSON.stringify(backend.anonKey)} });
    window.client = client;
    /** The real registration, with the stand-in push service's subscription for subscribe(). */
    window.enablePush = async (email, password, subscription) => {
      const { error } = await client.supabase.auth.signInWithPassword({ email, password });
      if (error) throw new Error(error.message);
      const registration = await navigator.serviceWorker.register('/call-widgets-sw.js');
      await navigator.serviceWorker.ready;
      let current = null;
      const pushManager = {
        getSubscription: async () => current,
        subscribe: async (options) => (current = {
          endpoint: subscription.endpoint,
          expirationTime: null,
          options,
          toJSON: () => ({ endpoint: subscription.endpoint, expirationTime: null, keys: subscription.keys }),
          unsubscribe: async () => ((current = null), true),
        }),
      };
      const standIn = { pushManager, get active() { return registration.active; }, waiting: null, installing: null };
      return client.enablePush({ registration: standIn, vapidPublicKey: ${JSON.stringify(vapidPublicKey)} });
    };
    window.workerAuth = () => new Promise((resolve, reject) => {
      const request = indexedDB.open('call-widgets-sw', 1);
      request.onupgradeneeded = () => request.result.createObjectStore('auth');
      request.onerror = () => reject(request.error);
      request.onsuccess = () => {
        const get = request.result.transaction('auth').objectStore('auth').get('current');
        get.onsuccess = () => { request.result.close(); resolve(get.result ?? null); };
        get.onerror = () => reject(get.error);
      };
    });
    window.notifications = async () => (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => ({
      title: n.title, body: n.body, tag: n.tag, requireInteraction: n.requireInteraction,
      actions: n.actions.map((a) => ({ action: a.action, title: a.title })), url: n.data && n.data.push && n.data.push.url,
    }));
  </script>
</body>
</html>`;

/**
 * Records the worker's POSTs from now on (its own `fetch`, looked up at each call, wrapped):
 * Playwright's request events for a worker's fetches were missed on a loaded machine.
 */
const recordPosts = (worker: Worker) =>
  worker.evaluate(`(() => {
    const real = self.__realFetch ?? (self.__realFetch = self.fetch.bind(self));
    self.posts = [];
    self.fetch = (input, init) => {
      if ((init?.method ?? 'GET').toUpperCase() === 'POST') self.posts.push(String(input instanceof Request ? input.url : input));
      return real(input, init);
    };
  })()`);
const posts = (worker: Worker) => worker.evaluate('self.posts') as Promise<string[]>;

/** Polls `read` until `check` holds; the message says what never happened. */
async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, what: string, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('push notifications in the browser', () => {
  const vapid = vapidKeys();
  const push = new PushService(vapid.publicKey);
  let stack: TestStack;
  let server: Server;
  let origin: string;
  let browser: Browser;
  let context: BrowserContext;
  let tab: Page;
  let devtools: CDPSession;
  let host: TestUser;
  let boris: Awaited<ReturnType<typeof signUp>>;
  /** The worker's registration as DevTools names it, once it runs. */
  let registrationId: Promise<string>;

  before(async () => {
    await push.start();
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    stack = await startTestStack({
      functionEnv: { VAPID_PUBLIC_KEY: vapid.publicKey, VAPID_PRIVATE_KEY: vapid.privateKey, CALL_JOIN_URL: `${origin}/?event={event_id}` },
    });
    const [script, worker] = await Promise.all([buildScriptTagBundle(), buildServiceWorker()]);
    const html = page({ url: stack.url, anonKey: stack.anonKey }, vapid.publicKey);
    server.on('request', (req, res) => {
      if (req.url === '/call-widgets.min.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
      else if (req.url === '/call-widgets-sw.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(worker);
      else res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    });
    host = await stack.createUser({ name: 'Анна Петрова' });
    boris = await signUp(stack.url, stack.anonKey, 'Boris');
    browser = await launchBrowser();
    context = await browser.newContext({ locale: 'ru-RU' });
    await context.grantPermissions(['notifications'], { origin });
    tab = await context.newPage();
    devtools = await context.newCDPSession(tab);
    registrationId = new Promise((resolve) => {
      devtools.on('ServiceWorker.workerVersionUpdated', ({ versions }) => {
        const running = versions.find((version: { status: string; scriptURL: string }) => version.status === 'activated' && version.scriptURL.endsWith('/call-widgets-sw.js'));
        if (running) resolve(running.registrationId);
      });
    });
    await devtools.send('ServiceWorker.enable');
    await tab.goto(`${origin}/`);
  });

  after(async () => {
    await browser?.close();
    await stack?.close();
    await push.close();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('shows the host’s invitation from webpush-send with Join and Decline, and Decline answers it without a page', async () => {
    const startsAt = new Date(Date.now() + 2 * 3600 * 1000).toISOString();
    const { data: session, error } = await stack
      .serviceClient()
      .from('video_call_sessions')
      .insert({ title: 'Планёрка по сделке', event_id: 'evt-push-1', scheduled_at: startsAt, host_id: host.id })
      .select('id')
      .single();
    assert.ifError(error);
    assert.ifError((await host.client.from('video_call_participants').insert({ session_id: session!.id, user_id: boris.id })).error);

    // Boris's browser: the core stores the stand-in service's subscription as his and tells the worker his token.
    const standIn = push.browser('/ok/boris');
    const keys = { p256dh: standIn.ecdh.getPublicKey().toString('base64url'), auth: standIn.auth.toString('base64url') };
    assert.equal(await tab.evaluate(([email, password, subscription]) => (window as never as { enablePush: (...a: unknown[]) => Promise<string> }).enablePush(email, password, subscription), [boris.email, boris.password, { endpoint: standIn.endpoint, keys }] as const), 'subscribed');
    const { data: rows } = await stack.serviceClient().from('video_call_push_subscriptions').select('endpoint, p256dh, auth, lang').eq('user_id', boris.id);
    assert.deepEqual(rows, [{ endpoint: standIn.endpoint, p256dh: keys.p256dh, auth: keys.auth, lang: 'ru' }]);
    const auth = await eventually(() => tab.evaluate(() => (window as never as { workerAuth: () => Promise<Record<string, unknown> | null> }).workerAuth()), (value) => value !== null, "the worker's token");
    assert.deepEqual(Object.keys(auth!).sort(), ['accessToken', 'anonKey', 'expiresAt', 'lang', 'supabaseUrl', 'type']);

    // The host invites: webpush-send → the stand-in service, which checks VAPID and decrypts.
    const sent = await callFunction(stack, 'webpush-send', { session_id: session!.id, kind: 'invite' }, host.token);
    assert.equal(sent.status, 200);
    assert.deepEqual(await sent.json(), { sent: 1, failed: 0, removed: 0 });
    assert.deepEqual(push.problems, []);
    const [delivery] = push.deliveries;
    assert.equal(delivery.payload.url, `${origin}/?event=evt-push-1`);

    // Chromium's push service would hand the worker exactly those bytes.
    await devtools.send('ServiceWorker.deliverPushMessage', { origin, registrationId: await registrationId, data: JSON.stringify(delivery.payload) });
    type Shown = { title: string; body: string; tag: string; requireInteraction: boolean; actions: { action: string; title: string }[]; url: string };
    const list = () => tab.evaluate(() => (window as never as { notifications: () => Promise<unknown[]> }).notifications()) as Promise<Shown[]>;
    const [shown] = await eventually(list, (value) => value.length === 1, 'the invitation shown');
    assert.equal(shown.title, 'Планёрка по сделке');
    assert.match(shown.body, /^Анна Петрова приглашает вас на видеозвонок\n/);
    assert.equal(shown.tag, `call-widgets:${session!.id}`);
    assert.equal(shown.requireInteraction, false);
    assert.deepEqual(shown.actions, [
      { action: 'join', title: 'Войти' },
      { action: 'decline', title: 'Отклонить' },
    ]);
    assert.equal(shown.url, `${origin}/?event=evt-push-1`);

    // Decline, clicked in the worker on the notification it showed.
    const worker: Worker = context.serviceWorkers().find((candidate) => candidate.url().endsWith('/call-widgets-sw.js')) ?? (await context.waitForEvent('serviceworker'));
    await recordPosts(worker);
    await worker.evaluate(async () => {
      const scope = self as unknown as ServiceWorkerGlobalScope & { NotificationEvent: typeof NotificationEvent };
      const [notification] = await scope.registration.getNotifications();
      scope.dispatchEvent(new scope.NotificationEvent('notificationclick', { notification, action: 'decline' }));
    });
    const answer = async () =>
      (await stack.serviceClient().from('video_call_participants').select('invite_status').eq('session_id', session!.id).eq('user_id', boris.id).single()).data?.invite_status;
    await eventually(answer, (status) => status === 'declined', 'the invitation declined');
    // The worker's POSTs are seen: the next test's "nothing sent" means something.
    assert.deepEqual(await posts(worker), [`${stack.url}/rest/v1/rpc/answer_video_call_invitation`]);
    const [confirmation] = await eventually(list, (value) => value.length === 1 && value[0].title !== shown.title, 'the confirmation');
    assert.equal(confirmation.title, 'Вы отклонили приглашение');
    assert.equal(confirmation.body, 'Планёрка по сделке');
    assert.deepEqual(confirmation.actions, []);
    assert.deepEqual(context.pages().map((open) => open.url()), [`${origin}/`], 'no page was opened');
  });

  it('leaves a push that is not ours to someone else, lets a reminder replace the call’s notification, and forgets the token on sign-out', async () => {
    type Shown = { title: string; tag: string; requireInteraction: boolean; actions: { action: string }[] };
    const ours = async () => ((await tab.evaluate(() => (window as never as { notifications: () => Promise<unknown[]> }).notifications())) as Shown[]).filter((n) => n.tag.startsWith('call-widgets:'));
    const [previous] = await ours();
    const id = await registrationId;
    await devtools.send('ServiceWorker.deliverPushMessage', { origin, registrationId: id, data: JSON.stringify({ kind: 'chat', text: 'hi' }) });
    const reminder = { kind: 'reminder', session_id: previous.tag.slice('call-widgets:'.length), event_id: 'evt-push-1', title: 'Планёрка по сделке', starts_at: null, url: `${origin}/?event=evt-push-1`, host_name: 'Анна Петрова' };
    await devtools.send('ServiceWorker.deliverPushMessage', { origin, registrationId: id, data: JSON.stringify(reminder) });
    // Pushes are handled in order: once the reminder shows, the foreign push has been passed over.
    const shown = await eventually(ours, (value) => value.some((n) => n.title !== previous.title), 'the reminder shown');
    assert.deepEqual(
      shown.map((n) => ({ title: n.title, tag: n.tag, requireInteraction: n.requireInteraction, actions: n.actions.map((a) => a.action) })),
      [{ title: 'Планёрка по сделке', tag: previous.tag, requireInteraction: true, actions: ['join', 'dismiss'] }],
      'one notification per call: the reminder took the place of the last one, nothing else of ours',
    );

    await tab.evaluate(() => (window as never as { client: { supabase: { auth: { signOut(): Promise<unknown> } } } }).client.supabase.auth.signOut());
    await eventually(() => tab.evaluate(() => (window as never as { workerAuth: () => Promise<unknown> }).workerAuth()), (value) => value === null, 'the token forgotten');
  });
  it('hands Decline to the page (?answer=declined) when the worker’s token has run out, sending nothing with it; a press on the body opens the call’s page', async () => {
    const { data: session, error } = await stack
      .serviceClient()
      .from('video_call_sessions')
      .insert({ title: 'Second call', event_id: 'evt-push-2', host_id: host.id })
      .select('id')
      .single();
    assert.ifError(error);
    assert.ifError((await host.client.from('video_call_participants').insert({ session_id: session!.id, user_id: boris.id })).error);
    // A token the server would still take, but which the page said ends a minute ago: the worker must not use it.
    const { data: signIn } = await boris.client.auth.signInWithPassword({ email: boris.email, password: boris.password });
    await tab.evaluate(
      ([supabaseUrl, anonKey, accessToken]) =>
        navigator.serviceWorker.ready.then((registration) =>
          registration.active!.postMessage({ type: 'call-widgets:auth', supabaseUrl, anonKey, accessToken, expiresAt: Math.floor(Date.now() / 1000) - 60, lang: 'en' }),
        ),
      [stack.url, stack.anonKey, signIn.session!.access_token] as const,
    );
    await eventually(() => tab.evaluate(() => (window as never as { workerAuth: () => Promise<{ expiresAt: number } | null> }).workerAuth()), (value) => !!value && value.expiresAt * 1000 < Date.now(), 'the expired token stored');

    push.deliveries.length = 0;
    const sent = await callFunction(stack, 'webpush-send', { session_id: session!.id, kind: 'invite' }, host.token);
    assert.deepEqual(await sent.json(), { sent: 1, failed: 0, removed: 0 });
    await devtools.send('ServiceWorker.deliverPushMessage', { origin, registrationId: await registrationId, data: JSON.stringify(push.deliveries[0].payload) });
    const tag = `call-widgets:${session!.id}`;
    await eventually(() => tab.evaluate(() => (window as never as { notifications: () => Promise<{ tag: string }[]> }).notifications()), (value) => value.some((n) => n.tag === tag), 'the second invitation shown', 30_000);

    // Opening a window takes a person's click, which a script-dispatched event is not: the worker's
    // openWindow records where it would go instead; everything before it is the worker's own.
    const worker = context.serviceWorkers().find((candidate) => candidate.url().endsWith('/call-widgets-sw.js'))!;
    await recordPosts(worker);
    // tsx names functions with a `__name` helper, which the worker then needs too.
    await worker.evaluate('self.__name = (fn) => fn');
    await worker.evaluate(async (tag) => {
      const scope = self as unknown as ServiceWorkerGlobalScope & { NotificationEvent: typeof NotificationEvent; opened: string[] };
      scope.opened = [];
      Object.defineProperty(scope.clients, 'openWindow', { value: async (url: string) => void scope.opened.push(url) });
      const notification = (await scope.registration.getNotifications({ tag }))[0];
      scope.dispatchEvent(new scope.NotificationEvent('notificationclick', { notification, action: 'decline' }));
    }, tag);
    const [opened] = await eventually(() => worker.evaluate(() => (self as unknown as { opened: string[] }).opened), (value) => value.length === 1, 'the page opened');
    assert.equal(opened, `${origin}/?event=evt-push-2&answer=declined`);
    assert.deepEqual(await posts(worker), [], 'no request with the expired token');
    const answer = await stack.serviceClient().from('video_call_participants').select('invite_status').eq('session_id', session!.id).eq('user_id', boris.id).single();
    assert.equal(answer.data!.invite_status, 'invited', 'left for the page to answer');

    // A press on the body (no action) opens the call's page as it is, when no window shows it.
    await devtools.send('ServiceWorker.deliverPushMessage', { origin, registrationId: await registrationId, data: JSON.stringify(push.deliveries[0].payload) });
    await eventually(() => tab.evaluate(() => (window as never as { notifications: () => Promise<{ tag: string }[]> }).notifications()), (value) => value.some((n) => n.tag === tag), 'the invitation shown again');
    await worker.evaluate(async (tag) => {
      const scope = self as unknown as ServiceWorkerGlobalScope & { NotificationEvent: typeof NotificationEvent };
      const notification = (await scope.registration.getNotifications({ tag }))[0];
      scope.dispatchEvent(new scope.NotificationEvent('notificationclick', { notification }));
    }, tag);
    const openedNow = await eventually(() => worker.evaluate(() => (self as unknown as { opened: string[] }).opened), (value) => value.length === 2, 'the call page opened');
    assert.equal(openedNow[1], `${origin}/?event=evt-push-2`);
  });
});

describe('the CRM demo as a notification opens it', () => {
  let stack: TestStack;
  let demo: DemoServer;
  let browser: Browser;

  before(async () => {
    stack = await startTestStack();
    await seedDemoUsers(stack);
    demo = await startDemoServer(stack, { port: 0 });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await demo?.close();
    await stack?.close();
  });

  const open = async (query: string) => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${demo.url}?${query}`);
    await page.waitForFunction(() => ['none', 'scheduled', 'live'].includes((document.querySelector('event-call-button') as HTMLElement & { state?: string } | null)?.state ?? ''), undefined, { timeout: 20_000 });
    return { page, errors };
  };

  it('links pushes to its own page, has the bell in its header with the stack’s VAPID key, and opens the linked meeting’s card', async () => {
    assert.equal(demoJoinUrl(5173), 'http://127.0.0.1:5173/?event={event_id}');
    const { page: anna } = await open('user=anna&lang=en');
    // The pipeline review's id, as the page names it (the demo's meetings are made per day).
    await anna.click('.event:has-text("Pipeline review")');
    const eventId = await anna.locator('event-call-button').getAttribute('event-id');
    const { page, errors } = await open(`user=boris&lang=en&event=${eventId}`);
    assert.equal(await page.locator('#event-title').textContent(), 'Pipeline review');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'event-card');
    assert.equal(await page.locator('#bell').getAttribute('vapid-public-key'), stack.vapidPublicKey);
    await page.waitForFunction(() => (document.querySelector('#bell') as HTMLElement & { state: string }).state === 'prompt');
    assert.equal(await page.locator('#bell >> [part~="button"]').getAttribute('aria-pressed'), 'false');
    assert.deepEqual(errors, []);
  });

  it('answers "declined" for a notification whose worker had no valid token, once, and says so', async () => {
    const { page: anna } = await open('user=anna&lang=en');
    const { eventId, title, attendees } = await anna.evaluate(() => {
      const button = document.querySelector('event-call-button')!;
      return { eventId: button.getAttribute('event-id')!, title: button.getAttribute('title')!, attendees: button.getAttribute('attendees')!.split(',') };
    });
    const session = await anna.evaluate(
      (event) => (window as never as { CallWidgets: { client: { openEventCall(e: unknown): Promise<{ id: string }> } } }).CallWidgets.client.openEventCall(event),
      { eventId, title, attendees },
    );
    const boris = (await stack.db.query<{ id: string }>("select id from auth.users where email = 'boris@northwind.test'")).rows[0].id;
    const status = async () => (await stack.db.query<{ invite_status: string }>('select invite_status from video_call_participants where session_id = $1 and user_id = $2', [session.id, boris])).rows[0]?.invite_status;
    assert.equal(await status(), 'invited');

    const { page, errors } = await open(`user=boris&lang=en&event=${eventId}&answer=declined`);
    await page.waitForFunction((title) => document.querySelector('#auth-status')!.textContent === `You declined the invitation to “${title}”`, title);
    assert.equal(await status(), 'declined');
    assert.equal(new URL(page.url()).searchParams.has('answer'), false, 'a reload does not answer again');
    assert.equal(new URL(page.url()).searchParams.get('event'), eventId);
    assert.deepEqual(errors, []);
  });
});
