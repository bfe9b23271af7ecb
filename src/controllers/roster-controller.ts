/**
 * Follows the people of one session for an element: a lease on the client's shared roster
 * (`CallClient.roster()`), started when the element asks for a session and while it is on the
 * page, stopped when it asks for another, for none, or leaves; started again when it comes back.
 * Every list and status change re-renders the host.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { RosterView } from '../core/call-client.ts';
import type { Participant } from '../core/call-session.ts';
import { errorCode, type CallErrorDetail } from '../elements/shared/events.ts';
import type { ClientController } from './client-controller.ts';

/** `idle`: no session asked for (or the element is off the page). */
export type RosterState = 'idle' | 'loading' | 'ready' | 'error';

export interface RosterHandlers {
  /** The list changed (people, answers, presence, mic/camera, speaking). */
  participants?: (people: Participant[]) => void;
  /** The list could not be had: no backend, no roster, or its rows did not load. */
  failed?: (code: CallErrorDetail['code'], message: string) => void;
  /** The roster stopped (another session, none, or the element left the page). */
  stopped?: () => void;
}

export class RosterController implements ReactiveController {
  state: RosterState = 'idle';
  /** Why the state is `error`: a code and the words that came with it (none for `no_backend`). */
  errorCode: CallErrorDetail['code'] | undefined;
  error = '';
  #wanted: string | null = null;
  #client: unknown;
  #roster: RosterView | undefined;
  #offs: (() => void)[] = [];
  #started: Promise<void> = Promise.resolve();
  #generation = 0;
  #connected = false;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly clients: ClientController,
    private readonly handlers: RosterHandlers = {},
  ) {
    host.addController(this);
  }

  /** The session whose people are followed (or asked for), or null. */
  get sessionId(): string | null {
    return this.#wanted;
  }

  /** Everyone in the roster, in `compareParticipants` order; empty until it has loaded. */
  get participants(): Participant[] {
    return this.#roster?.participants ?? [];
  }

  /** Follows `sessionId`'s people (null: nobody's); resolves once the first list is in. */
  follow(sessionId: string | null): Promise<void> {
    const client = sessionId ? this.clients.current : undefined;
    if (sessionId === this.#wanted && client === this.#client) return this.#started;
    this.#wanted = sessionId;
    this.#client = client;
    this.#started = this.#restart();
    return this.#started;
  }

  /** Reads the stored rows again (after the element changed them, say). */
  async reload(): Promise<void> {
    await this.#roster?.reload();
  }

  hostConnected(): void {
    this.#connected = true;
    // Moved in the page: the roster stopped on the way out.
    if (this.#wanted && !this.#roster) this.#started = this.#restart();
  }

  hostDisconnected(): void {
    this.#connected = false;
    ++this.#generation;
    void this.#stop();
  }

  async #restart(): Promise<void> {
    const generation = ++this.#generation;
    const sessionId = this.#wanted;
    await this.#stop();
    if (!sessionId || !this.#connected || generation !== this.#generation) return;
    const client = this.clients.current;
    if (!client) {
      this.#fail('no_backend', '');
      return;
    }
    this.#set('loading');
    try {
      const roster = await client.roster(sessionId);
      if (generation !== this.#generation) return; // asked for another meanwhile
      this.#roster = roster;
      this.#offs = [
        roster.on('participants', (people) => {
          this.handlers.participants?.(people);
          this.host.requestUpdate();
        }),
        roster.on('status', ({ status, error }) => (status === 'error' ? this.#fail('load_failed', error ?? '') : this.#set(status))),
      ];
      await roster.start();
      // A roster another element already loaded has nothing left to announce: take its state.
      if (generation === this.#generation && this.state !== 'error') {
        if (roster.status === 'error') this.#fail('load_failed', roster.error ?? '');
        else this.#set(roster.status);
      }
    } catch (error) {
      if (generation === this.#generation) this.#fail(errorCode(error, 'load_failed'), (error as Error).message);
    }
  }

  async #stop(): Promise<void> {
    const roster = this.#roster;
    this.#roster = undefined;
    for (const off of this.#offs) off();
    this.#offs = [];
    this.#set('idle');
    if (!roster) return;
    this.handlers.stopped?.();
    await roster.stop();
  }

  #set(state: RosterState): void {
    this.state = state;
    this.host.requestUpdate();
  }

  #fail(code: CallErrorDetail['code'], message: string): void {
    this.state = 'error';
    this.errorCode = code;
    this.error = message;
    this.host.requestUpdate();
    this.handlers.failed?.(code, message);
  }
}
