import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
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
    assert.deepEqual(echoed.env, { SUPABASE_URL: stack.url, anon: true, service: true });
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
