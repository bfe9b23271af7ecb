/**
 * LocalMedia's screen share where the page cannot capture the screen at all (here: Node, with a
 * navigator but no mediaDevices): it says so as getDisplayMedia would, and its state stays off.
 * What browsers really answer (a cancelled or forbidden picker, headless Firefox's nothing to
 * capture) is in test/elements/video-call-room.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LocalMedia } from '../../src/core/local-media.ts';

describe('LocalMedia screen share without getDisplayMedia', () => {
  it('rejects with NotSupportedError and leaves the share off', async () => {
    const media = new LocalMedia();
    assert.equal(media.canShareScreen, false);
    const changes: unknown[] = [];
    media.on('change', (state) => changes.push(state));
    await assert.rejects(media.startScreenShare(), (error: DOMException) => error instanceof DOMException && error.name === 'NotSupportedError');
    assert.equal(media.state.screen, false);
    assert.equal(media.screen, undefined);
    assert.deepEqual(changes, [], 'nothing changed');
  });
});
