/**
 * Function monitoring through real Deno functions on the local stack: every answer carries an
 * x-request-id; a 5xx writes a video_call_function_log row with that id and POSTs the alert
 * webhook (a small server here) at most once per function per 5 minutes, with the count since the
 * last; 4xx only beyond 20 a minute; a failing webhook changes no answer; the tables are the
 * service role's alone; old rows go with the cleanup; the stack's console shows the log lines.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startTestStack, type TestStack, type TestUser } from '../support/stack.ts';
import { callFunction } from '../support/functions.ts';

const supabaseDir = fileURLToPath(new URL('../../supabase', import.meta.url));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A function that answers what its body asks: { status } in the error shape, or { throw: true }. */
const PROBE = `import { FunctionError, json, preflight, readJsonObject, serveFunction } from '../_shared/http.ts';
serveFunction(async (request) => {
  const early = preflight(request);
  if (early) return early;
  const body = await readJsonObject(request, 4096);
  if (body.throw) throw new Error('the probe broke on purpose');
  const status = Number(body.status ?? 200);
  if (status >= 400) throw new FunctionError(status, 'probe_' + status, 'the probe failed with ' + status);
  return json(status, { ok: true });
});
`;
/** Probes under these names: one per test, so each has its own counters and alert state. */
const PROBES = ['probe-ok', 'probe-alert', 'probe-throw', 'probe-burst', 'probe-webhook-down', 'probe-webhook-hangs', 'probe-race'];

