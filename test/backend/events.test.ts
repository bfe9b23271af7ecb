import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestStack, type TestStack, type TestUser } from '../support/stack.ts';

describe('calls of calendar events (event_video_call)', () => {
  let stack: TestStack;
  let anna: TestUser;
  let boris: TestUser;
  let vera: TestUser;
  let outsider: TestUser;

  before(async () => {
    stack = await startTestStack();
    anna = await stack.createUser({ email: 'anna@crm.test', name: 'Anna' });
    boris = await stack.createUser({ email: 'boris@crm.test', name: 'Boris' });
    vera = await stack.createUser({ email: 'vera@crm.test', name: 'Vera' });
    outsider = await stack.createUser({ name: 'Outsider' });
  });
  after(() => stack.close());

  const open = (user: TestUser, args: Record<string, unknown>) => user.client.rpc('event_video_call', args);
  const participantsOf = async (user: TestUser, sessionId: string) => {
    const { data, error } = await user.client
      .from('video_call_participants')
      .select('user_id, email, display_name, role, invite_status')
      .eq('session_id', sessionId)
      .order('created_at');
    assert.ifError(error);
    return data!;
  };

  it('creates the call hosted by the caller, with the attendees invited by id or e-mail', async () => {
    const { data: session, error } = await open(anna, {
      p_event_id: 'evt-1',
      p_title: 'Demo for Acme',
      p_scheduled_at: '2026-12-01T10:00:00Z',
      p_crm_entity_type: 'deal',
      p_crm_entity_id: 'D-42',
      p_attendees: [boris.id, 'VERA@crm.test', 'guest@outside.test', 'anna@crm.test'],
    });
    assert.ifError(error);
    assert.equal(session.host_id, anna.id);
    assert.equal(session.event_id, 'evt-1');
    assert.equal(session.crm_entity_id, 'D-42');
    assert.equal(session.status, 'scheduled');
    const people = await participantsOf(anna, session.id);
    assert.deepEqual(
      people.map((p) => [p.user_id, p.role, p.display_name]),
      [
        [anna.id, 'host', 'Anna'],
        [boris.id, 'guest', 'Boris'],
        [null, 'guest', 'VERA'],
        [null, 'guest', 'guest'],
      ],
      'the host once; addresses stay addresses, whether or not they belong to an account',
    );
  });

  it('gives everyone invited the same call, and someone not invited a call of their own', async () => {
    const first = await open(anna, { p_event_id: 'evt-2', p_attendees: [boris.id] });
    const [again, fromBoris] = await Promise.all([
      open(anna, { p_event_id: 'evt-2' }),
      open(boris, { p_event_id: 'evt-2', p_title: 'ignored: the call exists' }),
    ]);
    assert.equal(again.data.id, first.data.id);
    assert.equal(fromBoris.data.id, first.data.id);
    const own = await open(outsider, { p_event_id: 'evt-2' });
    assert.ifError(own.error);
    assert.notEqual(own.data.id, first.data.id);
    assert.equal(own.data.host_id, outsider.id);
    assert.deepEqual((await participantsOf(anna, first.data.id)).map((p) => p.user_id), [anna.id, boris.id], 'Anna’s call is untouched');
  });

  it('makes one call when two people open a new event at the same moment', async () => {
    const results = await Promise.all([
      open(anna, { p_event_id: 'evt-race', p_attendees: [boris.id] }),
      open(boris, { p_event_id: 'evt-race', p_attendees: [anna.id] }),
    ]);
    for (const result of results) assert.ifError(result.error);
    assert.equal(results[0].data.id, results[1].data.id);
    const { count } = await stack.serviceClient().from('video_call_sessions').select('id', { count: 'exact', head: true }).eq('event_id', 'evt-race');
    assert.equal(count, 1);
  });

  it('starts a new call once the event’s call has ended', async () => {
    const first = await open(anna, { p_event_id: 'evt-3' });
    await anna.client.from('video_call_sessions').update({ status: 'ended' }).eq('id', first.data.id);
    const second = await open(anna, { p_event_id: 'evt-3' });
    assert.ifError(second.error);
    assert.notEqual(second.data.id, first.data.id);
  });

  it('refuses bad input with a clear error and creates nothing', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ p_event_id: '' }, /event id is required/],
      [{ p_event_id: 'evt-bad', p_attendees: ['not-an-address'] }, /neither a user id nor an e-mail/],
      [{ p_event_id: 'evt-bad', p_attendees: ['00000000-0000-4000-8000-000000000000'] }, /no user has the id/],
      [{ p_event_id: 'evt-bad', p_attendees: Array.from({ length: 101 }, (_, i) => `p${i}@x.test`) }, /at most 100/],
    ];
    for (const [args, message] of cases) {
      const { error, status } = await open(anna, args);
      assert.equal(status, 400, JSON.stringify(args).slice(0, 80));
      assert.match(error!.message, message);
    }
    const wrongType = await open(anna, { p_event_id: 'evt-bad', p_scheduled_at: 'next tuesday' });
    assert.equal(wrongType.status, 400);
    const { count } = await stack.serviceClient().from('video_call_sessions').select('id', { count: 'exact', head: true }).eq('event_id', 'evt-bad');
    assert.equal(count, 0, 'a refused attendee list leaves no half-made call behind');
    const signedOut = await stack.anonClient().rpc('event_video_call', { p_event_id: 'evt-anon' });
    assert.ok(signedOut.status === 401 || signedOut.status === 403, `status ${signedOut.status}`);
  });

  describe('whose call an event id names', () => {
    const find = (user: TestUser, args: Record<string, unknown>) => user.client.rpc('find_event_video_call', args);

    it('never gives attendees the call of a stranger who opened their event first, even one who invited them', async () => {
      const squatter = await stack.createUser({ name: 'Squatter' });
      const squat = await open(squatter, { p_event_id: 'evt-squat', p_attendees: [anna.id, boris.id, 'vera@crm.test'] });
      assert.ifError(squat.error);
      const team = [anna.id, 'boris@crm.test', 'vera@crm.test'];
      const fromAnna = await open(anna, { p_event_id: 'evt-squat', p_attendees: team });
      assert.ifError(fromAnna.error);
      assert.notEqual(fromAnna.data.id, squat.data.id);
      assert.equal(fromAnna.data.host_id, anna.id);
      const [fromBoris, fromVera] = await Promise.all([
        open(boris, { p_event_id: 'evt-squat', p_attendees: team }),
        open(vera, { p_event_id: 'evt-squat', p_attendees: ['anna@crm.test', boris.id] }),
      ]);
      assert.equal(fromBoris.data.id, fromAnna.data.id, 'Anna is on Boris’s list: her call, not the squatter’s earlier one');
      assert.equal(fromVera.data.id, fromAnna.data.id, 'an attendee given by e-mail address counts as the host too');
      const found = await find(boris, { p_event_id: 'evt-squat', p_attendees: team });
      assert.ifError(found.error);
      assert.deepEqual(found.data.map((s: { id: string }) => s.id), [fromAnna.data.id]);
    });

    it('prefers the caller’s own call, then the earliest call of an attendee that invited them', async () => {
      const first = await open(boris, { p_event_id: 'evt-pref', p_attendees: [vera.id] });
      const second = await open(anna, { p_event_id: 'evt-pref', p_attendees: [vera.id, boris.id] });
      assert.notEqual(second.data.id, first.data.id, 'Anna is not in Boris’s call: she gets her own');
      const fromVera = await open(vera, { p_event_id: 'evt-pref', p_attendees: [anna.id, boris.id] });
      assert.equal(fromVera.data.id, first.data.id);
      const fromBoris = await open(boris, { p_event_id: 'evt-pref', p_attendees: [anna.id, vera.id] });
      assert.equal(fromBoris.data.id, first.data.id, 'his own, though Anna invited him too');
    });

    it('finds without creating, and the newest ended call once none is open', async () => {
      const none = await find(anna, { p_event_id: 'evt-find', p_attendees: [boris.id] });
      assert.deepEqual(none.data, []);
      const { data: session } = await open(anna, { p_event_id: 'evt-find', p_attendees: [boris.id] });
      await anna.client.from('video_call_sessions').update({ status: 'ended' }).eq('id', session.id);
      assert.deepEqual((await find(boris, { p_event_id: 'evt-find', p_attendees: [anna.id] })).data, []);
      const ended = await find(boris, { p_event_id: 'evt-find', p_attendees: [anna.id], p_include_ended: true });
      assert.deepEqual(ended.data.map((s: { id: string; status: string }) => [s.id, s.status]), [[session.id, 'ended']]);
      assert.deepEqual((await find(outsider, { p_event_id: 'evt-find', p_include_ended: true })).data, [], 'nothing of a call one is not in');
      const signedOut = await stack.anonClient().rpc('find_event_video_call', { p_event_id: 'evt-find' });
      assert.ok(signedOut.status === 401 || signedOut.status === 403, `status ${signedOut.status}`);
    });

    it('allows one open call per event and host, and another host’s call beside it', async () => {
      const mine = await anna.client.from('video_call_sessions').insert({ event_id: 'evt-unique' }).select().single();
      assert.ifError(mine.error);
      const twice = await anna.client.from('video_call_sessions').insert({ event_id: 'evt-unique' });
      assert.equal(twice.status, 409);
      const other = await outsider.client.from('video_call_sessions').insert({ event_id: 'evt-unique' });
      assert.ifError(other.error);
    });

    it('cuts an event title longer than a call’s 200 characters instead of failing', async () => {
      const { data, error } = await open(anna, { p_event_id: 'evt-long', p_title: `  ${'T'.repeat(300)}` });
      assert.ifError(error);
      assert.equal(data.title, 'T'.repeat(200));
    });
  });

  describe('invite_to_video_call', () => {
    const invite = (user: TestUser, sessionId: string, invitee: unknown) =>
      user.client.rpc('invite_to_video_call', { p_session_id: sessionId, p_invitee: invitee });

    it('lets the host add people by user id or e-mail, each once', async () => {
      const { data: session } = await open(anna, { p_event_id: 'evt-inv-1' });
      const byId = await invite(anna, session.id, boris.id);
      assert.ifError(byId.error);
      assert.equal(byId.data.user_id, boris.id);
      assert.equal(byId.data.display_name, 'Boris');
      const byEmail = await invite(anna, session.id, ' Vera@CRM.test ');
      assert.ifError(byEmail.error);
      assert.equal(byEmail.data.email, 'Vera@CRM.test');
      const stranger = await invite(anna, session.id, 'new.client@acme.test');
      assert.equal(stranger.data.user_id, null);
      assert.equal(stranger.data.email, 'new.client@acme.test');
      for (const twice of [boris.id, 'vera@crm.test']) {
        const again = await invite(anna, session.id, twice);
        assert.equal(again.status, 409);
        assert.match(again.error!.message, /already invited/);
      }
      assert.equal((await participantsOf(anna, session.id)).length, 4);
    });

    it('tells the host nothing they did not pass: an address with an account answers as one without, an id shows no address', async () => {
      const { data: session } = await open(anna, { p_event_id: 'evt-inv-3' });
      const known = await invite(anna, session.id, 'vera@crm.test');
      const unknown = await invite(anna, session.id, 'vanya@crm.test');
      const byId = await invite(anna, session.id, boris.id);
      const shape = (row: Record<string, unknown>) => [row.user_id, row.email, row.display_name, row.avatar_url, row.invite_status];
      assert.deepEqual([known.status, unknown.status], [200, 200]);
      assert.deepEqual(shape(known.data), [null, 'vera@crm.test', 'vera', null, 'invited']);
      assert.deepEqual(shape(unknown.data), [null, 'vanya@crm.test', 'vanya', null, 'invited']);
      assert.deepEqual(shape(byId.data), [boris.id, null, 'Boris', null, 'invited']);
      assert.deepEqual(
        (await participantsOf(anna, session.id)).map((p) => [p.user_id, p.email]),
        [
          [anna.id, 'anna@crm.test'],
          [null, 'vera@crm.test'],
          [null, 'vanya@crm.test'],
          [boris.id, null],
        ],
        'the rows the host can read tell no more',
      );
    });

    it('refuses guests, strangers, bad invitees and ended calls, changing nothing', async () => {
      const { data: session } = await open(anna, { p_event_id: 'evt-inv-2', p_attendees: [boris.id] });
      const byGuest = await invite(boris, session.id, vera.id);
      assert.equal(byGuest.status, 403);
      assert.match(byGuest.error!.message, /only the host/);
      assert.equal((await invite(outsider, session.id, vera.id)).status, 403);
      for (const bad of ['', 'nobody', '00000000-0000-4000-8000-000000000000']) {
        const { status } = await invite(anna, session.id, bad);
        assert.equal(status, 400, `invitee ${JSON.stringify(bad)}`);
      }
      assert.equal((await invite(anna, 'not-a-uuid', vera.id)).status, 400);
      await anna.client.from('video_call_sessions').update({ status: 'ended' }).eq('id', session.id);
      const late = await invite(anna, session.id, vera.id);
      assert.equal(late.status, 409);
      assert.deepEqual(
        (await participantsOf(anna, session.id)).map((p) => p.user_id),
        [anna.id, boris.id],
      );
      const signedOut = await stack.anonClient().rpc('invite_to_video_call', { p_session_id: session.id, p_invitee: vera.id });
      assert.ok(signedOut.status === 401 || signedOut.status === 403, `status ${signedOut.status}`);
    });
  });
});
