/**
 * What a presence sync of the call channel does: the people's presence, cameras resized, a
 * connection to everyone present whose row we have, their keys fetched ahead, and the rows read
 * again when someone present has none. Apart from call-session.ts to keep that one under the
 * house's 600 lines.
 */
import type { RealtimeChannel } from '@supabase/supabase-js';
import type { PresenceMeta } from './participant.ts';
import type { ParticipantRows } from './participant-rows.ts';
import type { ParticipantStore } from './participant-store.ts';
import type { CallMedia } from './call-media.ts';
import type { MemberKeys } from './signaling.ts';

export interface PresenceSyncParts {
  userId: string;
  people: ParticipantStore;
  mesh: CallMedia | undefined;
  keys: MemberKeys | undefined;
  rows: ParticipantRows;
}

export function syncPresence(channel: RealtimeChannel, { userId, people, mesh, keys, rows }: PresenceSyncParts): void {
  const state = channel.presenceState<PresenceMeta>();
  people.setPresence(state);
  // Someone's connections may have finished forming: cameras may go back to full size.
  mesh?.resize();
  let unknown = false;
  const present = Object.keys(state).filter((id) => state[id]![0] && id !== userId);
  for (const id of present) {
    if (people.hasRow(id)) mesh?.connect(id);
    else unknown = true;
  }
  keys?.prefetch(present);
  // Someone present we have no row of: an invitation made after we read them (a read under
  // way connects to them when it is done).
  if (unknown && !rows.reading) void rows.load();
}
