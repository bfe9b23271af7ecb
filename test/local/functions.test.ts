import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { JwtKeys } from '../../supabase/local/auth/jwt.ts';
import { startTestStack, type TestStack, type TestUser } from '../support/stack.ts';

const fixture = fileURLToPath(new URL('../fixtures/functions-project', import.meta.url));

const processAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('functions service', () => {
  let stack: TestStack;
  let user: TestUser;
  const call = (path: string, init: RequestInit = {}) => fetch(`${stack.url}/functions/v1/${path}`, init);

  before(async () => {
    stack = await startTestStack({ supabaseDir: fixture });
    user = await stack.createUser();
  });
  after(() => stack.close());

  it('runs a function in Deno and passes the request and the answer through whole', async () => {
    const response = await call('echo/deeper/path?x=1&status=202', {
      method: 'PATCH',
      headers: { authorization: `Bearer ${user.token}`, 'x-custom': 'kept', 'content-type': 'text/plain' },
      body: 'hello, функция',
    });
    assert.equal(response.status, 202);
    assert.equal(response.headers.get('x-echo'), 'yes');
    const echoed = await response.json();
    assert.equal(echoed.method, 'PATCH');
    assert.equal(echoed.path, '/echo/deeper/path');
    assert.equal(echoed.search, '?x=1&status=202');
    assert.equal(echoed.headers['x-custom'], 'kept');
    assert.equal(echoed.headers.authorization, `Bearer ${user.token}`);
    assert.equal(echoed.body, 'hello, функция');
    assert.deepEqual(echoed.env, { SUPABASE_URL: stack.url, anon: true, service: true, secret: null });
  });

  it('hands the functions the secrets it was given, never in place of its own URL and keys', async () => {
    const other = await startTestStack({ supabaseDir: fixture, functionEnv: { CALL_WIDGETS_TEST_SECRET: 'от стека', SUPABASE_URL: 'http://elsewhere.test' } });
    try {
      const echoed = await (await fetch(`${other.url}/functions/v1/echo`, { method: 'POST', headers: { authorization: `Bearer ${other.anonKey}` } })).json();
      assert.deepEqual(echoed.env, { SUPABASE_URL: other.url, anon: true, service: true, secret: 'от стека' });
    } finally {
      await other.close();
    }
  });

  it('is what supabase-js functions.invoke talks to', async () => {
    const { data, error } = await user.client.functions.invoke('echo', { body: { hello: 'world' } });
    assert.ifError(error);
    assert.equal(data.method, 'POST');
    assert.deepEqual(JSON.parse(data.body), { hello: 'world' });
  });

  it('refuses a missing, forged or expired JWT before the function runs', async () => {
    assert.equal((await call('echo', { method: 'POST' })).status, 401);
    const forged = user.token.slice(0, -3) + 'xyz';
    assert.deepEqual(await (await call('echo', { method: 'POST', headers: { authorization: `Bearer ${forged}` } })).json(), {
      code: 401,
      message: 'Invalid JWT',
    });
    const expired = stack.sign({ sub: user.id, role: 'authenticated', exp: Math.floor(Date.now() / 1000) - 5 });
    assert.equal((await call('echo', { method: 'POST', headers: { authorization: `Bearer ${expired}` } })).status, 401);
  });

  it('reads the Authorization scheme in any case and after any whitespace', async () => {
    for (const authorization of [`bearer ${user.token}`, `BEARER   ${user.token}`, `Bearer\t${user.token}`]) {
      const response = await call('echo', { method: 'POST', headers: { authorization } });
      assert.equal(response.status, 200, JSON.stringify(authorization.slice(0, 8)));
    }
  });

  it('refuses a present but unverifiable Authorization header even beside a valid apikey', async () => {
    const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const unsigned = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ role: 'service_role' })}.`;
    const otherSecret = new JwtKeys('another-secret-that-is-at-least-32-characters').sign({ role: 'service_role' });
    const expired = stack.sign({ role: 'service_role', exp: Math.floor(Date.now() / 1000) - 5 });
    for (const authorization of [`Bearer\t${unsigned}`, `Bearer ${unsigned}`, `Bearer ${otherSecret}`, `Bearer ${expired}`, 'Basic dXNlcjpwYXNz', 'Bearer', '']) {
      const response = await call('echo', { method: 'POST', headers: { authorization, apikey: stack.anonKey } });
      assert.deepEqual(await response.json(), { code: 401, message: 'Invalid JWT' }, JSON.stringify(authorization.slice(0, 12)));
    }
  });

  it('does not take the apikey in place of a missing Authorization header', async () => {
    const response = await call('echo', { method: 'POST', headers: { apikey: stack.serviceRoleKey } });
    assert.deepEqual(await response.json(), { code: 401, message: 'Missing authorization header' });
  });

  it('refuses with 401, not a 500, a token whose header or payload is not a JSON object', async () => {
    const segment = (json: string) => Buffer.from(json).toString('base64url');
    const signed = (header: string, payload: string) => {
      const unsigned = `${segment(header)}.${segment(payload)}`;
      return `${unsigned}.${createHmac('sha256', stack.jwtSecret).update(unsigned).digest('base64url')}`;
    };
    for (const token of [
      signed('null', '{"role":"service_role"}'),
      signed('"HS256"', '{"role":"service_role"}'),
      signed('[]', '{"role":"service_role"}'),
      signed('{"alg":"HS256"}', 'null'),
      signed('{"alg":"HS256"}', '42'),
      signed('{"alg":"HS256"}', '{"role":"service_role","exp":"never"}'),
    ]) {
      const response = await call('echo', { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      assert.deepEqual(await response.json(), { code: 401, message: 'Invalid JWT' });
    }
  });

  it('lets requests through unchecked where verify_jwt is off', async () => {
    const response = await call('open');
    assert.equal(response.status, 200);
    assert.equal(await response.text(), 'open to anyone');
  });

  it('hands the CORS preflight to the function', async () => {
    const response = await call('echo', { method: 'OPTIONS', headers: { origin: 'http://crm.example' } });
    assert.equal(response.status, 204);
    assert.equal(response.headers.get('x-answered-by'), 'echo');
  });

  it('answers 404 for an unknown function and for shared code folders', async () => {
    for (const name of ['nope', '_shared', '..%2Fsecrets']) {
      const response = await call(name, { headers: { authorization: `Bearer ${user.token}` } });
      assert.equal(response.status, 404, name);
    }
  });

  it('answers 503 for a function that fails to start, with the reason', async () => {
    const response = await call('broken', { headers: { authorization: `Bearer ${user.token}` } });
    assert.equal(response.status, 503);
    assert.match((await response.json()).message, /broken on purpose/);
  });

  it('reports a crash and restarts the function on the next request', async () => {
    const headers = { authorization: `Bearer ${user.token}` };
    const first = await (await call('crash', { headers })).json();
    const crashed = await call('crash?exit', { headers });
    assert.ok(crashed.status >= 500, `status ${crashed.status}`);
    await crashed.text();
    const again = await call('crash', { headers });
    assert.equal(again.status, 200);
    assert.notEqual((await again.json()).pid, first.pid);
  });

  it('boots a function once for many simultaneous first requests', async () => {
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => call('open').then((response) => response.text())),
    );
    assert.deepEqual(new Set(answers), new Set(['open to anyone']));
    const pids = await Promise.all(
      Array.from({ length: 5 }, () =>
        call('echo', { method: 'POST', headers: { authorization: `Bearer ${user.token}` } }).then((r) => r.json()).then((b) => b.pid),
      ),
    );
    assert.equal(new Set(pids).size, 1);
  });

  it('refuses an oversized body with 413', async () => {
    const response = await call('echo', {
      method: 'POST',
      headers: { authorization: `Bearer ${user.token}` },
      body: new Uint8Array(11 * 1024 * 1024),
    });
    assert.equal(response.status, 413);
  });

  it('stops every Deno process when the stack closes', async () => {
    const own = await startTestStack({ supabaseDir: fixture });
    const other = await own.createUser();
    const { pid } = await (await fetch(`${own.url}/functions/v1/echo`, { method: 'POST', headers: { authorization: `Bearer ${other.token}` } })).json();
    assert.ok(processAlive(pid));
    await own.close();
    assert.equal(processAlive(pid), false);
  });
});
