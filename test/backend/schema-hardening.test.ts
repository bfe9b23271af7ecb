/**
 * The call schema against ordinary signed-in users trying what the API lets them send: everything
 * through supabase-js as real users, checked from both the refused and the allowed side.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startTestStack, type TestStack, type TestUser } from '../support/stack.ts';

type Row = Record<string, unknown>;

describe('call schema hardening', () => {
  let stack: TestStack;
  let host: TestUser;
  let guest: TestUser;
  let outsider: TestUser;

  before(async () => {
    stack = await startTestStack();
    host = await stack.createUser({ email: 'anna@example.test', name: 'Anna' });
    guest = await stack.createUser({ email: 'boris@example.test', name: 'Boris' });
    outsider = await stack.createUser({ email: 'eve@example.test', name: 'Eve' });
  });
  after(() => stack.close());

  const newSession = async (user: TestUser = host, values: Row = {}) => {
    const { data, error } = await user.client.from('video_call_sessions').insert({ title: 'Hardening', ...values }).select().single();
    assert.ifError(error);
    return data as Row & { id: string };
  };
  const inviteGuest = async (sessionId: string, user: TestUser = guest) => {
    const { data, error } = await host.client.from('video_call_participants').insert({ session_id: sessionId, user_id: user.id }).select().single();
    assert.ifError(error);
    return data as Row & { id: string };
  };
  const rowsOf = async (sessionId: string) =>
    (await stack.serviceClient().from('video_call_participants').select().eq('session_id', sessionId).order('created_at')).data as Row[];
  /**
   * A user whose auth metadata is `metadata`, as hosted GoTrue, an SSO provider or the admin API
   * may store it (the local Auth API bounds these fields itself, so the row is written directly).
   */
  const withMetadata = async (metadata: Record<string, unknown>): Promise<TestUser> => {
    const user = await stack.createUser();
    await stack.db.query('update auth.users set raw_user_meta_data = $2::jsonb where id = $1', [user.id, JSON.stringify(metadata)]);
    return user;
  };

  describe('invitations a host writes', () => {
    it('takes a user id or an e-mail address, and stamps the row on the server', async () => {
      const session = await newSession();
      const byId = await host.client
        .from('video_call_participants')
        .insert({ session_id: session.id, user_id: guest.id, created_at: '2000-01-01T00:00:00Z' })
        .select()
        .single();
      assert.ifError(byId.error);
      assert.deepEqual(
        [byId.data.role, byId.data.invite_status, byId.data.presence_status, byId.data.signal_key, byId.data.display_name],
        ['guest', 'invited', 'offline', null, 'Boris'],
      );
      assert.ok(new Date(byId.data.created_at) > new Date('2001-01-01'), 'created_at is the server’s');
      const byEmail = await host.client.from('video_call_participants').insert({ session_id: session.id, email: ' dana@example.test ' }).select('email').single();
      assert.ifError(byEmail.error);
      assert.equal(byEmail.data.email, 'dana@example.test');
    });

    it('refuses anything an invitee or the server writes: answers, presence, signal keys, names, timestamps, a second host', async () => {
      const session = await newSession();
      const forged: [string, Row][] = [
        ['signal_key', { signal_key: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' } }],
        ['invite_status', { invite_status: 'accepted' }],
        ['presence_status', { presence_status: 'connected' }],
        ['joined_at', { joined_at: '2026-01-01T00:00:00Z' }],
        ['left_at', { left_at: '2026-01-01T00:00:00Z' }],
        ['last_seen_at', { last_seen_at: '2999-01-01T00:00:00Z' }],
        ['mic_on', { mic_on: true }],
        ['cam_on', { cam_on: true }],
        ['display_name', { display_name: 'Bank security' }],
        ['avatar_url', { avatar_url: 'https://example.test/a.png' }],
        ['role', { role: 'host' }],
      ];
      for (const [what, values] of forged) {
        const { status, error } = await host.client.from('video_call_participants').insert({ session_id: session.id, user_id: guest.id, ...values });
        assert.equal(status, 403, what);
        assert.match(error!.message, what === 'role' ? /one host/ : /names its invitee only/, what);
      }
      const both = await host.client.from('video_call_participants').insert({ session_id: session.id, user_id: guest.id, email: 'x@example.test' });
      assert.equal(both.status, 400);
      assert.match(both.error!.message, /either a user id or an e-mail address/);
      const notAnAddress = await host.client.from('video_call_participants').insert({ session_id: session.id, email: 'two words@example.test' });
      assert.equal(notAnAddress.status, 400);
      assert.equal((await rowsOf(session.id)).length, 1, 'only the host’s own row');

      const [own] = await rowsOf(session.id);
      assert.deepEqual([own.role, own.invite_status, own.display_name], ['host', 'accepted', 'Anna'], 'the host’s own row is made as before');
      await host.client.from('video_call_sessions').update({ status: 'ended' }).eq('id', session.id);
      const late = await host.client.from('video_call_participants').insert({ session_id: session.id, user_id: guest.id });
      assert.equal(late.status, 409);
    });

    it('lets nobody but the invitee answer: the host cannot set a guest’s invite_status', async () => {
      const session = await newSession();
      const invitation = await inviteGuest(session.id);
      const byHost = await host.client.from('video_call_participants').update({ invite_status: 'accepted' }).eq('id', invitation.id).select();
      assert.deepEqual(byHost.data, []);
      const byGuest = await guest.client.from('video_call_participants').update({ invite_status: 'declined' }).eq('id', invitation.id).select('invite_status');
      assert.deepEqual(byGuest.data, [{ invite_status: 'declined' }]);
    });
  });

  describe('a guest’s own row', () => {
    it('leaves last_seen_at to the server: a guest cannot set it, the heartbeat does', async () => {
      const session = await newSession();
      await inviteGuest(session.id);
      assert.ifError((await guest.client.rpc('join_video_call', { p_session_id: session.id })).error);
      const forever = await guest.client.from('video_call_participants').update({ last_seen_at: '2999-01-01T00:00:00Z' }).eq('session_id', session.id).eq('user_id', guest.id);
      assert.equal(forever.status, 403);
      const [row] = (await rowsOf(session.id)).filter((r) => r.user_id === guest.id);
      assert.ok(new Date(row.last_seen_at as string) < new Date('2999-01-01'));
      const touched = await guest.client.rpc('touch_video_call', { p_session_id: session.id });
      assert.ifError(touched.error);
    });

    it('keeps presence, its timestamps and the role out of the guest’s hands', async () => {
      const session = await newSession();
      await inviteGuest(session.id);
      for (const values of [{ presence_status: 'connected' }, { joined_at: '2026-01-01T00:00:00Z' }, { left_at: null }, { role: 'host' }, { session_id: randomUUID() }]) {
        const { status } = await guest.client.from('video_call_participants').update(values).eq('session_id', session.id).eq('user_id', guest.id);
        assert.equal(status, 403, JSON.stringify(values));
      }
      const [row] = (await rowsOf(session.id)).filter((r) => r.user_id === guest.id);
      assert.deepEqual([row.presence_status, row.joined_at, row.role], ['offline', null, 'guest']);
    });
  });

  describe('invitations by e-mail', () => {
    it('are claimed only by the account that owns the confirmed address', async () => {
      const session = await newSession();
      const dana = await stack.createUser({ email: 'dana@example.test', name: 'Dana' });
      const { data: invitation } = await host.client.rpc('invite_to_video_call', { p_session_id: session.id, p_invitee: 'Dana@Example.test' });
      assert.equal(invitation.display_name, 'Dana', 'the local part of the address the host typed');

      const stolen = await outsider.client.from('video_call_participants').update({ user_id: outsider.id }).eq('id', invitation.id).select();
      assert.deepEqual(stolen.data, [], 'another address claims nothing');
      assert.equal((await outsider.client.rpc('join_video_call', { p_session_id: session.id })).status, 403);

      await stack.db.query('update auth.users set email_confirmed_at = null where id = $1', [dana.id]);
      assert.deepEqual((await dana.client.from('video_call_sessions').select('id').eq('id', session.id)).data, [], 'an unconfirmed address sees nothing');
      assert.equal((await dana.client.rpc('join_video_call', { p_session_id: session.id })).status, 403);
      const unconfirmed = await dana.client.from('video_call_participants').update({ user_id: dana.id }).eq('id', invitation.id).select();
      assert.deepEqual(unconfirmed.data, []);

      await stack.db.query('update auth.users set email_confirmed_at = now() where id = $1', [dana.id]);
      const claimed = await dana.client.from('video_call_participants').update({ user_id: dana.id, invite_status: 'accepted' }).eq('id', invitation.id).select('user_id, display_name');
      assert.deepEqual(claimed.data, [{ user_id: dana.id, display_name: 'Dana' }]);
    });

    it('shows the claimer’s own name once claimed, and folds a second invitation of the same person into their row', async () => {
      const session = await newSession();
      const fay = await stack.createUser({ email: 'fay.long@example.test', name: 'Fay' });
      await inviteGuest(session.id, fay);
      await host.client.rpc('invite_to_video_call', { p_session_id: session.id, p_invitee: 'fay.long@example.test' });
      const gil = await stack.createUser({ email: 'gil@example.test', name: 'Gil Ross' });
      await host.client.rpc('invite_to_video_call', { p_session_id: session.id, p_invitee: 'gil@example.test' });
      assert.ifError((await fay.client.rpc('join_video_call', { p_session_id: session.id })).error);
      assert.ifError((await gil.client.rpc('join_video_call', { p_session_id: session.id })).error);
      assert.deepEqual(
        (await rowsOf(session.id)).map((r) => [r.user_id, r.email, r.display_name]),
        [
          [host.id, 'anna@example.test', 'Anna'],
          [fay.id, null, 'Fay'],
          [gil.id, 'gil@example.test', 'Gil Ross'],
        ],
      );
    });
  });

  describe('names and avatars from auth metadata', () => {
    it('are cleaned and bounded, so odd metadata never breaks an invitation or a new call', async () => {
      const long = 'Ж'.repeat(300);
      const odd = await withMetadata({ display_name: `\u202e ${long}\n`, avatar_url: 'javascript:alert(1)' });
      const session = await newSession();
      const invited = await host.client.rpc('invite_to_video_call', { p_session_id: session.id, p_invitee: odd.id });
      assert.ifError(invited.error);
      assert.equal(invited.data.display_name, 'Ж'.repeat(200));
      const own = await odd.client.from('video_call_sessions').insert({ title: 'Mine' }).select().single();
      assert.ifError(own.error);
      const hostRow = await odd.client.from('video_call_participants').select('display_name, avatar_url').eq('session_id', own.data.id).single();
      assert.deepEqual(hostRow.data, { display_name: 'Ж'.repeat(200), avatar_url: null });

      const nested = await withMetadata({ display_name: { first: 'A' }, full_name: '  Real\tName\u200b  ', avatar_url: 'https://example.test/me.png' });
      const mine = await nested.client.from('video_call_sessions').insert({ title: 'Mine too' }).select().single();
      const nestedRow = await nested.client.from('video_call_participants').select('display_name, avatar_url').eq('session_id', mine.data.id).single();
      assert.deepEqual(nestedRow.data, { display_name: 'Real Name', avatar_url: 'https://example.test/me.png' });
    });

    it('show a host inviting by user id the name that user chose, never their address or avatar', async () => {
      const session = await newSession();
      const plain = await stack.createUser({ email: 'john.smith@corp.test' });
      const { data } = await host.client.rpc('invite_to_video_call', { p_session_id: session.id, p_invitee: plain.id });
      assert.deepEqual([data.user_id, data.email, data.display_name, data.avatar_url], [plain.id, null, null, null]);
      const named = await withMetadata({ display_name: 'Hal', avatar_url: 'https://example.test/hal.png' });
      const { data: withName } = await host.client.rpc('invite_to_video_call', { p_session_id: session.id, p_invitee: named.id });
      assert.deepEqual([withName.email, withName.display_name, withName.avatar_url], [null, 'Hal', null]);
      const rows = await host.client.from('video_call_participants').select('email').eq('session_id', session.id).eq('role', 'guest');
      assert.deepEqual(rows.data, [{ email: null }, { email: null }]);
    });
  });

  describe('sessions', () => {
    it('start scheduled with the server’s clock, whatever the client sends', async () => {
      const session = await newSession(host, { last_activity_at: '2999-01-01T00:00:00Z', created_at: '2000-01-01T00:00:00Z' });
      assert.ok(new Date(session.last_activity_at as string) < new Date('2999-01-01'));
      assert.ok(new Date(session.created_at as string) > new Date('2001-01-01'));
      for (const [values, status] of [
        [{ status: 'active' }, 400],
        [{ status: 'ended' }, 400],
        [{ started_at: '2026-01-01T00:00:00Z' }, 403],
        [{ ended_at: '2026-01-01T00:00:00Z' }, 403],
      ] as const) {
        const refused = await host.client.from('video_call_sessions').insert({ title: 'x', ...values });
        assert.equal(refused.status, status, JSON.stringify(values));
      }
    });

    it('keep settings to 16 KiB', async () => {
      const big = { notes: 'x'.repeat(17 * 1024) };
      assert.equal((await host.client.from('video_call_sessions').insert({ settings: big })).status, 400);
      const session = await newSession();
      assert.equal((await host.client.from('video_call_sessions').update({ settings: big }).eq('id', session.id)).status, 400);
      const fine = await host.client.from('video_call_sessions').update({ settings: { reminder_minutes: [10] } }).eq('id', session.id).select('settings');
      assert.deepEqual(fine.data, [{ settings: { reminder_minutes: [10] } }]);
    });
  });

  describe('signals', () => {
    it('are timed by the server', async () => {
      const session = await newSession();
      const sent = await host.client.from('video_call_signals').insert({ session_id: session.id, kind: 'bye', created_at: '2999-01-01T00:00:00Z' }).select('created_at').single();
      assert.ifError(sent.error);
      assert.ok(new Date(sent.data.created_at) < new Date('2999-01-01'));
    });
  });
});
