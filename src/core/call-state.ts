/**
 * A call's life: `idle → joining → connected ⇄ reconnecting → left`, or `failed` from any live
 * state. A failed call may be joined again. In a lobby, `joining → waiting → joining` once the
 * host lets the guest in. `removed` (by the host) and `ended` (for everyone) are final, but for
 * `left` when the page lets go. Nothing else is allowed, so a late event from a torn-down call
 * cannot bring it back to life.
 */
export type CallState = 'idle' | 'joining' | 'waiting' | 'connected' | 'reconnecting' | 'left' | 'failed' | 'removed' | 'ended';

const NEXT: Record<CallState, readonly CallState[]> = {
  idle: ['joining', 'left'],
  joining: ['connected', 'waiting', 'failed', 'left', 'removed', 'ended'],
  waiting: ['joining', 'failed', 'left', 'removed', 'ended'],
  connected: ['reconnecting', 'failed', 'left', 'removed', 'ended'],
  reconnecting: ['connected', 'failed', 'left', 'removed', 'ended'],
  failed: ['joining', 'left'],
  removed: ['left'],
  ended: ['left'],
  left: [],
};

export class InvalidTransitionError extends Error {
  constructor(
    readonly from: CallState,
    readonly to: CallState,
  ) {
    super(`a call cannot go from "${from}" to "${to}"`);
    this.name = 'InvalidTransitionError';
  }
}

export function canTransition(from: CallState, to: CallState): boolean {
  return NEXT[from].includes(to);
}

export class CallStateMachine {
  #state: CallState = 'idle';

  constructor(private readonly onChange: (state: CallState, previous: CallState) => void = () => undefined) {}

  get state(): CallState {
    return this.#state;
  }

  /** Moves to `next`; throws InvalidTransitionError when that is not a legal step. */
  to(next: CallState): void {
    if (next === this.#state) return;
    if (!canTransition(this.#state, next)) throw new InvalidTransitionError(this.#state, next);
    const previous = this.#state;
    this.#state = next;
    this.onChange(next, previous);
  }

  /** Like `to`, but a step that is not legal (a late event) is ignored; returns whether it moved. */
  tryTo(next: CallState): boolean {
    if (next === this.#state || !canTransition(this.#state, next)) return false;
    this.to(next);
    return true;
  }
}
