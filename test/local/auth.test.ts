import assert from 'node:assert/strict';
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
});