/** The alert webhook: records each POST; answers `mode`. */
function startWebhook() {
  const received: Record<string, unknown>[] = [];
  let mode: 'ok' | 'fail' | 'hang' = 'ok';
  const server: Server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (text += chunk));
    req.on('end', () => {
      received.push({ ...JSON.parse(text), _contentType: req.headers['content-type'] });
      if (mode === 'hang') return; // never answers: the function must give up on it
      res.writeHead(mode === 'ok' ? 204 : 500).end();
    });
  });
  return new Promise<{ url: string; received: typeof received; setMode(m: typeof mode): void; close(): Promise<void> }>((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`,
        received,
        setMode: (m) => (mode = m),
        close: () => new Promise((done) => { server.closeAllConnections(); server.close(() => done()); }),
      });
    });
  });
}

describe('function monitoring', () => {
  let stack: TestStack;
  let project: string;
  let webhook: Awaited<ReturnType<typeof startWebhook>>;
  let user: TestUser;
  const consoleLines: string[] = [];

  before(async () => {
    webhook = await startWebhook();
    project = mkdtempSync(join(tmpdir(), 'call-widgets-monitoring-'));
    const functions = join(project, 'functions');
    mkdirSync(functions);
    symlinkSync(join(supabaseDir, 'migrations'), join(project, 'migrations'));
    symlinkSync(join(supabaseDir, 'functions', '_shared'), join(functions, '_shared'));
    symlinkSync(join(supabaseDir, 'functions', 'deno.lock'), join(functions, 'deno.lock'));
    symlinkSync(join(supabaseDir, 'functions', 'video-call-cleanup'), join(functions, 'video-call-cleanup'));
    for (const name of PROBES) {
      mkdirSync(join(functions, name));
      writeFileSync(join(functions, name, 'index.ts'), PROBE);
    }
    writeFileSync(join(project, 'config.toml'), PROBES.map((name) => `[functions.${name}]\nverify_jwt = false\n`).join('\n'));
    stack = await startTestStack({
      supabaseDir: project,
      env: { ALERT_WEBHOOK_URL: webhook.url },
      log: (service, message) => consoleLines.push(`[${service}] ${message}`),
    });
    user = await stack.createUser({ name: 'Mallory' });
  });
  after(async () => {
    await stack?.close();
    await webhook?.close();
    rmSync(project, { recursive: true, force: true });
  });

  const probe = (name: string, body: unknown, headers: Record<string, string> = {}) => callFunction(stack, name, body, undefined, { headers });
  const logRows = async (functionName: string) => {
    const { data, error } = await stack
      .serviceClient()
      .from('video_call_function_log')
      .select('*')
      .eq('function_name', functionName)
      .order('id');
    assert.ifError(error);
    return data as { id: number; function_name: string; status: number; code: string | null; message: string | null; request_id: string; created_at: string }[];
  };
  const alertsFor = (functionName: string) => webhook.received.filter((alert) => alert.function_name === functionName);

  it('puts an x-request-id on every answer: a fresh uuid, or the caller\'s own when it is one', async () => {
    const ok = await probe('probe-ok', {});
    assert.equal(ok.status, 200);
    assert.match(ok.headers.get('x-request-id') ?? '', UUID);
    assert.match(ok.headers.get('access-control-expose-headers') ?? '', /x-request-id/, 'browsers may read it');
    const other = await probe('probe-ok', {});
    assert.notEqual(other.headers.get('x-request-id'), ok.headers.get('x-request-id'));

    const mine = randomUUID();
    const echoed = await probe('probe-ok', {}, { 'x-request-id': mine.toUpperCase() });
    assert.equal(echoed.headers.get('x-request-id'), mine);
    for (const bad of ['not-a-uuid', `${mine}x`, "'; drop table x; --"]) {
      const replaced = await probe('probe-ok', {}, { 'x-request-id': bad });
      const id = replaced.headers.get('x-request-id') ?? '';
      assert.match(id, UUID, `a made-up id (${bad}) is replaced`);
      assert.notEqual(id, bad);
    }

    const preflight = await probe('probe-ok', undefined, {});
    await preflight.body?.cancel();
    const options = await fetch(`${stack.url}/functions/v1/probe-ok`, { method: 'OPTIONS' });
    assert.equal(options.status, 204);
    assert.match(options.headers.get('x-request-id') ?? '', UUID);
    assert.match(options.headers.get('access-control-allow-headers') ?? '', /x-request-id/);

    // A real function, refusing a caller in its own shape.
    const refused = await callFunction(stack, 'video-call-cleanup', {}, user.token);
    assert.equal(refused.status, 403);
    assert.match(refused.headers.get('x-request-id') ?? '', UUID);
    assert.equal((await refused.json()).error.code, 'service_role_required');
    assert.deepEqual(await logRows('probe-ok'), [], 'successes are not logged');
  });

  it('logs a 5xx with the answer\'s request id and alerts once per 5 minutes, then with the count since', async () => {
    const first = await probe('probe-alert', { status: 503 });
    assert.equal(first.status, 503);
    assert.deepEqual(await first.json(), { error: { code: 'probe_503', message: 'the probe failed with 503' } });
    const requestId = first.headers.get('x-request-id');
    const rows = await logRows('probe-alert');
    assert.equal(rows.length, 1);
    assert.equal(rows[0].request_id, requestId);
    assert.equal(rows[0].status, 503);
    assert.equal(rows[0].code, 'probe_503');
    assert.equal(rows[0].message, 'the probe failed with 503');
    const alerts = alertsFor('probe-alert');
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0].request_id, requestId);
    assert.equal(alerts[0].status, 503);
    assert.equal(alerts[0].count, 1);
    assert.match(String(alerts[0]._contentType), /application\/json/);

    // Within the 5 minutes: logged, not alerted.
    for (const status of [500, 502]) assert.equal((await probe('probe-alert', { status })).status, status);
    assert.equal((await logRows('probe-alert')).length, 3);
    assert.equal(alertsFor('probe-alert').length, 1, 'one alert within the rate limit');

    // Five minutes later (the state is in the database): the next failure alerts with the count of
    // every failure since the last alert, itself included.
    await stack.db.query(`update public.video_call_function_alerts set last_alert_at = now() - interval '301 seconds' where function_name = 'probe-alert'`);
    const later = await probe('probe-alert', { status: 500 });
    assert.equal(later.status, 500);
    const after = alertsFor('probe-alert');
    assert.equal(after.length, 2);
    assert.equal(after[1].count, 3, 'the two held back and this one');
    assert.equal(after[1].request_id, later.headers.get('x-request-id'));
    assert.equal((await logRows('probe-alert')).length, 4);

    // Another function has its own limit.
    assert.equal((await probe('probe-throw', { status: 500 })).status, 500);
    assert.equal(alertsFor('probe-throw').length, 1);
  });

  it('logs an unexpected throw as internal_error, and the stack\'s console shows the line with its id', async () => {
    const response = await probe('probe-throw', { throw: true });
    assert.equal(response.status, 500);
    assert.equal((await response.json()).error.code, 'internal_error');
    const requestId = response.headers.get('x-request-id')!;
    const rows = await logRows('probe-throw');
    assert.equal(rows.at(-1)?.request_id, requestId);
    assert.equal(rows.at(-1)?.code, 'internal_error');
    const lines = consoleLines.filter((line) => line.includes(requestId));
    assert.ok(lines.some((line) => line.startsWith('[functions] [probe-throw] POST probe-throw 500') && line.includes('internal_error')), lines.join('\n'));
    assert.ok(lines.some((line) => line.includes('the probe broke on purpose')), 'the error itself, with the request id');
    assert.ok(consoleLines.some((line) => /^\[functions\] \[probe-ok\] POST probe-ok 200 \d+ ms request_id=/.test(line)), 'successes are printed too');
  });

  it('counts 4xx and logs them only beyond 20 in a minute', async () => {
    for (let i = 0; i < 20; i++) assert.equal((await probe('probe-burst', { status: 404 })).status, 404);
    assert.deepEqual(await logRows('probe-burst'), [], '20 client errors a minute are ordinary');
    assert.equal(alertsFor('probe-burst').length, 0);
    const over = await probe('probe-burst', { status: 429 });
    assert.equal(over.status, 429);
    const rows = await logRows('probe-burst');
    assert.equal(rows.length, 1);
    assert.equal(rows[0].status, 429);
    assert.equal(rows[0].request_id, over.headers.get('x-request-id'));
    assert.match(rows[0].message ?? '', /^more than 20 client errors this minute: the probe failed with 429$/);
    assert.equal(alertsFor('probe-burst').length, 1);
  });

  it('answers as it would when the webhook fails or never answers, and still logs', async () => {
    webhook.setMode('fail');
    try {
      const response = await probe('probe-webhook-down', { status: 500 });
      assert.equal(response.status, 500);
      assert.equal((await response.json()).error.code, 'probe_500');
      assert.equal((await logRows('probe-webhook-down')).length, 1);
      assert.equal(alertsFor('probe-webhook-down').length, 1, 'it was tried');
      assert.ok(consoleLines.some((line) => line.includes('the alert for probe-webhook-down was not delivered')));

      webhook.setMode('hang');
      const hung = await probe('probe-webhook-hangs', { status: 502 });
      assert.equal(hung.status, 502);
      assert.equal((await hung.json()).error.code, 'probe_502');
      assert.equal((await logRows('probe-webhook-hangs')).length, 1);
    } finally {
      webhook.setMode('ok');
    }
  });

  it('alerts once when instances fail at the same moment', async () => {
    const verdicts = await Promise.all(
      Array.from({ length: 8 }, () =>
        stack.serviceClient().rpc('record_video_call_function_failure', { p_function_name: 'probe-race', p_status: 500, p_request_id: randomUUID() }),
      ),
    );
    for (const { error } of verdicts) assert.ifError(error);
    assert.equal(verdicts.filter(({ data }) => data.alert).length, 1);
    assert.ok(verdicts.every(({ data }) => data.logged));
    assert.equal((await logRows('probe-race')).length, 8);
  });

  it('refuses malformed failures', async () => {
    const service = stack.serviceClient();
    for (const [args, pattern] of [
      [{ p_function_name: 'bad name!', p_status: 500 }, /function_name/],
      [{ p_function_name: 'probe-race', p_status: 200 }, /status/],
      [{ p_function_name: 'probe-race', p_status: 600 }, /status/],
    ] as const) {
      const { error } = await service.rpc('record_video_call_function_failure', args);
      assert.equal(error?.code, '22023', JSON.stringify(args));
      assert.match(error?.message ?? '', pattern);
    }
  });

  it('keeps the log, the counters and the alert state from users and the anon key', async () => {
    const seeded = await logRows('probe-alert');
    assert.ok(seeded.length > 0);
    for (const client of [user.client, stack.anonClient()]) {
      const now = new Date().toISOString();
      for (const [table, row] of [
        ['video_call_function_log', { function_name: 'forged', status: 500 }],
        ['video_call_function_rates', { function_name: 'forged', minute: now }],
        ['video_call_function_alerts', { function_name: 'forged', last_alert_at: now }],
      ] as const) {
        const read = await client.from(table).select('*');
        assert.equal(read.error?.code, '42501', `${table} read`);
        const write = await client.from(table).insert(row);
        assert.equal(write.error?.code, '42501', `${table} write`);
        const edit = await client.from(table).update({ function_name: 'edited' }).eq('function_name', 'probe-alert');
        assert.equal(edit.error?.code, '42501', `${table} update`);
      }
      const removed = await client.from('video_call_function_log').delete().gte('id', 0);
      assert.equal(removed.error?.code, '42501');
      const rpc = await client.rpc('record_video_call_function_failure', { p_function_name: 'forged', p_status: 500 });
      assert.ok(rpc.error, 'no one but the service role records failures');
      const cleanup = await client.rpc('cleanup_video_call_function_log');
      assert.ok(cleanup.error);
    }
    assert.equal((await logRows('probe-alert')).length, seeded.length, 'nothing was changed');
    assert.deepEqual(await logRows('forged'), []);
  });

  it('drops log rows older than 30 days with the cleanup, and keeps the rest', async () => {
    const before = await logRows('probe-alert');
    await stack.db.query(`update public.video_call_function_log set created_at = now() - interval '31 days' where id = $1`, [before[0].id]);
    const response = await callFunction(stack, 'video-call-cleanup', {}, stack.serviceRoleKey);
    assert.equal(response.status, 200);
    const counts = await response.json();
    assert.ok(counts.function_log_purged >= 1, JSON.stringify(counts));
    const left = await logRows('probe-alert');
    assert.deepEqual(left.map((row) => row.id), before.slice(1).map((row) => row.id));
  });
});
