/**
 * What the elements of one page share through the core: a call kept while something shows it
 * (holds with a grace for re-renders), and one roster per session for every list and button.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import type { CallState } from '../../src/core/call-state.ts';
import type { ParticipantRoster } from '../../src/core/participant-roster.ts';
import { RosterRegistry } from '../../src/core/roster-leases.ts';
import { holdSession, isSessionHeld, releaseSession, RELEASE_GRACE_MS } from '../../src/core/session-holds.ts';
import { TypedEventTarget } from '../../src/core/typed-events.ts';

class FakeSession {
  state: CallState = 'connected';
  leaves = 0;
  async leave(): Promise<void> {
    this.leaves++;
    this.state = 'left';
  }
}

describe('holding a session', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
  afterEach(() => mock.timers.reset());

  it('leaves a call nothing shows any more, after the grace', () => {
    const session = new FakeSession();
    holdSession(session);
    releaseSession(session);
    assert.equal(isSessionHeld(session), false);
    mock.timers.tick(RELEASE_GRACE_MS - 1);
    assert.equal(session.leaves, 0, 'not before the grace is over');
    mock.timers.tick(1);
    assert.equal(session.leaves, 1);
  });

  it('keeps the call when a new element takes it within the grace (a re-render)', () => {
    const session = new FakeSession();
    holdSession(session);
    releaseSession(session);
    mock.timers.tick(RELEASE_GRACE_MS / 2);
    holdSession(session);
    mock.timers.tick(RELEASE_GRACE_MS * 5);
    assert.equal(session.leaves, 0);
    assert.equal(isSessionHeld(session), true);
  });

  it('keeps the call while any of several elements shows it, and ignores extra releases', () => {
    const session = new FakeSession();
    holdSession(session);
    holdSession(session);
    releaseSession(session);
    mock.timers.tick(RELEASE_GRACE_MS * 2);
    assert.equal(session.leaves, 0);
    releaseSession(session);
    releaseSession(session);
    mock.timers.tick(RELEASE_GRACE_MS);
    assert.equal(session.leaves, 1);
  });

  it('does not leave a call that was never joined or is already left', () => {
    for (const state of ['idle', 'left'] as const) {
      const session = new FakeSession();
      session.state = state;
      holdSession(session);
      releaseSession(session);
      mock.timers.tick(RELEASE_GRACE_MS);
      assert.equal(session.leaves, 0, state);
    }
  });
});

class FakeRoster extends TypedEventTarget<{ participants: never[]; status: { status: 'ready' }; stopped: null }> {
  starts = 0;
  stops = 0;
  status = 'loading' as const;
  error = undefined;
  participants = [];
  constructor(readonly sessionId: string) {
    super();
  }
  follow(): void {}
  async start(): Promise<void> {
    this.starts++;
  }
  async stop(): Promise<void> {
    this.stops++;
  }
  async reload(): Promise<void> {}
  ready(): void {
    this.emit('status', { status: 'ready' });
  }
}

describe('sharing a roster', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
  afterEach(() => mock.timers.reset());

  const registry = () => {
    const made: FakeRoster[] = [];
    const sessions = { sessionObject: () => undefined, on: () => () => undefined };
    const rosters = new RosterRegistry((sessionId) => {
      const roster = new FakeRoster(sessionId);
      made.push(roster);
      return roster as unknown as ParticipantRoster;
    }, sessions);
    return { rosters, made };
  };

  it('starts one roster for every consumer of a session, each with its own listeners', async () => {
    const { rosters, made } = registry();
    const button = rosters.lease('s1', 'u1');
    const list = rosters.lease('s1', 'u1');
    await Promise.all([button.start(), list.start()]);
    assert.equal(made.length, 1);
    assert.equal(made[0].starts, 1);
    const heard: string[] = [];
    button.on('status', () => heard.push('button'));
    list.on('status', () => heard.push('list'));
    await list.stop();
    made[0].ready();
    assert.deepEqual(heard, ['button'], 'a stopped lease hears nothing more');
  });

  it('stops the roster once the last consumer has gone for the grace, not at a re-render', async () => {
    const { rosters, made } = registry();
    const first = rosters.lease('s1', 'u1');
    await first.start();
    await first.stop();
    mock.timers.tick(RELEASE_GRACE_MS / 2);
    const replacement = rosters.lease('s1', 'u1');
    await replacement.start();
    mock.timers.tick(RELEASE_GRACE_MS * 2);
    assert.equal(made.length, 1, 'the replacement took the same roster');
    assert.equal(made[0].stops, 0);
    await replacement.stop();
    mock.timers.tick(RELEASE_GRACE_MS);
    assert.equal(made[0].stops, 1);
    const later = rosters.lease('s1', 'u1');
    await later.start();
    assert.equal(made.length, 2, 'a new roster after the old one stopped');
  });

  it('keeps rosters of different users apart', async () => {
    const { rosters, made } = registry();
    await rosters.lease('s1', 'anna').start();
    await rosters.lease('s1', 'boris').start();
    assert.equal(made.length, 2);
  });
});
