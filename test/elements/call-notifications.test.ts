import { expect, fixture, html } from '@open-wc/testing';
import { executeServerCommand, sendKeys, setViewport } from '@web/test-runner-commands';
import '../../src/define.ts';
import type { PushRegistration } from '../../src/core/push.ts';
import type { CallNotifications, CallNotificationsState } from '../../src/elements/call-notifications/call-notifications.ts';
import { nextEvent, signUp, until, type BrowserUser } from './support.ts';

/**
 * The bell in real Chromium against the local stack, with the real service worker (its
 * TypeScript source, registered as a module worker), the browser's own permission settings and
 * the real table. Headless Chromium has no vendor push service, so `pushManager.subscribe` is
 * the one part stood in for: a subscription with real P-256 keys whose endpoint is on 127.0.0.1,
 * as a stand-in push service's would be.
 */
const WORKER = '/src/sw/call-widgets-sw.ts';
const inside = <T extends Element = HTMLElement>(el: CallNotifications, selector: string) => el.shadowRoot!.querySelector<T>(selector)!;
const button = (el: CallNotifications) => inside<HTMLButtonElement>(el, '[part~="button"]');
const message = (el: CallNotifications) => inside(el, '[part~="message"]').textContent!.replace(/\s+/g, ' ').trim();
const setPermission = (setting: 'granted' | 'denied' | 'prompt') => executeServerCommand('set-notification-permission', { setting });
const base64url = (bytes: ArrayBuffer | Uint8Array) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

async function p256PublicKey(): Promise<string> {
  const pair = (await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits'])) as CryptoKeyPair;
  return base64url(await crypto.subtle.exportKey('raw', pair.publicKey));
}

const VAPID_KEY = await p256PublicKey();

async function workerRegistration(): Promise<ServiceWorkerRegistration> {
  const registration = await navigator.serviceWorker.register(WORKER, { type: 'module' });
  const worker = registration.installing ?? registration.waiting ?? registration.active!;
  if (worker.state !== 'activated') {
    await new Promise<void>((resolve) => worker.addEventListener('statechange', () => worker.state === 'activated' && resolve()));
  }
  return registration;
}

/** The real registration, with a push manager whose subscriptions point where `endpoint()` says. */
function standInPush(registration: ServiceWorkerRegistration, endpoint: () => string) {
  let current: PushSubscription | null = null;
  const made: string[] = [];
  const pushManager = {
    async getSubscription() {
      return current;
    },
    async subscribe(options: PushSubscriptionOptionsInit) {
      const url = endpoint();
      made.push(url);
      const keys = { p256dh: await p256PublicKey(), auth: base64url(crypto.getRandomValues(new Uint8Array(16))) };
      const key = options.applicationServerKey as Uint8Array;
      const subscription = {
        endpoint: url,
        expirationTime: null,
        options: { userVisibleOnly: true, applicationServerKey: key.buffer.slice(key.byteOffset, key.byteOffset + key.byteLength) },
        toJSON: () => ({ endpoint: url, expirationTime: null, keys }),
        getKey: () => null,
        unsubscribe: async () => {
          if (current === subscription) current = null;
          return true;
        },
      } as unknown as PushSubscription;
      current = subscription;
      return subscription;
    },
  };
  const standIn: PushRegistration = {
    pushManager,
    get active() {
      return registration.active;
    },
    get waiting() {
      return registration.waiting;
    },
    get installing() {
      return registration.installing;
    },
  };
  return { registration: standIn, made, current: () => current };
}

/** What the worker keeps in IndexedDB (the store as the worker creates it, should this open first). */
async function workerAuth(): Promise<Record<string, unknown> | null> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open('call-widgets-sw', 1);
    request.onupgradeneeded = () => request.result.createObjectStore('auth');
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  try {
    return await new Promise((resolve, reject) => {
      const request = db.transaction('auth').objectStore('auth').get('current');
      request.onsuccess = () => resolve((request.result as Record<string, unknown> | undefined) ?? null);
      request.onerror = () => reject(request.error);
    });
  } finally {
    db.close();
  }
}

async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, what: string, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const rows = async (user: BrowserUser) => {
  const { data, error } = await user.supabase.from('video_call_push_subscriptions').select('endpoint, p256dh, auth, lang, user_id');
  if (error) throw new Error(error.message);
  return data!;
};
const settled = (el: CallNotifications, state: CallNotificationsState) => until(() => el.state === state, `the ${state} state (now ${el.state})`);
let endpoints = 0;
const pushEndpoint = () => `http://127.0.0.1:9/push/${crypto.randomUUID()}-${++endpoints}`;

