/**
 * TURN relay figures from headless Chromium pages (the e2e harness: the core alone) over the
 * local stack and its coturn, the credentials fetched by the core from video-call-ice-servers:
 *   - join → first remote video frame, 2 peers, direct beside relay-only (`settings.force_relay`),
 *     runs taking turns so drift in machine load hits both alike (median and each run)
 *   - a relay call across a coturn restart: from coturn listening again to frames decoded again
 * A direct path cut mid-call is bench/path-cut.ts (it needs a network namespace to firewall).
 */
import { performance } from 'node:perf_hooks';
import type { Browser, Page } from 'playwright-core';
import type { CallSession } from '../src/core/call-session.ts';
import type { LocalStack } from '../supabase/local/server.ts';
import { launchBrowser, serveHarness, signUp } from '../test/e2e/support.ts';

type HarnessWindow = { harness: { start(o: unknown): Promise<string>; session(): CallSession | undefined } };
type User = Awaited<ReturnType<typeof signUp>>;

/** Video frames decoded on `page` from `peerId`, once more than `after` have been (polled in the page every 20 ms). */
export const decodedBeyond = (page: Page, peerId: string, after: number, ms = 60_000) =>
  page.evaluate(
    async ({ id, after, ms }) => {
      const deadline = performance.now() + ms;
      for (;;) {
        const pc = (window as never as HarnessWindow).harness.session()?.mesh?.connection(id);
        let frames = 0;
        (await pc?.getStats())?.forEach((report) => {
          if (report.type === 'inbound-rtp' && report.kind === 'video') frames += report.framesDecoded ?? 0;
        });
        if (frames > after) return frames;
        if (performance.now() > deadline) throw new Error(`no frames from ${id} within ${ms} ms`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    { id: peerId, after, ms },
  );

/**
 * Anna and Boris (each signed up now) join a call of their own in two fresh pages of `browser`;
 * resolves once Anna's page decoded Boris's first frame, with the time that took from the joins.
 */
export async function twoPageCall(stack: LocalStack, harnessUrl: string, browser: Browser, forceRelay: boolean) {
  const [anna, boris] = await Promise.all([signUp(stack.url, stack.anonKey, 'Anna'), signUp(stack.url, stack.anonKey, 'Boris')]);
  const { data, error } = await anna.client.from('video_call_sessions').insert({ title: 'bench', settings: { force_relay: forceRelay } }).select().single();
  if (error) throw new Error(error.message);
  const invited = await anna.client.from('video_call_participants').insert({ session_id: data.id, user_id: boris.id });
  if (invited.error) throw new Error(invited.error.message);
  const contexts = await Promise.all([browser.newContext(), browser.newContext()]);
  const pages = await Promise.all(contexts.map((context) => context.newPage()));
  await Promise.all(pages.map((page) => page.goto(harnessUrl).then(() => page.waitForFunction(() => 'harness' in window))));
  const open = (page: Page, user: User) =>
    page.evaluate((o) => (window as never as HarnessWindow).harness.start(o), {
      url: stack.url,
      anonKey: stack.anonKey,
      email: user.email,
      password: user.password,
      sessionId: data.id,
    });
  const started = performance.now();
  await Promise.all([open(pages[0]!, anna), open(pages[1]!, boris)]);
  await decodedBeyond(pages[0]!, boris.id, 0);
  return { firstFrame: performance.now() - started, pageA: pages[0]!, pageB: pages[1]!, anna, boris, close: () => Promise.all(contexts.map((context) => context.close())) };
}

export async function benchRelay(stack: LocalStack, print: (label: string, value: string) => void): Promise<void> {
  const turn = stack.turn;
  if (!turn) throw new Error('the relay bench needs the stack’s coturn (apt-get install coturn)');
  const harness = await serveHarness();
  const browser: Browser = await launchBrowser();
  const runs = Number(process.env.BENCH_RELAY_RUNS ?? 3);
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const seconds = (values: number[]) => values.map((value) => (value / 1000).toFixed(2)).join(' / ');

  try {
    const times: Record<'direct' | 'relay', number[]> = { direct: [], relay: [] };
    for (let run = 0; run < runs; run++) {
      for (const kind of ['direct', 'relay'] as const) {
        const result = await twoPageCall(stack, harness.url, browser, kind === 'relay');
        times[kind].push(result.firstFrame);
        await result.close();
      }
    }
    for (const kind of ['direct', 'relay'] as const) {
      print(`join → first remote frame, 2 peers, ${kind}`, `median ${median(times[kind]).toFixed(0)} ms   runs ${seconds(times[kind])} s`);
    }
    print('relay ÷ direct, first frame', `${(median(times.relay) / median(times.direct)).toFixed(2)}×`);

    const recoveries: number[] = [];
    for (let run = 0; run < runs; run++) {
      const result = await twoPageCall(stack, harness.url, browser, true);
      await decodedBeyond(result.pageA, result.boris.id, 10);
      await turn.stop();
      await turn.start();
      const back = performance.now();
      // No frame passes while coturn is gone: those counted now are all from before it went.
      const frozen = await decodedBeyond(result.pageA, result.boris.id, -1);
      await decodedBeyond(result.pageA, result.boris.id, frozen + 5, 90_000);
      recoveries.push(performance.now() - back);
      await result.close();
    }
    print('relay call, coturn restarted → frames again', `median ${median(recoveries).toFixed(0)} ms   runs ${seconds(recoveries)} s`);
  } finally {
    await browser.close();
    await harness.close();
  }
}
