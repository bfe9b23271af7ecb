/**
 * `npm run demo:screenshots`: the CRM demo in headless Chromium at 1280 px and 390 px wide, and
 * with a call open between two people, saved to docs/screenshots/ (look at them after UI changes).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startLocalStack } from '../supabase/local/server.ts';
import { launchBrowser } from '../test/e2e/support.ts';
import { seedDemoUsers, startDemoServer } from './server.ts';

const out = join(import.meta.dirname, '..', 'docs', 'screenshots');
mkdirSync(out, { recursive: true });

const stack = await startLocalStack({ port: 0, memory: true, scheduler: false, log: () => undefined });
await seedDemoUsers(stack);
const demo = await startDemoServer(stack, { port: 0 });
const browser = await launchBrowser();

/** Waits until the meeting's call button has found out its state. */
const ready = (page: Page) => page.waitForFunction(() => {
  const button = document.querySelector('event-call-button') as (HTMLElement & { state: string }) | null;
  return button !== null && button.state !== 'loading' && document.getElementById('auth-status')!.textContent!.length > 0;
});

try {
  for (const [width, height] of [[1280, 900], [390, 844]] as const) {
    const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    await page.goto(`${demo.url}?user=anna`);
    await ready(page);
    await page.screenshot({ path: join(out, `demo-${width}.png`), fullPage: width < 600 });
    await context.close();
  }
  // A call: Anna and Boris press the meeting's button in their own windows.
  const pages: Page[] = [];
  for (const user of ['boris', 'anna']) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${demo.url}?user=${user}`);
    await ready(page);
    await page.click('event-call-button >> [part~="button"]');
    await page.waitForSelector('event-call-button >> video-call-room >> [part~="tile"]');
    pages.push(page);
  }
  await pages[1].waitForFunction(() => document.querySelector('event-call-button')!.shadowRoot!.querySelector('video-call-room')!.shadowRoot!.querySelectorAll('[part~="tile"]').length === 2);
  await pages[1].waitForTimeout(1500);
  await pages[1].screenshot({ path: join(out, 'demo-call-1280.png') });
  console.log(`screenshots in ${out}`);
} finally {
  await browser.close();
  await demo.close();
  await stack.close();
}
