/**
 * The call state machine (call-state.ts): the legal steps, and the ones that would revive a call.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CallStateMachine, canTransition, InvalidTransitionError } from '../../src/core/call-state.ts';

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

  it('waits in a lobby and joins once admitted; removed and ended are final but for leaving', () => {
    const steps: string[] = [];
    const machine = new CallStateMachine((state, previous) => steps.push(`${previous}→${state}`));
    for (const state of ['joining', 'waiting', 'joining', 'connected', 'removed', 'left'] as const) machine.to(state);
    assert.deepEqual(steps, ['idle→joining', 'joining→waiting', 'waiting→joining', 'joining→connected', 'connected→removed', 'removed→left']);
    for (const from of ['waiting', 'connected', 'reconnecting'] as const) {
      assert.equal(canTransition(from, 'removed'), true, from);
      assert.equal(canTransition(from, 'ended'), true, from);
    }
    for (const to of ['joining', 'connected', 'reconnecting', 'waiting', 'failed'] as const) {
      assert.equal(canTransition('removed', to), false, `removed → ${to}`);
      assert.equal(canTransition('ended', to), false, `ended → ${to}`);
    }
    assert.equal(canTransition('waiting', 'connected'), false, 'a waiting guest joins again before being in');
    assert.equal(canTransition('idle', 'waiting'), false);
  });
});
