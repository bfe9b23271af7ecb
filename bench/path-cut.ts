/**
 * A direct path cut mid-call: from the kernel dropping the browsers' direct datagrams to the first
 * video frame decoded over a relay pair, in two headless Chromium pages over the local stack and
 * its coturn (no force_relay: the call starts direct). Runs in a network namespace of its own,
 * which it firewalls (scripts/with-private-network.sh); `npm run bench` starts it that way:
 *   scripts/with-private-network.sh node --import tsx bench/path-cut.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Page } from 'playwright-core';
import type { HarnessWindow } from '../test/e2e/call-stats.ts';
import { startLocalStack } from '../supabase/local/server.ts';
import { RELAY_PORTS } from '../supabase/local/turn/coturn.ts';
import { launchBrowser, serveHarness } from '../test/e2e/support.ts';
import { assertPrivateNetwork, cutDirectPaths } from '../test/support/private-network.ts';
import { decodedBeyond, twoPageCall } from './relay.ts';

/**
 * Resolves (polling getStats every 20 ms in the page) once the link to `peerId` has a selected
 * pair with a relay candidate and a frame was decoded after that pair was first seen.
 */
const relayFrame = (page: Page, peerId: string, ms = 60_000) =>
  page.evaluate(
    async ({ id, ms }) => {
      const deadline = performance.now() + ms;
      let framesAtSwitch: number | undefined;
      for (;;) {
        const stats = await (window as never as HarnessWindow).harness.session()!.mesh!.connection(id)!.getStats();
        let frames = 0;
        let pairId: string | undefined;
        stats.forEach((report) => {
          if (report.type === 'inbound-rtp' && report.kind === 'video') frames += report.framesDecoded ?? 0;
          if (report.type === 'transport' && report.selectedCandidatePairId) pairId = report.selectedCandidatePairId;
        });
        const pair = pairId ? stats.get(pairId) : undefined;
        const relayed = pair && [pair.localCandidateId, pair.remoteCandidateId].some((candidate) => stats.get(candidate)?.candidateType === 'relay');
        if (relayed && framesAtSwitch === undefined) framesAtSwitch = frames;
        if (framesAtSwitch !== undefined && frames > framesAtSwitch) return;
        if (performance.now() > deadline) throw new Error(`no frame over a relay pair within ${ms} ms`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    { id: peerId, ms },
  );

export async function benchPathCut(print: (label: string, value: string) => void): Promise<void> {
  assertPrivateNetwork();
  const dataDir = mkdtempSync(join(tmpdir(), 'call-widgets-bench-cut-'));
  const stack = await startLocalStack({ port: 0, dataDir, scheduler: false, log: () => undefined, turn: { port: 0, required: true } });
  const harness = await serveHarness();
  const browser = await launchBrowser();
  const runs = Number(process.env.BENCH_RELAY_RUNS ?? 3);
  try {
    const times: number[] = [];
    for (let run = 0; run < runs; run++) {
      const call = await twoPageCall(stack, harness.url, browser, false);
      await decodedBeyond(call.pageA, call.boris.id, 30);
      const started = performance.now();
      const cut = cutDirectPaths([stack.turn!.port, [RELAY_PORTS.min, RELAY_PORTS.max]]);
      try {
        await Promise.all([relayFrame(call.pageA, call.boris.id), relayFrame(call.pageB, call.anna.id)]);
        times.push(performance.now() - started);
      } finally {
        cut.restore();
        await call.close();
      }
    }
    const median = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
    print('direct path cut → frames over the relay, both ways', `median ${median.toFixed(0)} ms   runs ${times.map((value) => (value / 1000).toFixed(2)).join(' / ')} s`);
  } finally {
    await browser.close();
    await harness.close();
    await stack.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchPathCut((label, value) => console.log(`${label}\n    ${value}`));
  // supabase-js's Realtime leaves a 10 s timer behind (supabase/supabase-js#2666).
  process.exit(0);
}
