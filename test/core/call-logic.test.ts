/**
 * The call core's pure logic, without a browser: the state machine, negotiation roles, ICE
 * batching, signal validation, the flood limit and signal signatures.
 */
import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { CallStateMachine, canTransition, InvalidTransitionError } from '../../src/core/call-state.ts';
import { IceBatcher } from '../../src/core/ice-batcher.ts';
import { isPolite, SenderRateLimit, validateSignal } from '../../src/core/signal.ts';
import { KeyedQueue } from '../../src/core/signaling.ts';
import { SIGNAL_MAX_AGE_MS, SignalSigner, verifySignal, importSignalKey } from '../../src/core/signal-keys.ts';

describe('call state machine', () => {
  it('walks idle → joining → connected ⇄ reconnecting → left and reports each step', () => {
    const steps: string[] = [];
    const machine = new CallStateMachine((state, previous) => steps.push(`${previous}→${state}`));
    for (const state of ['joining', 'connected', 'reconnecting', 'connected', 'left'] as const) machine.to(state);
    assert.deepEqual(steps, ['idle→joining', 'joining→connected', 'connected→reconnecting', 'reconnecting→connected', 'connected→left']);
  });

  it('refuses steps that would revive a call or skip joining', () => {
    const machine = new CallStateMachine();
    assert.throws(() => machine.to('connected'), InvalidTransitionError);
    machine.to('joining');
    machine.to('left');
    assert.throws(() => machine.to('joining'), /cannot go from "left" to "joining"/);
    assert.equal(machine.tryTo('connected'), false, 'a late event after leaving is ignored');
    assert.equal(machine.state, 'left');
  });

  it('lets a failed call be joined again', () => {
    assert.equal(canTransition('failed', 'joining'), true);
    assert.equal(canTransition('failed', 'connected'), false);
    assert.equal(canTransition('reconnecting', 'failed'), true);
  });
});

describe('negotiation roles', () => {
  it('makes the larger user id polite, so exactly one side of every pair yields', () => {
    const a = '0b8f5d8e-0000-4000-8000-000000000001';
    const b = 'f3c1a2b4-0000-4000-8000-000000000002';
    assert.equal(isPolite(a, b), false);
    assert.equal(isPolite(b, a), true);
    assert.notEqual(isPolite(a, b), isPolite(b, a));
  });
});

describe('ICE batching', () => {
  const candidate = (n: number) => ({ candidate: `candidate:${n} 1 udp 1 127.0.0.1 ${5000 + n} typ host`, sdpMid: '0' });

  it('sends the first candidate at once and those that follow within 40 ms as one signal', () => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    try {
      const batches: unknown[][] = [];
      const batcher = new IceBatcher({ delayMs: 40, send: (batch) => batches.push(batch) });
      batcher.add(candidate(1));
      assert.deepEqual(batches, [[candidate(1)]], 'the first candidate goes at once');
      batcher.add(candidate(2));
      mock.timers.tick(39);
      assert.equal(batches.length, 1, 'no second signal within 40 ms');
      batcher.add(candidate(3));
      mock.timers.tick(1);
      assert.deepEqual(batches, [[candidate(1)], [candidate(2), candidate(3)]]);
      mock.timers.tick(100);
      batcher.add(candidate(4));
      assert.deepEqual(batches.at(-1), [candidate(4)], 'after a quiet spell the next one goes at once too');
    } finally {
      mock.timers.reset();
    }
  });

  it('flushes at once at the end of gathering and when the batch is full', () => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    try {
      const batches: unknown[][] = [];
      const batcher = new IceBatcher({ delayMs: 40, maxBatch: 2, send: (batch) => batches.push(batch) });
      batcher.add(candidate(0));
      batcher.add(candidate(1));
      batcher.add(candidate(2));
      assert.equal(batches.length, 2, 'full batch');
      batcher.add(candidate(3));
      batcher.add(null);
      assert.deepEqual(batches, [[candidate(0)], [candidate(1), candidate(2)], [candidate(3)]]);
      batcher.add(null);
      assert.equal(batches.length, 3, 'nothing to flush, nothing sent');
      batcher.add(candidate(4));
      batcher.dispose();
      mock.timers.tick(100);
      assert.equal(batches.length, 3, 'a disposed batcher sends nothing');
    } finally {
      mock.timers.reset();
    }
  });
});

