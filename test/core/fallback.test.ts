/**
 * The fallback ladder's decisions (direct → relay → external) and the session settings it reads.
 * The ladder in real browsers, with coturn, is in test/e2e/fallback.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkedFallbackUrl, external, fallbackSettings, nextRung } from '../../src/core/fallback.ts';

const withMeeting = { forceRelay: false, fallbackUrl: 'https://meet.example.com/room-1' };
const withoutMeeting = { forceRelay: false, fallbackUrl: undefined };

describe('fallback ladder', () => {
  it('moves a failed direct link to the relay when TURN servers are known', () => {
    assert.deepEqual(nextRung('direct', true, withMeeting, 'peer-1'), { rung: 'relay', fallback: { reason: 'ice-failed', step: 'relay', peerId: 'peer-1' } });
  });

  it('points a failed direct link at the external meeting when there is no TURN', () => {
    assert.deepEqual(nextRung('direct', false, withMeeting, 'peer-1'), {
      rung: 'failed',
      fallback: { reason: 'ice-failed', step: 'external', url: 'https://meet.example.com/room-1', peerId: 'peer-1' },
    });
  });

  it('says relay-failed and the external meeting when the relay fails too', () => {
    assert.deepEqual(nextRung('relay', true, withMeeting, 'peer-1'), {
      rung: 'failed',
      fallback: { reason: 'relay-failed', step: 'external', url: 'https://meet.example.com/room-1', peerId: 'peer-1' },
    });
  });

  it('ends at none when the relay fails and the session has no external meeting', () => {
    assert.deepEqual(nextRung('relay', true, withoutMeeting), { rung: 'failed', fallback: { reason: 'relay-failed', step: 'none' } });
  });

  it('gives whole-call reasons the external meeting or none', () => {
    assert.deepEqual(external('webrtc-unsupported', 'https://meet.example.com/x'), { reason: 'webrtc-unsupported', step: 'external', url: 'https://meet.example.com/x' });
    assert.deepEqual(external('signaling-unreachable', undefined), { reason: 'signaling-unreachable', step: 'none' });
  });
});

describe('fallback settings', () => {
  it('reads force_relay and fallback_url from the session settings', () => {
    assert.deepEqual(fallbackSettings({ force_relay: true, fallback_url: 'https://meet.example.com/a' }), { forceRelay: true, fallbackUrl: 'https://meet.example.com/a' });
  });

  it('takes only a real true as force_relay and nothing from settings that are not an object', () => {
    assert.deepEqual(fallbackSettings({ force_relay: 'true' }), withoutMeeting);
    assert.deepEqual(fallbackSettings(null), withoutMeeting);
    assert.deepEqual(fallbackSettings('{"force_relay":true}'), withoutMeeting);
  });

  it('accepts https anywhere and http on localhost only', () => {
    assert.equal(checkedFallbackUrl('http://127.0.0.1:8080/meet'), 'http://127.0.0.1:8080/meet');
    assert.equal(checkedFallbackUrl('http://localhost/meet'), 'http://localhost/meet');
    assert.equal(checkedFallbackUrl('http://meet.example.com/'), undefined);
    assert.equal(checkedFallbackUrl('javascript:alert(1)'), undefined);
    assert.equal(checkedFallbackUrl('not a url'), undefined);
    assert.equal(checkedFallbackUrl(42), undefined);
    assert.equal(checkedFallbackUrl(`https://meet.example.com/${'a'.repeat(3000)}`), undefined);
  });
});
