/**
 * A session's people without joining the call: the `video_call_participants` rows (invitations,
 * answers, who is in the call and their mic/camera as last stored), kept live through
 * postgres_changes, with who is in the call now taken from the call's presence when this member
 * may watch it (call-presence.ts): a window closed without leaving is gone at once, its row
 * catches up later. When the same CallClient has joined that session, the roster follows the
 * joined session instead, which adds speaking, screen share and hands.
 *
 * Its rows arrive on a topic of its own (`roster:<session_id>:<random>`): realtime-js hands out one
 * channel object per topic, and a channel that is still leaving must not be handed to the next
 * roster of the same session.
 */
import type { RealtimeChannel, SupabaseClient } from '@supabase/supabase-js';
import type { CallSession } from './call-session.ts';
import { watchCallPresence, type PresentUsers } from './call-presence.ts';
import { compareParticipants, PARTICIPANT_COLUMNS, participantFromRecord, type Participant, type ParticipantRecord } from './participant.ts';
import { TypedEventTarget } from './typed-events.ts';

export type RosterStatus = 'loading' | 'ready' | 'error';

export interface ParticipantRosterEvents {
  participants: Participant[];
  status: { status: RosterStatus; error?: string };
  /** `stop()` was called: the roster no longer updates. */
  stopped: null;
}


/** How long the first list waits for the call's presence before showing the rows alone. */
const PRESENCE_WAIT_MS = 3000;

export class ParticipantRoster extends TypedEventTarget<ParticipantRosterEvents> {
  readonly sessionId: string;
  status: RosterStatus = 'loading';
  error: string | undefined;
  #records: Participant[] = [];
  #channel: RealtimeChannel | undefined;
  #unwatch: (() => void) | undefined;
  #present: PresentUsers = null;
  /** People seen in the call's presence since watching began: gone from it means they left. */
  readonly #seen = new Set<string>();
  /** Resolves at the first word from the presence watch, so the first count is not the rows' alone. */
  #presenceHeard: Promise<void> = Promise.resolve();
  #session: CallSession | undefined;
  #offSession: (() => void)[] = [];
  #reloadTimer: ReturnType<typeof setTimeout> | undefined;
  #loads = 0;
  /** The newest read under way (or done). */
  #latest: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(
    private readonly supabase: SupabaseClient,
    sessionId: string,
    private readonly localUserId: string | null,
  ) {
    super();
    this.sessionId = sessionId;
  }

  /** Everyone invited or present, in `compareParticipants` order. */
  get participants(): Participant[] {
    const list = this.#session && this.#isLive(this.#session) ? this.#session.participants : this.#records.map((p) => this.#withPresence(p));
    return list.sort(compareParticipants);
  }

  /** Loads the rows and starts following changes. */
  async start(): Promise<void> {
    if (this.#channel) return;
    this.#stopped = false;
    let heard!: () => void;
    this.#presenceHeard = new Promise<void>((resolve) => {
      heard = resolve;
      // A Realtime that never answers must not keep the list from showing.
      setTimeout(resolve, PRESENCE_WAIT_MS);
    });
    this.#unwatch = watchCallPresence(this.supabase, this.sessionId, (present) => {
      for (const id of present ?? []) this.#seen.add(id);
      this.#present = present;
      heard();
      if (this.status === 'ready') this.emit('participants', this.participants);
    });
    const channel = this.supabase
      .channel(`roster:${this.sessionId}:${Math.random().toString(36).slice(2, 10)}`)
      .on('postgres_changes', { event: '*', schema: 'public', table: 'video_call_participants', filter: `session_id=eq.${this.sessionId}` }, () =>
        this.#reloadSoon(),
      );
    this.#channel = channel;
    channel.subscribe((status) => {
      // After a drop the rows may have changed unseen.
      if (status === 'SUBSCRIBED' && this.status !== 'loading') this.#reloadSoon();
    });
    await this.reload();
  }

  /** Follows a joined session for live presence; `undefined` goes back to the rows alone. */
  follow(session: CallSession | undefined): void {
    for (const off of this.#offSession) off();
    this.#offSession = [];
    this.#session = session;
    if (session) {
      const changed = () => this.emit('participants', this.participants);
      this.#offSession.push(session.on('participants', changed), session.on('state', () => {
        changed();
        this.#reloadSoon();
      }));
    }
    this.emit('participants', this.participants);
  }

  /**
   * Reads the rows again. Resolves once the list shows rows read after this call: when a newer
   * read overtook this one (a change arrived meanwhile), that one's, so a caller that changed a
   * row and awaits this sees the change, not a list one read older.
   */
  async reload(): Promise<void> {
    let read = this.#read(++this.#loads);
    this.#latest = read;
    for (;;) {
      await read;
      if (read === this.#latest) return;
      read = this.#latest;
    }
  }

  async #read(load: number): Promise<void> {
    const [{ data, error }] = await Promise.all([
      this.supabase.from('video_call_participants').select(PARTICIPANT_COLUMNS).eq('session_id', this.sessionId).order('created_at'),
      this.#presenceHeard,
    ]);
    if (this.#stopped || load !== this.#loads) return; // a newer read is on its way
    if (error) {
      this.#setStatus('error', error.message);
      return;
    }
    this.#records = ((data ?? []) as ParticipantRecord[]).map((row) => participantFromRecord(row, this.localUserId));
    this.#setStatus('ready');
    this.emit('participants', this.participants);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#reloadTimer);
    this.follow(undefined);
    this.#unwatch?.();
    this.#unwatch = undefined;
    this.#present = null;
    const channel = this.#channel;
    this.#channel = undefined;
    this.emit('stopped', null);
    if (channel) await this.supabase.removeChannel(channel).catch(() => undefined);
  }

  /** The row's word on who is in the call, corrected by presence when it is known. */
  #withPresence(participant: Participant): Participant {
    const present = this.#present;
    if (!present || !participant.userId) return participant;
    if (present.has(participant.userId)) return { ...participant, presence: 'connected' };
    if (participant.presence !== 'connected' && participant.presence !== 'joining') return participant;
    return { ...participant, presence: this.#seen.has(participant.userId) ? 'left' : 'offline', mic: false, cam: false };
  }

  #isLive(session: CallSession): boolean {
    return session.state === 'connected' || session.state === 'reconnecting';
  }

  #reloadSoon(): void {
    // A join touches several rows at once: one read for the burst.
    clearTimeout(this.#reloadTimer);
    this.#reloadTimer = setTimeout(() => void this.reload(), 50);
  }

  #setStatus(status: RosterStatus, error?: string): void {
    this.status = status;
    this.error = error;
    this.emit('status', { status, error });
  }
}
