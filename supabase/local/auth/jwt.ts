/**
 * HS256 JSON Web Tokens with Supabase's claims, signed with the project's JWT secret. The default
 * secret is the Supabase CLI's, so the CLI's well-known local anon and service-role keys verify.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const DEFAULT_JWT_SECRET = 'super-secret-jwt-token-with-at-least-32-characters-long';

/** The Supabase CLI's local keys are these claims signed with the default secret. */
const DEMO_KEY_EXPIRY = 1983812996;

export interface JwtClaims {
  sub?: string;
  role: string;
  exp?: number;
  iat?: number;
  iss?: string;
  aud?: string | string[];
  email?: string;
  session_id?: string;
  is_anonymous?: boolean;
  [claim: string]: unknown;
}

export class JwtError extends Error {
  constructor(
    message: string,
    /** `expired` lets callers answer with the wording Supabase uses for an expired token. */
    readonly reason: 'malformed' | 'signature' | 'expired',
  ) {
    super(message);
    this.name = 'JwtError';
  }
}

const base64url = (input: Buffer | string) => Buffer.from(input).toString('base64url');

/** A token's header or payload: base64url JSON that must decode to an object (not null, not a list). */
function decodeSegment(segment: string, name: 'header' | 'payload'): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw new JwtError('invalid JWT: token is malformed', 'malformed');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new JwtError(`invalid JWT: the ${name} is not a JSON object`, 'malformed');
  }
  return value as Record<string, unknown>;
}

export class JwtKeys {
  constructor(readonly secret: string = DEFAULT_JWT_SECRET) {
    if (secret.length < 32) throw new Error('JWT_SECRET must be at least 32 characters long');
  }

  sign(claims: JwtClaims): string {
    const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const body = base64url(JSON.stringify(claims));
    return `${header}.${body}.${this.signature(`${header}.${body}`)}`;
  }

  /** Returns the claims of a token signed with this secret and not expired; throws JwtError. */
  verify(token: string, now = Date.now()): JwtClaims {
    const parts = token.split('.');
    if (parts.length !== 3) throw new JwtError('invalid JWT: token is malformed', 'malformed');
    const [header, body, signature] = parts;
    const parsedHeader = decodeSegment(header, 'header');
    const claims = decodeSegment(body, 'payload') as JwtClaims;
    if (parsedHeader.alg !== 'HS256') throw new JwtError('invalid JWT: signing method is not HS256', 'signature');
    const expected = Buffer.from(this.signature(`${header}.${body}`));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      throw new JwtError('invalid JWT: signature is invalid', 'signature');
    }
    if (typeof claims.role !== 'string') throw new JwtError('invalid JWT: role claim is missing', 'malformed');
    if (claims.exp !== undefined && typeof claims.exp !== 'number') {
      throw new JwtError('invalid JWT: exp claim is not a number', 'malformed');
    }
    if (typeof claims.exp === 'number' && claims.exp * 1000 <= now) {
      throw new JwtError('invalid JWT: token is expired', 'expired');
    }
    return claims;
  }

  /** The anon key (the "publishable" key a browser holds). */
  get anonKey(): string {
    return this.sign({ iss: 'supabase-demo', role: 'anon', exp: DEMO_KEY_EXPIRY });
  }

  /** The service-role key (bypasses RLS; servers and edge functions only). */
  get serviceRoleKey(): string {
    return this.sign({ iss: 'supabase-demo', role: 'service_role', exp: DEMO_KEY_EXPIRY });
  }

  private signature(input: string): string {
    return createHmac('sha256', this.secret).update(input).digest('base64url');
  }
}
