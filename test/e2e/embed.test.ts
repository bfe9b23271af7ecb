/**
 * The script-tag embed as a CRM page uses it: a plain <script src> of the rollup IIFE bundle,
 * `CallWidgets.configure()`, a sign-in, and a <video-call-room> tag. One person has camera and
 * microphone blocked by the browser: they still join, see and hear the other, and are told why
 * they cannot speak. Two pages chat through the bundle's <call-chat>.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startLocalStack, type LocalStack } from '../../supabase/local/server.ts';
import { CHROMIUM, CHROMIUM_ARGS, serveEmbedPage, signUp } from './support.ts';

const page = (backend: { url: string; anonKey: string }) => `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>CRM</title></head>
<body>
  <h1>Deal: ACME renewal</h1>
  <video-call-room style="height: 480px"></video-call-room>
  <script src="/call-widgets.min.js"></script>
  <script>
    CallWidgets.configure({ url: ${JSON.stringify(backend.url)}, anonKey: ${JSON.stringify(backend.anonKey)} });
    window.enter = async (email, password, sessionId) => {
      const { error } = await CallWidgets.client.supabase.auth.signInWithPassword({ email, password });
      if (error) throw new Error(error.message);
      const room = document.querySelector('video-call-room');
      room.sessionId = sessionId;
      const joined = new Promise((resolve) => room.addEventListener('call-joined', resolve, { once: true }));
      room.autojoin = true;
      await joined;
    };
    window.openChat = async (email, password, sessionId) => {
      const { error } = await CallWidgets.client.supabase.auth.signInWithPassword({ email, password });
      if (error) throw new Error(error.message);
      const chat = document.createElement('call-chat');
      chat.setAttribute('session-id', sessionId);
      document.body.append(chat);
    };
  </script>
</body>
</html>`;

describe('script-tag embed', () => {
  let stack: LocalStack;
  let server: { origin: string; close(): Promise<void> };
  let origin: string;
  let allowed: Browser;
  let denied: Browser;

  before(async () => {
    stack = await startLocalStack({ port: 0, memory: true, scheduler: false, log: () => undefined });
    server = await serveEmbedPage(page({ url: stack.url, anonKey: stack.anonKey }));
    origin = server.origin;
    allowed = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    // No fake permission UI: the browser itself refuses camera and microphone.
    denied = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--use-fake-device-for-media-stream', '--deny-permission-prompts', '--autoplay-policy=no-user-gesture-required', '--no-sandbox'],
    });
  });
  after(async () => {
    await allowed?.close();
    await denied?.close();
    await server?.close();
    await stack?.close();
  });

  const shadowText = (p: Page) => p.evaluate(() => document.querySelector('video-call-room')!.shadowRoot!.textContent!.replace(/\s+/g, ' '));

  it('calls between two CRM pages, one with camera and microphone blocked', async () => {
    const anna = await signUp(stack.url, stack.anonKey, 'Anna');
    const boris = await signUp(stack.url, stack.anonKey, 'Boris');
    const { data } = await anna.client.from('video_call_sessions').insert({ title: 'ACME renewal', crm_entity_type: 'deal', crm_entity_id: 'D-42' }).select().single();
    assert.ifError((await anna.client.from('video_call_participants').insert({ session_id: data.id, user_id: boris.id })).error);

    const pageA = await (await allowed.newContext()).newPage();
    const pageB = await (await denied.newContext()).newPage();
    await Promise.all([pageA.goto(origin), pageB.goto(origin)]);
    assert.equal(await pageA.evaluate(() => typeof (window as never as { CallWidgets: { configure: unknown } }).CallWidgets.configure), 'function');
    assert.equal(await pageA.evaluate(() => customElements.get('video-call-room') !== undefined), true);

    await Promise.all([
      pageA.evaluate(([e, p, s]) => (window as never as { enter(...a: string[]): Promise<void> }).enter(e, p, s), [anna.email, anna.password, data.id]),
      pageB.evaluate(([e, p, s]) => (window as never as { enter(...a: string[]): Promise<void> }).enter(e, p, s), [boris.email, boris.password, data.id]),
    ]);

    // Boris, blocked, is told why and still sees Anna's video.
    await pageB.waitForFunction(() => {
      const room = document.querySelector('video-call-room')!;
      const video = room.shadowRoot!.querySelector<HTMLVideoElement>('[part~="tile"]:not(.local) video');
      return Boolean(video && video.videoWidth > 0);
    }, undefined, { timeout: 30_000 });
    assert.match(await shadowText(pageB), /Camera and microphone are blocked/);
    // Anna sees Boris as a tile with his initials, microphone off.
    await pageA.waitForFunction(() => {
      const tiles = document.querySelector('video-call-room')!.shadowRoot!.querySelectorAll('[part~="tile"]');
      return tiles.length === 2 && [...tiles].some((tile) => /Boris.*Microphone off/.test(tile.getAttribute('aria-label') ?? ''));
    }, undefined, { timeout: 30_000 });
    const initials = await pageA.evaluate(() =>
      [...document.querySelector('video-call-room')!.shadowRoot!.querySelectorAll('.initials')].map((node) => node.textContent),
    );
    assert.deepEqual(initials, ['B'], 'Boris has no video: his initials stand in');
  });

  it('chats between two CRM pages through the bundle\'s <call-chat>', async () => {
    const anna = await signUp(stack.url, stack.anonKey, 'Anna');
    const boris = await signUp(stack.url, stack.anonKey, 'Boris');
    const { data } = await anna.client.from('video_call_sessions').insert({ title: 'ACME renewal' }).select().single();
    assert.ifError((await anna.client.from('video_call_participants').insert({ session_id: data.id, user_id: boris.id })).error);
    const [pageA, pageB] = await Promise.all([allowed.newPage(), allowed.newPage()]);
    await Promise.all([pageA.goto(origin), pageB.goto(origin)]);
    const errors: string[] = [];
    for (const p of [pageA, pageB]) p.on('pageerror', (error) => errors.push(error.message));
    await Promise.all([
      pageA.evaluate(([e, p, s]) => (window as never as { openChat(...a: string[]): Promise<void> }).openChat(e, p, s), [anna.email, anna.password, data.id]),
      pageB.evaluate(([e, p, s]) => (window as never as { openChat(...a: string[]): Promise<void> }).openChat(e, p, s), [boris.email, boris.password, data.id]),
    ]);
    const ready = () => (document.querySelector('call-chat') as HTMLElement & { state: string }).state === 'empty';
    await Promise.all([pageA.waitForFunction(ready), pageB.waitForFunction(ready)]);
    await pageA.locator('call-chat textarea').fill('Hello <b>Boris</b>, the deal: https://crm.example.com/D-42');
    await pageA.locator('call-chat textarea').press('Enter');
    await pageB.waitForFunction(() => {
      const root = document.querySelector('call-chat')!.shadowRoot!;
      return root.querySelector('[aria-live="polite"]')!.textContent!.trim() === 'Anna: Hello <b>Boris</b>, the deal: https://crm.example.com/D-42';
    }, undefined, { timeout: 15_000 });
    const shown = await pageB.evaluate(() => {
      const root = document.querySelector('call-chat')!.shadowRoot!;
      return { body: root.querySelector('[part~="body"]')!.textContent, bold: root.querySelectorAll('[part~="body"] b').length, link: root.querySelector<HTMLAnchorElement>('a[part~="link"]')!.href };
    });
    assert.deepEqual(shown, { body: 'Hello <b>Boris</b>, the deal: https://crm.example.com/D-42', bold: 0, link: 'https://crm.example.com/D-42' });
    assert.deepEqual(errors, []);
  });
});
