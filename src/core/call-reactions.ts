/**
 * Reactions in a call: broadcast event `reaction` `{ emoji, from }` on the call's channel
 * (ARCHITECTURE 9.3), from a short fixed set. Nothing is stored; a reaction is seen by whoever is
 * in the call at that moment. The sender is held to one a second here; a receiver drops anything
 * not in the set, not from someone present in the call, or faster than a sender may send.
 *
 * `from` is what the sender says: the channel admits members only, so a member could claim to be
 * another member, which for a floating emoji is not worth signing every message (signals are).
 */
import type { RealtimeChannel } from '@supabase/supabase-js';
import { CallError } from './errors.ts';

/** The reactions one can send, in the order the picker shows them. */
export const REACTIONS = ['👍', '👏', '😂', '❤️', '🎉', '😮'] as const;
export type Reaction = (typeof REACTIONS)[number];

/** The shortest time between two reactions of one sender. */
export const REACTION_INTERVAL_MS = 1000;

export const isReaction = (value: unknown): value is Reaction => typeof value === 'string' && (REACTIONS as readonly string[]).includes(value);

/** A reaction as the session tells it (event `reaction`). */
export interface CallReactionDetail {
  /** The sender's user id. */
  from: string;
  emoji: Reaction;
  /** Sent by the local user (shown on their own tile too). */
  own: boolean;
}

export interface CallReactionsOptions {
  userId: string;
  /** Whether the user is present in the call now. */
  isMember(userId: string): boolean;
  received(detail: CallReactionDetail): void;
  log(message: string): void;
  now?(): number;
}

export class CallReactions {
  readonly #options: CallReactionsOptions;
  /** When each sender's last reaction was taken (the local user's included). */
  readonly #last = new Map<string, number>();

  constructor(options: CallReactionsOptions) {
    this.#options = options;
  }

  /** Listens for others' reactions on the channel, before it is subscribed. */
  attach(channel: RealtimeChannel): void {
    channel.on('broadcast', { event: 'reaction' }, ({ payload }) => this.#receive(payload));
  }

  /**
   * Sends a reaction: shown at once here, then sent. Throws `invalid_input` for anything not in
   * REACTIONS, `rate_limited` within a second of the last one, `join_failed` outside the call.
   */
  async send(channel: RealtimeChannel | undefined, emoji: string): Promise<void> {
    if (!isReaction(emoji)) throw new CallError('invalid_input', `a reaction is one of ${REACTIONS.join(' ')}`);
    if (!channel || channel.state !== 'joined') throw new CallError('join_failed', 'reactions are sent in a joined call');
    const { userId } = this.#options;
    if (!this.#take(userId)) throw new CallError('rate_limited', `at most one reaction every ${REACTION_INTERVAL_MS / 1000} s`);
    this.#options.received({ from: userId, emoji, own: true });
    const result = await channel.send({ type: 'broadcast', event: 'reaction', payload: { emoji, from: userId } });
    if (result !== 'ok') this.#options.log(`reaction not sent: ${result}`);
  }

  #receive(payload: unknown): void {
    const { emoji, from } = (payload ?? {}) as { emoji?: unknown; from?: unknown };
    if (!isReaction(emoji) || typeof from !== 'string' || from === this.#options.userId || !this.#options.isMember(from)) {
      this.#options.log(`reaction dropped: ${JSON.stringify(payload)?.slice(0, 80)}`);
      return;
    }
    if (!this.#take(from)) return;
    this.#options.received({ from, emoji, own: false });
  }

  /** Whether `from` may react now; counts it if so. A little slack for the network's jitter. */
  #take(from: string): boolean {
    const now = this.#options.now?.() ?? Date.now();
    const slack = from === this.#options.userId ? 0 : 200;
    const last = this.#last.get(from);
    if (last !== undefined && now - last < REACTION_INTERVAL_MS - slack) return false;
    this.#last.set(from, now);
    return true;
  }
}
