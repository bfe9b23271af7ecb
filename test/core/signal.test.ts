/**
 * Signals as signal.ts checks them: negotiation roles, the contract's shapes, the flood limit.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isPolite, SenderRateLimit, validateSignal } from '../../src/core/signal.ts';

describe('negotiation roles', () => {
  it('makes the larger user id polite, so exactly one side of every pair yields', () => {
    const a = '0b8f5d8e-0000-4000-8000-000000000001';
    const b = 'f3c1a2b4-0000-4000-8000-000000000002';
    assert.equal(isPolite(a, b), false);
    assert.equal(isPolite(b, a), true);
    assert.notEqual(isPolite(a, b), isPolite(b, a));
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
