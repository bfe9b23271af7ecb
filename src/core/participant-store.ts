/**
 * The people of a joined call, merged from three sources: the `video_call_participants` rows
 * (durable: invitations, answers, names), the channel's presence (live: who is here, mic, camera,
 * hand) and the peer connections' states. Someone gone from presence keeps their tile for a grace
 * period: their socket may only be reconnecting while their media still flows. Bursts of changes
 * become one `participants` event, after the `participant-joined` / `participant-left` they
 * caused.
 *
 * It knows nothing of channels or peer connections: the CallSession feeds it and acts on what it
 * reports (`onGone`).
 */
import type { ConnectionQuality } from './connection-quality.ts';
import type { StreamRole } from './peer-mesh.ts';
import { participantFromRecord, participantKey, type Participant, type ParticipantRecord, type PresenceMeta } from './participant.ts';
import { TypedEventTarget } from './typed-events.ts';

/** The local person as their session knows them: what they publish, and whether they are in the call. */
export interface LocalParticipant extends PresenceMeta {
  inCall: boolean;
  camera?: MediaStream;
  screenStream?: MediaStream;
}

export interface ParticipantStoreOptions {
  /** The local user's id. */
  localId: string;
  /** The local person now (read for every list). */
  local(): LocalParticipant;
  /** A remote person's streams. */
  streams(id: string): Partial<Record<StreamRole, MediaStream>>;
  /** Someone's connection quality (the local person's: how our media reaches the others). */
  quality?(id: string): ConnectionQuality | undefined;
  /** How long someone gone from presence keeps their tile (default 6 s). */
  graceMs?: number;
  /** Asked when a grace ends: present after all (a presence sync not seen yet)? */
  stillPresent?(id: string): boolean;
  /** Someone's grace ended and they are gone from presence. */
  onGone?(id: string): void;
}

export interface ParticipantStoreEvents {
  participants: Participant[];
  'participant-joined': Participant;
  'participant-left': Participant;
}

export class ParticipantStore extends TypedEventTarget<ParticipantStoreEvents> {
  readonly #options: ParticipantStoreOptions;
  readonly #rows = new Map<string, ParticipantRecord>();
  readonly #presence = new Map<string, PresenceMeta>();
  readonly #connections = new Map<string, RTCPeerConnectionState>();
  readonly #graceTimers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Who `participant-joined` was emitted for, and not `participant-left` since. */
  readonly #announced = new Set<string>();
  /** Removed by the host: never in the call again, whatever presence says until their channel closes. */
  readonly #dropped = new Set<string>();
  #queued = false;

  constructor(options: ParticipantStoreOptions) {
    super();
    this.#options = options;
  }

