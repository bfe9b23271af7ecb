/**
 * `/auth/v1`: the part of GoTrue that supabase-js's auth client uses for email + password and
 * anonymous users, plus the admin user API. Sign-ups are confirmed at once, as with the Supabase
 * CLI's `enable_confirmations = false`.
 */
import { randomBytes, randomUUID, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import type { Queryable } from '../db/database.ts';
import { authenticate, sendJson } from '../http.ts';
import type { Service, StackContext } from '../service.ts';
import type { JwtClaims } from './jwt.ts';
import {
  authError,
  bodyObject,
  checkEmail,
  checkMetadata,
  checkPassword,
  field,
  isUuid,
  possibleEmail,
  possiblePassword,
} from './validation.ts';

const scrypt = promisify(scryptCallback) as (password: string, salt: Buffer, length: number) => Promise<Buffer>;

const ACCESS_TOKEN_SECONDS = 3600;

interface UserRow {
  id: string;
  email: string | null;
  phone: string | null;
  encrypted_password: string | null;
  email_confirmed_at: string | null;
  last_sign_in_at: string | null;
  raw_app_meta_data: Record<string, unknown>;
  raw_user_meta_data: Record<string, unknown>;
  created_at: string;
  updated_at: string;
  is_anonymous: boolean;
  banned_until: string | null;
}

async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, 32);
  return `scrypt$${salt.toString('base64')}$${hash.toString('base64')}`;
}

async function passwordMatches(password: string, stored: string | null): Promise<boolean> {
  const [scheme, salt, hash] = (stored ?? '').split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await scrypt(password, Buffer.from(salt, 'base64'), expected.length);
  return timingSafeEqual(actual, expected);
}

/** A positive whole number from a query parameter, at most `max`; `fallback` when absent or not one. */
function wholeNumber(text: string | null, fallback: number, max: number): number {
  const value = Math.floor(Number(text ?? fallback));
  return Number.isFinite(value) && value >= 1 ? Math.min(value, max) : fallback;
}

const iso = (value: string | Date | null) => (value === null ? null : new Date(value).toISOString());

function userJson(row: UserRow) {
  const provider = row.is_anonymous ? 'anonymous' : 'email';
  return {
    id: row.id,
    aud: 'authenticated',
    role: 'authenticated',
    email: row.email ?? '',
    email_confirmed_at: iso(row.email_confirmed_at),
    phone: row.phone ?? '',
    confirmed_at: iso(row.email_confirmed_at),
    last_sign_in_at: iso(row.last_sign_in_at),
    app_metadata: { provider, providers: [provider], ...row.raw_app_meta_data },
    user_metadata: row.raw_user_meta_data,
    identities: row.email
      ? [
          {
            identity_id: row.id,
            id: row.id,
            user_id: row.id,
            identity_data: { email: row.email, sub: row.id, email_verified: true },
            provider: 'email',
            created_at: iso(row.created_at),
            updated_at: iso(row.updated_at),
          },
        ]
      : [],
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    is_anonymous: row.is_anonymous,
  };
}

