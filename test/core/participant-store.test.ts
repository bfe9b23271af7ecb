/**
 * The people of a joined call as ParticipantStore merges them: rows, presence and connection
 * states; the grace someone gone from presence keeps; join and leave announcements; e-mail
 * invitations and the local person.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { compareParticipants, type ParticipantRecord, type PresenceMeta } from '../../src/core/participant.ts';
import { ParticipantStore, type LocalParticipant, type ParticipantStoreOptions } from '../../src/core/participant-store.ts';

const ANNA = 'a0000000-0000-4000-8000-000000000001';
const BORIS = 'b0000000-0000-4000-8000-000000000002';
const VERA = 'c0000000-0000-4000-8000-000000000003';

const row = (userId: string | null, patch: Partial<ParticipantRecord> = {}): ParticipantRecord => ({
  id: `row-${userId ?? patch.email}`,
  user_id: userId,
  email: null,
  display_name: null,
  avatar_url: null,
  role: 'guest',
  invite_status: 'accepted',
  presence_status: 'offline',
  mic_on: false,
  cam_on: false,
  ...patch,
});

const meta = (name: string, patch: Partial<PresenceMeta> = {}): PresenceMeta => ({
  name,
  avatar_url: null,
  mic: true,
  cam: true,
  screen: false,
  speaking: false,
  hand: false,
  ...patch,
});

/** A store for Anna, with what a session would tell it, and everything it emits. */
function annaStore(options: Partial<ParticipantStoreOptions> = {}) {
  const local: LocalParticipant = { ...meta('Anna A.'), mic: false, inCall: true };
  const gone: string[] = [];
  const store = new ParticipantStore({ localId: ANNA, local: () => local, streams: () => ({}), onGone: (id) => gone.push(id), ...options });
  const events: string[] = [];
  store.on('participant-joined', (p) => events.push(`joined ${p.name}`));
  store.on('participant-left', (p) => events.push(`left ${p.name}`));
  store.on('participants', (list) => events.push(`list ${list.map((p) => p.name).join(', ')}`));
  return { store, local, gone, events };
}

/** Lets the store's coalescing microtask run. */
const settle = () => new Promise<void>((resolve) => queueMicrotask(resolve));