  /** Everyone invited or present, the local person first, then by name. */
  get participants(): Participant[] {
    const ids = new Set<string>([...this.#rows.keys(), ...this.#presence.keys()]);
    const list = [...ids].map((id) => this.#participant(id));
    return list.sort((a, b) => Number(b.isLocal) - Number(a.isLocal) || a.name.localeCompare(b.name));
  }

  /** Replaces the rows with a fresh read of them. */
  setRows(rows: readonly ParticipantRecord[]): void {
    this.#rows.clear();
    for (const row of rows) this.#rows.set(participantKey(row), row);
    this.changed();
  }

  /** One row inserted or updated (as postgres_changes delivers it), without reading them all again. */
  setRow(row: ParticipantRecord): void {
    const key = participantKey(row);
    // An invitation by e-mail claimed by a user changes its key.
    for (const [other, existing] of this.#rows) if (existing.id === row.id && other !== key) this.#rows.delete(other);
    this.#rows.set(key, row);
    this.changed();
  }

  /** One row deleted (postgres_changes carries its id alone). */
  deleteRow(rowId: string): void {
    for (const [key, existing] of this.#rows) if (existing.id === rowId) this.#rows.delete(key);
    this.changed();
  }

  /** How many people are invited and not removed (the topology is chosen from it, topology.ts). */
  get rowCount(): number {
    return [...this.#rows.values()].filter((row) => !(row as { removed_at?: unknown }).removed_at).length;
  }

  /** Whether `id` has a row: someone present without one was invited after the rows were read. */
  hasRow(id: string): boolean {
    return this.#rows.has(id);
  }

  /** Whether `id` is in presence now (or within their grace). */
  isPresent(id: string): boolean {
    return this.#presence.has(id);
  }

  /** The people in presence now (or within their grace). */
  presentIds(): string[] {
    return [...this.#presence.keys()];
  }

  /**
   * The channel's presence state (user id → metas, ours left out): who is in it is present now,
   * who was present and is not starts their grace.
   */
  setPresence(state: Record<string, readonly PresenceMeta[]>): void {
    const seen = new Set<string>();
    for (const [id, metas] of Object.entries(state)) {
      const meta = metas[0];
      if (!meta || id === this.#options.localId || this.#dropped.has(id)) continue;
      seen.add(id);
      this.#presence.set(id, meta);
      clearTimeout(this.#graceTimers.get(id));
      this.#graceTimers.delete(id);
    }
    for (const id of this.#presence.keys()) {
      if (seen.has(id) || this.#graceTimers.has(id)) continue;
      this.#graceTimers.set(
        id,
        setTimeout(() => {
          this.#graceTimers.delete(id);
          if (this.#options.stillPresent?.(id)) return;
          this.#presence.delete(id);
          this.#options.onGone?.(id);
          this.changed();
        }, this.#options.graceMs ?? 6000),
      );
    }
    this.changed();
  }

  /** A peer connection's state (`undefined`: the connection is gone). */
  setConnection(id: string, state: RTCPeerConnectionState | undefined): void {
    if (state) this.#connections.set(id, state);
    else this.#connections.delete(id);
    this.changed();
  }

  /** Someone the host removed: out of the call at once, no grace, and presence no longer counts. */
  drop(id: string): void {
    this.#dropped.add(id);
    clearTimeout(this.#graceTimers.get(id));
    this.#graceTimers.delete(id);
    this.#presence.delete(id);
    this.#connections.delete(id);
    this.changed();
  }

  /** Out of the call: presence, connections and graces forgotten; the rows stay. */
  clearLive(): void {
    for (const timer of this.#graceTimers.values()) clearTimeout(timer);
    this.#graceTimers.clear();
    this.#presence.clear();
    this.#connections.clear();
    this.changed();
  }

  /** Something shown changed (the local person, a stream): one `participants` event for the burst. */
  changed(): void {
    if (this.#queued) return;
    this.#queued = true;
    queueMicrotask(() => {
      this.#queued = false;
      const list = this.participants;
      const present = new Set(list.filter((p) => !p.isLocal && p.presence === 'connected').map((p) => p.id));
      for (const participant of list) {
        if (present.has(participant.id) && !this.#announced.has(participant.id)) {
          this.#announced.add(participant.id);
          this.emit('participant-joined', participant);
        }
      }
      for (const id of [...this.#announced]) {
        if (!present.has(id)) {
          this.#announced.delete(id);
          this.emit('participant-left', this.#participant(id));
        }
      }
      this.emit('participants', list);
    });
  }

  /** The row's participant with what presence, the connection and the local person add. */
  #participant(id: string): Participant {
    const row = this.#rows.get(id);
    const isLocal = id === this.#options.localId;
    const local = isLocal ? this.#options.local() : undefined;
    const meta = local ?? this.#presence.get(id);
    const stored = row ? participantFromRecord(row, this.#options.localId) : presenceOnly(id, isLocal);
    const streams = local ? { camera: local.camera, screen: local.screenStream } : this.#options.streams(id);
    const inCall = local ? local.inCall : Boolean(meta) || this.#connections.get(id) === 'connected';
    const quality = inCall ? this.#options.quality?.(id) : undefined;
    return {
      ...stored,
      name: meta?.name || stored.name,
      avatarUrl: meta?.avatar_url ?? stored.avatarUrl,
      // The row says connected but presence does not (yet): on their way in, or gone without leaving.
      presence: inCall ? 'connected' : stored.presence === 'connected' ? 'joining' : stored.presence,
      // The row's mic and camera as last stored, where participantFromRecord shows them off outside the call.
      mic: meta?.mic ?? row?.mic_on ?? false,
      cam: meta?.cam ?? row?.cam_on ?? false,
      screen: meta?.screen ?? false,
      speaking: meta?.speaking ?? false,
      ...handOf(meta?.hand),
      connection: isLocal ? undefined : this.#connections.get(id),
      camera: streams.camera,
      screenStream: streams.screen,
      ...(quality ? { quality } : {}),
    };
  }
}

/** What presence's `hand` says (see PresenceMeta.hand). */
function handOf(hand: number | boolean | undefined): Pick<Participant, 'hand' | 'handRaisedAt'> {
  if (typeof hand === 'number' && Number.isFinite(hand)) return { hand: true, handRaisedAt: hand };
  return { hand: hand === true };
}

/** Someone seen in presence whose row has not been read yet. */
function presenceOnly(id: string, isLocal: boolean): Participant {
  return {
    id,
    userId: id.startsWith('email:') ? null : id,
    name: id.slice(0, 8),
    email: null,
    avatarUrl: null,
    role: 'guest',
    inviteStatus: 'accepted',
    presence: 'offline',
    isLocal,
    mic: false,
    cam: false,
    screen: false,
    speaking: false,
    hand: false,
  };
}
