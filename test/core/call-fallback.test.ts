/**
 * CallFallback's whole-call steps: the channel down past SIGNALING_GIVE_UP_MS steps the call out
 * as `signaling-unreachable` once, its return takes the notice back, and a new join starts clean.
 * The same in real Chromium over the local stack is test/e2e/faults.test.ts.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import type { SupabaseClient } from '@supabase/supabase-js';
import { CallFallback, SIGNALING_GIVE_UP_MS } from '../../src/core/call-fallback.ts';
import type { CallFallbackDetail } from '../../src/core/fallback.ts';

/** A CallFallback whose steps are recorded; these paths never reach the backend. */
function fallback(fallbackUrl?: string) {
  const steps: CallFallbackDetail[] = [];
  const subject = new CallFallback({} as SupabaseClient, 'session-1', [], {
    log: () => undefined,
    stepped: (detail) => steps.push(detail),
    warned: () => undefined,
    refreshed: () => undefined,
  });
  subject.settings = { forceRelay: false, fallbackUrl };
  return { subject, steps };
}

describe('CallFallback and the call channel', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
  afterEach(() => mock.timers.reset());

  it('steps the call out as signaling-unreachable once the channel stays down past the give-up time', () => {
    const { subject, steps } = fallback('https://meet.example.com/weekly');
    subject.signalingDown();
    mock.timers.tick(SIGNALING_GIVE_UP_MS - 1);
    assert.deepEqual(steps, [], 'not while the rejoins still have time');
    mock.timers.tick(1);
    assert.deepEqual(steps, [{ reason: 'signaling-unreachable', step: 'external', url: 'https://meet.example.com/weekly' }]);
    assert.deepEqual(subject.detail, steps[0]);
  });

  it('says nothing when the channel is back within the give-up time', () => {
    const { subject, steps } = fallback();
    subject.signalingDown();
    mock.timers.tick(SIGNALING_GIVE_UP_MS / 2);
    subject.signalingBack();
    mock.timers.tick(SIGNALING_GIVE_UP_MS);
    assert.deepEqual(steps, []);
    assert.equal(subject.detail, undefined);
  });

  it('steps out once however often the channel reports it is down, and not again before it was back', () => {
    const { subject, steps } = fallback();
    subject.signalingDown();
    mock.timers.tick(SIGNALING_GIVE_UP_MS / 2);
    // Every failed rejoin says so again: the clock keeps counting from the first.
    subject.signalingDown();
    mock.timers.tick(SIGNALING_GIVE_UP_MS / 2);
    subject.signalingDown();
    mock.timers.tick(SIGNALING_GIVE_UP_MS * 3);
    assert.deepEqual(steps, [{ reason: 'signaling-unreachable', step: 'none' }]);
  });

  it('takes the notice back when the channel returns, and steps out again after a second outage', () => {
    const { subject, steps } = fallback();
    subject.signalingDown();
    mock.timers.tick(SIGNALING_GIVE_UP_MS);
    subject.signalingBack();
    assert.equal(subject.detail, undefined, 'the call works again');
    subject.signalingDown();
    mock.timers.tick(SIGNALING_GIVE_UP_MS);
    assert.equal(steps.length, 2);
  });

  it('keeps the notice of a link when the channel returns', () => {
    const { subject } = fallback();
    const link: CallFallbackDetail = { reason: 'relay-failed', step: 'none', peerId: 'peer-1' };
    subject.signalingDown();
    subject.stepDown(link);
    subject.signalingBack();
    assert.deepEqual(subject.detail, link, 'the channel coming back says nothing of that link');
  });

  it('starts a new join clean: no old step, no give-up pending', () => {
    const { subject, steps } = fallback();
    subject.signalingDown();
    mock.timers.tick(SIGNALING_GIVE_UP_MS);
    subject.begin();
    assert.equal(subject.detail, undefined);
    subject.signalingDown();
    subject.begin();
    mock.timers.tick(SIGNALING_GIVE_UP_MS * 2);
    assert.equal(steps.length, 1, 'the give-up of the last join does not fire into the new one');
  });

  it('gives up nothing after the call stopped', () => {
    const { subject, steps } = fallback();
    subject.signalingDown();
    subject.stop();
    mock.timers.tick(SIGNALING_GIVE_UP_MS * 2);
    assert.deepEqual(steps, []);
  });
});
