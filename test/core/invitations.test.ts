/**
 * CallClient's invitations against the real local stack: the invitee's Yes / Maybe / No with the
 * refusals it meets, the host seeing answers live, and new invitations sent by Web Push (real
 * webpush-send in Deno, to a stand-in push service on 127.0.0.1 that decrypts what it gets) and
 * by e-mail. The stack runs without a mail catcher, so e-mail cannot go: the client reports the
 * channel `unavailable` — video-call-email's 503 `mail_unavailable`, or the 404 of a project
 * where that function is not deployed (this branch, until it lands).
 */
import assert from 'node:assert/strict';
import { createECDH, randomBytes, randomUUID, type ECDH } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { createClient } from '@supabase/supabase-js';
import { CallClient } from '../../src/core/call-client.ts';
import type { CallError } from '../../src/core/errors.ts';
import type { InvitationNotice } from '../../src/core/invitations.ts';
import type { Participant } from '../../src/core/participant.ts';
import { clientOptions, startTestStack, type TestStack } from '../support/stack.ts';

const ece = createRequire(import.meta.url)('http_ece') as {
  decrypt(buffer: Buffer, params: { version: 'aes128gcm'; privateKey: ECDH; authSecret: Buffer }): Buffer;
};

/** A push service that accepts every message for a browser it knows and keeps what it decrypted. */
class PushService {
  readonly received: { path: string; payload: Record<string, unknown> }[] = [];
  readonly #browsers = new Map<string, { ecdh: ECDH; auth: Buffer }>();
  #server!: Server;
  origin = '';

