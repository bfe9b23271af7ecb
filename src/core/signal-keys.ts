/**
 * Sender identity for broadcast signals. Realtime relays whatever a member writes, so the
 * `from` of a broadcast proves nothing by itself. Each join makes an ECDSA P-256 key pair; the
 * public key goes into the member's own participant row (only they can write it, by RLS), and
 * every signal is signed. A receiver verifies against the key stored for the claimed sender, so
 * a forged `from` is dropped.
 */
import type { Signal } from './signal.ts';

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNATURE = { name: 'ECDSA', hash: 'SHA-256' } as const;
/** Signed messages older than this are refused (replays of an old session's offers). */
export const SIGNAL_MAX_AGE_MS = 5 * 60 * 1000;

export interface SignedSignal extends Signal {
  /** Session the signature is bound to. */
  session: string;
  /** Milliseconds since the epoch when it was signed. */
  ts: number;
  /** Base64 ECDSA signature over the canonical form. */
  sig: string;
}

function canonical(signal: Omit<SignedSignal, 'sig'>): Uint8Array {
  return new TextEncoder().encode(
    JSON.stringify([signal.session, signal.from, signal.to, signal.kind, signal.ts, signal.payload]),
  );
}

const toBase64 = (bytes: ArrayBuffer) => btoa(String.fromCharCode(...new Uint8Array(bytes)));
const fromBase64 = (text: string) => Uint8Array.from(atob(text), (char) => char.charCodeAt(0));

export class SignalSigner {
  private constructor(
    private readonly privateKey: CryptoKey,
    /** The public key as a JWK, to store in the participant row. */
    readonly publicJwk: JsonWebKey,
  ) {}

  static async create(): Promise<SignalSigner> {
    const pair = (await crypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
    const jwk = await crypto.subtle.exportKey('jwk', pair.publicKey);
    return new SignalSigner(pair.privateKey, { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y });
  }

  async sign(session: string, signal: Signal, now = Date.now()): Promise<SignedSignal> {
    const unsigned = { ...signal, session, ts: now };
    const signature = await crypto.subtle.sign(SIGNATURE, this.privateKey, canonical(unsigned) as BufferSource);
    return { ...unsigned, sig: toBase64(signature) };
  }
}

/** Imports a stored public key; throws when it is not a P-256 public JWK. */
export async function importSignalKey(jwk: unknown): Promise<CryptoKey> {
  const key = jwk as JsonWebKey;
  if (!key || key.kty !== 'EC' || key.crv !== 'P-256' || typeof key.x !== 'string' || typeof key.y !== 'string') {
    throw new Error('not a P-256 public key');
  }
  return crypto.subtle.importKey('jwk', { kty: 'EC', crv: 'P-256', x: key.x, y: key.y }, ALGORITHM, false, ['verify']);
}

/** Whether `signed` was signed by `key`, for this session, recently. */
export async function verifySignal(key: CryptoKey, session: string, signed: SignedSignal, now = Date.now()): Promise<boolean> {
  if (signed.session !== session || typeof signed.sig !== 'string' || typeof signed.ts !== 'number') return false;
  if (Math.abs(now - signed.ts) > SIGNAL_MAX_AGE_MS) return false;
  try {
    const { sig, ...unsigned } = signed;
    return await crypto.subtle.verify(SIGNATURE, key, fromBase64(sig) as BufferSource, canonical(unsigned) as BufferSource);
  } catch {
    return false;
  }
}
