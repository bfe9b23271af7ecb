/**
 * Subscribes an element to a CallSession (or anything shaped like one): every state, participant and media change re-renders
 * the host; listeners are removed when the session changes or the element leaves the page.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { CallSessionEvents, CallSessionView } from '../core/call-session.ts';

type Handlers = { [K in keyof CallSessionEvents]?: (detail: CallSessionEvents[K]) => void };

export class SessionController implements ReactiveController {
  #session: CallSessionView | undefined;
  #off: (() => void)[] = [];

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly handlers: Handlers = {},
  ) {
    host.addController(this);
  }

  get session(): CallSessionView | undefined {
    return this.#session;
  }

  set session(session: CallSessionView | undefined) {
    if (session === this.#session) return;
    this.#detach();
    this.#session = session;
    this.#attach();
    this.host.requestUpdate();
  }

  hostConnected(): void {
    this.#attach();
  }

  hostDisconnected(): void {
    this.#detach();
  }

  #attach(): void {
    const session = this.#session;
    if (!session || this.#off.length) return;
    const events: (keyof CallSessionEvents)[] = ['state', 'participants', 'participant-joined', 'participant-left', 'local-media', 'error', 'fallback', 'link-rung', 'waiting', 'moderation'];
    for (const type of events) {
      const handler = this.handlers[type] as ((detail: unknown) => void) | undefined;
      this.#off.push(
        session.on(type, (detail: unknown) => {
          handler?.(detail);
          this.host.requestUpdate();
        }),
      );
    }
  }

  #detach(): void {
    for (const off of this.#off) off();
    this.#off = [];
  }
}
