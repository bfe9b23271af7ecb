/**
 * What RosterController and ChatController have in common: they follow one per-session resource
 * of the client (a roster lease, a shared chat) for an element — had while the element asks for a
 * session and is on the page, let go when it asks for another, for none, or leaves, had again when
 * it comes back. A generation number drops answers to questions no longer asked (a session asked
 * for and then another before the first came). Each change re-renders the host.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { errorCode, type CallErrorDetail } from '../elements/shared/events.ts';
import type { ClientController } from './client-controller.ts';

/** `idle`: no session asked for (or the element is off the page). */
export type ResourceState = 'idle' | 'loading' | 'ready' | 'error';

export abstract class SessionResourceController<R> implements ReactiveController {
  state: ResourceState = 'idle';
  /** Why the state is `error`: a code and the words that came with it (none for `no_backend`). */
  errorCode: CallErrorDetail['code'] | undefined;
  error = '';
  /** The resource followed now, once it is had. */
  protected resource: R | undefined;
  /** Whether a session (or a resource of the host's) is asked for. */
  protected abstract get asked(): boolean;
  #offs: (() => void)[] = [];
  #generation = 0;
  #connected = false;
  #started: Promise<void> = Promise.resolve();

  constructor(
    protected readonly host: ReactiveControllerHost,
    protected readonly clients: ClientController,
    private readonly failed?: (code: CallErrorDetail['code'], message: string) => void,
  ) {
    host.addController(this);
  }

  /** The resource for what is asked, or undefined when there is no backend to ask. */
  protected abstract acquire(): Promise<R> | undefined;
  /** Listens to it; returns what stops listening. */
  protected abstract attach(resource: R): (() => void)[];
  /** Starts it (loads what it shows). */
  protected abstract begin(resource: R): Promise<void>;
  /** Takes its state once started (a resource another element loaded has nothing left to tell). */
  protected abstract settle(resource: R): void;
  /** Gives it back; `followed`: it was the one followed (not an answer that came too late). */
  protected abstract release(resource: R, followed: boolean): Promise<void> | void;

  hostConnected(): void {
    this.#connected = true;
    // Moved in the page: it was let go on the way out.
    if (this.asked && !this.resource) this.restart();
  }

  hostDisconnected(): void {
    this.#connected = false;
    ++this.#generation;
    void this.#stop();
  }

  /** Follows what is asked now, from scratch; resolves once it has started (or could not). */
  protected restart(): Promise<void> {
    this.#started = this.#restart();
    return this.#started;
  }

  /** What the latest restart() resolves with. */
  protected get started(): Promise<void> {
    return this.#started;
  }

  async #restart(): Promise<void> {
    const generation = ++this.#generation;
    await this.#stop();
    if (!this.asked || !this.#connected || generation !== this.#generation) return;
    const pending = this.acquire();
    if (!pending) {
      this.fail('no_backend', '');
      return;
    }
    this.set('loading');
    try {
      const resource = await pending;
      if (generation !== this.#generation) {
        await this.release(resource, false); // asked for another meanwhile
        return;
      }
      this.resource = resource;
      this.#offs = this.attach(resource);
      await this.begin(resource);
      if (generation === this.#generation && this.state !== 'error') this.settle(resource);
    } catch (error) {
      if (generation === this.#generation) this.fail(errorCode(error, 'load_failed'), (error as Error).message);
    }
  }

  async #stop(): Promise<void> {
    const resource = this.resource;
    this.resource = undefined;
    for (const off of this.#offs) off();
    this.#offs = [];
    this.set('idle');
    if (resource !== undefined) await this.release(resource, true);
  }

  protected set(state: ResourceState): void {
    this.state = state;
    this.host.requestUpdate();
  }

  protected fail(code: CallErrorDetail['code'], message: string): void {
    this.state = 'error';
    this.errorCode = code;
    this.error = message;
    this.host.requestUpdate();
    this.failed?.(code, message);
  }
}