describe('<call-notifications>', () => {
  let registration: ServiceWorkerRegistration;
  before(async () => {
    registration = await workerRegistration();
  });
  afterEach(async () => {
    await setPermission('prompt');
    await setViewport({ width: 800, height: 600 });
  });

  it('says the browser cannot when it has no PushManager, and a press explains, in English and Russian', async () => {
    const anna = await signUp('Anna');
    const saved = Object.getOwnPropertyDescriptor(window, 'PushManager')!;
    delete (window as { PushManager?: unknown }).PushManager;
    try {
      const el = await fixture<CallNotifications>(html`<call-notifications lang="en" vapid-public-key=${VAPID_KEY} .client=${anna.callClient}></call-notifications>`);
      await settled(el, 'unsupported');
      expect(button(el).getAttribute('aria-disabled')).to.equal('true');
      expect(button(el).getAttribute('aria-pressed')).to.equal('false');
      expect(button(el).textContent!.trim()).to.equal('Call notifications');
      button(el).click();
      await el.updateComplete;
      expect(message(el)).to.contain('This browser cannot show call notifications on this page');
      await expect(el).to.be.accessible();
      el.lang = 'ru';
      await el.updateComplete;
      expect(button(el).textContent!.trim()).to.equal('Уведомления о звонках');
      button(el).click();
      await el.updateComplete;
      expect(message(el)).to.contain('Этот браузер не может показывать уведомления о звонках');
      button(el).click();
      await el.updateComplete;
      expect(message(el), 'a second press puts it away').to.equal('');
    } finally {
      Object.defineProperty(window, 'PushManager', saved);
    }
  });

  it('asks to sign in when nobody is signed in', async () => {
    const { CallClient } = await import('../../src/core/call-client.ts');
    const { localStack } = await import('./support.ts');
    const { url, anonKey } = await localStack();
    const nobody = new CallClient({ url, anonKey, options: { auth: { persistSession: false, storageKey: 'nobody' } } });
    const el = await fixture<CallNotifications>(html`<call-notifications lang="en" vapid-public-key=${VAPID_KEY} .client=${nobody}></call-notifications>`);
    await settled(el, 'signed-out');
    button(el).focus();
    await sendKeys({ press: 'Enter' });
    await el.updateComplete;
    expect(message(el)).to.equal('Sign in to get call notifications.');
    await expect(el).to.be.accessible();
  });

  it('shows how to allow notifications when the site blocked them, in Russian, and does not ask', async () => {
    await setPermission('denied');
    const anna = await signUp('Anna');
    const push = standInPush(registration, pushEndpoint);
    const el = await fixture<CallNotifications>(html`<call-notifications lang="ru" vapid-public-key=${VAPID_KEY} .client=${anna.callClient} .registration=${push.registration}></call-notifications>`);
    await settled(el, 'denied');
    expect(inside(el, '#description').textContent).to.equal('Уведомления для этого сайта заблокированы.');
    button(el).focus();
    await sendKeys({ press: 'Space' });
    await el.updateComplete;
    expect(message(el)).to.contain('Уведомления для этого сайта заблокированы.');
    expect(inside(el, '[part~="help"]').textContent).to.contain('«Разрешить»');
    expect(push.made, 'nothing subscribed').to.deep.equal([]);
    expect(await rows(anna)).to.deep.equal([]);
    await expect(el).to.be.accessible();
    await sendKeys({ press: 'Escape' });
    await el.updateComplete;
    expect(message(el)).to.equal('');
  });

  it('offers to turn on when permission was never given, and asks the browser on a press', async () => {
    const anna = await signUp('Anna');
    const push = standInPush(registration, pushEndpoint);
    const el = await fixture<CallNotifications>(html`<call-notifications lang="en" vapid-public-key=${VAPID_KEY} .client=${anna.callClient} .registration=${push.registration}></call-notifications>`);
    await settled(el, 'prompt');
    expect(button(el).getAttribute('aria-disabled')).to.equal('false');
    expect(inside(el, '#description').textContent).to.equal('Off: press to get invitations and reminders in this browser');
    await expect(el).to.be.accessible();
    // Headless Chromium answers the permission prompt itself: blocked or dismissed, it is said in words.
    const failed = nextEvent<{ code: string }>(el, 'call-error');
    button(el).click();
    expect((await failed).detail.code).to.equal('push_denied');
    await until(() => el.state === 'denied' || el.state === 'prompt', 'the answer of the prompt');
    expect(message(el)).to.match(el.state === 'denied' ? /Notifications are blocked for this site/ : /Notifications were not allowed/);
    expect(await rows(anna)).to.deep.equal([]);
  });

  it('reads "allowed but not subscribed" from the real worker found by its script URL', async () => {
    await setPermission('granted');
    const anna = await signUp('Anna');
    const el = await fixture<CallNotifications>(html`<call-notifications lang="en" service-worker-url=${WORKER} vapid-public-key=${VAPID_KEY} .client=${anna.callClient}></call-notifications>`);
    await settled(el, 'unsubscribed');
    expect(button(el).getAttribute('aria-pressed')).to.equal('false');
    expect(button(el).getAttribute('aria-disabled')).to.equal('false');
    await expect(el).to.be.accessible();
  });

  it('says so when the worker at service-worker-url cannot be installed, and stores nothing', async () => {
    await setPermission('granted');
    const anna = await signUp('Anna');
    // The TypeScript source registered as a classic script: its `import`s fail the install.
    const el = await fixture<CallNotifications>(html`<call-notifications lang="en" service-worker-url="${WORKER}?classic" vapid-public-key=${VAPID_KEY} .client=${anna.callClient}></call-notifications>`);
    await settled(el, 'unsubscribed');
    button(el).click();
    await settled(el, 'error');
    await el.updateComplete;
    expect(message(el)).to.match(/^Could not change notifications\. .*call-widgets-sw\.ts\?classic/);
    expect(await rows(anna)).to.deep.equal([]);
  });

  it("gives up on the browser's own push service when it does not answer (headless Chromium has none), with nothing stored", async () => {
    await setPermission('granted');
    const anna = await signUp('Anna');
    const failure = await anna.callClient.enablePush({ registration, vapidPublicKey: VAPID_KEY, subscribeTimeoutMs: 1500 }).then(
      () => null,
      (error: { code: string; message: string }) => error,
    );
    expect(failure?.code).to.equal('failed');
    expect(failure?.message).to.match(/^the browser's push service could not subscribe: (no answer within 2 s|.+)/);
    expect(await rows(anna)).to.deep.equal([]);
  });

  it('turns on: stores the subscription as the user, hands the worker the access token (never the refresh token); turns off: both gone', async () => {
    await setPermission('granted');
    const anna = await signUp('Anna');
    const push = standInPush(registration, pushEndpoint);
    const el = await fixture<CallNotifications>(html`<call-notifications lang="en" vapid-public-key=${VAPID_KEY} .client=${anna.callClient} .registration=${push.registration}></call-notifications>`);
    await settled(el, 'unsubscribed');
    const changes: string[] = [];
    el.addEventListener('call-notifications-change', (event) => changes.push(event.detail.state));
    button(el).click();
    await el.updateComplete;
    expect(el.state).to.equal('working');
    expect(button(el).getAttribute('aria-busy')).to.equal('true');
    expect(message(el)).to.equal('Turning notifications on…');
    await settled(el, 'subscribed');
    await el.updateComplete;
    expect(changes).to.deep.equal(['working', 'subscribed']);
    expect(button(el).getAttribute('aria-pressed')).to.equal('true');
    expect(message(el)).to.equal('Notifications are on. Invitations and reminders will come to this browser.');
    const [row] = await rows(anna);
    const json = push.current()!.toJSON();
    expect(row).to.deep.equal({ endpoint: json.endpoint, p256dh: json.keys!.p256dh, auth: json.keys!.auth, lang: 'en', user_id: anna.id });
    const { data } = await anna.supabase.auth.getSession();
    const auth = await eventually(workerAuth, (value) => value?.accessToken === data.session!.access_token, 'the token in the worker');
    expect(Object.keys(auth!).sort()).to.deep.equal(['accessToken', 'anonKey', 'expiresAt', 'lang', 'supabaseUrl', 'type']);
    expect(JSON.stringify(auth)).not.to.contain(data.session!.refresh_token);
    expect(auth!.expiresAt).to.equal(data.session!.expires_at);
    await expect(el).to.be.accessible();

    // A fresh bell on the page (a reload) finds it on.
    const again = await fixture<CallNotifications>(html`<call-notifications vapid-public-key=${VAPID_KEY} .client=${anna.callClient} .registration=${push.registration}></call-notifications>`);
    await settled(again, 'subscribed');

    button(el).click();
    await settled(el, 'unsubscribed');
    await el.updateComplete;
    expect(message(el)).to.equal('Notifications are off in this browser.');
    expect(await rows(anna)).to.deep.equal([]);
    expect(push.current(), 'the browser unsubscribed').to.equal(null);
    await eventually(workerAuth, (value) => value === null, 'the worker forgetting the token');
  });

  it('says why when the subscription is refused, keeps nothing, and tries again on the next press', async () => {
    await setPermission('granted');
    const anna = await signUp('Anna');
    let endpoint = 'http://push.example.test/not-https';
    const push = standInPush(registration, () => endpoint);
    const el = await fixture<CallNotifications>(html`<call-notifications lang="ru" vapid-public-key=${VAPID_KEY} .client=${anna.callClient} .registration=${push.registration}></call-notifications>`);
    await settled(el, 'unsubscribed');
    const failed = nextEvent<{ code: string; message: string }>(el, 'call-error');
    button(el).click();
    expect((await failed).detail.code).to.equal('invalid_input');
    await settled(el, 'error');
    await el.updateComplete;
    expect(message(el)).to.match(/^Не удалось изменить уведомления\. could not save the push subscription: push endpoint .* must be an https: URL/);
    expect(await rows(anna)).to.deep.equal([]);
    await expect(el).to.be.accessible();

    endpoint = pushEndpoint();
    push.current()?.unsubscribe();
    button(el).click();
    await settled(el, 'subscribed');
    expect((await rows(anna)).map((row) => row.endpoint)).to.deep.equal([endpoint]);
  });

  it('refuses a VAPID key that is no P-256 public key, with nothing subscribed', async () => {
    await setPermission('granted');
    const anna = await signUp('Anna');
    const push = standInPush(registration, pushEndpoint);
    const el = await fixture<CallNotifications>(html`<call-notifications lang="en" vapid-public-key="not-a-key" .client=${anna.callClient} .registration=${push.registration}></call-notifications>`);
    await settled(el, 'unsubscribed');
    button(el).click();
    await settled(el, 'error');
    await el.updateComplete;
    expect(message(el)).to.contain('the VAPID public key must be 65 bytes in base64url');
    expect(push.made).to.deep.equal([]);
  });

  it("renews this browser's subscription when another account registered its endpoint: the browser is the signed-in person's", async () => {
    await setPermission('granted');
    const anna = await signUp('Anna');
    const boris = await signUp('Boris');
    const shared = pushEndpoint();
    let next = shared;
    const push = standInPush(registration, () => next);
    const annasBell = await fixture<CallNotifications>(html`<call-notifications vapid-public-key=${VAPID_KEY} .client=${anna.callClient} .registration=${push.registration}></call-notifications>`);
    await settled(annasBell, 'unsubscribed');
    button(annasBell).click();
    await settled(annasBell, 'subscribed');
    annasBell.remove();

    const renewed = pushEndpoint();
    next = renewed;
    const borisBell = await fixture<CallNotifications>(html`<call-notifications vapid-public-key=${VAPID_KEY} .client=${boris.callClient} .registration=${push.registration}></call-notifications>`);
    await settled(borisBell, 'unsubscribed');
    button(borisBell).click();
    await settled(borisBell, 'subscribed');
    expect(push.made).to.deep.equal([shared, renewed]);
    expect((await rows(boris)).map((row) => row.endpoint)).to.deep.equal([renewed]);
    expect((await rows(anna)).map((row) => row.endpoint), "Anna's row stays until a push to it fails").to.deep.equal([shared]);
  });

  it('makes the worker forget the token and unsubscribes this browser when the user signs out', async () => {
    await setPermission('granted');
    const anna = await signUp('Anna');
    const push = standInPush(registration, pushEndpoint);
    const el = await fixture<CallNotifications>(html`<call-notifications vapid-public-key=${VAPID_KEY} .client=${anna.callClient} .registration=${push.registration}></call-notifications>`);
    await settled(el, 'unsubscribed');
    button(el).click();
    await settled(el, 'subscribed');
    await eventually(workerAuth, (value) => value !== null, 'the token in the worker');
    await anna.supabase.auth.signOut();
    await eventually(workerAuth, (value) => value === null, 'the worker forgetting the token');
    await until(() => push.current() === null, 'the browser unsubscribed');
    await settled(el, 'signed-out');
  });

  it('fits a 360 px phone: the bell alone with `compact`, the help panel inside the screen', async () => {
    await setViewport({ width: 360, height: 640 });
    await setPermission('denied');
    const anna = await signUp('Anna');
    const wrapper = await fixture<HTMLDivElement>(html`<div style="display:flex;justify-content:flex-end;padding:8px"><call-notifications compact lang="en" vapid-public-key=${VAPID_KEY} .client=${anna.callClient}></call-notifications></div>`);
    const el = wrapper.querySelector('call-notifications')!;
    await settled(el, 'denied');
    const box = button(el).getBoundingClientRect();
    expect(box.width).to.be.within(40, 48);
    expect(box.height).to.be.at.least(40);
    button(el).click();
    await el.updateComplete;
    const panel = inside(el, '[part~="message"]').getBoundingClientRect();
    expect(panel.left).to.be.at.least(0);
    expect(panel.right).to.be.at.most(360);
    await expect(el).to.be.accessible();
  });
});
