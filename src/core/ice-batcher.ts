/**
 * Trickle ICE in batches: candidates gathered within `delayMs` of the first one travel as one
 * signal, which keeps a 6-person mesh far below Realtime's message-rate quotas. The end of
 * gathering (a null candidate) flushes at once.
 */
export interface IceBatcherOptions {
  /** How long to wait for more candidates after the first (default 40 ms). */
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
    if (this.#pending.length >= this.#maxBatch) this.flush();
    else this.#timer ??= setTimeout(() => this.flush(), this.#delayMs);
  }

  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#pending.length) return;
    const batch = this.#pending;
    this.#pending = [];
    this.#send(batch);
  }

  /** Drops what is waiting (the connection closed). */
  dispose(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending = [];
  }
}
