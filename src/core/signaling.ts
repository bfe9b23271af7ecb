/**
 * How signals travel between members. Both transports hand the session only signals that passed
 * the shape check, the per-sender rate limit and an identity check; anything else is dropped and
 * logged, never thrown into the call.
 *
 * - `broadcast` (default): Realtime broadcast event `signal` on the private channel
 *   `call:<session_id>`, each message signed with the sender's per-join key (see signal-keys.ts).
 * - `table` (durable): POST to the `video-call-signal` edge function, which stores a row in
 *   `video_call_signals`; rows arrive through postgres_changes, their sender stamped by Postgres.
 */
import type { RealtimeChannel, SupabaseClient } from '@supabase/supabase-js';
import { SenderRateLimit, SignalError, validateSignal, type Signal } from './signal.ts';
import { importSignalKey, SignalSigner, verifySignal, type SignedSignal } from './signal-keys.ts';

export type TransportName = 'broadcast' | 'table';

export interface SignalingTransport {
  readonly name: TransportName;
  /** Adds the transport's listeners to the channel before it is subscribed. */
  attach(channel: RealtimeChannel): void;
  send(signal: Omit<Signal, 'from'>): Promise<void>;
}

export interface TransportContext {
  supabase: SupabaseClient;
  sessionId: string;
  userId: string;
  onSignal(signal: Signal): void;
  /**
   * An offer arrived and is being verified (`true`, before onSignal, which may take a while on a
   * busy machine), or it failed verification and was dropped (`false`).
   */
  onPending?(from: string, pending: boolean): void;
  log(message: string): void;
}

/**
 * Runs tasks one after another per key and in the order they were added. Signing and verifying
 * are asynchronous and take varying time: without this, a peer's ICE candidate could overtake
 * the offer it belongs to and be refused for arriving before any remote description.
 */
export class KeyedQueue {
  readonly #tails = new Map<string, Promise<void>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const result = (this.#tails.get(key) ?? Promise.resolve()).then(task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }
}

/**
 * The shortest time between two reads of the members' signal keys (MemberKeys.refresh). 250 ms, as
 * commit 175906d meant (its message, comment and docs say 250 ms; the number stayed 1000): a
 * signal from someone who joined just after the last read waits at most this long to be verified.
 */
export const SIGNAL_KEY_REFRESH_MS = 250;

/** Public signal keys of the session's members, read from their participant rows. */
export class MemberKeys {
  readonly #keys = new Map<string, CryptoKey>();
  /** The JWK each key was imported from, so an unchanged row is not imported again. */
  readonly #sources = new Map<string, string>();
  /** The read under way, and when its query went out. */
  #reading: { issuedAt: number; done: Promise<void> } | undefined;
  /** A read waiting for the one under way (or for the minimum gap) before its query goes out. */
  #queued: { done?: Promise<void> } | undefined;
  #loadedAt = 0;
  /** verify() calls waiting for a member's key to be learned from a row. */
  readonly #waiters = new Map<string, Set<() => void>>();

  constructor(
    private readonly supabase: SupabaseClient,
    private readonly sessionId: string,
  ) {}

