/**
 * One ParticipantRoster per session (and signed-in user) per CallClient, shared by everything on
 * the page that shows that session's people — the event button's count, a `<call-participants>`
 * beside it, the host's invitations panel. Each consumer gets a lease with listeners of its own;
 * the channel, the rows and the presence watch are one. When the last lease stops, the roster
 * stops after a short grace, so a host page re-rendering its card does not reload everything.
 */
import type { CallSession } from './call-session.ts';
import type { Participant } from './participant.ts';
import { ParticipantRoster, type ParticipantRosterEvents, type RosterStatus } from './participant-roster.ts';
import { RELEASE_GRACE_MS } from './session-holds.ts';
import { TypedEventTarget } from './typed-events.ts';

interface SharedRoster {
  roster: ParticipantRoster;
  leases: number;
  started: Promise<void> | undefined;
  timer: ReturnType<typeof setTimeout> | undefined;
  dispose(): void;
}

/** What a lease needs from its CallClient: the session objects it makes, to follow them live. */
export interface RosterSessions {
  sessionObject(sessionId: string): CallSession | undefined;
  on(type: 'session', listener: (session: CallSession) => void): () => void;
}

export class RosterRegistry {
  readonly #shared = new Map<string, SharedRoster>();

  constructor(
    private readonly make: (sessionId: string, userId: string | null) => ParticipantRoster,
    private readonly sessions: RosterSessions,
  ) {}

  /** A new lease on the roster of `sessionId` as seen by `userId`; call `start()` on it. */
  lease(sessionId: string, userId: string | null): RosterLease {
    return new RosterLease(sessionId, () => this.#acquire(`${userId ?? ''}:${sessionId}`, sessionId, userId));
  }

  #acquire(key: string, sessionId: string, userId: string | null): { shared: SharedRoster; release(): void } {
    let shared = this.#shared.get(key);
    if (!shared) {
      const roster = this.make(sessionId, userId);
      roster.follow(this.sessions.sessionObject(sessionId));
      const off = this.sessions.on('session', (session) => {
        if (session.id === sessionId) roster.follow(session);
      });
      shared = {
        roster,
        leases: 0,
        started: undefined,
        timer: undefined,
        dispose: () => {
          off();
          if (this.#shared.get(key) === shared) this.#shared.delete(key);
          void roster.stop();
        },
      };
      this.#shared.set(key, shared);
    }
    const entry = shared;
    clearTimeout(entry.timer);
    entry.timer = undefined;
    entry.leases++;
    let released = false;
    return {
      shared: entry,
      release: () => {
        if (released) return;
        released = true;
        if (--entry.leases) return;
        entry.timer = setTimeout(() => {
          if (!entry.leases) entry.dispose();
        }, RELEASE_GRACE_MS);
      },
    };
  }
}

/** One consumer's view of a shared roster: the roster's state, and events while started. */
export class RosterLease extends TypedEventTarget<ParticipantRosterEvents> {
  readonly sessionId: string;
  #held: { shared: SharedRoster; release(): void } | undefined;
  #offs: (() => void)[] = [];

  constructor(
    sessionId: string,
    private readonly acquire: () => { shared: SharedRoster; release(): void },
  ) {
    super();
    this.sessionId = sessionId;
  }

  get participants(): Participant[] {
    return this.#held?.shared.roster.participants ?? [];
  }

  get status(): RosterStatus {
    return this.#held?.shared.roster.status ?? 'loading';
  }

  get error(): string | undefined {
    return this.#held?.shared.roster.error;
  }

  /** Starts following the people (the shared roster loads them once for all its leases). */
  async start(): Promise<void> {
    if (this.#held) return;
    const held = this.acquire();
    this.#held = held;
    const { roster } = held.shared;
    this.#offs = [roster.on('participants', (people) => this.emit('participants', people)), roster.on('status', (status) => this.emit('status', status))];
    held.shared.started ??= roster.start();
    await held.shared.started;
  }

  async stop(): Promise<void> {
    const held = this.#held;
    if (!held) return;
    this.#held = undefined;
    for (const off of this.#offs) off();
    this.#offs = [];
    held.release();
    this.emit('stopped', null);
  }

  async reload(): Promise<void> {
    await this.#held?.shared.roster.reload();
  }
}
