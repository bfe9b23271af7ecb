/**
 * Trickle ICE throttled per connection (ice-batcher.ts), on mock timers.
 */
import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { IceBatcher } from '../../src/core/ice-batcher.ts';

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
