/**
 * The signaling message of the contract, `{ from, to, kind, payload }`, and the checks every
 * incoming one passes before it reaches a peer connection: shape, size, and a per-sender rate.
 */
export const SIGNAL_KINDS = ['offer', 'answer', 'ice', 'bye', 'restart', 'view'] as const;
export type SignalKind = (typeof SIGNAL_KINDS)[number];

export interface Signal {
  /** Sender's user id: for broadcast proven by signature, for the table stamped by Postgres. */
  from: string;
  /** Addressee's user id, or null for everyone in the session. */
  to: string | null;
  kind: SignalKind;
  payload: Record<string, unknown>;
}

/** What an offer or answer carries besides the SDP: which local stream is which. */
export type StreamRoles = Record<string, 'camera' | 'screen'>;

/**
 * 64 KiB of the payload's JSON text in UTF-8 bytes, as the durable path's function and table count
 * it (test/backend/signal-limits.test.ts); an SDP for 2 video + 1 audio lines is under 10 KiB.
 */
export const SIGNAL_PAYLOAD_LIMIT = 64 * 1024;

export class SignalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SignalError';
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Checks an incoming signal's shape; throws SignalError with the reason. */
export function validateSignal(value: unknown): Signal {
  if (!isRecord(value)) throw new SignalError('a signal must be an object');
  const { from, to, kind, payload } = value;
  if (typeof from !== 'string' || !from) throw new SignalError('a signal needs its sender');
  if (to !== null && to !== undefined && typeof to !== 'string') throw new SignalError('"to" must be a user id or null');
  if (!SIGNAL_KINDS.includes(kind as SignalKind)) throw new SignalError(`unknown signal kind "${String(kind)}"`);
  if (!isRecord(payload)) throw new SignalError('a signal payload must be an object');
  if (new TextEncoder().encode(JSON.stringify(payload)).length > SIGNAL_PAYLOAD_LIMIT) throw new SignalError('signal payload over 64 KiB');
  if (kind === 'offer' || kind === 'answer') {
    const description = payload.description;
    if (!isRecord(description) || description.type !== kind || typeof description.sdp !== 'string' || !description.sdp.startsWith('v=')) {
      throw new SignalError(`${kind} without a valid session description`);
    }
  }
  if (kind === 'ice' && !Array.isArray(payload.candidates)) throw new SignalError('ice signal without candidates');
  // `view`: how small the sender's camera is shown (view-requests.ts); only to one peer.
  if (kind === 'view' && (![1, 2, 4].includes(payload.scale as number) || !to)) throw new SignalError('view signal without a scale of 1, 2 or 4 for one peer');
  return { from, to: (to as string | null | undefined) ?? null, kind: kind as SignalKind, payload };
}

/**
 * A token bucket per sender: a burst of `burst` messages, then `perSecond`. A peer flooding the
 * channel gets its excess dropped instead of starving the others.
 */
export class SenderRateLimit {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perSecond = 40,
    private readonly burst = 120,
    private readonly now: () => number = () => Date.now(),
  ) {}

  allow(sender: string): boolean {
    const now = this.now();
    const bucket = this.#buckets.get(sender) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
    bucket.at = now;
    this.#buckets.set(sender, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}

/** Perfect negotiation's roles: the peer with the larger user id is polite (yields on glare). */
export function isPolite(localId: string, remoteId: string): boolean {
  return localId > remoteId;
}
