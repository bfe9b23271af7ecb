import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { JwtKeys } from '../../supabase/local/auth/jwt.ts';
import { withClaims } from '../../supabase/local/db/database.ts';
import { clientOptions, startTestStack, type TestStack } from '../support/stack.ts';

describe('auth service', () => {
  let stack: TestStack;
  const fresh = (): SupabaseClient =>
    createClient(stack.url, stack.anonKey, clientOptions as never);
  const email = (name: string) => `${name}-${Math.random().toString(36).slice(2)}@example.test`;

  before(async () => {
    stack = await startTestStack();
  });
  after(() => stack.close());

  it('signs up with email and password, confirmed at once, and signs in', async () => {
    const client = fresh();
    const address = email('anna');
    const { data, error } = await client.auth.signUp({ email: address, password: 'secret123', options: { data: { display_name: 'Anna' } } });
    assert.ifError(error);
    assert.ok(data.session?.access_token);
    assert.equal(data.user?.email, address);
    assert.ok(data.user?.email_confirmed_at);
    assert.equal(data.user?.user_metadata.display_name, 'Anna');

    const signedIn = await fresh().auth.signInWithPassword({ email: address, password: 'secret123' });
    assert.ifError(signedIn.error);
    assert.equal(signedIn.data.user?.id, data.user?.id);
  });

  it('issues access tokens that RLS sees as the user', async () => {
    const client = fresh();
    const { data } = await client.auth.signUp({ email: email('uid'), password: 'secret123' });
    const claims = new JwtKeys(stack.jwtSecret).verify(data.session!.access_token);
    assert.equal(claims.role, 'authenticated');
    assert.equal(claims.aud, 'authenticated');
    assert.ok(claims.session_id);
    const uid = await withClaims(stack.db, claims, async (tx) => (await tx.query<{ uid: string }>('select auth.uid()::text as uid')).rows[0].uid);
    assert.equal(uid, data.user!.id);
  });

  it('reads and updates the user’s metadata', async () => {
    const client = fresh();
    await client.auth.signUp({ email: email('meta'), password: 'secret123' });
    const updated = await client.auth.updateUser({ data: { display_name: 'Борис', avatar_url: 'https://example.test/b.png' } });
    assert.ifError(updated.error);
    assert.equal(updated.data.user?.user_metadata.display_name, 'Борис');
    const { data, error } = await client.auth.getUser();
    assert.ifError(error);
    assert.equal(data.user?.user_metadata.avatar_url, 'https://example.test/b.png');
  });

  it('rotates refresh tokens and refuses a used one', async () => {
    const client = fresh();
    const { data } = await client.auth.signUp({ email: email('refresh'), password: 'secret123' });
    const first = data.session!.refresh_token;
    const refreshed = await fresh().auth.refreshSession({ refresh_token: first });
    assert.ifError(refreshed.error);
    assert.notEqual(refreshed.data.session?.refresh_token, first);
    const reused = await fresh().auth.refreshSession({ refresh_token: first });
    assert.ok(reused.error);
    assert.equal(reused.data.session, null);
  });

  it('signs in anonymously', async () => {
    const { data, error } = await fresh().auth.signInAnonymously({ options: { data: { display_name: 'Guest' } } });
    assert.ifError(error);
    assert.equal(data.user?.is_anonymous, true);
    assert.equal(data.user?.user_metadata.display_name, 'Guest');
  });

  it('makes the refresh token useless after sign-out', async () => {
    const client = fresh();
    const { data } = await client.auth.signUp({ email: email('out'), password: 'secret123' });
    const refreshToken = data.session!.refresh_token;
    const { error } = await client.auth.signOut();
    assert.ifError(error);
    const after = await fresh().auth.refreshSession({ refresh_token: refreshToken });
    assert.ok(after.error);
  });

  it('refuses a duplicate email, a wrong password, a weak password and a bad address', async () => {
    const address = email('dup');
    await fresh().auth.signUp({ email: address, password: 'secret123' });
    const duplicate = await fresh().auth.signUp({ email: address.toUpperCase(), password: 'secret123' });
    assert.equal(duplicate.error?.code, 'user_already_exists');
    const wrong = await fresh().auth.signInWithPassword({ email: address, password: 'nope-nope' });
    assert.equal(wrong.error?.code, 'invalid_credentials');
    assert.equal(wrong.error?.status, 400);
    const weak = await fresh().auth.signUp({ email: email('weak'), password: '123' });
    assert.equal(weak.error?.code, 'weak_password');
    const bad = await fresh().auth.signUp({ email: 'not-an-email', password: 'secret123' });
    assert.equal(bad.error?.code, 'validation_failed');
  });

  it('refuses expired and forged tokens on /user', async () => {
    const user = await stack.createUser();
    const past = Math.floor(Date.now() / 1000) - 10;
    const expired = stack.sign({ sub: user.id, role: 'authenticated', exp: past });
    const forged = new JwtKeys('another-secret-that-is-at-least-32-characters').sign({ sub: user.id, role: 'authenticated' });
    for (const token of [expired, forged]) {
      const { data, error } = await fresh().auth.getUser(token);
      assert.equal(data.user, null);
      assert.equal(error?.status, 401);
    }
    const ok = await fresh().auth.getUser(user.token);
    assert.equal(ok.data.user?.id, user.id);
  });

  it('answers malformed JSON with 400 and an oversized body with 413, and keeps serving', async () => {
    const malformed = await fetch(`${stack.url}/auth/v1/signup`, {
      method: 'POST',
      headers: { apikey: stack.anonKey, 'content-type': 'application/json' },
      body: '{"email":',
    });
    assert.equal(malformed.status, 400);
    assert.equal((await malformed.json()).error_code, 'bad_json');
    const huge = await fetch(`${stack.url}/auth/v1/signup`, {
      method: 'POST',
      headers: { apikey: stack.anonKey, 'content-type': 'application/json' },
      body: JSON.stringify({ email: email('huge'), password: 'secret123', data: { blob: 'x'.repeat(1_100_000) } }),
    });
    assert.equal(huge.status, 413);
    const typed = await fetch(`${stack.url}/auth/v1/signup`, {
      method: 'POST',
      headers: { apikey: stack.anonKey, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 42, password: 'secret123' }),
    });
    assert.equal(typed.status, 400);
    const health = await fetch(`${stack.url}/auth/v1/health`);
    assert.equal(health.status, 200);
  });

  it('offers the admin API to the service role only', async () => {
    const admin = stack.serviceClient();
    const created = await admin.auth.admin.createUser({ email: email('admin'), password: 'secret123', email_confirm: true, user_metadata: { display_name: 'Made' } });
    assert.ifError(created.error);
    const listed = await admin.auth.admin.listUsers({ page: 1, perPage: 1000 });
    assert.ifError(listed.error);
    assert.ok(listed.data.users.some((user) => user.id === created.data.user?.id));
    const signedIn = await fresh().auth.signInWithPassword({ email: created.data.user!.email!, password: 'secret123' });
    assert.ifError(signedIn.error);

    const asUser = createClient(stack.url, signedIn.data.session!.access_token, clientOptions as never);
    const refused = await asUser.auth.admin.listUsers();
    assert.equal(refused.error?.status, 403);
    const refusedAnon = await fresh().auth.admin.deleteUser(created.data.user!.id);
    assert.equal(refusedAnon.error?.status, 403);

    const deleted = await admin.auth.admin.deleteUser(created.data.user!.id);
    assert.ifError(deleted.error);
    const gone = await admin.auth.admin.getUserById(created.data.user!.id);
    assert.equal(gone.error?.status, 404);
  });

  describe('hostile input', () => {
    const auth = (path: string, init: RequestInit & { headers?: Record<string, string> } = {}) =>
      fetch(`${stack.url}/auth/v1${path}`, { ...init, headers: { apikey: stack.anonKey, 'content-type': 'application/json', ...init.headers } });
    const errorOf = async (response: Response) => {
      const body = await response.json();
      return { status: response.status, code: body.error_code as string, msg: body.msg as string };
    };
    const signUpRaw = (body: unknown) => auth('/signup', { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });

    it('refuses with 401, not a 500, tokens whose header or payload is not a JSON object', async () => {
      const user = await stack.createUser();
      const segment = (json: string) => Buffer.from(json).toString('base64url');
      const signed = (header: string, payload: string) => {
        const unsigned = `${segment(header)}.${segment(payload)}`;
        return `${unsigned}.${createHmac('sha256', stack.jwtSecret).update(unsigned).digest('base64url')}`;
      };
      const claims = JSON.stringify({ sub: user.id, role: 'authenticated' });
      for (const token of [signed('null', claims), signed('1', claims), signed('[]', claims), signed('{"alg":"HS256"}', 'null'), signed('{"alg":"HS256"}', '"x"')]) {
        const { data, error } = await fresh().auth.getUser(token);
        assert.equal(data.user, null);
        assert.equal(error?.status, 401);
      }
    });

    it('refuses a malformed Authorization header instead of falling back to the apikey', async () => {
      const user = await stack.createUser();
      const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const unsigned = `${base64url({ alg: 'HS256', typ: 'JWT' })}.${base64url({ sub: user.id, role: 'service_role' })}.`;
      for (const authorization of [`Bearer\t${unsigned}`, 'Basic dXNlcjpwYXNz', 'Bearer']) {
        const response = await auth('/admin/users', { headers: { authorization, apikey: stack.serviceRoleKey } });
        assert.equal(response.status, 401, authorization.slice(0, 8));
      }
      const tab = await auth('/user', { headers: { authorization: `bearer\t${user.token}` } });
      assert.equal((await tab.json()).id, user.id);
    });

    it('answers a token with a sub or session that is not a UUID with 403, not a 500', async () => {
      for (const claims of [{ sub: 'not-a-uuid' }, { sub: (await stack.createUser()).id, session_id: 'nope' }]) {
        const token = stack.sign({ role: 'authenticated', exp: Math.floor(Date.now() / 1000) + 60, ...claims });
        assert.equal((await auth('/user', { headers: { authorization: `Bearer ${token}` } })).status, 403);
      }
    });

    it('refuses an e-mail over 255 characters and a password over 72 bytes as GoTrue does', async () => {
      const huge = `${'a'.repeat(900 * 1024)}@example.test`;
      assert.deepEqual(await errorOf(await signUpRaw({ email: huge, password: 'secret123' })), {
        status: 400,
        code: 'validation_failed',
        msg: 'An email address is too long',
      });
      assert.equal((await errorOf(await signUpRaw({ email: `${'a'.repeat(244)}@example.test`, password: 'secret123' }))).status, 400);
      const long = await fresh().auth.signUp({ email: email('long'), password: 'я'.repeat(37) });
      assert.equal(long.error?.status, 400);
      assert.equal(long.error?.message, 'Password cannot be longer than 72 characters');
      const longest = await fresh().auth.signUp({ email: email('longest'), password: 'x'.repeat(72) });
      assert.ifError(longest.error);
      const signIn = await fresh().auth.signInWithPassword({ email: huge, password: 'secret123' });
      assert.equal(signIn.error?.code, 'invalid_credentials');
    });

    it('answers JSON nested 100 000 deep with a 400', async () => {
      const depth = 100_000;
      const nested = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
      for (const body of ['['.repeat(depth), `{"email":"${email('deep')}","password":"secret123","data":${nested}}`]) {
        const { status, code } = await errorOf(await signUpRaw(body));
        assert.deepEqual({ status, code }, { status: 400, code: 'bad_json' });
      }
    });

    it('refuses text Postgres cannot store with a 400', async () => {
      const cases: unknown[] = [
        { email: `nul\u0000${email('x')}`, password: 'secret123' },
        { email: email('nul'), password: 'secret\u0000123' },
        { email: email('meta'), password: 'secret123', data: { display_name: 'a\u0000b' } },
        { email: email('meta'), password: 'secret123', data: { ['k\u0000']: 1 } },
        { email: email('surrogate'), password: 'secret123', data: { display_name: '\ud800' } },
      ];
      for (const body of cases) {
        assert.equal((await errorOf(await signUpRaw(body))).code, 'validation_failed', JSON.stringify(body));
      }
      const refresh = await auth('/token?grant_type=refresh_token', { method: 'POST', body: JSON.stringify({ refresh_token: 'a\u0000b' }) });
      assert.equal(refresh.status, 400);
    });

    it('bounds user metadata at sign-up and on update, so every token still fits in a header', async () => {
      const bigName = await fresh().auth.signUp({ email: email('big'), password: 'secret123', options: { data: { display_name: 'x'.repeat(500 * 1024) } } });
      assert.equal(bigName.error?.status, 400);
      assert.equal(bigName.error?.code, 'validation_failed');
      const anonymous = await fresh().auth.signInAnonymously({ options: { data: { notes: 'x'.repeat(5000) } } });
      assert.equal(anonymous.error?.status, 400);
      for (const data of [{ display_name: 'x'.repeat(201) }, { avatar_url: `https://example.test/${'x'.repeat(2000)}` }, { name: { first: 'A' } }]) {
        const refused = await fresh().auth.signUp({ email: email('profile'), password: 'secret123', options: { data } });
        assert.equal(refused.error?.code, 'validation_failed', JSON.stringify(data).slice(0, 40));
      }

      // At the limit: the token still works for REST, the service with the tightest header use.
      const client = fresh();
      const full = await client.auth.signUp({
        email: email('full'),
        password: 'secret123',
        options: { data: { display_name: 'Ж'.repeat(200), notes: 'n'.repeat(3500) } },
      });
      assert.ifError(full.error);
      const rest = await client.from('video_call_sessions').select('id').limit(1);
      assert.ifError(rest.error);

      // An update is bounded by what the metadata becomes, and a refused one changes nothing.
      const grown = await client.auth.updateUser({ data: { more: 'm'.repeat(1000) } });
      assert.equal(grown.error?.code, 'validation_failed');
      const { data } = await client.auth.getUser();
      assert.equal(data.user?.user_metadata.more, undefined);
      const replaced = await client.auth.updateUser({ data: { notes: 'short', more: 'm'.repeat(1000) } });
      assert.ifError(replaced.error);
    });

    it('bounds metadata the admin API sets too, and reads paging parameters safely', async () => {
      const admin = stack.serviceClient();
      const created = await admin.auth.admin.createUser({ email: email('admin-big'), user_metadata: { blob: 'x'.repeat(5000) } });
      assert.equal(created.error?.status, 400);
      const app = await admin.auth.admin.createUser({ email: email('admin-app'), app_metadata: { blob: 'x'.repeat(5000) } });
      assert.equal(app.error?.status, 400);
      const headers = { authorization: `Bearer ${stack.serviceRoleKey}` };
      for (const query of ['page=1e308', 'per_page=2.5', 'page=-3&per_page=abc']) {
        assert.equal((await auth(`/admin/users?${query}`, { headers })).status, 200, query);
      }
      assert.equal((await auth(`/admin/users/${'-'.repeat(36)}`, { headers })).status, 404);
    });
  });
});
