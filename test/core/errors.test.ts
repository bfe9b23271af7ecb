/**
 * The core's one error type and the one place that reads the backend's codes into it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CallClientError } from '../../src/core/call-client.ts';
import { CallError, toCallError } from '../../src/core/errors.ts';

describe('call errors', () => {
  it('spread and serialise as { code, message }, as the event details that carry them expect', () => {
    const error = new CallError('not_participant', 'you are not invited', { cause: new Error('42501') });
    assert.ok(error instanceof Error);
    assert.equal(error.name, 'CallError');
    assert.deepEqual({ ...error }, { code: 'not_participant', message: 'you are not invited' });
    assert.deepEqual(JSON.parse(JSON.stringify(error)), { code: 'not_participant', message: 'you are not invited' });
    assert.match(String(error), /^CallError: you are not invited/);
  });

  it('keeps the client’s old name for the same class', () => {
    const error = new CallClientError('not_host', 'only the host can invite people');
    assert.ok(error instanceof CallError);
    assert.ok(new CallError('failed', 'x') instanceof CallClientError);
  });

  it('reads SQLSTATEs, PostgREST codes and function codes, refusals as the context says', () => {
    const cases: [unknown, Parameters<typeof toCallError>[1], string][] = [
      [{ code: '42501', message: 'only the host of the call can invite people' }, { refused: 'not_host' }, 'not_host'],
      [{ code: '42501', message: 'you are not a participant' }, {}, 'not_participant'],
      [{ code: '23505', message: 'duplicate key value' }, {}, 'already_invited'],
      [{ code: 'PT409', message: 'anna@example.com is already invited' }, {}, 'already_invited'],
      [{ code: 'PT409', message: 'video call 1 has ended' }, { fallback: 'join_failed' }, 'session_ended'],
      [{ code: 'PT409', message: 'the call has ended' }, { refused: 'not_host' }, 'session_ended'],
      [{ code: 'PT404', message: 'video call 1 does not exist' }, { fallback: 'join_failed' }, 'session_not_found'],
      [{ code: 'PT409', message: 'the call has ended: its chat is read-only' }, { ended: 'call_ended' }, 'call_ended'],
      [{ code: 'PT429', message: 'too many chat messages: at most 20 in 10 seconds' }, {}, 'rate_limited'],
      [{ code: 'PT423', message: 'waiting_for_host' }, { refused: 'not_participant', fallback: 'join_failed' }, 'waiting_for_host'],
      [{ error: { code: 'waiting_for_host', message: 'the host has not admitted you yet' } }, {}, 'waiting_for_host'],
      [{ code: '22023', message: 'a chat message cannot be empty' }, {}, 'message_empty'],
      [{ code: '22023', message: 'a chat message can have at most 4000 characters (this one has 4001)' }, {}, 'message_too_long'],
      [{ code: '22P02', message: 'invalid input syntax for type uuid' }, {}, 'invalid_input'],
      [{ code: '22023', message: 'not an e-mail address' }, {}, 'invalid_input'],
      [{ code: '22007', message: 'invalid input syntax for type timestamp' }, {}, 'invalid_input'],
      [{ code: '22008', message: 'date/time field value out of range' }, {}, 'invalid_input'],
      [{ code: 'PGRST301', message: 'JWT expired' }, {}, 'not_signed_in'],
      [{ error: { code: 'invalid_token', message: 'bad token' } }, {}, 'not_signed_in'],
      [{ error: { code: 'session_ended', message: 'the call has ended' } }, {}, 'session_ended'],
      [{ error: { code: 'mail_unavailable', message: 'SMTP is not configured' } }, {}, 'unavailable'],
      [{ error: { code: 'push_unavailable', message: 'VAPID keys are not configured' } }, {}, 'unavailable'],
      [{ error: { code: 'not_host', message: 'only the host may send its invitations' } }, {}, 'not_host'],
      [{ error: { code: 'invalid_user_ids', message: 'user_ids must be UUIDs' } }, {}, 'invalid_input'],
      [{ error: { code: 'service_role_required', message: 'service role only' } }, { refused: 'not_host' }, 'not_host'],
      [{ error: { code: 'payload_too_large', message: 'over 64 KiB' } }, {}, 'invalid_input'],
      [{ error: { code: 'internal_error', message: 'boom' }, status: 500 }, {}, 'failed'],
      [{ code: '', message: 'TypeError: fetch failed' }, { fallback: 'join_failed' }, 'join_failed'],
      [{ code: '40001', message: 'could not serialize access' }, {}, 'failed'],
      [{ code: 'constructor', message: 'not ours' }, {}, 'failed'],
      [new Error('network down'), {}, 'failed'],
      ['plain text', { fallback: 'signaling_failed' }, 'signaling_failed'],
    ];
    for (const [error, context, code] of cases) assert.equal(toCallError(error, context).code, code, JSON.stringify(error));
  });

  it('falls back on the answer’s status when the code says nothing', () => {
    assert.equal(toCallError({ message: 'no' }, { status: 401 }).code, 'not_signed_in');
    assert.equal(toCallError({ message: 'no', status: 403 }, { refused: 'not_host' }).code, 'not_host');
    assert.equal(toCallError({ message: 'no', status: 403 }, { refused: 'not_host' }).status, 403);
    assert.equal(toCallError({ message: 'no' }, { status: 400 }).code, 'invalid_input');
  });

  it('says what was being done, keeps the original as the cause, and passes its own errors through', () => {
    const original = { code: '42501', message: 'permission denied for table video_call_sessions' };
    const error = toCallError(original, { action: 'could not read the call' });
    assert.equal(error.message, 'could not read the call: permission denied for table video_call_sessions');
    assert.equal(error.cause, original);
    const own = new CallError('media_denied', 'camera blocked');
    assert.equal(toCallError(own, { fallback: 'failed' }), own);
  });
});
