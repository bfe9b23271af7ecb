/**
 * A joined call's participant rows kept in step with the table: all of them read when joining,
 * when someone present has none yet (invited after the read) and after the channel came back;
 * otherwise each postgres_changes event applied as it comes. Changes that arrive while a read is
 * under way are applied again after it, in order, so a read that went out before them cannot
 * undo them. The signal keys rows carry are learned before that member's first signal needs them.
 */
import type { RealtimePostgresChangesPayload, SupabaseClient } from '@supabase/supabase-js';
import { KEYED_PARTICIPANT_COLUMNS, type KeyedParticipantRecord } from './participant.ts';
import type { ParticipantStore } from './participant-store.ts';
import type { MemberKeys } from './signaling.ts';

export type RowChange = RealtimePostgresChangesPayload<Record<string, unknown>>;

export interface ParticipantRowsOptions {
  supabase: SupabaseClient;
  sessionId: string;
  people: ParticipantStore;
  /** The members' signal keys, once the session signs its signals. */
  keys(): MemberKeys | undefined;
  /** Connects to someone present whose row is now known. */
  connect(userId: string): void;
  /** Every row as read, then each one as it changes (the lobby and removals, moderation.ts). */
  rows?(rows: readonly KeyedParticipantRecord[]): void;
  row?(row: KeyedParticipantRecord): void;
  log(message: string): void;
}

export class ParticipantRows {
  #reads = 0;
  #changesDuringRead: RowChange[] = [];

  constructor(private readonly options: ParticipantRowsOptions) {}

  /** A read of all the rows is under way (it connects to whoever it finds when done). */
  get reading(): boolean {
    return this.#reads > 0;
  }

  /** Reads every row of the session. */
  async load(): Promise<void> {
    const { supabase, sessionId, people } = this.options;
    this.#reads++;
    let result;
    try {
      result = await supabase.from('video_call_participants').select(KEYED_PARTICIPANT_COLUMNS).eq('session_id', sessionId);
    } finally {
      this.#reads--;
    }
    const replay = this.#reads ? [...this.#changesDuringRead] : this.#changesDuringRead.splice(0);
    if (result.error) {
      this.options.log(`could not read participants: ${result.error.message}`);
      return;
    }
    people.setRows((result.data ?? []) as KeyedParticipantRecord[]);
    this.options.rows?.((result.data ?? []) as KeyedParticipantRecord[]);
    for (const change of replay) this.#apply(change);
    await this.options.keys()?.learn(result.data ?? []);
    this.connectPresent();
  }

  /**
   * A row changed: postgres_changes carries the whole row (the members' policy let it through),
   * so it is applied as it is. No read of all the rows: in a call of n people that would be n
   * reads per change.
   */
  async onChange(change: RowChange): Promise<void> {
    if (this.#reads) this.#changesDuringRead.push(change);
    this.#apply(change);
    if (change.eventType !== 'DELETE') await this.options.keys()?.learn([change.new as unknown as KeyedParticipantRecord]);
    this.connectPresent();
  }

  /** Connects to everyone present whose row we now have (someone invited after we read them). */
  connectPresent(): void {
    const { people } = this.options;
    for (const userId of people.presentIds()) if (people.hasRow(userId)) this.options.connect(userId);
  }

  #apply(change: RowChange): void {
    const { people } = this.options;
    if (change.eventType === 'DELETE') {
      if (typeof change.old.id === 'string') people.deleteRow(change.old.id);
    } else if (typeof change.new.id === 'string') {
      people.setRow(change.new as unknown as KeyedParticipantRecord);
      this.options.row?.(change.new as unknown as KeyedParticipantRecord);
    }
  }
}
