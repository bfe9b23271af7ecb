/**
 * Host controls on the client side (issue 16): the lobby, removal, ending a call for everyone,
 * and the host's `moderation` broadcasts (ARCHITECTURE 9.3). The database is the authority: a
 * waiting guest learns of their admission, and anyone of their removal or of the call's end, from
 * their own participant row and the session row, watched through postgres_changes on a public
 * topic of their own (RLS hands a waiting or removed user their own row only). The broadcasts
 * `{ action: 'mute-request' | 'mute' | 'remove' | 'end', to? }` only make a page act sooner, and
 * count only when signed by the host's signal key (signal-keys.ts), like the signals.
 *
 * CallSession owns one; it holds no media and no peer connection, it tells the session what to do.
 */
import type { RealtimeChannel, SupabaseClient } from '@supabase/supabase-js';
import { CallError, toCallError } from './errors.ts';
import type { KeyedParticipantRecord } from './participant.ts';
import type { Signal } from './signal.ts';
import type { SignalSigner, SignedSignal } from './signal-keys.ts';
import type { MemberKeys } from './signaling.ts';

export type ModerationAction = 'mute-request' | 'mute' | 'remove' | 'end';
const ACTIONS: readonly ModerationAction[] = ['mute-request', 'mute', 'remove', 'end'];

/** The broadcast event `moderation` on `call:<id>` (contract), as the host sends it. */
export interface ModerationMessage {
  action: ModerationAction;
  /** The user it is for; absent: everyone. */
  to?: string;
}

/** Where a user stands in a session (`video_call_standing`); null: not invited, or no such call. */
export type Standing = 'host' | 'admitted' | 'waiting' | 'removed' | null;

/** A guest waiting in the lobby, as the host's list shows them (the earliest knock first). */
export interface WaitingGuest {
  userId: string;
  name: string;
  email: string | null;
  avatarUrl: string | null;
  /** When they last said they are there; null: invited, not knocked yet. */
  knockedAt: string | null;
}

/** The lobby columns of a participant row. */
export interface LobbyRecord extends KeyedParticipantRecord {
  admitted_at?: string | null;
  removed_at?: string | null;
  knocked_at?: string | null;
}

export interface ModerationOptions {
  supabase: SupabaseClient;
  sessionId: string;
  userId: string;
  /** The session's signer (broadcast transport); without one no moderation message is sent or believed. */
  signer(): SignalSigner | undefined;
  keys(): MemberKeys | undefined;
  /** The call channel, to send on. */
  channel(): RealtimeChannel | undefined;
  /** Our row got `admitted_at` while we waited. */
  admitted(): void;
  /** Our row got `removed_at`. */
  removed(): void;
  /** The session ended. */
  ended(): void;
  /** Another member was removed: drop them at once. */
  peerRemoved(userId: string): void;
  /** A moderation message from the host for us (already checked). */
  heard(message: ModerationMessage): void;
  /** The host's waiting list changed. */
  waitingChanged(waiting: WaitingGuest[]): void;
  log(message: string): void;
  /** How often a waiting guest says again that they are there (default 20 s). */
  knockEveryMs?: number;
  /** How long a knock keeps a guest on the host's list (default 50 s: a closed window drops off). */
  knockFreshMs?: number;
}

type Row = Record<string, unknown>;

export class Moderation {
  /** The session's host, once read. */
  hostId: string | undefined;
  /** Whether the session has a lobby (`settings.lobby`). */
  lobby = false;
  readonly #options: ModerationOptions;
  /** Every row of the session the host (or a member) has read, by user id. */
  readonly #rows = new Map<string, LobbyRecord>();
  #watch: RealtimeChannel | undefined;
  #watching: Promise<void> | undefined;
  /** Whom we already dropped, so a row seen twice drops them once. */
  readonly #dropped = new Set<string>();
  /** Each guest's latest knock and when, by our clock, it was made (for the host's list). */
  readonly #knocks = new Map<string, { knockedAt: string; at: number }>();
  /** The guest's repeated knock, and the host's look at knocks going stale. */
  #knocking: ReturnType<typeof setInterval> | undefined;
  #freshness: ReturnType<typeof setInterval> | undefined;
  #listed = '';

