/**
 * The call schema's rules, checked in Postgres itself as each user (set role + request.jwt.claims,
 * exactly what REST and Realtime do per request): every rule from the allowed and the refused side.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { withClaims } from '../../supabase/local/db/database.ts';
import { startTestStack, type TestStack, type TestUser } from '../support/stack.ts';

type Row = Record<string, unknown>;

describe('call schema', () => {
  let stack: TestStack;
  let host: TestUser;
  let guest: TestUser;
  let outsider: TestUser;

  const as = (user: TestUser | null) => ({
    query: (sql: string, params: unknown[] = []) =>
      withClaims(
        stack.db,
        user ? { sub: user.id, role: 'authenticated', email: user.email } : { role: 'anon' },
        async (tx) => (await tx.query<Row>(sql, params)).rows,
      ),
  });
  const createSession = async (title = 'Weekly sync') =>
    (await as(host).query(`insert into video_call_sessions (title, event_id) values ($1, 'evt-' || gen_random_uuid()) returning *`, [title]))[0];
  const invite = async (sessionId: unknown, user: TestUser) =>
    (
      await as(host).query(
        `insert into video_call_participants (session_id, user_id) values ($1, $2) returning *`,
        [sessionId, user.id],
      )
    )[0];

  before(async () => {
    stack = await startTestStack();
    host = await stack.createUser({ email: 'anna@example.test', name: 'Anna' });
    guest = await stack.createUser({ email: 'boris@example.test', name: 'Boris' });
    outsider = await stack.createUser({ email: 'eve@example.test' });
  });
  after(() => stack.close());

  describe('sessions', () => {
    it('lets a user create a session they host, and makes them its host participant', async () => {
      const session = await createSession();
      assert.equal(session.host_id, host.id);
      assert.equal(session.status, 'scheduled');
      const participants = await as(host).query('select * from video_call_participants where session_id = $1', [session.id]);
      assert.equal(participants.length, 1);
      assert.equal(participants[0].role, 'host');
      assert.equal(participants[0].invite_status, 'accepted');
      assert.equal(participants[0].display_name, 'Anna');
    });

    it('refuses a session hosted in someone else’s name', async () => {
      await assert.rejects(
        as(guest).query(`insert into video_call_sessions (title, host_id) values ('x', $1)`, [host.id]),
        /row-level security/,
      );
    });

    it('refuses signed-out visitors entirely', async () => {
      await assert.rejects(as(null).query('select * from video_call_sessions'), /permission denied/);
      await assert.rejects(as(null).query(`insert into video_call_sessions (title) values ('x')`), /permission denied/);
    });

    it('shows a session to its host and invitees only', async () => {
      const session = await createSession('Visibility');
      await invite(session.id, guest);
      assert.equal((await as(guest).query('select id from video_call_sessions where id = $1', [session.id])).length, 1);
      assert.equal((await as(outsider).query('select id from video_call_sessions where id = $1', [session.id])).length, 0);
    });

    it('lets only the host edit the session, and never its host or timestamps', async () => {
      const session = await createSession('Editable');
      await invite(session.id, guest);
      const edited = await as(guest).query(`update video_call_sessions set title = 'hijacked' where id = $1 returning id`, [session.id]);
      assert.equal(edited.length, 0);
      const renamed = await as(host).query(`update video_call_sessions set title = 'Renamed' where id = $1 returning title`, [session.id]);
      assert.deepEqual(renamed, [{ title: 'Renamed' }]);
      await assert.rejects(
        as(host).query('update video_call_sessions set host_id = $2 where id = $1', [session.id, guest.id]),
        /permission denied/,
      );
      await assert.rejects(
        as(host).query('update video_call_sessions set started_at = now() where id = $1', [session.id]),
        /permission denied/,
      );
    });

    it('stamps ended_at when a call ends and refuses to reopen it', async () => {
      const session = await createSession('Ending');
      const [ended] = await as(host).query(`update video_call_sessions set status = 'ended' where id = $1 returning ended_at`, [session.id]);
      assert.ok(ended.ended_at instanceof Date || typeof ended.ended_at === 'string');
      await assert.rejects(
        as(host).query(`update video_call_sessions set status = 'active' where id = $1`, [session.id]),
        /cannot be reopened/,
      );
    });

    it('rejects values outside the contract', async () => {
      await assert.rejects(as(host).query(`insert into video_call_sessions (status) values ('paused')`), /check constraint/);
      await assert.rejects(as(host).query(`insert into video_call_sessions (settings) values ('[1]')`), /check constraint/);
      await assert.rejects(as(host).query(`insert into video_call_sessions (title) values (repeat('x', 201))`), /check constraint/);
    });
  });

  describe('participants', () => {
    it('lets the host invite by user id, filling the invitee’s name from their profile', async () => {
      const session = await createSession();
      const invitation = await invite(session.id, guest);
      assert.equal(invitation.display_name, 'Boris');
      assert.equal(invitation.invite_status, 'invited');
      assert.equal(invitation.role, 'guest');
    });

    it('refuses invitations from anyone but the host, and a second host', async () => {
      const session = await createSession();
      await invite(session.id, guest);
      await assert.rejects(
        as(guest).query('insert into video_call_participants (session_id, user_id) values ($1, $2)', [session.id, outsider.id]),
        /row-level security/,
      );
      await assert.rejects(
        as(host).query(`insert into video_call_participants (session_id, user_id, role) values ($1, $2, 'host')`, [
          session.id,
          outsider.id,
        ]),
        /one host/,
      );
    });

    it('refuses inviting the same person twice', async () => {
      const session = await createSession();
      await invite(session.id, guest);
      await assert.rejects(invite(session.id, guest), /duplicate key/);
    });

    it('lets invitees answer their own invitation but not edit anyone else’s row', async () => {
      const session = await createSession();
      const invitation = await invite(session.id, guest);
      const answered = await as(guest).query(
        `update video_call_participants set invite_status = 'tentative' where id = $1 returning invite_status`,
        [invitation.id],
      );
      assert.deepEqual(answered, [{ invite_status: 'tentative' }]);
      const hostRow = await as(guest).query(
        `update video_call_participants set invite_status = 'declined' where session_id = $1 and role = 'host' returning id`,
        [session.id],
      );
      assert.equal(hostRow.length, 0);
      const byHost = await as(host).query(
        `update video_call_participants set invite_status = 'accepted' where id = $1 returning id`,
        [invitation.id],
      );
      assert.equal(byHost.length, 0, 'the host does not answer for the guest');
      await assert.rejects(
        as(guest).query(`update video_call_participants set role = 'host' where id = $1`, [invitation.id]),
        /permission denied/,
      );
    });

    it('lets someone invited by e-mail see the call and claim the invitation by joining', async () => {
      const session = await createSession();
      const later = await stack.createUser({ email: 'Dana@Example.test' });
      await as(host).query('insert into video_call_participants (session_id, email) values ($1, $2)', [
        session.id,
        'dana@example.test',
      ]);
      assert.equal((await as(later).query('select id from video_call_sessions where id = $1', [session.id])).length, 1);
      const [joined] = await as(later).query('select * from join_video_call($1)', [session.id]);
      assert.equal(joined.user_id, later.id);
      assert.equal(joined.presence_status, 'connected');
    });

    it('hides the participant list from outsiders', async () => {
      const session = await createSession();
      await invite(session.id, guest);
      assert.equal((await as(guest).query('select * from video_call_participants where session_id = $1', [session.id])).length, 2);
      assert.equal((await as(outsider).query('select * from video_call_participants where session_id = $1', [session.id])).length, 0);
    });

    it('lets the host withdraw an invitation but not remove themselves; guests remove nobody', async () => {
      const session = await createSession();
      const invitation = await invite(session.id, guest);
      assert.equal((await as(guest).query('delete from video_call_participants where session_id = $1 returning id', [session.id])).length, 0);
      assert.equal(
        (await as(host).query(`delete from video_call_participants where session_id = $1 and role = 'host' returning id`, [session.id])).length,
        0,
      );
      assert.deepEqual(await as(host).query('delete from video_call_participants where id = $1 returning id', [invitation.id]), [
        { id: invitation.id },
      ]);
    });
  });

  describe('join and leave', () => {
    it('moves the session to active and the participant to connected', async () => {
      const session = await createSession();
      await invite(session.id, guest);
      const [joined] = await as(guest).query('select * from join_video_call($1)', [session.id]);
      assert.equal(joined.presence_status, 'connected');
      assert.equal(joined.invite_status, 'accepted');
      const [current] = await as(guest).query('select status, started_at from video_call_sessions where id = $1', [session.id]);
      assert.equal(current.status, 'active');
      assert.ok(current.started_at);
      const [left] = await as(guest).query('select * from leave_video_call($1)', [session.id]);
      assert.equal(left.presence_status, 'left');
      assert.ok(left.left_at);
    });

    it('stores the signal key given to join_video_call and keeps it on a join without one', async () => {
      const session = await createSession();
      await invite(session.id, guest);
      const key = { kty: 'EC', crv: 'P-256', x: 'x-part', y: 'y-part' };
      const [joined] = await as(guest).query('select * from join_video_call($1, $2)', [session.id, JSON.stringify(key)]);
      assert.deepEqual(joined.signal_key, key);
      const [again] = await as(guest).query('select * from join_video_call($1)', [session.id]);
      assert.deepEqual(again.signal_key, key);
      await assert.rejects(as(guest).query('select join_video_call($1, $2)', [session.id, JSON.stringify('not an object')]), /check constraint/);
      const [unchanged] = await as(guest).query('select signal_key from video_call_participants where session_id = $1 and user_id = $2', [session.id, guest.id]);
      assert.deepEqual(unchanged.signal_key, key, 'a refused key changes nothing');
    });

    it('refuses outsiders, unknown sessions, ended sessions and signed-out callers', async () => {
      const session = await createSession();
      await assert.rejects(as(outsider).query('select join_video_call($1)', [session.id]), /not a participant/);
      await assert.rejects(as(outsider).query('select leave_video_call($1)', [session.id]), /not a participant/);
      await assert.rejects(
        as(host).query('select join_video_call($1)', ['00000000-0000-4000-8000-000000000000']),
        /does not exist/,
      );
      await as(host).query(`update video_call_sessions set status = 'ended' where id = $1`, [session.id]);
      await assert.rejects(as(host).query('select join_video_call($1)', [session.id]), /has ended/);
      await assert.rejects(as(null).query('select join_video_call($1)', [session.id]), /permission denied/);
    });
  });

  describe('signals', () => {
    it('accepts signals from members as themselves, addressed to a member or everyone', async () => {
      const session = await createSession();
      await invite(session.id, guest);
      const sent = await as(host).query(
        `insert into video_call_signals (session_id, to_user, kind, payload) values ($1, $2, 'offer', '{"sdp":"v=0"}')`,
        [session.id, guest.id],
      );
      assert.deepEqual(sent, []);
      await as(guest).query(`insert into video_call_signals (session_id, kind) values ($1, 'bye')`, [session.id]);
    });

    it('refuses forged senders, outsiders, non-member addressees and ended sessions', async () => {
      const session = await createSession();
      await invite(session.id, guest);
      await assert.rejects(
        as(guest).query(`insert into video_call_signals (session_id, from_user, kind) values ($1, $2, 'offer')`, [session.id, host.id]),
        /row-level security/,
      );
      await assert.rejects(
        as(outsider).query(`insert into video_call_signals (session_id, kind) values ($1, 'offer')`, [session.id]),
        /row-level security/,
      );
      await assert.rejects(
        as(host).query(`insert into video_call_signals (session_id, to_user, kind) values ($1, $2, 'offer')`, [session.id, outsider.id]),
        /row-level security/,
      );
      await assert.rejects(
        as(host).query(`insert into video_call_signals (session_id, kind) values ($1, 'hello')`, [session.id]),
        /check constraint/,
      );
      await as(host).query(`update video_call_sessions set status = 'ended' where id = $1`, [session.id]);
      await assert.rejects(
        as(host).query(`insert into video_call_signals (session_id, kind) values ($1, 'offer')`, [session.id]),
        /row-level security/,
      );
    });

    it('shows each member only what is addressed to them or to everyone', async () => {
      const session = await createSession();
      await invite(session.id, guest);
      const third = await stack.createUser();
      await invite(session.id, third);
      await as(host).query(
        `insert into video_call_signals (session_id, to_user, kind, payload) values
           ($1, $2, 'offer', '{"for":"guest"}'), ($1, $3, 'offer', '{"for":"third"}'), ($1, null, 'restart', '{"for":"all"}')`,
        [session.id, guest.id, third.id],
      );
      const seen = async (user: TestUser) =>
        (await as(user).query(`select payload->>'for' as f from video_call_signals where session_id = $1 order by id`, [session.id])).map(
          (row) => row.f,
        );
      assert.deepEqual(await seen(guest), ['guest', 'all']);
      assert.deepEqual(await seen(third), ['third', 'all']);
      assert.deepEqual(await seen(outsider), []);
    });

    it('refuses payloads over 64 KiB and never lets signals be edited', async () => {
      const session = await createSession();
      await assert.rejects(
        as(host).query(`insert into video_call_signals (session_id, kind, payload) values ($1, 'ice', jsonb_build_object('x', repeat('a', 70000)))`, [
          session.id,
        ]),
        /check constraint/,
      );
      await as(host).query(`insert into video_call_signals (session_id, kind) values ($1, 'ice')`, [session.id]);
      await assert.rejects(as(host).query(`update video_call_signals set kind = 'bye' where session_id = $1`, [session.id]), /permission denied/);
      await assert.rejects(as(host).query(`delete from video_call_signals where session_id = $1`, [session.id]), /permission denied/);
    });
  });

  describe('private channel authorization (realtime.messages)', () => {
    const canOnTopic = (user: TestUser, topic: string, extension = 'broadcast') =>
      withClaims(stack.db, { sub: user.id, role: 'authenticated', email: user.email }, async (tx) => {
        await tx.query(`select set_config('realtime.topic', $1, true)`, [topic]);
        let write = true;
        try {
          await tx.query(`savepoint probe`);
          await tx.query(`insert into realtime.messages (topic, extension) values ($1, $2)`, [topic, extension]);
          await tx.query(`rollback to savepoint probe`);
        } catch {
          await tx.query(`rollback to savepoint probe`);
          write = false;
        }
        return write;
      });

    it('lets members send on call:<session_id> and refuses outsiders and malformed topics', async () => {
      const session = await createSession();
      await invite(session.id, guest);
      assert.equal(await canOnTopic(guest, `call:${session.id}`), true);
      assert.equal(await canOnTopic(guest, `call:${session.id}`, 'presence'), true);
      assert.equal(await canOnTopic(outsider, `call:${session.id}`), false);
      assert.equal(await canOnTopic(guest, `call:not-a-uuid`), false);
      assert.equal(await canOnTopic(guest, `call:${session.id}`, 'postgres_changes'), false);
    });
  });

  describe('cleanup', () => {
    it('marks stale participants left, ends abandoned sessions, purges old signals, and is idempotent', async () => {
      const session = await createSession();
      await invite(session.id, guest);
      await as(guest).query('select join_video_call($1)', [session.id]);
      await as(guest).query(`insert into video_call_signals (session_id, kind) values ($1, 'ice')`, [session.id]);
      // Age everything as if the guest's tab died twenty minutes ago.
      await stack.db.query(`update video_call_participants set last_seen_at = now() - interval '20 minutes' where session_id = $1`, [session.id]);
      await stack.db.query(`update video_call_sessions set last_activity_at = now() - interval '20 minutes' where id = $1`, [session.id]);
      await stack.db.query(`update video_call_signals set created_at = now() - interval '2 hours' where session_id = $1`, [session.id]);

      await assert.rejects(as(guest).query('select cleanup_video_calls()'), /permission denied/);
      const run = async () =>
        withClaims(stack.db, { role: 'service_role' }, async (tx) => (await tx.query<{ r: Row }>('select cleanup_video_calls() as r')).rows[0].r);
      const first = await run();
      assert.ok(Number(first.participants_left) >= 1);
      assert.ok(Number(first.sessions_ended) >= 1);
      assert.ok(Number(first.signals_purged) >= 1);
      const [after] = await stack.db.query<Row>('select status, ended_at from video_call_sessions where id = $1', [session.id]).then((r) => r.rows);
      assert.equal(after.status, 'ended');
      assert.deepEqual(await run(), { participants_left: 0, sessions_ended: 0, signals_purged: 0 });
    });

    it('leaves a live call alone', async () => {
      const session = await createSession();
      await as(host).query('select join_video_call($1)', [session.id]);
      await withClaims(stack.db, { role: 'service_role' }, (tx) => tx.query('select cleanup_video_calls()'));
      const [current] = (await stack.db.query<Row>('select status from video_call_sessions where id = $1', [session.id])).rows;
      assert.equal(current.status, 'active');
    });
  });
});
