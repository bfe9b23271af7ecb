/**
 * Storybook smoke check: `npm run build-storybook` works offline, and every story renders its
 * element in Chromium from fixture state, without a backend and without a script error.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from './support.ts';

const root = resolve(import.meta.dirname, '../..');
const out = join(root, 'storybook-static');
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.json': 'application/json', '.css': 'text/css', '.svg': 'image/svg+xml', '.woff2': 'font/woff2' };

describe('Storybook', () => {
  let server: Server;
  let origin: string;
  let browser: Browser;
  let stories: { id: string; title: string; name: string }[];

  before(async () => {
    execFileSync('npm', ['run', 'build-storybook'], { cwd: root, stdio: 'pipe', env: { ...process.env, STORYBOOK_DISABLE_TELEMETRY: '1' } });
    const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8'));
    stories = Object.values(index.entries as Record<string, { id: string; title: string; name: string; type: string }>).filter((entry) => entry.type === 'story');
    server = createServer((req, res) => {
      const path = normalize(new URL(req.url ?? '/', 'http://x').pathname).replace(/^(\.\.[/\\])+/, '');
      try {
        const body = readFileSync(join(out, path === '/' ? 'index.html' : path));
        res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(body);
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    server?.closeAllConnections();
    await new Promise((done) => server?.close(done));
  });

  /** Opens one story's canvas and returns what its element shows (text of its shadow root). */
  async function render(page: Page, id: string): Promise<{ tag: string; text: string; tiles: number; items: number }> {
    await page.goto(`${origin}/iframe.html?id=${id}&viewMode=story`);
    await page.waitForFunction(() => {
      const element = document.querySelector('#storybook-root')?.querySelector('video-call-room, call-participants, event-call-button');
      return Boolean(element?.shadowRoot?.textContent?.trim());
    });
    await page.waitForTimeout(150); // stories with a play function act after the first render
    return page.evaluate(() => {
      const element = document.querySelector('#storybook-root')!.querySelector('video-call-room, call-participants, event-call-button')!;
      const shadow = element.shadowRoot!;
      const nested = shadow.querySelector('call-participants')?.shadowRoot;
      return {
        tag: element.localName,
        text: (shadow.textContent ?? '').replace(/\s+/g, ' ') + (nested?.textContent ?? '').replace(/\s+/g, ' '),
        tiles: shadow.querySelectorAll('[part~="tile"]').length,
        items: shadow.querySelectorAll('[part~="item"]').length + (nested?.querySelectorAll('[part~="item"]').length ?? 0),
      };
    });
  }

  it('renders every story of every element without errors, and each state shows what it should', async () => {
    assert.ok(stories.length >= 30, `${stories.length} stories`);
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    const seen: Record<string, Awaited<ReturnType<typeof render>>> = {};
    for (const story of stories) {
      seen[story.id] = await render(page, story.id);
      assert.deepEqual(errors, [], `${story.id} threw`);
    }
    const room = (name: string) => seen[`elements-video-call-room--${name}`];
    assert.equal(room('six-people').tiles, 6);
    assert.equal(room('four-people').tiles, 4);
    assert.equal(room('waiting-for-others').tiles, 1);
    assert.match(room('waiting-for-others').text, /Waiting for others/);
    assert.match(room('reconnecting').text, /Reconnecting/);
    assert.match(room('failed').text, /not invited/);
    assert.match(room('permission-denied').text, /blocked/);
    assert.match(room('joining').text, /Joining/);
    assert.match(room('russian').text, /В звонке: 4/);
    const list = (name: string) => seen[`elements-call-participants--${name}`];
    assert.equal(list('before-the-call').items, 5);
    assert.match(list('before-the-call').text, /Declined/);
    assert.match(list('russian').text, /Организатор/);
    assert.match(list('loading').text, /Loading people/);
    const button = (name: string) => seen[`elements-event-call-button--${name}`];
    assert.match(button('set-up').text, /Set up a video call/);
    assert.match(button('in-progress').text, /Join · 3 in the call/);
    assert.match(button('ended').text, /Start a new call/);
    assert.match(button('signed-out').text, /Sign in/);
    assert.match(button('not-invited').text, /not invited/);
    assert.match(button('host-with-invitations').text, /User id or e-mail/);
    assert.match(button('russian').text, /в звонке: 2/);
  });
});