describe('participant store', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
  afterEach(() => mock.timers.reset());

  it('applies one changed row, a claimed e-mail invitation and a deleted row without reading them all', async () => {
    const { store } = annaStore();
    store.setRows([row(ANNA, { display_name: 'Anna A.', role: 'host' }), row(null, { email: 'vera@example.test' })]);
    store.setRow(row(BORIS, { display_name: 'Boris B.', presence_status: 'connected', mic_on: true }));
    await settle();
    assert.deepEqual(
      store.participants.map((p) => [p.id, p.name, p.mic]),
      [
        [ANNA, 'Anna A.', false],
        [BORIS, 'Boris B.', true],
        ['email:vera@example.test', 'vera@example.test', false],
      ],
    );
    // Vera signs up and claims her invitation: the same row, now under her user id.
    store.setRow(row(VERA, { id: 'row-vera@example.test', email: 'vera@example.test', display_name: 'Vera V.' }));
    store.deleteRow(`row-${BORIS}`);
    await settle();
    assert.deepEqual(
      store.participants.map((p) => p.id),
      [ANNA, VERA],
      'the claimed invitation is listed once, under the user; the deleted row is gone',
    );
    assert.equal(store.hasRow(BORIS), false);
    assert.equal(store.hasRow('email:vera@example.test'), false);
  });

  it('merges a row with presence and the peer connection: presence wins for what is live', async () => {
    const { store } = annaStore();
    store.setRows([
      row(ANNA, { role: 'host', display_name: 'Anna' }),
      row(BORIS, { display_name: 'Boris', presence_status: 'connected', mic_on: true, cam_on: false }),
    ]);
    const stored = store.participants.find((p) => p.id === BORIS)!;
    assert.equal(stored.presence, 'joining', 'the row says connected, presence does not (yet)');
    assert.deepEqual([stored.mic, stored.cam], [true, false], 'mic and camera as last stored');

    store.setPresence({ [BORIS]: [meta('Boris B.', { mic: false, cam: true, hand: true })] });
    store.setConnection(BORIS, 'connected');
    const live = store.participants.find((p) => p.id === BORIS)!;
    assert.deepEqual(
      { name: live.name, presence: live.presence, mic: live.mic, cam: live.cam, hand: live.hand, connection: live.connection, rowId: live.rowId, role: live.role },
      { name: 'Boris B.', presence: 'connected', mic: false, cam: true, hand: true, connection: 'connected', rowId: `row-${BORIS}`, role: 'guest' },
    );
  });

  it('reads a raised hand from presence as a time, an old page\'s true as raised, and lists raised hands first by who raised first', () => {
    const { store, local } = annaStore();
    store.setRows([row(ANNA, { role: 'host', display_name: 'Anna' }), row(BORIS, { display_name: 'Boris' }), row(VERA, { display_name: 'Vera' })]);
    local.hand = 2_000;
    store.setPresence({ [BORIS]: [meta('Boris', { hand: 1_000 })], [VERA]: [meta('Vera', { hand: true })] });
    const byId = new Map(store.participants.map((p) => [p.id, p]));
    assert.deepEqual(
      [ANNA, BORIS, VERA].map((id) => [byId.get(id)!.hand, byId.get(id)!.handRaisedAt]),
      [
        [true, 2_000],
        [true, 1_000],
        [true, undefined],
      ],
    );
    assert.deepEqual(
      [...store.participants].sort(compareParticipants).map((p) => p.name),
      ['Boris', 'Anna A.', 'Vera'],
      'Boris raised first, then Anna; Vera\'s hand has no time',
    );
    store.setPresence({ [BORIS]: [meta('Boris', { hand: undefined })], [VERA]: [meta('Vera', { hand: false })] });
    local.hand = undefined;
    const lowered = store.participants;
    assert.deepEqual(
      lowered.map((p) => [p.name, p.hand, p.handRaisedAt]),
      [
        ['Anna A.', false, undefined],
        ['Boris', false, undefined],
        ['Vera', false, undefined],
      ],
    );
    assert.deepEqual([...lowered].sort(compareParticipants).map((p) => p.name), ['Anna A.', 'Boris', 'Vera'], 'no hands: host first, then by name');
  });

  it('lists the local person first, from the session, not from presence or the row', () => {
    const { store, local } = annaStore();
    store.setRows([row(BORIS, { display_name: 'Boris' }), row(ANNA, { display_name: 'Anna', mic_on: true, role: 'host' })]);
    store.setPresence({ [ANNA]: [meta('someone else')], [BORIS]: [meta('Boris')] });
    const [me, boris] = store.participants;
    assert.deepEqual({ id: me.id, isLocal: me.isLocal, name: me.name, mic: me.mic, presence: me.presence, role: me.role }, { id: ANNA, isLocal: true, name: 'Anna A.', mic: false, presence: 'connected', role: 'host' });
    assert.equal(boris.isLocal, false);
    local.inCall = false;
    assert.equal(store.participants[0].presence, 'offline', 'out of the call, as the row says');
  });

  it('shows an e-mail invitation nobody has claimed, and someone present before their row is read', () => {
    const { store } = annaStore();
    store.setRows([row(null, { email: 'vera@example.com', invite_status: 'invited' })]);
    store.setPresence({ [VERA]: [meta('Vera')] });
    const invitation = store.participants.find((p) => p.id === 'email:vera@example.com')!;
    assert.deepEqual(
      { userId: invitation.userId, name: invitation.name, email: invitation.email, inviteStatus: invitation.inviteStatus, presence: invitation.presence },
      { userId: null, name: 'vera@example.com', email: 'vera@example.com', inviteStatus: 'invited', presence: 'offline' },
    );
    assert.equal(store.hasRow(VERA), false, 'present, but invited after the rows were read');
    const present = store.participants.find((p) => p.id === VERA)!;
    assert.deepEqual({ userId: present.userId, rowId: present.rowId, name: present.name, presence: present.presence, role: present.role }, { userId: VERA, rowId: undefined, name: 'Vera', presence: 'connected', role: 'guest' });
  });

  it('announces who joins and who leaves once each, before the list that shows it', async () => {
    const { store, events } = annaStore({ graceMs: 0 });
    store.setRows([row(ANNA, { display_name: 'Anna' }), row(BORIS, { display_name: 'Boris' })]);
    store.setPresence({ [BORIS]: [meta('Boris')] });
    store.setPresence({ [BORIS]: [meta('Boris', { speaking: true })] });
    await settle();
    assert.deepEqual(events, ['joined Boris', 'list Anna A., Boris'], 'a burst of changes is one list');
    store.setPresence({ [BORIS]: [meta('Boris', { mic: false })] });
    await settle();
    assert.deepEqual(events.slice(2), ['list Anna A., Boris'], 'no second announcement');
    store.setPresence({});
    mock.timers.tick(0);
    await settle();
    assert.deepEqual(events.slice(3), ['left Boris', 'list Anna A., Boris'], 'the grace ended within the burst');
  });

  it('keeps someone gone from presence for the grace, and longer while their media flows', async () => {
    const { store, gone, events } = annaStore({ graceMs: 6000 });
    store.setRows([row(BORIS, { display_name: 'Boris' }), row(VERA, { display_name: 'Vera' })]);
    store.setPresence({ [BORIS]: [meta('Boris')], [VERA]: [meta('Vera')] });
    store.setConnection(VERA, 'connected');
    await settle();
    store.setPresence({});
    mock.timers.tick(5999);
    await settle();
    assert.ok(store.isPresent(BORIS) && store.isPresent(VERA), 'within the grace');
    assert.ok(!events.some((e) => e.startsWith('left')), 'nobody has left yet');
    mock.timers.tick(1);
    await settle();
    assert.deepEqual(gone, [BORIS, VERA], 'the session hears whose grace ended');
    assert.deepEqual(store.presentIds(), []);
    assert.equal(store.participants.find((p) => p.id === BORIS)!.presence, 'offline');
    assert.equal(store.participants.find((p) => p.id === VERA)!.presence, 'connected', 'media still flows');
    assert.deepEqual(events.filter((e) => e.startsWith('left')), ['left Boris']);
    store.setConnection(VERA, undefined);
    await settle();
    assert.equal(events.at(-2), 'left Vera');
  });

  it('forgets the grace of someone who comes back, or who the channel still has', async () => {
    let stillThere = false;
    const { store, gone } = annaStore({ graceMs: 1000, stillPresent: () => stillThere });
    store.setRows([row(BORIS), row(VERA)]);
    store.setPresence({ [BORIS]: [meta('Boris')], [VERA]: [meta('Vera')] });
    store.setPresence({});
    mock.timers.tick(500);
    store.setPresence({ [BORIS]: [meta('Boris')] });
    stillThere = true;
    mock.timers.tick(500);
    assert.deepEqual(gone, [], 'Boris came back; Vera is still in the channel');
    assert.ok(store.isPresent(BORIS) && store.isPresent(VERA));
  });

  it('forgets presence, connections and graces when the call ends, and keeps the rows', async () => {
    const { store, gone, local } = annaStore({ graceMs: 1000 });
    store.setRows([row(ANNA), row(BORIS, { display_name: 'Boris' })]);
    store.setPresence({ [BORIS]: [meta('Boris')] });
    store.setConnection(BORIS, 'connected');
    store.setPresence({});
    local.inCall = false;
    store.clearLive();
    mock.timers.tick(1000);
    assert.deepEqual(gone, [], 'no grace outlives the call');
    assert.deepEqual(
      store.participants.map((p) => [p.id, p.presence, p.connection]),
      [[ANNA, 'offline', undefined], [BORIS, 'offline', undefined]],
    );
  });
});
