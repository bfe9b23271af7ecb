/**
 * SessionMedia (call-media.ts): the one change of topology a running call makes — from the SFU
 * down to a mesh — and when it does not: a call too large for a mesh, a removed person, and a
 * project with no SFU at all under `auto` (quietly a mesh, whatever the size).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SessionMedia, type SessionMediaOptions } from '../../src/core/call-media.ts';
import type { PeerMesh } from '../../src/core/peer-mesh.ts';
import type { SfuConnection, SfuProblem } from '../../src/core/sfu-connection.ts';
import { TypedEventTarget } from '../../src/core/typed-events.ts';

/** Stands in for both: records what the session asked of it, fires what a test tells it to. */
class Fake extends TypedEventTarget<Record<string, unknown>> {
  readonly calls: string[] = [];
  constructor(readonly topology: 'mesh' | 'sfu') {
    super();
  }
  get peers() {
    return [];
  }
  fire(type: string, detail: unknown) {
    this.emit(type, detail);
  }
  start() {
    this.calls.push('start');
  }
  close() {
    this.calls.push('close');
  }
  connect(id: string) {
    this.calls.push(`connect ${id}`);
  }
  restartAll() {
    this.calls.push('restartAll');
  }
  setLocalStreams() {
    this.calls.push('setLocalStreams');
  }
  setIceServers() {
    this.calls.push('setIceServers');
  }
  requestView(id: string, scale: number) {
    this.calls.push(`view ${id} ${scale}`);
  }
}

function media(present: number, overrides: Partial<SessionMediaOptions> = {}) {
  const made: Fake[] = [];
  const fallbacks: unknown[] = [];
  const changed: string[] = [];
  let recovered = 0;
  const session = new SessionMedia({
    topology: 'sfu',
    makeMesh: () => made[made.push(new Fake('mesh')) - 1] as never as PeerMesh,
    makeSfu: () => made[made.push(new Fake('sfu')) - 1] as never as SfuConnection,
    present: () => Array.from({ length: present }, (_, i) => (i === 0 ? 'me' : `p${i}`)),
    quietWhenUnavailable: false,
    fallback: (detail) => fallbacks.push(detail),
    recovered: () => recovered++,
    changed: (topology) => changed.push(topology),
    log: () => undefined,
    ...overrides,
  });
  const down = (problem: SfuProblem) => made[0]!.fire('unreachable', { problem, message: problem });
  return { session, made, fallbacks, changed, down, recovered: () => recovered };
}

describe('SessionMedia', () => {
  it('starts the SFU connection it was made with, and passes its events on', () => {
    const { session, made } = media(3);
    assert.equal(session.topology, 'sfu');
    assert.deepEqual(made[0]!.calls, ['start']);
    const seen: unknown[] = [];
    session.on('peer-state', (detail) => seen.push(detail));
    made[0]!.fire('peer-state', { peerId: 'p1', state: 'connected' });
    assert.deepEqual(seen, [{ peerId: 'p1', state: 'connected' }]);
  });

  it('SFU out of reach, six people: a mesh to everyone present, each asked to start afresh, saying why', () => {
    const { session, made, fallbacks, changed, down } = media(6);
    session.setIceServers([{ urls: 'stun:example.test' }]);
    session.setLocalStreams({});
    session.requestView('p2', 4);
    down('unreachable');
    assert.equal(session.topology, 'mesh');
    assert.deepEqual(made[0]!.calls.at(-1), 'close');
    assert.deepEqual(made[1]!.calls, ['setIceServers', 'setLocalStreams', 'connect me', 'connect p1', 'connect p2', 'connect p3', 'connect p4', 'connect p5', 'restartAll', 'view p2 4']);
    assert.deepEqual(fallbacks, [{ reason: 'sfu-unreachable', step: 'mesh' }]);
    assert.deepEqual(changed, ['mesh']);
    // Events now come from the mesh, not from the closed SFU connection.
    const seen: unknown[] = [];
    session.on('peer-removed', (detail) => seen.push(detail));
    made[0]!.fire('peer-removed', { peerId: 'old' });
    made[1]!.fire('peer-removed', { peerId: 'p1' });
    assert.deepEqual(seen, [{ peerId: 'p1' }]);
  });

  it('seven people stay on the SFU, which keeps trying, and the room says the call waits for it', () => {
    const { session, made, fallbacks, down, recovered } = media(7);
    down('unreachable');
    assert.equal(session.topology, 'sfu');
    assert.equal(made.length, 1);
    assert.ok(!made[0]!.calls.includes('close'));
    assert.deepEqual(fallbacks, [{ reason: 'sfu-unreachable', step: 'none' }]);
    made[0]!.fire('ready', undefined);
    assert.equal(recovered(), 1, 'the notice goes once the SFU is back');
  });

  it('a project without an SFU under auto: a mesh quietly, whatever the size', () => {
    const { session, fallbacks, changed, down } = media(9, { quietWhenUnavailable: true });
    down('unavailable');
    assert.equal(session.topology, 'mesh');
    assert.deepEqual(fallbacks, []);
    assert.deepEqual(changed, ['mesh']);
  });

  it('an explicit sfu setting on a project without one says so when it falls to a mesh', () => {
    const { session, fallbacks, down } = media(3);
    down('unavailable');
    assert.equal(session.topology, 'mesh');
    assert.deepEqual(fallbacks, [{ reason: 'sfu-unreachable', step: 'mesh' }]);
  });

  it('refused (removed, not a member): no mesh either', () => {
    const { session, made, fallbacks, down } = media(3);
    down('refused');
    assert.equal(session.topology, 'sfu');
    assert.equal(made.length, 1);
    assert.deepEqual(fallbacks, []);
  });

  it('a mesh call never moves', () => {
    const { session, made } = media(8, { topology: 'mesh' });
    assert.equal(session.topology, 'mesh');
    assert.deepEqual(made[0]!.calls, []);
  });
});
