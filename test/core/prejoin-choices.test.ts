import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CHOICES, PREJOIN_STORAGE_KEY, readChoices, saveChoices, usable } from '../../src/core/prejoin-choices.ts';

/** A Storage of one Map, with a switch to make it throw as a full or blocked storage does. */
function memory(initial?: string) {
  const items = new Map<string, string>(initial === undefined ? [] : [[PREJOIN_STORAGE_KEY, initial]]);
  let failing: string | undefined;
  return {
    items,
    fail: (name: string) => (failing = name),
    getItem: (key: string) => {
      if (failing) throw new DOMException('no storage', failing);
      return items.get(key) ?? null;
    },
    setItem: (key: string, value: string) => {
      if (failing) throw new DOMException('no storage', failing);
      items.set(key, value);
    },
  };
}

describe('pre-join choices in storage', () => {
  it('reads back what it saved', () => {
    const store = memory();
    saveChoices({ camera: 'cam-1', microphone: 'mic-2', speaker: 'out-3', mic: false, cam: true, name: 'Anna P.', userId: 'u1' }, store);
    assert.deepEqual(JSON.parse(store.items.get(PREJOIN_STORAGE_KEY)!), { v: 1, camera: 'cam-1', microphone: 'mic-2', speaker: 'out-3', mic: false, cam: true, name: 'Anna P.', userId: 'u1' });
    assert.deepEqual(readChoices(store), { camera: 'cam-1', microphone: 'mic-2', speaker: 'out-3', mic: false, cam: true, name: 'Anna P.', userId: 'u1' });
  });

  it('reads garbage as nothing chosen', () => {
    for (const garbage of ['not json', 'null', '42', '"text"', '[1,2]', '{}', '{"v":2,"mic":false}']) {
      assert.deepEqual(readChoices(memory(garbage)), DEFAULT_CHOICES, garbage);
    }
  });

  it('keeps the fields that are right and drops the ones that are not', () => {
    const choices = readChoices(memory(JSON.stringify({ v: 1, mic: 'no', cam: false, camera: 42, microphone: 'x'.repeat(600), speaker: '', name: 'Vera' })));
    // A name without whose it is is not offered (someone else's on a shared computer).
    assert.deepEqual(choices, { mic: true, cam: false });
  });

  it('survives a storage that throws, reading and writing', () => {
    const store = memory('{"v":1,"mic":false,"cam":false}');
    store.fail('SecurityError');
    assert.deepEqual(readChoices(store), DEFAULT_CHOICES);
    store.fail('QuotaExceededError');
    assert.doesNotThrow(() => saveChoices({ mic: false, cam: false }, store));
    assert.deepEqual(readChoices(undefined), DEFAULT_CHOICES);
  });

  it('uses a remembered device only while it is there', () => {
    const devices = [{ deviceId: 'cam-1' }, { deviceId: 'cam-2' }];
    assert.equal(usable('cam-2', devices), 'cam-2');
    assert.equal(usable('gone', devices), undefined);
    assert.equal(usable(undefined, devices), undefined);
  });
});