  constructor(options: ModerationOptions) {
    this.#options = options;
  }

  get isHost(): boolean {
    return this.hostId !== undefined && this.hostId === this.#options.userId;
  }

  /**
   * Guests waiting in the lobby now (host only; empty for anyone else and without a lobby): those
   * who knocked within `knockFreshMs`. A waiting page knocks again every `knockEveryMs`, so a
   * closed window or a guest who left the lobby drops off the list; one invited who never came is
   * not on it.
   */
  get waiting(): WaitingGuest[] {
    if (!this.isHost || !this.lobby) return [];
    const fresh = Date.now() - (this.#options.knockFreshMs ?? 50_000);
    return [...this.#rows.values()]
      .filter((row) => row.user_id && row.role !== 'host' && !row.admitted_at && !row.removed_at && (this.#knocks.get(row.user_id)?.at ?? -Infinity) > fresh)
      .sort((a, b) => (a.knocked_at ?? '\uffff').localeCompare(b.knocked_at ?? '\uffff'))
      .map((row) => ({
        userId: row.user_id!,
        name: row.display_name || row.email || row.user_id!.slice(0, 8),
        email: row.email,
        avatarUrl: row.avatar_url,
        knockedAt: row.knocked_at ?? null,
      }));
  }

  /** Reads the session (its host and lobby) and where we stand in it. */
  async standing(): Promise<Standing> {
    const { supabase, sessionId } = this.#options;
    const [session, standing] = await Promise.all([
      supabase.from('video_call_sessions').select('host_id, status, settings').eq('id', sessionId).maybeSingle(),
      supabase.rpc('video_call_standing', { p_session_id: sessionId }),
    ]);
    if (session.data) {
      this.hostId = session.data.host_id as string;
      this.lobby = (session.data.settings as { lobby?: unknown } | null)?.lobby === true;
    }
    if (standing.error) throw toCallError(standing.error, { action: 'could not read where you stand in the call' });
    return (standing.data as Standing) ?? null;
  }

  /**
   * After the channel dropped: whether we were removed or the call ended (then the session was
   * told, and must not reopen the channel, which would be refused for ever).
   */
  async isOut(): Promise<boolean> {
    const { supabase, sessionId } = this.#options;
    const [standing, session] = await Promise.all([
      supabase.rpc('video_call_standing', { p_session_id: sessionId }),
      supabase.from('video_call_sessions').select('status').eq('id', sessionId).maybeSingle(),
    ]);
    if (standing.data === 'removed') this.#options.removed();
    else if (session.data?.status === 'ended') this.#options.ended();
    else return false;
    return true;
  }

  /**
   * In the lobby: watches our row, knocks, and looks once more (the host may have let us in
   * between). Rejects when knocking is refused (removed, ended, not invited).
   */
  async knock(): Promise<void> {
    const { supabase, sessionId } = this.#options;
    await this.watch();
    const { data, error } = await supabase.rpc('knock_video_call', { p_session_id: sessionId });
    if (error) {
      const refused = toCallError(error, { action: 'could not knock' });
      if (refused.code === 'session_ended' || refused.code === 'already_invited') return this.#options.ended();
      throw refused;
    }
    if ((data as LobbyRecord | null)?.admitted_at) return this.#options.admitted();
    // Still here: said again until admitted, removed, ended or stopped (the host's list keeps
    // only fresh knocks). A knock that fails now is tried at the next beat.
    this.#knocking ??= setInterval(() => {
      void Promise.resolve(supabase.rpc('knock_video_call', { p_session_id: sessionId })).then(({ data: row, error: failed }) => {
        if (!this.#knocking) return;
        if (failed) return this.#options.log(`knock: ${failed.message}`);
        if ((row as LobbyRecord | null)?.admitted_at) this.#ownRow(row as LobbyRecord);
      });
    }, this.#options.knockEveryMs ?? 20_000);
  }

  /** Watches our own row and the session row (idempotent) until stop(). */
  watch(): Promise<void> {
    if (this.#watching) return this.#watching;
    const { supabase, sessionId, userId } = this.#options;
    // A topic of its own, public: the private call channel is refused to a waiting guest, and
    // is closed on a removed one before their row may arrive.
    const channel = supabase
      .channel(`call-standing:${sessionId}:${Math.random().toString(36).slice(2)}`)
      .on('postgres_changes', { event: 'UPDATE', schema: 'public', table: 'video_call_participants', filter: `session_id=eq.${sessionId}` }, ({ new: row }) => {
        if ((row as Row).user_id === userId) this.#ownRow(row as LobbyRecord);
      })
      .on('postgres_changes', { event: 'UPDATE', schema: 'public', table: 'video_call_sessions', filter: `id=eq.${sessionId}` }, ({ new: row }) => {
        if ((row as Row).status === 'ended') this.#options.ended();
      });
    this.#watch = channel;
    this.#watching = new Promise<void>((resolve, reject) => {
      channel.subscribe((status, error) => {
        if (status === 'SUBSCRIBED') resolve();
        else if (status === 'CHANNEL_ERROR' || status === 'TIMED_OUT') {
          this.#options.log(`standing watch ${status}: ${error?.message ?? ''}`);
          reject(new CallError('channel_refused', `could not watch the call: ${error?.message ?? status}`));
        }
      });
    });
    return this.#watching;
  }

  /** Stops watching (left, removed, ended, failed). */
  async stop(): Promise<void> {
    this.#stopKnocking();
    clearInterval(this.#freshness);
    this.#freshness = undefined;
    const channel = this.#watch;
    this.#watch = undefined;
    this.#watching = undefined;
    if (channel) await this.#options.supabase.removeChannel(channel).catch(() => undefined);
  }

  /** Listens for the host's broadcasts on the call channel (before it is subscribed). */
  attach(channel: RealtimeChannel): void {
    channel.on('broadcast', { event: 'moderation' }, ({ payload }) => void this.#receive(payload));
  }

  /** The rows of the session as ParticipantRows read them (all of them). */
  setRows(rows: readonly LobbyRecord[]): void {
    this.#rows.clear();
    for (const row of rows) if (row.user_id) this.#rows.set(row.user_id, row);
    for (const row of rows) this.#other(row);
    for (const row of rows) this.#knocked(row);
    this.#waitingChanged(true);
  }

  /** One row inserted or updated. */
  setRow(row: LobbyRecord): void {
    if (!row.user_id) return;
    this.#rows.set(row.user_id, row);
    this.#other(row);
    this.#knocked(row);
    this.#waitingChanged(true);
  }

  /**
   * A knock is dated by our clock when we first see it: the database's time, or now if that is
   * ahead of us (a host whose clock is behind would otherwise keep stale knocks fresh).
   */
  #knocked(row: LobbyRecord): void {
    const id = row.user_id;
    if (!id || !row.knocked_at || this.#knocks.get(id)?.knockedAt === row.knocked_at) return;
    const stamped = Date.parse(row.knocked_at);
    this.#knocks.set(id, { knockedAt: row.knocked_at, at: Number.isFinite(stamped) ? Math.min(Date.now(), stamped) : Date.now() });
  }

  /** Tells the host's list (always after rows; else only when knocks went stale), and looks again in 5 s while someone waits. */
  #waitingChanged(rows: boolean): void {
    const waiting = this.waiting;
    const listed = waiting.map((guest) => guest.userId).join();
    if (rows || listed !== this.#listed) this.#options.waitingChanged(waiting);
    this.#listed = listed;
    if (waiting.length && !this.#freshness) this.#freshness = setInterval(() => this.#waitingChanged(false), 5_000);
    else if (!waiting.length && this.#freshness) {
      clearInterval(this.#freshness);
      this.#freshness = undefined;
    }
  }

  #stopKnocking(): void {
    clearInterval(this.#knocking);
    this.#knocking = undefined;
  }

  // ---- the host's calls ---------------------------------------------------------------------

  /** Lets a waiting guest in. */
  admit(userId: string): Promise<void> {
    return this.#hostCall('admit_video_call_participant', userId, 'could not admit the guest');
  }

  /** Removes someone for good (a waiting guest is declined), and tells their page to go now. */
  async remove(userId: string): Promise<void> {
    await this.#hostCall('remove_video_call_participant', userId, 'could not remove the participant');
    await this.send({ action: 'remove', to: userId });
  }

  /** Ends the call for everyone. */
  async endForAll(): Promise<void> {
    const { supabase, sessionId } = this.#options;
    this.#checkHost();
    const { error } = await supabase.rpc('end_video_call', { p_session_id: sessionId });
    if (error) throw toCallError(error, { refused: 'not_host', action: 'could not end the call' });
    await this.send({ action: 'end' });
  }

  /** Sends a signed `moderation` broadcast (host only). */
  async send(message: ModerationMessage): Promise<void> {
    this.#checkHost();
    if (message.to !== undefined && typeof message.to !== 'string') throw new CallError('invalid_input', 'a moderation message is for one user id');
    const signer = this.#options.signer();
    const channel = this.#options.channel();
    if (!signer || !channel) throw new CallError('channel_refused', 'moderation messages need the joined call channel (broadcast transport)');
    const signal = { from: this.#options.userId, to: message.to, kind: 'moderation', payload: { action: message.action } } as unknown as Signal;
    const signed = await signer.sign(this.#options.sessionId, signal);
    const payload = { ...signed, action: message.action, ...(message.to ? { to: message.to } : {}) };
    const result = await channel.send({ type: 'broadcast', event: 'moderation', payload });
    if (result !== 'ok') await channel.httpSend('moderation', payload);
  }

  // ---- what arrives -------------------------------------------------------------------------

  async #receive(raw: unknown): Promise<void> {
    const { userId, log, sessionId } = this.#options;
    const message = raw as Partial<Omit<SignedSignal, 'kind'>> & { kind?: string; action?: unknown };
    const action = message?.action as ModerationAction;
    if (!ACTIONS.includes(action) || message.kind !== 'moderation' || (message.payload as Row | undefined)?.action !== action) {
      return log('dropped a malformed moderation message');
    }
    if (message.to !== undefined && message.to !== userId) return;
    const keys = this.#options.keys();
    if (!this.hostId || message.from !== this.hostId || message.session !== sessionId || !keys || !(await keys.verify(message as SignedSignal))) {
      return log(`dropped a ${action} moderation message not signed by the host`);
    }
    this.#options.heard({ action, ...(message.to ? { to: message.to } : {}) });
    // A hint: the rows are the authority, read them now rather than wait for postgres_changes.
    if (action === 'remove' || action === 'end') void this.isOut().catch(() => undefined);
  }

  #ownRow(row: LobbyRecord): void {
    if (row.removed_at || row.admitted_at) this.#stopKnocking();
    if (row.removed_at) this.#options.removed();
    else if (row.admitted_at) this.#options.admitted();
  }

  #other(row: LobbyRecord): void {
    const id = row.user_id;
    if (!id || id === this.#options.userId || !row.removed_at || this.#dropped.has(id)) return;
    this.#dropped.add(id);
    this.#options.peerRemoved(id);
  }

  #checkHost(): void {
    if (this.hostId !== undefined && !this.isHost) throw new CallError('not_host', 'only the host of the call can do this');
  }

  async #hostCall(rpc: string, userId: string, action: string): Promise<void> {
    this.#checkHost();
    if (typeof userId !== 'string' || !userId) throw new CallError('invalid_input', `${action}: no user id given`);
    const { error } = await this.#options.supabase.rpc(rpc, { p_session_id: this.#options.sessionId, p_user_id: userId });
    if (error) throw toCallError(error, { refused: 'not_host', action });
  }
}
