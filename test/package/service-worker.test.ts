/**
 * dist/call-widgets-sw.js as a site gets it (built in memory from the release rollup config, as
 * `npm run build` writes it): exported by the package, a classic script that `importScripts()`
 * can load, within its size budget, and — run in a worker-shaped global of its own — taking only
 * pushes, clicks and messages that are ours. The real worker in Chromium: test/e2e/push.test.ts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { Script, createContext } from 'node:vm';
import { gzipSync } from 'node:zlib';
import { BUNDLE_BUDGETS, buildServiceWorker } from '../../scripts/script-tag-bundle.ts';

const root = resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const code = await buildServiceWorker();

type Listener = (event: Record<string, unknown>) => void;

/** Runs the worker in a global with what it touches: listeners, showNotification, navigator. */
function runWorker(language: string) {
  const listeners = new Map<string, Listener[]>();
  const shown: { title: string; options: Record<string, unknown> }[] = [];
  const self = {
    addEventListener: (type: string, listener: Listener) => listeners.set(type, [...(listeners.get(type) ?? []), listener]),
    registration: {
      scope: 'https://crm.example.test/',
      showNotification: async (title: string, options: Record<string, unknown>) => void shown.push({ title, options }),
    },
    navigator: { language },
  };
  const context = createContext({ self, Intl, URL, JSON, Promise, console, Date, Number, Object, Array, String });
  new Script(code, { filename: 'call-widgets-sw.js' }).runInContext(context);
  const dispatch = async (type: string, event: Record<string, unknown>) => {
    const waits: Promise<unknown>[] = [];
    for (const listener of listeners.get(type) ?? []) listener({ isTrusted: true, waitUntil: (work: Promise<unknown>) => waits.push(work), ...event });
    await Promise.all(waits);
    return waits.length;
  };
  return { listeners, shown, dispatch };
}

const pushOf = (payload: unknown) => ({ data: { json: () => (typeof payload === 'string' ? JSON.parse(payload) : payload) } });
const invitation = {
  kind: 'invite',
  session_id: '6f9d3f5e-0f53-4c4c-9d39-8e8f5c1d2a10',
  event_id: 'evt-42',
  title: 'Планёрка',
  starts_at: '2026-12-02T15:30:00Z',
  url: 'https://crm.example.test/?event=evt-42',
  host_name: 'Анна',
};

describe('the service worker file', () => {
  it('is the package export ./call-widgets-sw.js, with side effects declared', () => {
    assert.equal(pkg.exports['./call-widgets-sw.js'], './dist/call-widgets-sw.js');
    assert.ok(pkg.sideEffects.includes('./dist/call-widgets-sw.js'));
    assert.ok(pkg.files.includes('dist'));
  });

  it('is a classic script: no import or export, so importScripts() loads it', () => {
    assert.doesNotThrow(() => new Script(code), 'compiles as a classic script');
    assert.doesNotMatch(code, /(^|[;}\s])(import|export)\s*[{*\w'"]/m);
    assert.match(code, /^\/\*! supabase-call-widgets [\d.]+ service worker \(MIT\) \*\//);
  });

  it('stays within its gzip budget', () => {
    const gzip = gzipSync(code, { level: 9 }).length;
    assert.ok(gzip <= BUNDLE_BUDGETS.serviceWorker, `${(gzip / 1024).toFixed(2)} kB gzip, over its ${BUNDLE_BUDGETS.serviceWorker / 1024} kB budget`);
  });

  it('listens for push, notificationclick and message, and nothing else', () => {
    assert.deepEqual([...runWorker('en-US').listeners.keys()].sort(), ['message', 'notificationclick', 'push']);
  });

  it('shows an invitation in the worker’s language, one per call, with Join and Decline', async () => {
    const worker = runWorker('ru-RU');
    assert.equal(await worker.dispatch('push', pushOf(invitation)), 1);
    assert.equal(worker.shown.length, 1);
    const [{ title, options }] = worker.shown;
    assert.equal(title, 'Планёрка');
    assert.match(String(options.body), /^Анна приглашает вас на видеозвонок\n.*2 дек/);
    assert.equal(options.tag, `call-widgets:${invitation.session_id}`);
    assert.equal(options.requireInteraction, false);
    assert.deepEqual(JSON.parse(JSON.stringify(options.actions)), [
      { action: 'join', title: 'Войти' },
      { action: 'decline', title: 'Отклонить' },
    ]);
  });

  it('shows a reminder under the same tag (replacing the invitation), kept until answered, with Join and Dismiss', async () => {
    const worker = runWorker('en-GB');
    await worker.dispatch('push', pushOf({ ...invitation, kind: 'reminder', title: null }));
    const [{ title, options }] = worker.shown;
    assert.equal(title, 'Video call');
    assert.match(String(options.body), /^The video call starts soon\n.*\nАнна$/);
    assert.equal(options.tag, `call-widgets:${invitation.session_id}`);
    assert.equal(options.requireInteraction, true);
    assert.deepEqual(JSON.parse(JSON.stringify(options.actions)).map((action: { action: string }) => action.action), ['join', 'dismiss']);
  });

  it('leaves pushes that are not ours alone (a host worker importing it keeps its own)', async () => {
    const worker = runWorker('en-US');
    for (const payload of [{ kind: 'chat', session_id: 'x' }, { kind: 'invite' }, { kind: 'invite', session_id: 7 }, { kind: 'invite', session_id: 'x', title: 5 }, { hello: 'world' }, 'not json', null]) {
      assert.equal(await worker.dispatch('push', { data: { json: () => (payload === 'not json' ? JSON.parse('{') : payload) } }), 0, JSON.stringify(payload));
    }
    assert.equal(await worker.dispatch('push', { data: null }), 0, 'an empty push');
    let closed = false;
    assert.equal(await worker.dispatch('notificationclick', { action: '', notification: { data: { other: 'app' }, close: () => (closed = true) } }), 0);
    assert.equal(closed, false, "someone else's notification is not closed");
    assert.equal(await worker.dispatch('message', { data: { type: 'other-app:auth', accessToken: 'x' } }), 0);
    assert.equal(await worker.dispatch('message', { data: { type: 'call-widgets:auth', supabaseUrl: 'javascript:alert(1)', anonKey: 'k', accessToken: 't', expiresAt: 1 } }), 0);
    assert.deepEqual(worker.shown, []);
  });
});
