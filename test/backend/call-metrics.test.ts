/**
 * video_call_metrics as real users through supabase-js: a member writes their own row through
 * report_video_call_metrics (a second report replaces the first), malformed or out-of-range values
 * are refused with 22023 naming the field and nothing stored, outsiders, removed guests and the
 * anon key are refused, users read only their own rows and never write the table directly, and
 * video_call_daily_stats is the service role's alone and counts what was reported.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestStack, type TestStack, type TestUser } from '../support/stack.ts';

const GOOD = {
  first_frame_ms: 850.4,
  candidate_type: 'srflx',
  avg_bitrate_kbps: 1450.5,
  packet_loss_pct: 0.8,
  rtt_ms: 42.5,
  duration_s: 600,
  outcome: 'ok',
  browser: 'Chrome 131',
};

describe('call metrics', () => {
  let stack: TestStack;
  let host: TestUser;
  let guest: TestUser;
  let stranger: TestUser;

  before(async () => {
    stack = await startTestStack();
    host = await stack.createUser({ name: 'Host Anna' });
    guest = await stack.createUser({ name: 'Guest Boris' });
    stranger = await stack.createUser({ name: 'Stranger' });
  });
  after(() => stack.close());

  const newSession = async () => {
    const { data, error } = await host.client.from('video_call_sessions').insert({ title: 'Metrics' }).select().single();
    assert.ifError(error);
    const invited = await host.client.rpc('invite_to_video_call', { p_session_id: data.id, p_invitee: guest.id });
    assert.ifError(invited.error);
    return data.id as string;
  };
  const report = (user: TestUser, sessionId: string, metrics: unknown) =>
    user.client.rpc('report_video_call_metrics', { p_session_id: sessionId, p_metrics: metrics });
  const stored = async (sessionId: string) => {
    const { data, error } = await stack.serviceClient().from('video_call_metrics').select('*').eq('session_id', sessionId);
    assert.ifError(error);
    return data as Record<string, unknown>[];
  };

  it('stores a member\'s own row, whole numbers rounded, and replaces it on a second report', async () => {
    const sessionId = await newSession();
    const first = await report(guest, sessionId, GOOD);
    assert.ifError(first.error);
    assert.equal(first.data.user_id, guest.id);
    assert.equal(first.data.first_frame_ms, 850);
    assert.equal(first.data.candidate_type, 'srflx');
    assert.equal(first.data.rtt_ms, 42.5);
    assert.equal(first.data.outcome, 'ok');
    assert.equal(first.data.failure_reason, null);
    const hostReport = await report(host, sessionId, { outcome: 'ok', candidate_type: 'host', first_frame_ms: 300 });
    assert.ifError(hostReport.error);
    const again = await report(guest, sessionId, { outcome: 'failed', failure_reason: 'ice_failed', first_frame_ms: null, browser: 'Firefox 133' });
    assert.ifError(again.error);
    const rows = await stored(sessionId);
    assert.equal(rows.length, 2, 'one row per participant');
    const guestRow = rows.find((row) => row.user_id === guest.id)!;
    assert.equal(guestRow.id, first.data.id, 'the same row, replaced');
    assert.equal(guestRow.outcome, 'failed');
    assert.equal(guestRow.failure_reason, 'ice_failed');
    assert.equal(guestRow.first_frame_ms, null);
    assert.equal(guestRow.candidate_type, null, 'what the new report leaves out is cleared, not kept from the old');
  });

  it('refuses malformed and out-of-range values with 22023 naming the field, storing nothing', async () => {
    const sessionId = await newSession();
    const cases: [unknown, RegExp][] = [
      [{ ...GOOD, first_frame_ms: -1 }, /first_frame_ms/],
      [{ ...GOOD, first_frame_ms: 600001 }, /first_frame_ms/],
      [{ ...GOOD, first_frame_ms: '850' }, /first_frame_ms/],
      [{ ...GOOD, packet_loss_pct: 100.5 }, /packet_loss_pct/],
      [{ ...GOOD, packet_loss_pct: -0.1 }, /packet_loss_pct/],
      [{ ...GOOD, rtt_ms: 60001 }, /rtt_ms/],
      [{ ...GOOD, avg_bitrate_kbps: 1000001 }, /avg_bitrate_kbps/],
      [{ ...GOOD, duration_s: 7 * 24 * 3600 + 1 }, /duration_s/],
      [{ ...GOOD, duration_s: true }, /duration_s/],
      [{ ...GOOD, candidate_type: 'turn' }, /candidate_type/],
      [{ ...GOOD, outcome: 'great' }, /outcome/],
      [{ ...GOOD, outcome: undefined }, /outcome/],
      [{ ...GOOD, failure_reason: 'x'.repeat(501) }, /failure_reason/],
      [{ ...GOOD, browser: 42 }, /browser/],
      [{ ...GOOD, user_id: stranger.id }, /unknown field user_id/],
      [[GOOD], /JSON object/],
      ['ok', /JSON object/],
      [null, /JSON object/],
    ];
    for (const [metrics, pattern] of cases) {
      const { error } = await report(guest, sessionId, metrics);
      assert.equal(error?.code, '22023', JSON.stringify(metrics));
      assert.match(error?.message ?? '', pattern);
    }
    const noSession = await guest.client.rpc('report_video_call_metrics', { p_session_id: null, p_metrics: GOOD });
    assert.equal(noSession.error?.code, '22023');
    assert.deepEqual(await stored(sessionId), []);
  });

  it('the table refuses out-of-range values even from the service role', async () => {
    const sessionId = await newSession();
    const service = stack.serviceClient();
    for (const bad of [{ first_frame_ms: 600001 }, { packet_loss_pct: 101 }, { rtt_ms: -1 }, { avg_bitrate_kbps: 2e6 }, { duration_s: 604801 }, { candidate_type: 'udp' }, { outcome: 'maybe' }]) {
      const { error } = await service.from('video_call_metrics').insert({ session_id: sessionId, user_id: guest.id, outcome: 'ok', ...bad });
      assert.equal(error?.code, '23514', JSON.stringify(bad));
    }
    assert.deepEqual(await stored(sessionId), []);
  });

  it('refuses outsiders, removed guests and the anon key', async () => {
    const sessionId = await newSession();
    const outsider = await report(stranger, sessionId, GOOD);
    assert.equal(outsider.error?.code, '42501');
    const anon = await stack.anonClient().rpc('report_video_call_metrics', { p_session_id: sessionId, p_metrics: GOOD });
    assert.ok(anon.error, 'the anon key may not report');
    const removed = await host.client.rpc('remove_video_call_participant', { p_session_id: sessionId, p_user_id: guest.id });
    assert.ifError(removed.error);
    const afterRemoval = await report(guest, sessionId, GOOD);
    assert.equal(afterRemoval.error?.code, '42501');
    assert.deepEqual(await stored(sessionId), []);
  });

  it('lets users read only their own rows and write none directly', async () => {
    const sessionId = await newSession();
    assert.ifError((await report(guest, sessionId, GOOD)).error);
    assert.ifError((await report(host, sessionId, { ...GOOD, candidate_type: 'relay' })).error);
    const own = await guest.client.from('video_call_metrics').select('user_id, candidate_type').eq('session_id', sessionId);
    assert.ifError(own.error);
    assert.deepEqual(own.data, [{ user_id: guest.id, candidate_type: 'srflx' }], 'not the host\'s row, same call though it is');
    const outsider = await stranger.client.from('video_call_metrics').select('*').eq('session_id', sessionId);
    assert.deepEqual(outsider.data, []);
    const anonRead = await stack.anonClient().from('video_call_metrics').select('*');
    assert.equal(anonRead.error?.code, '42501');

    const forged = await stranger.client.from('video_call_metrics').insert({ session_id: sessionId, user_id: guest.id, outcome: 'failed' });
    assert.equal(forged.error?.code, '42501');
    const edited = await guest.client.from('video_call_metrics').update({ outcome: 'failed' }).eq('session_id', sessionId);
    assert.equal(edited.error?.code, '42501');
    const deleted = await guest.client.from('video_call_metrics').delete().eq('session_id', sessionId);
    assert.equal(deleted.error?.code, '42501');
    const rows = await stored(sessionId);
    assert.equal(rows.length, 2);
    assert.ok(rows.every((row) => row.outcome === 'ok'));
  });

  it('gives the service role the day\'s calls, success rate, p50/p95 and relay share, and nobody else', async () => {
    await stack.db.query('delete from public.video_call_metrics');
    const [a, b] = [await newSession(), await newSession()];
    for (const [user, sessionId, metrics] of [
      [host, a, { outcome: 'ok', first_frame_ms: 100, candidate_type: 'host' }],
      [guest, a, { outcome: 'ok', first_frame_ms: 200, candidate_type: 'relay' }],
      [host, b, { outcome: 'ok', first_frame_ms: 300, candidate_type: 'srflx' }],
      [guest, b, { outcome: 'failed', failure_reason: 'ice_failed' }],
    ] as const) {
      assert.ifError((await report(user, sessionId, metrics)).error);
    }
    const { data, error } = await stack.serviceClient().from('video_call_daily_stats').select('*');
    assert.ifError(error);
    assert.equal(data!.length, 1);
    const today = new Date().toISOString().slice(0, 10);
    assert.deepEqual(
      { ...data![0], success_rate: Number(data![0].success_rate), relay_share: Number(data![0].relay_share) },
      { day: today, calls: 2, participants: 4, success_rate: 0.75, p50_first_frame_ms: 200, p95_first_frame_ms: 290, relay_share: 0.3333 },
    );
    for (const client of [host.client, stack.anonClient()]) {
      const refused = await client.from('video_call_daily_stats').select('*');
      assert.equal(refused.error?.code, '42501');
    }
  });
});
