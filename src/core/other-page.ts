/**
 * One person, two pages in the same call (a second tab, the phone beside the laptop): the latest
 * to join holds the call, the other steps out, as a page reloaded does. The participant row says
 * who that is — `join_video_call` writes `joined_at` and the joining page's `signal_key` in one
 * statement, the database orders the joins, and peers believe only that key's signatures — so a
 * page that sees its own row joined later under a key that is not one of its own was joined
 * over. No clocks compared across devices (both times are the database's), no presence race.
 * Pages with no signing key (the table transport) cannot tell and stay, as before.
 */
import type { KeyedParticipantRecord } from './participant.ts';

/** What the page knows of its own join: the row's `joined_at` then, and every key it signed with. */
export interface OwnJoin {
  userId: string;
  joinedAt: string | undefined;
  keys: readonly JsonWebKey[];
}

const sameKey = (a: unknown, b: unknown) =>
  Boolean(a && b && typeof a === 'object' && typeof b === 'object' && (a as JsonWebKey).x === (b as JsonWebKey).x && (a as JsonWebKey).y === (b as JsonWebKey).y);

/** Whether `row` says another page of ours joined the call after we did. */
export function joinedElsewhere(own: OwnJoin, row: KeyedParticipantRecord & { joined_at?: string | null }): boolean {
  if (row.user_id !== own.userId || !own.joinedAt || !row.joined_at || !row.signal_key || !own.keys.length) return false;
  const ours = Date.parse(own.joinedAt);
  const theirs = Date.parse(row.joined_at);
  return Number.isFinite(ours) && Number.isFinite(theirs) && theirs > ours && !own.keys.some((key) => sameKey(key, row.signal_key));
}