  /**
   * Resolves once a read of the keys whose query went out at `since` or later has finished, at
   * most one read every SIGNAL_KEY_REFRESH_MS however often a stranger is seen. A read already
   * under way that went out earlier may predate the key being looked for: then one more is queued
   * behind it, so the key of someone who joined just after us is always found.
   */
  refresh(since = Date.now()): Promise<void> {
    if (this.#queued?.done) return this.#queued.done;
    if (this.#reading && this.#reading.issuedAt >= since) return this.#reading.done;
    const before = this.#reading?.done.catch(() => undefined);
    const queued: { done?: Promise<void> } = {};
    queued.done = (async () => {
      await before;
      const wait = this.#loadedAt + SIGNAL_KEY_REFRESH_MS - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      if (this.#queued === queued) this.#queued = undefined;
      const reading = { issuedAt: Date.now(), done: this.#read() };
      this.#reading = reading;
      try {
        await reading.done;
      } finally {
        this.#loadedAt = Date.now();
        if (this.#reading === reading) this.#reading = undefined;
      }
    })();
    this.#queued = queued;
    return queued.done;
  }

  async #read(): Promise<void> {
    const { data, error } = await this.supabase
      .from('video_call_participants')
      .select('user_id, signal_key')
      .eq('session_id', this.sessionId)
      .not('signal_key', 'is', null);
    if (error) throw new Error(`could not read signal keys: ${error.message}`);
    await this.learn(data ?? []);
  }

  /** Whether the key of `userId` is known. */
  has(userId: string): boolean {
    return this.#keys.has(userId);
  }

  readonly #asked = new Set<string>();

  /**
   * Present means their key is stored (they track after joining): reads the keys of `present`
   * members not known yet, before their first signal waits for it. Once per person; a signal
   * from them still re-reads if need be.
   */
  prefetch(present: Iterable<string>): void {
    let missing = false;
    for (const userId of present) {
      if (this.#keys.has(userId) || this.#asked.has(userId)) continue;
      this.#asked.add(userId);
      missing = true;
    }
    if (missing) void this.refresh().catch(() => undefined);
  }

  /** Forgets a member's key (removed by the host): their signals are dropped from now on. */
  forget(userId: string): void {
    this.#keys.delete(userId);
    this.#sources.delete(userId);
  }

  /** Takes the keys from participant rows read elsewhere (rows without a key are skipped). */
  async learn(rows: readonly { user_id: string | null; signal_key?: unknown }[]): Promise<void> {
    for (const row of rows) {
      if (!row.user_id || row.signal_key == null || (row as { removed_at?: unknown }).removed_at) continue;
      const text = JSON.stringify(row.signal_key);
      if (this.#sources.get(row.user_id) === text) continue;
      this.#sources.set(row.user_id, text);
      try {
        this.#keys.set(row.user_id, await importSignalKey(row.signal_key));
        for (const wake of this.#waiters.get(row.user_id) ?? []) wake();
      } catch {
        this.#keys.delete(row.user_id);
      }
    }
  }

  /**
   * Verifies against the stored key, re-reading the keys once when the sender's is unknown or
   * stale: with a read that went out after `receivedAt`, when the signal was received.
   */
  async verify(signed: SignedSignal, receivedAt = Date.now(), anyAge = false): Promise<boolean> {
    // A claim that lasts (an SFU feed, sfu-connection.ts) is checked without the age limit.
    const now = anyAge ? signed.ts : undefined;
    const key = this.#keys.get(signed.from);
    if (key && (await verifySignal(key, this.sessionId, signed, now))) return true;
    const learned = async () => {
      const fresh = this.#keys.get(signed.from);
      return fresh !== undefined && fresh !== key && verifySignal(fresh, this.sessionId, signed, now);
    };
    // A read under way (the one made when they showed up in presence) usually has the key; their
    // changed row may bring it sooner (postgres_changes), whichever comes first.
    const pending = this.#queued?.done ?? this.#reading?.done;
    if (pending && (await this.#firstOf(pending, signed.from).then(learned))) return true;
    if (await this.#firstOf(this.refresh(receivedAt), signed.from).then(learned)) return true;
    // The key came with a row while the read went on: the read may still bring another.
    await this.#reading?.done.catch(() => undefined);
    return learned();
  }

  /** Settles when `read` does or when a key for `userId` is learned, whichever is first. */
  #firstOf(read: Promise<void>, userId: string): Promise<void> {
    let done!: () => void;
    const arrived = new Promise<void>((resolve) => (done = resolve));
    const waiting = this.#waiters.get(userId) ?? new Set();
    this.#waiters.set(userId, waiting.add(done));
    return Promise.race([read.catch(() => undefined), arrived]).finally(() => {
      waiting.delete(done);
      if (!waiting.size && this.#waiters.get(userId) === waiting) this.#waiters.delete(userId);
    });
  }
}

export class BroadcastTransport implements SignalingTransport {
  readonly name = 'broadcast';
  readonly #context: TransportContext;
  readonly #signer: SignalSigner;
  readonly #keys: MemberKeys;
  readonly #rate = new SenderRateLimit();
  /** Outgoing per addressee and incoming per sender, each in order. */
  readonly #outgoing = new KeyedQueue();
  readonly #incoming = new KeyedQueue();
  #channel: RealtimeChannel | undefined;

  constructor(context: TransportContext, signer: SignalSigner, keys: MemberKeys) {
    this.#context = context;
    this.#signer = signer;
    this.#keys = keys;
  }

  attach(channel: RealtimeChannel): void {
    this.#channel = channel;
    channel.on('broadcast', { event: 'signal' }, ({ payload }) => void this.#receive(payload));
  }

  send(signal: Omit<Signal, 'from'>): Promise<void> {
    return this.#outgoing.run(signal.to ?? '*', () => this.#send(signal));
  }

  async #send(signal: Omit<Signal, 'from'>): Promise<void> {
    const channel = this.#channel;
    if (!channel) throw new Error('signaling is not attached to a channel');
    const signed = await this.#signer.sign(this.#context.sessionId, { ...signal, from: this.#context.userId });
    if (channel.state === 'joined' && this.#context.supabase.realtime.isConnected()) {
      const result = await channel.send({ type: 'broadcast', event: 'signal', payload: signed });
      if (result === 'ok') return;
    }
    // The socket is down (reconnecting): the REST endpoint still reaches the others.
    await channel.httpSend('signal', signed);
  }

  async #receive(raw: unknown): Promise<void> {
    const { userId, log, onSignal } = this.#context;
    let signal: Signal;
    try {
      signal = validateSignal(raw);
    } catch (error) {
      log(`dropped a malformed signal: ${(error as SignalError).message}`);
      return;
    }
    if (signal.from === userId || (signal.to && signal.to !== userId)) return;
    if (!this.#rate.allow(signal.from)) {
      log(`dropped a signal from ${signal.from}: too many messages`);
      return;
    }
    const receivedAt = Date.now();
    const offer = signal.kind === 'offer';
    if (offer) this.#context.onPending?.(signal.from, true);
    await this.#incoming.run(signal.from, async () => {
      if (!(await this.#keys.verify(raw as SignedSignal, receivedAt))) {
        if (offer) this.#context.onPending?.(signal.from, false);
        log(`dropped a ${signal.kind} claiming to be from ${signal.from}: the signature does not match their key`);
        return;
      }
      onSignal(signal);
    });
  }
}

export class TableTransport implements SignalingTransport {
  readonly name = 'table';
  readonly #context: TransportContext;
  readonly #rate = new SenderRateLimit();
  /** Per addressee in order: rows are numbered by insert, so an overtaking request reorders them. */
  readonly #outgoing = new KeyedQueue();

  constructor(context: TransportContext) {
    this.#context = context;
  }

  attach(channel: RealtimeChannel): void {
    channel.on(
      'postgres_changes',
      { event: 'INSERT', schema: 'public', table: 'video_call_signals', filter: `session_id=eq.${this.#context.sessionId}` },
      (change) => this.#receive(change.new),
    );
  }

  send(signal: Omit<Signal, 'from'>): Promise<void> {
    return this.#outgoing.run(signal.to ?? '*', () => this.#send(signal));
  }

  async #send(signal: Omit<Signal, 'from'>): Promise<void> {
    const { error } = await this.#context.supabase.functions.invoke('video-call-signal', {
      body: { session_id: this.#context.sessionId, to: signal.to, kind: signal.kind, payload: signal.payload },
    });
    if (error) throw new Error(`video-call-signal refused the ${signal.kind}: ${error.message}`);
  }

  #receive(row: Record<string, unknown>): void {
    const { userId, log, onSignal } = this.#context;
    let signal: Signal;
    try {
      // The sender is the row's from_user, written by Postgres from the caller's JWT.
      signal = validateSignal({ from: row.from_user, to: row.to_user, kind: row.kind, payload: row.payload });
    } catch (error) {
      log(`dropped a malformed stored signal: ${(error as Error).message}`);
      return;
    }
    if (signal.from === userId || (signal.to && signal.to !== userId)) return;
    if (!this.#rate.allow(signal.from)) {
      log(`dropped a stored signal from ${signal.from}: too many messages`);
      return;
    }
    onSignal(signal);
  }
}

/**
 * What a session signals with: on `broadcast`, a fresh per-join signing key, the members' keys
 * and the signed broadcast transport; on `table`, the signals table alone.
 */
export async function openSignaling(name: TransportName, context: TransportContext): Promise<{ signer?: SignalSigner; keys?: MemberKeys; transport: SignalingTransport }> {
  if (name !== 'broadcast') return { transport: new TableTransport(context) };
  const signer = await SignalSigner.create();
  const keys = new MemberKeys(context.supabase, context.sessionId);
  return { signer, keys, transport: new BroadcastTransport(context, signer, keys) };
}