describe('signal validation', () => {
  const offer = { from: 'a', to: 'b', kind: 'offer', payload: { description: { type: 'offer', sdp: 'v=0\r\n' } } };

  it('accepts the contract’s shapes', () => {
    assert.deepEqual(validateSignal(offer).kind, 'offer');
    assert.equal(validateSignal({ from: 'a', kind: 'bye', payload: {} }).to, null);
    assert.deepEqual(validateSignal({ from: 'a', to: null, kind: 'ice', payload: { candidates: [] } }).payload, { candidates: [] });
  });

  it('rejects wrong kinds, types, bad SDP and oversized payloads with a reason', () => {
    const cases: [unknown, RegExp][] = [
      ['text', /must be an object/],
      [{ ...offer, from: 42 }, /sender/],
      [{ ...offer, kind: 'hello' }, /unknown signal kind/],
      [{ ...offer, to: 7 }, /"to"/],
      [{ ...offer, payload: [] }, /payload must be an object/],
      [{ ...offer, payload: { description: { type: 'offer', sdp: 'not sdp' } } }, /valid session description/],
      [{ ...offer, kind: 'answer' }, /valid session description/],
      [{ from: 'a', kind: 'ice', payload: { candidate: 'x' } }, /without candidates/],
      [{ from: 'a', kind: 'ice', payload: { candidates: [], blob: 'x'.repeat(70_000) } }, /64 KiB/],
    ];
    for (const [value, reason] of cases) assert.throws(() => validateSignal(value), reason);
  });
});

describe('flood limit', () => {
  it('lets a burst through, then the steady rate, per sender', () => {
    let now = 0;
    const limit = new SenderRateLimit(10, 5, () => now);
    const allowed = Array.from({ length: 8 }, () => limit.allow('flooder')).filter(Boolean).length;
    assert.equal(allowed, 5);
    assert.equal(limit.allow('someone else'), true, 'other senders are not affected');
    now += 500;
    assert.equal(Array.from({ length: 8 }, () => limit.allow('flooder')).filter(Boolean).length, 5);
  });
});

describe('signal order', () => {
  it('keeps each key in order however long each task takes, and keys independent', async () => {
    const queue = new KeyedQueue();
    const done: string[] = [];
    const task = (name: string, ms: number) => () => new Promise<void>((resolve) => setTimeout(() => (done.push(name), resolve()), ms));
    await Promise.all([
      queue.run('peer-a', task('a:offer', 30)),
      queue.run('peer-a', task('a:ice', 1)),
      queue.run('peer-b', task('b:offer', 5)),
    ]);
    assert.deepEqual(done, ['b:offer', 'a:offer', 'a:ice']);
  });

  it('goes on after a failed task and hands the failure to its caller', async () => {
    const queue = new KeyedQueue();
    await assert.rejects(queue.run('peer', async () => Promise.reject(new Error('network down'))), /network down/);
    assert.equal(await queue.run('peer', async () => 'next'), 'next');
  });
});

describe('signal signatures', () => {
  it('verifies a signal signed by the sender’s key and nothing else', async () => {
    const anna = await SignalSigner.create();
    const eve = await SignalSigner.create();
    const annaKey = await importSignalKey(JSON.parse(JSON.stringify(anna.publicJwk)));
    const signal = { from: 'anna', to: 'boris', kind: 'offer' as const, payload: { description: { type: 'offer', sdp: 'v=0' } } };
    const signed = await anna.sign('session-1', signal);
    assert.equal(await verifySignal(annaKey, 'session-1', signed), true);

    const forged = await eve.sign('session-1', signal);
    assert.equal(await verifySignal(annaKey, 'session-1', forged), false, 'Eve cannot speak as Anna');
    assert.equal(await verifySignal(annaKey, 'session-2', signed), false, 'bound to its session');
    assert.equal(await verifySignal(annaKey, 'session-1', { ...signed, to: 'eve' }), false, 'bound to its addressee');
    assert.equal(await verifySignal(annaKey, 'session-1', { ...signed, payload: { description: { type: 'offer', sdp: 'v=1' } } }), false);
    assert.equal(await verifySignal(annaKey, 'session-1', signed, signed.ts + SIGNAL_MAX_AGE_MS + 1), false, 'replays expire');
    assert.equal(await verifySignal(annaKey, 'session-1', { ...signed, sig: '!!' }), false);
  });

  it('refuses keys that are not P-256 public keys', async () => {
    await assert.rejects(importSignalKey({ kty: 'RSA' }), /P-256/);
    await assert.rejects(importSignalKey(null), /P-256/);
  });
});
