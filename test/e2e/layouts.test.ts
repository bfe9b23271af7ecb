/**
 * Layouts between three real Chromium pages (fake cameras) in `<video-call-room>` on the CRM page
 * with the script-tag bundle, over the local stack: when Anna switches to the speaker view, the
 * two people in her strip are asked (a `view` signal to each) to send her a smaller picture, and
 * her inbound video from them drops in width — the large one's does not — and comes back once
 * she is in the grid again. The other links are not touched: Boris still sends Vera full size.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startLocalStack, type LocalStack } from '../../supabase/local/server.ts';
import { serveCrmPage } from './invitation-page.ts';
import { enter, FULL_SCREEN } from './phone-page.ts';
import { launchBrowser, signUp, waitFor } from './support.ts';

type User = Awaited<ReturnType<typeof signUp>>;
type Widths = Record<string, number>;

describe('layouts in the browser', () => {
  let stack: LocalStack;
  let crm: { url: string; close(): Promise<void> };
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  before(async () => {
    stack = await startLocalStack({ port: 0, memory: true, scheduler: false, turn: false, log: () => undefined });
    crm = await serveCrmPage(stack);
    browser = await launchBrowser();
  });
  after(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await crm?.close();
    await stack?.close();
  });

  async function open(user: User, sessionId: string): Promise<Page> {
    // Wide enough for three grid tiles of over 560 px each: the grid asks nobody for less, so
    // what arrives there is each camera's full size, whenever it is read.
    const context = await browser.newContext({ viewport: { width: 1920, height: 900 } });
    contexts.push(context);
    await context.addInitScript('window.__name = (fn) => fn;');
    // Each page starts in the grid (the layout is remembered per browser).
    await context.addInitScript("localStorage.setItem('call-widgets:layout', 'grid')");
    const page = await context.newPage();
    // The room takes the whole page, as a host giving the call the screen does.
    await enter(page, crm.url, user, `${FULL_SCREEN}<video-call-room autojoin session-id="${sessionId}"></video-call-room>`);
    await page.waitForFunction(() => (document.querySelector('video-call-room') as HTMLElement & { session?: { state: string } }).session?.state === 'connected', undefined, {
      timeout: 30_000,
    });
    return page;
  }

  /** The width of the frames this page decodes from each peer now (inbound-rtp frameWidth). */
  const widthsInPage = async (): Promise<Widths> => {
      const session = (document.querySelector('video-call-room') as unknown as { session: { participants: { id: string; isLocal: boolean }[]; mesh: { connection(id: string): RTCPeerConnection | undefined } } }).session;
      const widths: Record<string, number> = {};
      for (const person of session.participants) {
        if (person.isLocal) continue;
        const stats = await session.mesh.connection(person.id)?.getStats();
        stats?.forEach((report) => {
          if (report.type === 'inbound-rtp' && report.kind === 'video' && report.frameWidth) widths[person.id] = Math.max(widths[person.id] ?? 0, report.frameWidth);
        });
      }
      return widths;
  };
  const inboundWidths = (page: Page): Promise<Widths> => page.evaluate(widthsInPage);

  /** How the camera goes out from this page on its link to `peerId`: scale and bitrate cap. */
  const sending = (page: Page, peerId: string) =>
    page.evaluate((id) => {
      const session = (document.querySelector('video-call-room') as unknown as { session: { mesh: { connection(id: string): RTCPeerConnection | undefined } } }).session;
      const sender = session.mesh.connection(id)?.getSenders().find((candidate) => candidate.track?.kind === 'video');
      const [encoding] = sender?.getParameters().encodings ?? [];
      return { scale: encoding?.scaleResolutionDownBy ?? 1, maxBitrate: encoding?.maxBitrate ?? null };
    }, peerId);

  const press = (page: Page, part: string) => page.evaluate((p) => (document.querySelector('video-call-room')!.shadowRoot!.querySelector(`[part~="${p}"]`) as HTMLButtonElement).click(), part);
  const largeOne = (page: Page) => page.evaluate(() => (document.querySelector('video-call-room')!.shadowRoot!.querySelector('[part~="speaker"] [part~="tile"]') as HTMLElement | null)?.dataset.peer ?? null);

  it('sends the strip smaller to the page that shows it small, and full size again in the grid', async () => {
    const [anna, boris, vera] = await Promise.all(['Anna', 'Boris', 'Vera'].map((name) => signUp(stack.url, stack.anonKey, name)));
    const { data, error } = await anna.client.from('video_call_sessions').insert({ title: 'E2E layouts' }).select().single();
    assert.ifError(error);
    for (const guest of [boris, vera]) assert.ifError((await anna.client.from('video_call_participants').insert({ session_id: data.id, user_id: guest.id })).error);
    const [pageA, pageB, pageV] = await Promise.all([open(anna, data.id), open(boris, data.id), open(vera, data.id)]);

    // In the grid: everyone's video arrives at full size.
    const full = await waitFor(pageA, widthsInPage, (w) => (w[boris.id] ?? 0) >= 320 && (w[vera.id] ?? 0) >= 320, 'Anna to get Boris and Vera in the grid', 40_000);

    await press(pageA, 'layout-toggle');
    const large = await largeOne(pageA);
    assert.ok(large === boris.id || large === vera.id, `someone else large in Anna's speaker view (${large})`);
    const small = large === boris.id ? vera.id : boris.id;
    // Anna's own tile and the other one are in the strip; the large one keeps its size.
    const inStrip = await waitFor(pageA, widthsInPage, (w) => (w[small] ?? 0) > 0 && w[small] <= full[small] / 2, 'the strip peer to send Anna a smaller picture', 30_000);
    assert.ok(inStrip[large!] >= full[large!], `the large one not smaller: ${inStrip[large!]} of ${full[large!]}`);
    // Only the link to Anna: the strip peer still sends the third page its full picture.
    const smallPage = small === boris.id ? pageB : pageV;
    const thirdPage = small === boris.id ? pageV : pageB;
    const third = small === boris.id ? vera.id : boris.id;
    const toThird = await inboundWidths(thirdPage);
    assert.ok(toThird[small] >= full[small], `the strip peer's other link untouched: ${toThird[small]} of ${full[small]}`);
    // What the strip peer's page set: a quarter and 200 kbps toward Anna, nothing toward the third.
    assert.deepEqual(await sending(smallPage, anna.id), { scale: 4, maxBitrate: 200_000 });
    assert.deepEqual(await sending(smallPage, third), { scale: 1, maxBitrate: null });

    await press(pageA, 'layout-toggle');
    assert.equal(await largeOne(pageA), null, 'the grid again');
    const back = await waitFor(pageA, widthsInPage, (w) => (w[small] ?? 0) >= full[small], 'the strip peer back at its grid size for Anna', 30_000);
    assert.deepEqual(await sending(smallPage, anna.id), { scale: 1, maxBitrate: null }, 'full size toward Anna again');
    if (process.env.LAYOUTS_VERBOSE) console.log({ full, inStrip, toThird, back });
  });
});
