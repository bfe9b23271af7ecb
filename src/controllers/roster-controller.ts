/**
 * Follows the people of one session for an element: a lease on the client's shared roster
 * (`CallClient.roster()`), started when the element asks for a session and while it is on the
 * page, stopped when it asks for another, for none, or leaves; started again when it comes back
 * (session-resource-controller.ts). Every list and status change re-renders the host.
 */
import type { ReactiveControllerHost } from 'lit';
import type { RosterView } from '../core/call-client.ts';
import type { Participant } from '../core/call-session.ts';
import type { CallErrorDetail } from '../elements/shared/events.ts';
import type { ClientController } from './client-controller.ts';
import { SessionResourceController, type ResourceState } from './session-resource-controller.ts';

/** `idle`: no session asked for (or the element is off the page). */
export type RosterState = ResourceState;

export interface RosterHandlers {
  /** The list changed (people, answers, presence, mic/camera, speaking). */
  participants?: (people: Participant[]) => void;
  /** The list could not be had: no backend, no roster, or its rows did not load. */
  failed?: (code: CallErrorDetail['code'], message: string) => void;
  /** The roster stopped (another session, none, or the element left the page). */
  stopped?: () => void;
}

export class RosterController extends SessionResourceController<RosterView> {
  #wanted: string | null = null;
  #client: unknown;

  constructor(
    host: ReactiveControllerHost,
    clients: ClientController,
    private readonly handlers: RosterHandlers = {},
  ) {
    super(host, clients, handlers.failed);
  }

  /** The session whose people are followed (or asked for), or null. */
  get sessionId(): string | null {
    return this.#wanted;
  }

  /** Everyone in the roster, in `compareParticipants` order; empty until it has loaded. */
  get participants(): Participant[] {
    return this.resource?.participants ?? [];
  }

  /** Follows `sessionId`'s people (null: nobody's); resolves once the first list is in. */
  follow(sessionId: string | null): Promise<void> {
    const client = sessionId ? this.clients.current : undefined;
    if (sessionId === this.#wanted && client === this.#client) return this.started;
    this.#wanted = sessionId;
    this.#client = client;
    return this.restart();
  }

  /** Reads the stored rows again (after the element changed them, say). */
  async reload(): Promise<void> {
    await this.resource?.reload();
  }

  protected get asked(): boolean {
    return Boolean(this.#wanted);
  }

  protected acquire(): Promise<RosterView> | undefined {
    return this.clients.current?.roster(this.#wanted!);
  }

  protected attach(roster: RosterView): (() => void)[] {
    return [
      roster.on('participants', (people) => {
        this.handlers.participants?.(people);
        this.host.requestUpdate();
      }),
      roster.on('status', ({ status, error }) => (status === 'error' ? this.fail('load_failed', error ?? '') : this.set(status))),
    ];
  }

  protected begin(roster: RosterView): Promise<void> {
    return roster.start();
  }

  protected settle(roster: RosterView): void {
    if (roster.status === 'error') this.fail('load_failed', roster.error ?? '');
    else this.set(roster.status);
  }

  protected async release(roster: RosterView, followed: boolean): Promise<void> {
    if (followed) this.handlers.stopped?.();
    await roster.stop();
  }
}
