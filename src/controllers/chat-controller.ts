/**
 * Follows one session's chat for an element: a reference to the client's shared `CallChat`
 * (`CallClient.chat()`), or a chat the host handed over, taken while the element asks for a
 * session and is on the page, given back when it asks for another, for none, or leaves
 * (session-resource-controller.ts). Every change of the chat re-renders the host.
 */
import type { ReactiveControllerHost } from 'lit';
import type { CallChatView, ChatMessage } from '../core/chat.ts';
import type { CallErrorDetail } from '../elements/shared/events.ts';
import type { ClientController } from './client-controller.ts';
import { SessionResourceController, type ResourceState } from './session-resource-controller.ts';

/** `idle`: no session asked for (or the element is off the page). */
export type ChatState = ResourceState;

export interface ChatHandlers {
  /** A message came (live, or stored for this user). */
  message?: (message: ChatMessage) => void;
  /** The chat could not be had: no backend, or its history did not load. */
  failed?: (code: CallErrorDetail['code'], message: string) => void;
}

export class ChatController extends SessionResourceController<CallChatView> {
  #wanted: string | null = null;
  #given: CallChatView | undefined;
  #source: unknown;

  constructor(
    host: ReactiveControllerHost,
    clients: ClientController,
    private readonly handlers: ChatHandlers = {},
  ) {
    super(host, clients, handlers.failed);
  }

  /** The chat followed now, once it is had. */
  get chat(): CallChatView | undefined {
    return this.resource;
  }

  /** Follows `sessionId`'s chat (null: none); `given` is used instead of the client's. */
  follow(sessionId: string | null, given?: CallChatView): void {
    const source = given ?? (sessionId ? this.clients.current : undefined);
    if (sessionId === this.#wanted && source === this.#source && given === this.#given) return;
    this.#wanted = sessionId;
    this.#given = given;
    this.#source = source;
    void this.restart();
  }

  /** Reads the latest messages again (after an error). */
  async reload(): Promise<void> {
    const chat = this.resource;
    if (!chat) return void this.restart();
    this.set('loading');
    await chat.reload();
    this.settle(chat);
  }

  protected get asked(): boolean {
    return Boolean(this.#wanted || this.#given);
  }

  protected acquire(): Promise<CallChatView> | undefined {
    if (this.#given) return Promise.resolve(this.#given);
    const client = this.clients.current;
    return client?.chat ? client.chat(this.#wanted!) : undefined;
  }

  protected attach(chat: CallChatView): (() => void)[] {
    return [
      chat.on('messages', () => this.host.requestUpdate()),
      chat.on('unread', () => this.host.requestUpdate()),
      chat.on('message', ({ message }) => this.handlers.message?.(message)),
      chat.on('status', () => this.settle(chat)),
    ];
  }

  protected begin(chat: CallChatView): Promise<void> {
    return chat.start();
  }

  protected settle(chat: CallChatView): void {
    if (chat.status === 'error') this.fail(chat.error?.code ?? 'load_failed', chat.error?.message ?? '');
    else this.set(chat.status);
  }

  /** The client's chat is a reference to give back; a chat the host handed over stays theirs. */
  protected release(chat: CallChatView): void {
    if (chat !== this.#given) chat.release();
  }
}
