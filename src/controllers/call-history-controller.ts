/**
 * Reads a CRM entity's call history for an element (`CallClient.history()`), keeps its states
 * explicit (idle, loading, ready, empty, error, signed out), drops answers that come back after a
 * newer read was asked for, and reads again when a call of the element's client ends for this
 * page: a session the client made goes `connected` (the call is listed as in progress), or
 * `left`, `ended` or `removed`.
 *
 * A session turns `left` before its `leave_video_call` has been stored, so after a leave the
 * controller reads until the history says so: while the call is listed with our own stretch still
 * open, it reads again, backing off (0.25, 0.5, 1, 2 s), then gives up and keeps what it has.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { CallHistoryRecord } from '../core/call-history.ts';
import type { CallClientView } from '../core/call-client.ts';
import type { CallSession } from '../core/call-session.ts';
import { toCallError } from '../core/errors.ts';
import type { CallErrorDetail } from '../elements/shared/events.ts';
import type { ClientController } from './client-controller.ts';

/** `signed-out`: nobody is signed in on the client (or the database refused the token). */
export type CallHistoryState = 'idle' | 'loading' | 'ready' | 'empty' | 'error' | 'signed-out';

const SETTLE_DELAYS_MS = [250, 500, 1000, 2000];

export interface CallHistoryHandlers {
  /** A read failed (not for being signed out: that is a state of its own). */
  failed?: (code: CallErrorDetail['code'], message: string) => void;
  /** A read came back (`refreshed`: there was a list already, read again). */
  loaded?: (rows: CallHistoryRecord[], refreshed: boolean) => void;
}

export class CallHistoryController implements ReactiveController {
  state: CallHistoryState = 'idle';
  rows: CallHistoryRecord[] = [];
  error = '';
  errorCode: CallErrorDetail['code'] | undefined;
  /** A read is under way while a list is shown (the list stays; `aria-busy` says so). */
  refreshing = false;

  #type = '';
  #id = '';
  #client: CallClientView | undefined;
  #generation = 0;
  #connected = false;
  #offClient: (() => void) | undefined;
  readonly #offSessions = new Set<() => void>();
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly clients: ClientController,
    private readonly handlers: CallHistoryHandlers = {},
  ) {
    host.addController(this);
  }

  /** Follows `entityType` / `entityId` on the element's client; reads when either changed. */
  follow(entityType: string, entityId: string): void {
    const client = this.clients.current;
    if (entityType === this.#type && entityId === this.#id && client === this.#client) return;
    this.#type = entityType;
    this.#id = entityId;
    if (client !== this.#client) {
      this.#client = client;
      this.#watchSessions();
    }
    void this.load();
  }

  /** Reads the history again; resolves when that read (not a later one) is settled. */
  async load(): Promise<void> {
    const generation = ++this.#generation;
    const client = this.#client;
    if (!this.#connected) return;
    if (!this.#type || !this.#id) return this.#set('idle', []);
    if (!client) return this.#fail('no_backend', 'no backend');
    const shown = this.state === 'ready' || this.state === 'empty';
    if (shown) this.refreshing = true;
    else this.state = 'loading';
    this.host.requestUpdate();
    try {
      if (!client.history) throw new Error('this client has no history()');
      const rows = await client.history(this.#type, this.#id);
      if (generation !== this.#generation) return;
      this.#set(rows.length ? 'ready' : 'empty', rows);
      this.handlers.loaded?.(rows, shown);
    } catch (error) {
      if (generation !== this.#generation) return;
      const { code, message } = toCallError(error);
      if (code === 'not_signed_in') this.#set('signed-out', []);
      else this.#fail(code, message);
    }
  }

  hostConnected(): void {
    this.#connected = true;
    this.#watchSessions();
    // Back on the page (moved, or re-added): read afresh, what it showed may be old.
    if (this.#type && this.#id) void this.load();
  }

  hostDisconnected(): void {
    this.#connected = false;
    this.#generation++;
    this.#offClient?.();
    this.#offClient = undefined;
    for (const off of this.#offSessions) off();
    this.#offSessions.clear();
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  #set(state: CallHistoryState, rows: CallHistoryRecord[]): void {
    this.state = state;
    this.rows = rows;
    this.refreshing = false;
    this.error = '';
    this.errorCode = undefined;
    this.host.requestUpdate();
  }

  #fail(code: CallErrorDetail['code'], message: string): void {
    this.state = 'error';
    this.rows = [];
    this.refreshing = false;
    this.error = message;
    this.errorCode = code;
    this.host.requestUpdate();
    this.handlers.failed?.(code, message);
  }

  /** Every session the client makes from now on: its start and its end are news for the list. */
  #watchSessions(): void {
    this.#offClient?.();
    this.#offClient = undefined;
    const client = this.#client;
    if (!client || !this.#connected) return;
    this.#offClient = client.on('session', (session: CallSession) => {
      const off = session.on('state', ({ state }) => {
        if (state === 'connected') void this.load();
        else if (state === 'left' || state === 'ended' || state === 'removed') {
          void this.#settle(session.id, session.userId);
          if (state === 'left') {
            off();
            this.#offSessions.delete(off);
          }
        }
      });
      this.#offSessions.add(off);
    });
  }

  /** Reads until the call `sessionId` no longer shows `userId` in it (see the module's comment). */
  async #settle(sessionId: string, userId: string, attempt = 0): Promise<void> {
    await this.load();
    if (!this.#connected || attempt >= SETTLE_DELAYS_MS.length || !stillIn(this.rows, sessionId, userId)) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      void this.#settle(sessionId, userId, attempt + 1);
    }, SETTLE_DELAYS_MS[attempt]);
    this.#timers.add(timer);
  }
}

/** The call is listed, not ended, and `userId`'s last stretch in it is open. */
function stillIn(rows: CallHistoryRecord[], sessionId: string, userId: string): boolean {
  const row = rows.find((call) => call.session_id === sessionId);
  if (!row || row.ended_at) return false;
  const me = row.participants.find((person) => person.user_id === userId);
  return Boolean(me?.joined_at && (!me.left_at || Date.parse(me.left_at) < Date.parse(me.joined_at)));
}
