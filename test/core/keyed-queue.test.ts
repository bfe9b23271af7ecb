/**
 * Signal order end to end: KeyedQueue (signaling.ts) runs tasks one after another per key.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeyedQueue } from '../../src/core/signaling.ts';

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
