/**
 * The signal kinds and the 64 KiB payload limit are held in three places — the core
 * (src/core/signal.ts), the video-call-signal function (supabase/functions/_shared/signal-limits.ts)
 * and the database (video_call_signals' check constraints) — and all three must agree: the same
 * kinds, and the same limit counted the same way, in UTF-8 bytes of the payload's JSON text. Each
 * is read as declared and then tried at the limit and one byte over, with multibyte characters
 * and enough keys that jsonb's own text (a space after every ':' and ',') would count more.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SIGNAL_KINDS as CORE_KINDS, SIGNAL_PAYLOAD_LIMIT, validateSignal } from '../../src/core/signal.ts';
import { MAX_PAYLOAD_BYTES, payloadBytes, SIGNAL_KINDS as FUNCTION_KINDS } from '../../supabase/functions/_shared/signal-limits.ts';
import { startTestStack, type TestStack, type TestUser } from '../support/stack.ts';

const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).length;

/** An ICE signal's payload of exactly `size` bytes of JSON: candidates, nested keys, Cyrillic and emoji. */
function payloadOf(size: number) {
  const candidates = Array.from({ length: 40 }, (_, i) => ({
    candidate: `candidate:${i} 1 udp 2122260223 192.0.2.${i} ${50000 + i} typ host`,
    sdpMid: String(i % 3),
    sdpMLineIndex: i % 3,
  }));
  const payload = { candidates, note: { от: 'Анна', к: 'Борис', list: [1, 2, 3] }, pad: '' };
  let left = size - bytes(payload);
  assert.ok(left > 8, 'the fixture fits');
  const emoji = Math.floor(left / 4) - 1; // 😀 is 4 bytes of UTF-8, 2 UTF-16 units
  left -= emoji * 4;
  const cyrillic = Math.floor(left / 2); // я is 2 bytes, 1 unit
  payload.pad = '😀'.repeat(emoji) + 'я'.repeat(cyrillic) + 'a'.repeat(left - cyrillic * 2);
  assert.equal(bytes(payload), size);
  assert.ok(JSON.stringify(payload).length < size - 10_000, 'far fewer characters than bytes');
  return payload;
}

describe('signal kinds and payload limit: core, function and database agree', () => {
  let stack: TestStack;
  let anna: TestUser;
  let boris: TestUser;
  let sessionId: string;
  /** What the database declares: its kinds and its payload limit, from the check constraints. */
  let database: { kinds: string[]; limit: number };

  before(async () => {
    stack = await startTestStack();
    anna = await stack.createUser({ name: 'Anna' });
    boris = await stack.createUser({ name: 'Boris' });
    const { data, error } = await anna.client.from('video_call_sessions').insert({ title: 'Limits' }).select().single();
    assert.ifError(error);
    sessionId = data.id;
    assert.ifError((await anna.client.from('video_call_participants').insert({ session_id: sessionId, user_id: boris.id })).error);
    const checks = await stack.db.query<{ definition: string }>(
      `select pg_get_constraintdef(oid) as definition from pg_constraint
        where conrelid = 'public.video_call_signals'::regclass and contype = 'c'`,
    );
    const definitions = checks.rows.map((row) => row.definition);
    const kind = definitions.find((text) => /\bkind\b/.test(text));
    const payload = definitions.find((text) => /\bpayload\b/.test(text));
    assert.ok(kind && payload, `check constraints on kind and payload: ${definitions.join('; ')}`);
    database = {
      kinds: [...kind.matchAll(/'([^']*)'::text/g)].map((match) => match[1]),
      limit: Number(/<= (\d+)/.exec(payload)?.[1]),
    };
  });
  after(async () => stack?.close());

  const insert = (payload: object, kind = 'ice') =>
    anna.client.from('video_call_signals').insert({ session_id: sessionId, to_user: boris.id, kind, payload });
  const callFunction = (payload: object, kind = 'ice') =>
    fetch(`${stack.url}/functions/v1/video-call-signal`, {
      method: 'POST',
      headers: { apikey: stack.anonKey, authorization: `Bearer ${anna.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ session_id: sessionId, to: boris.id, kind, payload }),
    });

  it('declare the same kinds and the same limit', () => {
    assert.deepEqual([...FUNCTION_KINDS], [...CORE_KINDS]);
    assert.deepEqual([...database.kinds].sort(), [...CORE_KINDS].sort());
    assert.equal(MAX_PAYLOAD_BYTES, SIGNAL_PAYLOAD_LIMIT);
    assert.equal(database.limit, SIGNAL_PAYLOAD_LIMIT);
    assert.equal(SIGNAL_PAYLOAD_LIMIT, 64 * 1024);
  });

  it('the core takes a payload of exactly the limit in bytes and refuses one byte more', () => {
    const signal = (payload: object) => ({ from: anna.id, to: boris.id, kind: 'ice', payload });
    assert.doesNotThrow(() => validateSignal(signal(payloadOf(SIGNAL_PAYLOAD_LIMIT))));
    assert.throws(() => validateSignal(signal(payloadOf(SIGNAL_PAYLOAD_LIMIT + 1))), /over 64 KiB/);
  });

  it('the function counts the same bytes, stores the limit and answers 400 one byte over', async () => {
    assert.equal(payloadBytes(payloadOf(MAX_PAYLOAD_BYTES)), MAX_PAYLOAD_BYTES);
    const stored = await callFunction(payloadOf(MAX_PAYLOAD_BYTES));
    assert.equal(stored.status, 201, await stored.clone().text());
    const { id } = await stored.json();
    const row = await stack.db.query<{ payload: unknown }>('select payload from public.video_call_signals where id = $1', [id]);
    assert.equal(bytes(row.rows[0].payload), MAX_PAYLOAD_BYTES);

    const over = await callFunction(payloadOf(MAX_PAYLOAD_BYTES + 1));
    assert.deepEqual([over.status, (await over.json()).error.code], [400, 'payload_too_large']);
  });

  it('the database stores the limit and refuses one byte more (check constraint, 23514)', async () => {
    assert.ifError((await insert(payloadOf(database.limit))).error);
    const over = await insert(payloadOf(database.limit + 1));
    assert.equal(over.error?.code, '23514', JSON.stringify(over.error));
    assert.match(over.error?.message ?? '', /video_call_signals_payload_check/);
  });

  it('every kind of the core passes the function and the database, and nothing else', async () => {
    for (const kind of CORE_KINDS) {
      const response = await callFunction({ kind }, kind);
      assert.equal(response.status, 201, `${kind} through the function`);
      assert.ifError((await insert({ kind }, kind)).error);
    }
    const unknown = await callFunction({}, 'mute');
    assert.deepEqual([unknown.status, (await unknown.json()).error.code], [400, 'invalid_kind']);
    assert.equal((await insert({}, 'mute')).error?.code, '23514');
    assert.throws(() => validateSignal({ from: anna.id, to: null, kind: 'mute', payload: {} }), /unknown signal kind/);
  });
});
