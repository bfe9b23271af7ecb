/**
 * The CallClient an element talks to, looked up where the element says (its `client` property,
 * else `supabase-url` + `supabase-anon-key`, else the page default; client-registry.ts), and,
 * when asked, the signed-in user's changes on that client, followed as the client changes and
 * dropped when the element leaves the page.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { resolveClient } from '../client-registry.ts';
import type { CallClientView } from '../core/call-client.ts';

export interface ClientHost extends ReactiveControllerHost {
  readonly client?: CallClientView | undefined;
  readonly supabaseUrl?: string;
  readonly supabaseAnonKey?: string;
}

export class ClientController implements ReactiveController {
  #watched: CallClientView | undefined;
  #offUser: (() => void) | undefined;

  /** `onUser`: called when the user of the client in use signs in, out, or changes. */
  constructor(
    private readonly host: ClientHost,
    private readonly onUser?: () => void,
  ) {
    host.addController(this);
  }

  /** The client in use now, or undefined when the element has no backend. */
  get current(): CallClientView | undefined {
    return resolveClient(this.host);
  }

  hostConnected(): void {
    this.#watchUser();
  }

  // Before each render: the client (or its attributes) may have changed.
  hostUpdate(): void {
    this.#watchUser();
  }

  hostDisconnected(): void {
    this.#offUser?.();
    this.#offUser = undefined;
    this.#watched = undefined;
  }

  #watchUser(): void {
    if (!this.onUser) return;
    const client = this.current;
    if (client === this.#watched) return;
    this.#offUser?.();
    this.#watched = client;
    this.#offUser = client?.on('user', () => this.onUser!());
  }
}
