/**
 * Follows one session's chat for an element: a reference to the client's shared `CallChat`
 * (`CallClient.chat()`), or a chat the host handed over, taken while the element asks for a
 * session and is on the page, given back when it asks for another, for none, or leaves. Every
 * change of the chat re-renders the host.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { CallChatView, ChatMessage } from '../core/chat.ts';
import { errorCode, type CallErrorDetail } from '../elements/shared/events.ts';
import type { ClientController } from './client-controller.ts';

/** `idle`: no session asked for (or the element is off the page). */
export type ChatState = 'idle' | 'loading' | 'ready' | 'error';

export interface ChatHandlers {
  /** A message came (live, or stored for this user). */
  message?: (message: ChatMessage) => void;
  /** The chat could not be had: no backend, or its history did not load. */
  failed?: (code: CallErrorDetail['code'], message: string) => void;
}

export class ChatController implements ReactiveController {
  state: ChatState = 'idle';
  errorCode: CallErrorDetail['code'] | undefined;
  error = '';
  #wanted: string | null = null;
  #given: CallChatView | undefined;
  #source: unknown;
  #chat: CallChatView | undefined;
  #owned = false;
  #offs: (() => void)[] = [];
  #generation = 0;
  #connected = false;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly clients: ClientController,
    private readonly handlers: ChatHandlers = {},
  ) {
    host.addController(this);
  }

  /** The chat followed now, once it is had. */
  get chat(): CallChatView | undefined {
    return this.#chat;
  }

  /** Follows `sessionId`'s chat (null: none); `given` is used instead of the client's. */
  follow(sessionId: string | null, given?: CallChatView): void {
    const source = given ?? (sessionId ? this.clients.current : undefined);
    if (sessionId === this.#wanted && source === this.#source && given === this.#given) return;
    this.#wanted = sessionId;
    this.#given = given;
    this.#source = source;
    void this.#restart();
  }

  /** Reads the latest messages again (after an error). */
  async reload(): Promise<void> {
    if (!this.#chat) return void this.#restart();
    this.#set('loading');
    await this.#chat.reload();
    this.#take(this.#chat);
  }

  hostConnected(): void {
    this.#connected = true;
    if ((this.#wanted || this.#given) && !this.#chat) void this.#restart();
  }

  hostDisconnected(): void {
    this.#connected = false;
    ++this.#generation;
    this.#stop();
  }

  async #restart(): Promise<void> {
    const generation = ++this.#generation;
    this.#stop();
    const given = this.#given;
    if ((!this.#wanted && !given) || !this.#connected) return;
    const client = this.clients.current;
    if (!given && !client?.chat) {
      this.#fail('no_backend', '');
      return;
    }
    this.#set('loading');
    try {
      const chat = given ?? (await client!.chat!(this.#wanted!));
      if (generation !== this.#generation) {
        if (!given) chat.release();
        return;
      }
      this.#chat = chat;
      this.#owned = !given;
      this.#offs = [
        chat.on('messages', () => this.host.requestUpdate()),
        chat.on('unread', () => this.host.requestUpdate()),
        chat.on('message', ({ message }) => this.handlers.message?.(message)),
        chat.on('status', () => this.#take(chat)),
      ];
      await chat.start();
      if (generation === this.#generation) this.#take(chat);
    } catch (error) {
      if (generation === this.#generation) this.#fail(errorCode(error, 'load_failed'), (error as Error).message);
    }
  }

  #take(chat: CallChatView): void {
    if (chat.status === 'error') this.#fail(chat.error?.code ?? 'load_failed', chat.error?.message ?? '');
    else this.#set(chat.status);
  }

  #stop(): void {
    const chat = this.#chat;
    this.#chat = undefined;
    for (const off of this.#offs) off();
    this.#offs = [];
    this.state = 'idle';
    if (chat && this.#owned) chat.release();
    this.host.requestUpdate();
  }

  #set(state: ChatState): void {
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
