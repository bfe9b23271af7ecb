/**
 * Signal signatures (signal-keys.ts): who may speak as whom, bound to session, addressee and time.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SIGNAL_MAX_AGE_MS, SignalSigner, verifySignal, importSignalKey } from '../../src/core/signal-keys.ts';

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