  async start() {
    this.#server = createServer(async (request, response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const browser = this.#browsers.get(request.url ?? '');
      if (!browser) return void response.writeHead(404).end();
      const plain = ece.decrypt(Buffer.concat(chunks), { version: 'aes128gcm', privateKey: browser.ecdh, authSecret: browser.auth });
      this.received.push({ path: request.url!, payload: JSON.parse(plain.toString('utf8')) });
      response.writeHead(201).end();
    });
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** A browser at `path`: the subscription a page would store. */
  browser(path: string) {
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const auth = randomBytes(16);
    this.#browsers.set(path, { ecdh, auth });
    return { endpoint: `${this.origin}${path}`, p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') };
  }

  close() {
    this.#server.closeAllConnections();
    return new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

describe('CallClient: invitations, answers and notifications', () => {
  let stack: TestStack;
  const push = new PushService();

  before(async () => {
    await push.start();
    stack = await startTestStack({ mail: false });
  });
  after(async () => {
    await stack?.close();
    await push.close();
  });

  /** Someone signed up through the Auth API, with a CallClient of their own. */
  const person = async (name: string) => {
    const supabase = createClient(stack.url, stack.anonKey, clientOptions as never);
    const email = `${name.toLowerCase()}.${randomUUID()}@crm.test`;
    const { data, error } = await supabase.auth.signUp({ email, password: 'correct horse battery', options: { data: { display_name: name } } });
    assert.ifError(error);
    return { id: data.user!.id, email, calls: new CallClient({ client: supabase }) };
  };
  type Person = Awaited<ReturnType<typeof person>>;
  const callOf = async (host: Person, ...guests: Person[]) => {
    const session = await host.calls.createSession({ title: 'Планёрка' });
    for (const guest of guests) await host.calls.invite(session.id, guest.id, { notify: false });
    return session.id;
  };
  const rowOf = async (sessionId: string, userId: string) =>
    (await stack.serviceClient().from('video_call_participants').select('invite_status').eq('session_id', sessionId).eq('user_id', userId).single()).data;
  const refusal = async (promise: Promise<unknown>): Promise<CallError> => {
    try {
      await promise;
    } catch (error) {
      return error as CallError;
    }
    assert.fail('expected a refusal');
  };
  const nextNotice = (client: CallClient) => new Promise<InvitationNotice>((resolve) => client.on('invitations-notified', resolve, { once: true }));

  it('stores Yes, Maybe and No for the invitee, who may change their mind and still join after No', async () => {
    const [anna, boris] = await Promise.all([person('Anna'), person('Boris')]);
    const sessionId = await callOf(anna, boris);
    for (const answer of ['tentative', 'declined', 'accepted', 'declined'] as const) {
      const row = await boris.calls.answerInvitation(sessionId, answer);
      assert.equal(row.invite_status, answer);
      assert.equal(row.user_id, boris.id);
      assert.equal((await rowOf(sessionId, boris.id))?.invite_status, answer);
    }
    const { error } = await boris.calls.supabase.rpc('join_video_call', { p_session_id: sessionId });
    assert.ifError(error);
  });

  it('claims an invitation sent to the invitee’s address when they answer it', async () => {
    const [anna, vera] = await Promise.all([person('Anna'), person('Vera')]);
    const session = await anna.calls.createSession();
    const invitation = await anna.calls.invite(session.id, vera.email.toUpperCase(), { notify: false });
    assert.equal(invitation.user_id, null);
    const row = await vera.calls.answerInvitation(session.id, 'accepted');
    assert.equal(row.id, invitation.id);
    assert.deepEqual([row.user_id, row.invite_status], [vera.id, 'accepted']);
  });

  it('refuses someone not invited, the host, an unknown or ended call, another answer and a signed-out page, changing nothing', async () => {
    const [anna, boris, eve] = await Promise.all([person('Anna'), person('Boris'), person('Eve')]);
    const sessionId = await callOf(anna, boris);
    assert.equal((await refusal(eve.calls.answerInvitation(sessionId, 'accepted'))).code, 'not_participant');
    const hostAnswer = await refusal(anna.calls.answerInvitation(sessionId, 'declined'));
    assert.equal(hostAnswer.code, 'invalid_input');
    assert.match(hostAnswer.message, /host/);
    assert.equal((await refusal(boris.calls.answerInvitation(randomUUID(), 'accepted'))).code, 'session_not_found');
    const typo = await refusal(boris.calls.answerInvitation(sessionId, 'yes' as never));
    assert.equal(typo.code, 'invalid_input');
    assert.match(typo.message, /accepted, tentative, declined/);
    assert.equal((await refusal(boris.calls.answerInvitation('not-a-uuid', 'accepted'))).code, 'invalid_input');
    const signedOut = new CallClient({ client: createClient(stack.url, stack.anonKey, clientOptions as never) });
    assert.equal((await refusal(signedOut.answerInvitation(sessionId, 'accepted'))).code, 'not_signed_in');
    assert.equal((await rowOf(sessionId, boris.id))?.invite_status, 'invited', 'nothing changed');

    await anna.calls.supabase.from('video_call_sessions').update({ status: 'ended' }).eq('id', sessionId);
    assert.equal((await refusal(boris.calls.answerInvitation(sessionId, 'accepted'))).code, 'session_ended');
    assert.equal((await rowOf(sessionId, boris.id))?.invite_status, 'invited');
  });

  it('shows the host the invitee’s answers live, each within a second', async () => {
    const [anna, boris] = await Promise.all([person('Anna'), person('Boris')]);
    const sessionId = await callOf(anna, boris);
    const roster = await anna.calls.roster(sessionId);
    await roster.start();
    try {
      for (const answer of ['tentative', 'declined'] as const) {
        const shown = new Promise<Participant[]>((resolve) => {
          const off = roster.on('participants', (people) => {
            if (people.find((p) => p.userId === boris.id)?.inviteStatus !== answer) return;
            off();
            resolve(people);
          });
        });
        const asked = performance.now();
        await boris.calls.answerInvitation(sessionId, answer);
        const people = await shown;
        const elapsed = performance.now() - asked;
        assert.ok(elapsed < 1000, `the answer took ${Math.round(elapsed)} ms to reach the host`);
        assert.deepEqual(people.map((p) => p.userId), [anna.id, boris.id]);
      }
    } finally {
      await roster.stop();
    }
  });

  it('resolves a roster’s reload with rows read after it was asked for, even when a newer read overtook it', async () => {
    const [anna, boris] = await Promise.all([person('Anna'), person('Boris')]);
    const sessionId = await callOf(anna, boris);
    const roster = await anna.calls.roster(sessionId);
    await roster.start();
    try {
      const status = () => roster.participants.find((p) => p.userId === boris.id)?.inviteStatus;
      for (const answer of ['tentative', 'declined', 'accepted'] as const) {
        // Two reads at once, as an element's own reload and a change's: the first one's rows are
        // dropped for the second's, and awaiting the first must still end with the answer shown
        // (the change's own reload waits 50 ms, so it has not shown it yet).
        await boris.calls.answerInvitation(sessionId, answer);
        const first = roster.reload();
        const second = roster.reload();
        await first;
        assert.equal(status(), answer);
        await second;
      }
    } finally {
      await roster.stop();
    }
  });

  it('sends a new invitation by push to the invitee’s browser, and reports e-mail as unavailable where it is not set up', async () => {
    const [anna, boris] = await Promise.all([person('Anna'), person('Boris')]);
    const browser = push.browser(`/boris/${randomUUID()}`);
    assert.ifError((await boris.calls.supabase.from('video_call_push_subscriptions').insert({ ...browser, lang: 'en' })).error);
    const session = await anna.calls.createSession({ title: 'Demo for Acme' });
    const notified = nextNotice(anna.calls);
    const row = await anna.calls.invite(session.id, boris.id);
    assert.equal(row.user_id, boris.id, 'invite() still resolves with the participant row');
    const notice = await notified;
    assert.equal(notice.sessionId, session.id);
    assert.deepEqual(notice.participants.map((p) => p.id), [row.id]);
    assert.deepEqual(notice.push, { status: 'sent', sent: 1, failed: 0, removed: 0 });
    assert.equal(notice.email.status, 'failed');
    assert.equal(notice.email.status === 'failed' && notice.email.error.code, 'unavailable');
    assert.ok(notice.email.status === 'failed' && [404, 503].includes(notice.email.error.status!), 'not deployed, or no SMTP');
    const delivered = push.received.filter((message) => message.payload.session_id === session.id);
    assert.deepEqual(delivered.map((message) => [message.payload.kind, message.payload.title]), [['invite', 'Demo for Acme']]);
    assert.equal((await rowOf(session.id, boris.id))?.invite_status, 'invited', 'the invitation stays whatever the channels did');
  });

  it('skips push for an invitation by address, which has no browser to reach, and still tries e-mail', async () => {
    const anna = await person('Anna');
    const session = await anna.calls.createSession();
    const row = await anna.calls.invite(session.id, 'client@acme.test', { notify: false });
    const notice = await anna.calls.notifyInvitations(session.id, [row]);
    assert.deepEqual(notice.push, { status: 'skipped' });
    assert.equal(notice.email.status, 'failed');
  });

  it('notifies a call created from an event once, for all its attendees, and not when the call is opened again', async () => {
    const [anna, boris] = await Promise.all([person('Anna'), person('Boris')]);
    const notices: InvitationNotice[] = [];
    anna.calls.on('invitations-notified', (notice) => notices.push(notice));
    const eventId = `evt-${randomUUID()}`;
    const attendees = [boris.id, 'client@acme.test'];
    const first = nextNotice(anna.calls);
    const session = await anna.calls.openEventCall({ eventId, attendees });
    const notice = await first;
    assert.equal(notice.sessionId, session.id);
    assert.deepEqual(notice.participants.map((p) => p.user_id ?? p.email).sort(), [boris.id, 'client@acme.test'].sort());
    assert.deepEqual(notice.push, { status: 'sent', sent: 0, failed: 0, removed: 0 }, 'Boris has no browser subscribed');

    assert.equal((await anna.calls.openEventCall({ eventId, attendees })).id, session.id);
    assert.equal((await boris.calls.openEventCall({ eventId, attendees: [anna.id] })).id, session.id, 'Boris finds Anna’s call');
    // A later invitation's notice comes after any the openings above would have caused.
    const later = nextNotice(anna.calls);
    await anna.calls.invite(session.id, 'vera@acme.test');
    await later;
    assert.deepEqual(notices.map((n) => n.participants.length), [2, 1], 'no notice for a call found again');
  });

  it('reports a channel refused rather than failing: someone who is not the host cannot send a call’s invitations', async () => {
    const [anna, boris] = await Promise.all([person('Anna'), person('Boris')]);
    const sessionId = await callOf(anna, boris);
    const { data } = await boris.calls.supabase.from('video_call_participants').select('*').eq('session_id', sessionId).eq('user_id', boris.id).single();
    const notice = await boris.calls.notifyInvitations(sessionId, [data]);
    assert.equal(notice.push.status, 'failed');
    assert.equal(notice.push.status === 'failed' && notice.push.error.code, 'not_host');
  });
});