export function createAuthService(context: StackContext): Service {
  const { db, keys } = context;
  const issuer = `${context.url}/auth/v1`;

  const claimsOf = (req: IncomingMessage, url: URL): JwtClaims =>
    authenticate(req, url, keys, (status, message, reason) =>
      authError(
        status,
        reason === 'missing' ? 'no_authorization' : 'bad_jwt',
        reason === 'expired' ? 'invalid JWT: unable to parse or verify signature, token has invalid claims: token is expired' : message,
      ),
    );

  const userById = async (q: Queryable, id: string): Promise<UserRow | undefined> =>
    (await q.query<UserRow>('select * from auth.users where id = $1 and deleted_at is null', [id])).rows[0];

  /** The signed-in user of a request: a valid token whose user and session still exist. */
  async function currentUser(req: IncomingMessage, url: URL): Promise<{ user: UserRow; claims: JwtClaims }> {
    const claims = claimsOf(req, url);
    if (claims.role !== 'authenticated' || typeof claims.sub !== 'string') {
      throw authError(403, 'bad_jwt', 'invalid claim: missing sub claim');
    }
    if (!isUuid(claims.sub)) throw authError(403, 'bad_jwt', 'invalid claim: sub claim must be a UUID');
    if (claims.session_id !== undefined && !isUuid(claims.session_id)) {
      throw authError(403, 'bad_jwt', 'invalid claim: session_id claim must be a UUID');
    }
    const user = await userById(db, claims.sub);
    if (!user) throw authError(403, 'user_not_found', 'User from sub claim in JWT does not exist');
    if (typeof claims.session_id === 'string') {
      const session = await db.query('select 1 from auth.sessions where id = $1', [claims.session_id]);
      if (session.rows.length === 0) throw authError(403, 'session_not_found', 'Session from session_id claim in JWT does not exist');
    }
    return { user, claims };
  }

  /**
   * Merges metadata into a user's as GoTrue does (top-level keys replaced), bounded by what it
   * becomes: the row is locked first, so two updates at once cannot grow it past the limit.
   */
  async function mergeMetadata(tx: Queryable, id: string, metadata: Record<string, unknown>): Promise<void> {
    const current = (await tx.query<UserRow>('select raw_user_meta_data from auth.users where id = $1 for update', [id])).rows[0];
    checkMetadata({ ...current?.raw_user_meta_data, ...metadata }, 'user_metadata');
    await tx.query('update auth.users set raw_user_meta_data = raw_user_meta_data || $2::jsonb where id = $1', [id, JSON.stringify(metadata)]);
  }

  /** A new session: access token + a one-time refresh token. */
  async function issueSession(q: Queryable, user: UserRow, method: string, sessionId?: string) {
    const session =
      sessionId ?? (await q.query<{ id: string }>('insert into auth.sessions (user_id) values ($1) returning id', [user.id])).rows[0].id;
    const refreshToken = randomBytes(24).toString('base64url');
    await q.query('insert into auth.refresh_tokens (token, user_id, session_id) values ($1, $2, $3)', [refreshToken, user.id, session]);
    const now = Math.floor(Date.now() / 1000);
    const json = userJson(user);
    const accessToken = keys.sign({
      aud: 'authenticated',
      exp: now + ACCESS_TOKEN_SECONDS,
      iat: now,
      iss: issuer,
      sub: user.id,
      email: user.email ?? '',
      phone: user.phone ?? '',
      app_metadata: json.app_metadata,
      user_metadata: json.user_metadata,
      role: 'authenticated',
      aal: 'aal1',
      amr: [{ method, timestamp: now }],
      session_id: session,
      is_anonymous: user.is_anonymous,
    });
    return {
      access_token: accessToken,
      token_type: 'bearer',
      expires_in: ACCESS_TOKEN_SECONDS,
      expires_at: now + ACCESS_TOKEN_SECONDS,
      refresh_token: refreshToken,
      user: json,
    };
  }

  async function signUp(req: IncomingMessage, res: ServerResponse) {
    const body = await bodyObject(req);
    const email = field<string>(body, 'email', 'string');
    const password = field<string>(body, 'password', 'string');
    const metadata = field<Record<string, unknown>>(body, 'data', 'object') ?? {};
    checkMetadata(metadata, 'user_metadata');
    if (email === undefined && password === undefined) {
      const session = await db.transaction(async (tx) => {
        const user = (
          await tx.query<UserRow>(
            `insert into auth.users (raw_user_meta_data, is_anonymous, last_sign_in_at, raw_app_meta_data)
             values ($1::jsonb, true, now(), '{"provider":"anonymous","providers":["anonymous"]}') returning *`,
            [JSON.stringify(metadata)],
          )
        ).rows[0];
        return issueSession(tx, user, 'anonymous');
      });
      sendJson(res, 200, session);
      return;
    }
    if (email === undefined || password === undefined) {
      throw authError(400, 'validation_failed', 'Signup requires a valid password');
    }
    const normalized = checkEmail(email);
    checkPassword(password);
    const hash = await hashPassword(password);
    const session = await db.transaction(async (tx) => {
      const existing = await tx.query('select 1 from auth.users where lower(email) = $1', [normalized]);
      if (existing.rows.length > 0) throw authError(422, 'user_already_exists', 'User already registered');
      const user = (
        await tx.query<UserRow>(
          `insert into auth.users (email, encrypted_password, email_confirmed_at, last_sign_in_at, raw_user_meta_data,
                                   raw_app_meta_data)
           values ($1, $2, now(), now(), $3::jsonb, '{"provider":"email","providers":["email"]}') returning *`,
          [normalized, hash, JSON.stringify(metadata)],
        )
      ).rows[0];
      return issueSession(tx, user, 'password');
    });
    sendJson(res, 200, session);
  }

  async function token(req: IncomingMessage, res: ServerResponse, url: URL) {
    const grant = url.searchParams.get('grant_type');
    const body = await bodyObject(req);
    if (grant === 'password') {
      const email = field<string>(body, 'email', 'string');
      const password = field<string>(body, 'password', 'string');
      if (!email || !password) throw authError(400, 'validation_failed', 'email and password are required');
      if (!possibleEmail(email) || !possiblePassword(password)) throw authError(400, 'invalid_credentials', 'Invalid login credentials');
      const user = (await db.query<UserRow>('select * from auth.users where lower(email) = $1 and deleted_at is null', [email.trim().toLowerCase()]))
        .rows[0];
      if (!user || !(await passwordMatches(password, user.encrypted_password))) {
        throw authError(400, 'invalid_credentials', 'Invalid login credentials');
      }
      if (user.banned_until && new Date(user.banned_until) > new Date()) throw authError(400, 'user_banned', 'User is banned');
      const session = await db.transaction(async (tx) => {
        const signedIn = (await tx.query<UserRow>('update auth.users set last_sign_in_at = now() where id = $1 returning *', [user.id])).rows[0];
        return issueSession(tx, signedIn, 'password');
      });
      sendJson(res, 200, session);
      return;
    }
    if (grant === 'refresh_token') {
      const refreshToken = field<string>(body, 'refresh_token', 'string');
      if (!refreshToken) throw authError(400, 'validation_failed', 'refresh_token is required');
      const session = await db.transaction(async (tx) => {
        const row = (
          await tx.query<{ user_id: string; session_id: string; revoked: boolean }>(
            'select user_id, session_id, revoked from auth.refresh_tokens where token = $1 for update',
            [refreshToken],
          )
        ).rows[0];
        if (!row) throw authError(400, 'refresh_token_not_found', 'Invalid Refresh Token: Refresh Token Not Found');
        if (row.revoked) {
          // Reuse of a rotated token means it leaked: end the whole session, as GoTrue does.
          await tx.query('delete from auth.sessions where id = $1', [row.session_id]);
          return undefined;
        }
        await tx.query('update auth.refresh_tokens set revoked = true, updated_at = now() where token = $1', [refreshToken]);
        await tx.query('update auth.sessions set updated_at = now() where id = $1', [row.session_id]);
        const user = await userById(tx, row.user_id);
        if (!user) throw authError(400, 'user_not_found', 'User not found');
        return issueSession(tx, user, 'token_refresh', row.session_id);
      });
      if (!session) throw authError(400, 'refresh_token_already_used', 'Invalid Refresh Token: Already Used');
      sendJson(res, 200, session);
      return;
    }
    throw authError(400, 'unsupported_grant_type', `unsupported grant_type: ${grant ?? '(none)'}`);
  }

  async function updateUser(req: IncomingMessage, res: ServerResponse, url: URL) {
    const { user } = await currentUser(req, url);
    const body = await bodyObject(req);
    const email = field<string>(body, 'email', 'string');
    const password = field<string>(body, 'password', 'string');
    const metadata = field<Record<string, unknown>>(body, 'data', 'object');
    if (password !== undefined) checkPassword(password);
    const hash = password === undefined ? undefined : await hashPassword(password);
    const updated = await db.transaction(async (tx) => {
      if (email !== undefined) {
        const normalized = checkEmail(email);
        const taken = await tx.query('select 1 from auth.users where lower(email) = $1 and id <> $2', [normalized, user.id]);
        if (taken.rows.length > 0) throw authError(422, 'email_exists', 'A user with this email address has already been registered');
        await tx.query('update auth.users set email = $2, email_confirmed_at = now(), is_anonymous = false where id = $1', [user.id, normalized]);
      }
      if (hash !== undefined) await tx.query('update auth.users set encrypted_password = $2 where id = $1', [user.id, hash]);
      if (metadata !== undefined) await mergeMetadata(tx, user.id, metadata);
      return (await tx.query<UserRow>('update auth.users set updated_at = now() where id = $1 returning *', [user.id])).rows[0];
    });
    sendJson(res, 200, userJson(updated));
  }

  async function logout(res: ServerResponse, url: URL, req: IncomingMessage) {
    const { user, claims } = await currentUser(req, url);
    const scope = url.searchParams.get('scope') ?? 'global';
    if (scope === 'global') await db.query('delete from auth.sessions where user_id = $1', [user.id]);
    else if (scope === 'local') await db.query('delete from auth.sessions where id = $1', [claims.session_id ?? null]);
    else if (scope === 'others') {
      await db.query('delete from auth.sessions where user_id = $1 and id is distinct from $2', [user.id, claims.session_id ?? null]);
    } else throw authError(400, 'validation_failed', 'scope must be global, local or others');
    sendJson(res, 204, undefined);
  }

  function requireServiceRole(req: IncomingMessage, url: URL) {
    if (claimsOf(req, url).role !== 'service_role') throw authError(403, 'not_admin', 'User not allowed');
  }

  async function admin(req: IncomingMessage, res: ServerResponse, url: URL, rest: string) {
    requireServiceRole(req, url);
    const [, collection, id] = rest.split('/');
    if (collection !== 'users') throw authError(404, 'not_found', 'not found');
    if (!id && req.method === 'GET') {
      const page = wholeNumber(url.searchParams.get('page'), 1, 1_000_000);
      const perPage = wholeNumber(url.searchParams.get('per_page'), 50, 1000);
      const total = Number((await db.query<{ n: string }>('select count(*)::text as n from auth.users where deleted_at is null')).rows[0].n);
      const users = await db.query<UserRow>(
        'select * from auth.users where deleted_at is null order by created_at, id limit $1 offset $2',
        [perPage, (page - 1) * perPage],
      );
      sendJson(res, 200, { users: users.rows.map(userJson), aud: 'authenticated' }, { 'x-total-count': String(total) });
      return;
    }
    if (!id && req.method === 'POST') {
      const body = await bodyObject(req);
      const email = field<string>(body, 'email', 'string');
      const password = field<string>(body, 'password', 'string');
      const metadata = field<Record<string, unknown>>(body, 'user_metadata', 'object') ?? {};
      const appMetadata = field<Record<string, unknown>>(body, 'app_metadata', 'object') ?? {};
      const confirm = field<boolean>(body, 'email_confirm', 'boolean') ?? false;
      const normalized = email === undefined ? null : checkEmail(email);
      if (password !== undefined) checkPassword(password);
      checkMetadata(metadata, 'user_metadata');
      checkMetadata(appMetadata, 'app_metadata');
      const hash = password === undefined ? null : await hashPassword(password);
      const created = await db.transaction(async (tx) => {
        if (normalized) {
          const taken = await tx.query('select 1 from auth.users where lower(email) = $1', [normalized]);
          if (taken.rows.length > 0) throw authError(422, 'email_exists', 'A user with this email address has already been registered');
        }
        return (
          await tx.query<UserRow>(
            `insert into auth.users (id, email, encrypted_password, email_confirmed_at, raw_user_meta_data, raw_app_meta_data)
             values ($1, $2, $3, case when $4 then now() end, $5::jsonb, $6::jsonb) returning *`,
            [randomUUID(), normalized, hash, confirm, JSON.stringify(metadata), JSON.stringify(appMetadata)],
          )
        ).rows[0];
      });
      sendJson(res, 200, userJson(created));
      return;
    }
    if (!isUuid(id)) throw authError(404, 'user_not_found', 'User not found');
    const existing = await userById(db, id);
    if (!existing) throw authError(404, 'user_not_found', 'User not found');
    if (req.method === 'GET') {
      sendJson(res, 200, userJson(existing));
    } else if (req.method === 'DELETE') {
      await db.query('delete from auth.users where id = $1', [id]);
      sendJson(res, 200, userJson(existing));
    } else if (req.method === 'PUT') {
      const body = await bodyObject(req);
      const metadata = field<Record<string, unknown>>(body, 'user_metadata', 'object');
      const password = field<string>(body, 'password', 'string');
      if (password !== undefined) checkPassword(password);
      const hash = password === undefined ? null : await hashPassword(password);
      const updated = await db.transaction(async (tx) => {
        if (metadata !== undefined) await mergeMetadata(tx, id, metadata);
        return (
          await tx.query<UserRow>(
            'update auth.users set encrypted_password = coalesce($2, encrypted_password), updated_at = now() where id = $1 returning *',
            [id, hash],
          )
        ).rows[0];
      });
      sendJson(res, 200, userJson(updated));
    } else throw authError(405, 'method_not_allowed', `${req.method} is not allowed here`);
  }

  return {
    async handle(req, res, url, path) {
      const method = req.method ?? 'GET';
      if (path === '/health' && method === 'GET') {
        sendJson(res, 200, { version: 'local', name: 'GoTrue', description: 'supabase-call-widgets local stack' });
      } else if (path === '/settings' && method === 'GET') {
        sendJson(res, 200, {
          external: { email: true, phone: false, anonymous_users: true },
          disable_signup: false,
          mailer_autoconfirm: true,
          phone_autoconfirm: false,
        });
      } else if (path === '/signup' && method === 'POST') await signUp(req, res);
      else if (path === '/token' && method === 'POST') await token(req, res, url);
      else if (path === '/user' && method === 'GET') sendJson(res, 200, userJson((await currentUser(req, url)).user));
      else if (path === '/user' && method === 'PUT') await updateUser(req, res, url);
      else if (path === '/logout' && method === 'POST') await logout(res, url, req);
      else if (path.startsWith('/admin/')) await admin(req, res, url, path.slice('/admin'.length));
      else throw authError(404, 'not_found', `no auth endpoint ${method} ${path}`);
    },
    async close() {},
  };
}
