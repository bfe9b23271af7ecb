/**
 * Calls through the stack's Janus SFU (issue 18) between headless Chromium pages: six people
 * each decoding the other five on two connections per page; a page with no token, another
 * session's token, a made-up one, or publishing as someone else gets nowhere; a removed
 * participant's media stops at Janus even when their page holds on; a relay-only call
 * whose relay cannot reach Janus steps down to a relayed mesh; Janus restarted mid-call →
 * the call recovers on the SFU; Janus down at join → a small call goes on as a mesh
 * (`sfu-unreachable`, step `mesh`).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { CallSession } from '../../src/core/call-session.ts';
import type { SfuAccess } from '../../src/core/sfu-connection.ts';
import { harnessCalls, signUp, waitFor, type E2EUser } from './support.ts';

type PeerView = Record<string, { frames: number; width: number; audioBytes: number }>;
interface Probe {
  access(o: unknown): Promise<{ access?: SfuAccess; problem?: string; message?: string }>;
  join(url: string, room: string, token: string | undefined, id: string, display?: string): Promise<{ joined: boolean; code?: number }>;
  hold(o: unknown, as?: string): Promise<void>;
  heldReceived(): Promise<{ bytes: number; peers: string[]; log: string[]; subscribed: boolean }>;
  heldBytesNow(): Promise<number>;
}
type Win = {
  harness: { peers(): Promise<PeerView>; state(): string; session(): CallSession; present(): string[]; topology(): string | undefined; connections(): number; logs(): string[]; fallbacks(): unknown[] };
  sfuProbe: Probe;
};

describe('calls through the SFU', () => {
  const calls = harnessCalls('e2e-sfu', { turn: { port: 0, required: true }, sfu: { required: true } });
  const { open, newCall } = calls;

  const people = async (names: string[]) => Promise.all(names.map((name) => signUp(calls.stack.url, calls.stack.anonKey, name)));
  const credentials = (user: E2EUser, sessionId: string) => ({ url: calls.stack.url, anonKey: calls.stack.anonKey, email: user.email, password: user.password, sessionId });
  const framesFrom = (page: Page) => page.evaluate(() => (window as never as Win).harness.peers());
  const decodes = (page: Page, ids: string[], what: string, ms = 60_000) =>
    waitFor(page, () => (window as never as Win).harness.peers(), (view) => ids.every((id) => (view[id]?.frames ?? 0) > 3 && (view[id]?.audioBytes ?? 0) > 0), what, ms);
  /** Frames keep coming from everyone in `ids` (more than at the call). */
  const moreFrames = async (page: Page, ids: string[], what: string, ms = 40_000) => {
    const before = await framesFrom(page);
    await waitFor(page, () => (window as never as Win).harness.peers(), (view) => ids.every((id) => (view[id]?.frames ?? 0) > (before[id]?.frames ?? 0) + 10), what, ms);
  };

  it('six people on the SFU each decode the five others, with two connections per page', async () => {
    const users = await people(['Anna', 'Boris', 'Vera', 'Gleb', 'Dina', 'Egor']);
    const [host, ...guests] = users;
    const sessionId = await newCall(host!, guests);
    const pages = await Promise.all(users.map((user) => open(user, sessionId)));
    for (const [index, page] of pages.entries()) {
      const others = users.filter((_, other) => other !== index).map((user) => user.id);
      await decodes(page, others, `${users[index]!.name} to decode the five others`);
    }
    for (const page of pages) {
      assert.equal(await page.evaluate(() => (window as never as Win).harness.topology()), 'sfu', 'auto chose the SFU for six');
      assert.ok((await page.evaluate(() => (window as never as Win).harness.connections())) <= 2, 'one publishing and one subscribing connection');
    }
    // The speaker-view thumbnail asks for the lowest layer: that one video shrinks, the others do not.
    await pages[0]!.evaluate((id) => (window as never as Win).harness.session().showPeerAt(id, 4), users[1]!.id);
    // (Relative widths: a busy encoder may send its top layer below 640 px for a while.)
    const lowered = await waitFor(pages[0]!, () => (window as never as Win).harness.peers(), (view) => (view[users[1]!.id]?.width ?? 0) > 0 && view[users[1]!.id]!.width <= 320, 'Boris’s video at a lower layer', 20_000);
    const low = lowered[users[1]!.id]!.width;
    assert.ok(lowered[users[2]!.id]!.width > low, `Vera still larger (${lowered[users[2]!.id]!.width} px) than Boris’s lower layer (${low} px)`);
    await pages[0]!.evaluate((id) => (window as never as Win).harness.session().showPeerAt(id, 1), users[1]!.id);
    await waitFor(pages[0]!, () => (window as never as Win).harness.peers(), (view) => (view[users[1]!.id]?.width ?? 0) > low, 'Boris back at the top layer', 20_000);
  });

  it('refuses a page without a token, with a made-up one or another call’s, and ignores a feed published as someone else', async () => {
    const [anna, boris, vera, outsider] = await people(['Anna', 'Boris', 'Vera', 'Olga']);
    const sessionId = await newCall(anna!, [boris!, vera!], { topology: 'sfu' });
    const otherCall = await newCall(anna!, [], { topology: 'sfu' });
    const [pageA, pageB] = await Promise.all([open(anna!, sessionId), open(boris!, sessionId)]);
    await decodes(pageA, [boris!.id], 'Anna to decode Boris');

    // The seventh page: an outsider gets no token and, without one, Janus turns the join away.
    const stranger = await calls.page();
    const refused = await stranger.evaluate((o) => (window as never as Win).sfuProbe.access(o), credentials(outsider!, sessionId));
    assert.equal(refused.problem, 'refused', refused.message);
    assert.match(refused.message ?? '', /403/);
    const { access } = await pageA.evaluate((o) => (window as never as Win).sfuProbe.access(o), credentials(anna!, sessionId));
    const { access: elsewhere } = await pageA.evaluate((o) => (window as never as Win).sfuProbe.access(o), credentials(anna!, otherCall));
    const tryJoin = (token: string | undefined) => stranger.evaluate(([url, room, t, id]) => (window as never as Win).sfuProbe.join(url!, room!, t, id!), [access!.url, access!.room, token, `${outsider!.id}:x`] as const);
    assert.deepEqual(await tryJoin(undefined), { joined: false, code: 433 });
    assert.deepEqual(await tryJoin(`${outsider!.id}.9999999999.forged`), { joined: false, code: 433 });
    assert.deepEqual(await tryJoin(elsewhere!.token), { joined: false, code: 433 }, 'a token opens its own call’s room only');

    // Vera, a member, publishes her camera under Anna's id with a claim signed by a key of her own:
    // Janus lets her (ids are ours), Boris does not take it for Anna.
    const pageV = await calls.page();
    await pageV.evaluate(([o, as]) => (window as never as Win).sfuProbe.hold(o, as), [credentials(vera!, sessionId), anna!.id] as const);
    await waitFor(pageB, () => (window as never as Win).harness.logs(), (lines) => lines.some((line) => new RegExp(`${anna!.id}:\\w+ is not signed by ${anna!.id}`).test(line)), 'Boris to ignore the forged feed');
    await moreFrames(pageB, [anna!.id], 'Boris still receiving the real Anna');
    const real = await pageB.evaluate((id) => (window as never as Win).harness.session().mesh?.connection(id) !== undefined, anna!.id);
    assert.ok(real, 'Anna still one of Boris’s people');
  });

  it('a removed participant loses media at the SFU, even when their page holds on', async () => {
    const [anna, boris, vera] = await people(['Anna', 'Boris', 'Vera']);
    const sessionId = await newCall(anna!, [boris!, vera!], { topology: 'sfu' });
    const [pageA, pageV] = await Promise.all([open(anna!, sessionId), open(vera!, sessionId)]);
    // Boris's page is one that ignores its removal: an SFU connection no session will close.
    const pageB = await calls.page();
    await pageB.evaluate((o) => (window as never as Win).sfuProbe.hold(o), credentials(boris!, sessionId));
    await waitFor(pageB, () => (window as never as Win).sfuProbe.heldReceived(), (held) => held.peers.length === 2 && held.bytes > 50_000, 'Boris’s held connection receiving both');
    await decodes(pageA, [vera!.id], 'Anna to decode Vera');

    await pageA.evaluate((id) => (window as never as Win).harness.session().remove(id), boris!.id);
    await waitFor(pageB, () => (window as never as Win).sfuProbe.heldReceived(), (held) => held.log.some((line) => line.includes('removed from the room')), 'Janus to kick Boris', 10_000);
    const stopped = await pageB.evaluate(() => (window as never as Win).sfuProbe.heldBytesNow());
    await new Promise((resolve) => setTimeout(resolve, 2000));
    assert.equal(await pageB.evaluate(() => (window as never as Win).sfuProbe.heldBytesNow()), stopped, 'no media reaches Boris after his removal');
    const again = await pageB.evaluate((o) => (window as never as Win).sfuProbe.access(o), credentials(boris!, sessionId));
    assert.equal(again.problem, 'refused', 'no new token for a removed participant');
    await moreFrames(pageA, [vera!.id], 'Anna and Vera still in the call');
    await moreFrames(pageV, [anna!.id], 'Vera still receiving Anna');
  });

  it('recovers on the SFU when Janus restarts mid-call', async () => {
    const [anna, boris, vera] = await people(['Anna', 'Boris', 'Vera']);
    const sessionId = await newCall(anna!, [boris!, vera!], { topology: 'sfu' });
    const pages = await Promise.all([anna!, boris!, vera!].map((user) => open(user, sessionId)));
    const ids = [anna!.id, boris!.id, vera!.id];
    for (const [index, page] of pages.entries()) await decodes(page, ids.filter((_, other) => other !== index), 'everyone decoding everyone');
    await calls.stack.sfu!.restart();
    for (const [index, page] of pages.entries()) {
      await waitFor(page, () => (window as never as Win).harness.logs(), (lines) => lines.some((line) => line.includes('joining again')), 'the page to notice Janus going', 20_000);
      await moreFrames(page, ids.filter((_, other) => other !== index), 'frames again after the restart', 60_000);
      assert.equal(await page.evaluate(() => (window as never as Win).harness.topology()), 'sfu', 'still on the SFU');
    }
  });

  it('a relay-only call whose relay cannot reach Janus goes on as a relay mesh, saying why', async () => {
    // The stack's coturn relays from 127.0.0.1, and Janus offers only its eth0 address (it never
    // gathers on loopback): relayed packets cannot reach it, as behind a TURN server that is not
    // next to the SFU. Both pages' connections to Janus fail, and the call steps down.
    const [anna, boris] = await people(['Anna', 'Boris']);
    const sessionId = await newCall(anna!, [boris!], { topology: 'sfu', force_relay: true });
    const [pageA, pageB] = await Promise.all([open(anna!, sessionId), open(boris!, sessionId)]);
    for (const page of [pageA, pageB]) {
      await waitFor(page, () => (window as never as Win).harness.fallbacks(), (list) => list.some((detail) => (detail as { reason: string; step: string }).reason === 'sfu-unreachable' && (detail as { step: string }).step === 'mesh'), 'the sfu-unreachable fallback', 60_000);
    }
    await decodes(pageA, [boris!.id], 'Anna to decode Boris over the relayed mesh');
    await decodes(pageB, [anna!.id], 'Boris to decode Anna over the relayed mesh');
    assert.equal(await pageA.evaluate(() => (window as never as Win).harness.topology()), 'mesh');
    const routes = await pageA.evaluate(async (id) => {
      const media = (window as never as Win).harness.session().mesh!;
      const kinds: string[] = [];
      for (const pc of [media.connection(id)]) {
        const reports = [...(await pc!.getStats()).values()] as { type: string; id: string; selectedCandidatePairId?: string; localCandidateId?: string; candidateType?: string }[];
        const transport = reports.find((report) => report.type === 'transport' && report.selectedCandidatePairId);
        const pair = reports.find((report) => report.id === transport?.selectedCandidatePairId);
        kinds.push(reports.find((report) => report.id === pair?.localCandidateId)?.candidateType ?? 'none');
      }
      return kinds;
    }, boris!.id);
    assert.deepEqual(routes, ['relay'], 'the mesh link relayed, as force_relay asks');
  });

  it('without Janus a small SFU call goes on as a mesh, saying why', async () => {
    const [anna, boris] = await people(['Anna', 'Boris']);
    const sessionId = await newCall(anna!, [boris!], { topology: 'sfu' });
    await calls.stack.sfu!.stop();
    try {
      const [pageA, pageB] = await Promise.all([open(anna!, sessionId), open(boris!, sessionId)]);
      await waitFor(pageA, () => (window as never as Win).harness.fallbacks(), (list) => list.some((detail) => (detail as { reason: string; step: string }).reason === 'sfu-unreachable' && (detail as { step: string }).step === 'mesh'), 'the sfu-unreachable fallback', 30_000);
      await decodes(pageA, [boris!.id], 'Anna to decode Boris over the mesh');
      await decodes(pageB, [anna!.id], 'Boris to decode Anna over the mesh');
      assert.equal(await pageA.evaluate(() => (window as never as Win).harness.topology()), 'mesh');
    } finally {
      await calls.stack.sfu!.start();
    }
  });
});
