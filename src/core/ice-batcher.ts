/**
 * Trickle ICE in batches: at most one signal per `delayMs` per connection, which keeps a
 * 6-person mesh far below Realtime's message-rate quotas. The first candidate after a quiet spell
 * goes at once (connectivity checks start on it); those that follow within `delayMs` travel
 * together. The end of gathering (a null candidate) flushes at once.
 */
export interface IceBatcherOptions {
  /** The shortest gap between two signals (default 40 ms). */
  delayMs?: number;
  /** Flush once this many candidates are waiting (default 16). */
  maxBatch?: number;
  send(candidates: RTCIceCandidateInit[]): void;
}

export class IceBatcher {
  readonly #delayMs: number;
  readonly #maxBatch: number;
  readonly #send: (candidates: RTCIceCandidateInit[]) => void;
  #pending: RTCIceCandidateInit[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #lastSentAt = Number.NEGATIVE_INFINITY;

  constructor({ delayMs = 40, maxBatch = 16, send }: IceBatcherOptions) {
    this.#delayMs = delayMs;
    this.#maxBatch = maxBatch;
    this.#send = send;
  }

  /** Adds a gathered candidate; `null` marks the end of gathering. */
  add(candidate: RTCIceCandidateInit | null): void {
    if (candidate === null) {
      this.flush();
      return;
    }
    this.#pending.push(candidate);
    if (this.#pending.length >= this.#maxBatch) {
      this.flush();
      return;
    }
    if (this.#timer) return;
    const wait = this.#lastSentAt + this.#delayMs - Date.now();
    if (wait <= 0) this.flush();
    else this.#timer = setTimeout(() => this.flush(), wait);
  }

  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#pending.length) return;
    const batch = this.#pending;
    this.#pending = [];
    this.#lastSentAt = Date.now();
    this.#send(batch);
  }

  /** Drops what is waiting (the connection closed). */
  dispose(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending = [];
  }
}
