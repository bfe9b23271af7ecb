/**
 * What a harness page (test/e2e/harness.ts) receives from a peer, read from the getStats of the
 * link's own RTCPeerConnection: decoded frames, and the candidate types of the pair ICE selected.
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { CallSession } from '../../src/core/call-session.ts';
import type { CallFallbackDetail } from '../../src/core/fallback.ts';

export type HarnessWindow = {
  harness: {
    start(o: unknown): Promise<string>;
    peers(): Promise<Record<string, { connection?: string }>>;
    fallbacks(): CallFallbackDetail[];
    session(): CallSession | undefined;
    leave(): Promise<void>;
    logs(): string[];
  };
};

/** Video frames decoded from `peerId` so far (inbound-rtp of the link's connection). */
export const framesDecoded = (page: Page, peerId: string) =>
  page.evaluate(async (id) => {
    const pc = (window as never as HarnessWindow).harness.session()?.mesh?.connection(id);
    let frames = 0;
    (await pc?.getStats())?.forEach((report) => {
      if (report.type === 'inbound-rtp' && report.kind === 'video') frames += report.framesDecoded ?? 0;
    });
    return frames;
  }, peerId);

/** Frames from `peerId` keep arriving: ten more decoded than when asked. */
export async function framesFlow(page: Page, peerId: string, what: string, ms = 40_000): Promise<number> {
  const start = await framesDecoded(page, peerId);
  const deadline = Date.now() + ms;
  for (;;) {
    const now = await framesDecoded(page, peerId);
    if (now > start + 10) return now;
    if (Date.now() > deadline) {
      const seen = await page.evaluate((id) => {
        const { harness } = window as never as HarnessWindow;
        const pc = harness.session()?.mesh?.connection(id);
        return { connection: pc?.connectionState, ice: pc?.iceConnectionState, rung: harness.session()?.linkRung(id), fallbacks: harness.fallbacks(), log: harness.logs().slice(-12) };
      }, peerId);
      assert.fail(`timed out waiting for ${what}: ${now - start} frames in ${ms} ms; ${JSON.stringify(seen, null, 1)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The local and remote candidate types of the selected candidate pair of the link to `peerId`. */
export const selectedPair = async (page: Page, peerId: string) => {
  const pair = await selectedPairDetail(page, peerId);
  return pair && { local: pair.local, remote: pair.remote };
};

/**
 * Whether the pair runs through the relay whose ports are `relayPorts`: a relay candidate on
 * either side, or a peer-reflexive remote on a relay port — the other side's relay address,
 * learned from its checks before its candidate was signalled (Firefox shows that as host → prflx).
 */
export const throughRelay = (pair: { local?: string; remote?: string; remotePort?: number } | undefined, relayPorts: { min: number; max: number }) =>
  !!pair && (pair.local === 'relay' || pair.remote === 'relay' || (pair.remote === 'prflx' && pair.remotePort !== undefined && pair.remotePort >= relayPorts.min && pair.remotePort <= relayPorts.max));

/** The selected pair's candidate types, and the remote candidate's port. */
export const selectedPairDetail = (page: Page, peerId: string) =>
  page.evaluate(async (id) => {
    const pc = (window as never as HarnessWindow).harness.session()!.mesh!.connection(id)!;
    const stats = await pc.getStats();
    let pairId: string | undefined;
    stats.forEach((report) => {
      if (report.type === 'transport' && report.selectedCandidatePairId) pairId = report.selectedCandidatePairId;
    });
    if (!pairId) {
      stats.forEach((report) => {
        if (report.type === 'candidate-pair' && report.nominated && report.state === 'succeeded') pairId = report.id;
      });
    }
    const pair = pairId ? stats.get(pairId) : undefined;
    return pair ? { local: stats.get(pair.localCandidateId)?.candidateType, remote: stats.get(pair.remoteCandidateId)?.candidateType, remotePort: stats.get(pair.remoteCandidateId)?.port as number | undefined } : undefined;
  }, peerId);
