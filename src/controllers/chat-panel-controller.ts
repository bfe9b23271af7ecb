/**
 * The chat inside `<video-call-room>`: a toolbar button with the unread count, and `<call-chat>`
 * in a panel beside the tiles (a bottom sheet on phones, by the room's styles). While the room is
 * in a call it holds the session's CallChat through the client (`CallClient.chat()`, reference
 * counted: the panel's `<call-chat>` gets that same object, never a second), so the count goes on
 * while the panel is closed. Reading in the open panel marks read (`<call-chat>` does, shown).
 *
 * Opening moves focus into the chat's field; closing (the close button, Esc, the toolbar button)
 * moves it back to the toolbar button.
 */
import { html, nothing, type ReactiveController, type ReactiveControllerHost, type TemplateResult } from 'lit';
import type { CallSessionView } from '../core/call-session.ts';
import type { CallChatElement } from '../elements/call-chat/call-chat.ts';
import { chatIcon, closeIcon } from '../elements/shared/icons.ts';
import { ChatController } from './chat-controller.ts';
import type { ClientController } from './client-controller.ts';
import type { LocalizeController } from './localize-controller.ts';

type Host = ReactiveControllerHost & HTMLElement;

export interface ChatPanelOptions {
  session(): CallSessionView | undefined;
}

/** Frames to wait for the chat's field to be there after opening (its first render). */
const FOCUS_TRIES = 30;

export class ChatPanelController implements ReactiveController {
  /** The panel shows. */
  open = false;
  readonly #chat: ChatController;

  constructor(
    private readonly host: Host,
    clients: ClientController,
    private readonly i18n: LocalizeController,
    private readonly options: ChatPanelOptions,
  ) {
    this.#chat = new ChatController(host, clients);
    host.addController(this);
  }

  /** Others' messages not read yet (0 while the chat is not had). */
  get unread(): number {
    return this.#chat.chat?.unread ?? 0;
  }

  hostUpdate(): void {
    const session = this.options.session();
    const inCall = session?.state === 'connected' || session?.state === 'reconnecting';
    this.#chat.follow(inCall ? session.id : null);
    if (!inCall && this.open) this.open = false;
  }

  /** Opens or closes the panel. */
  toggle = (): void => {
    if (this.open) this.close();
    else void this.show();
  };

  /** Opens the panel and puts focus in the message field. */
  async show(): Promise<void> {
    this.open = true;
    this.host.requestUpdate();
    await this.host.updateComplete;
    for (let i = 0; i < FOCUS_TRIES && this.open; i++) {
      const chat = this.#element();
      await chat?.updateComplete;
      const field = chat?.shadowRoot?.querySelector('textarea');
      if (field) {
        field.focus();
        return;
      }
      await new Promise((resolve) => requestAnimationFrame(resolve));
    }
  }

  /** Closes the panel and gives focus back to the toolbar button. */
  async close(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    this.host.requestUpdate();
    await this.host.updateComplete;
    this.host.shadowRoot?.querySelector<HTMLButtonElement>('[part~="chat-toggle"]')?.focus();
  }

  /** The toolbar button: "Chat", with the unread count in its name and a badge. */
  renderButton(): TemplateResult {
    const t = this.i18n.t;
    const unread = this.unread;
    const label = unread ? t('room.chat.unread', { count: unread }) : t('room.chat');
    return html`<button
      part="control chat-toggle"
      class="chat-toggle"
      aria-label=${label}
      title=${label}
      aria-expanded=${String(this.open)}
      aria-controls="chat-panel"
      @click=${this.toggle}
    >
      ${chatIcon}<span class="label-text">${t('room.chat')}</span>
      ${unread ? html`<span class="badge" part="chat-badge" aria-hidden="true">${unread > 99 ? '99+' : unread}</span>` : nothing}
    </button>`;
  }

  /** The panel, while open: beside the tiles, or a sheet on phones (styles decide). */
  renderPanel(): TemplateResult | typeof nothing {
    const session = this.options.session();
    if (!this.open || !session) return nothing;
    const t = this.i18n.t;
    return html`<aside id="chat-panel" class="chat-panel" part="chat-panel" aria-label=${t('room.chat')} @keydown=${this.#onKeydown}>
      <div class="chat-head">
        <h2>${t('room.chat')}</h2>
        <button part="chat-close" class="chat-close" aria-label=${t('room.chat.close')} title=${t('room.chat.close')} @click=${() => this.close()}>
          ${closeIcon}
        </button>
      </div>
      <call-chat part="chat" lang=${this.i18n.lang} session-id=${session.id} .chat=${this.#chat.chat}></call-chat>
    </aside>`;
  }

  #onKeydown = (event: KeyboardEvent): void => {
    if (event.key !== 'Escape' || event.defaultPrevented) return;
    event.preventDefault();
    void this.close();
  };

  #element(): CallChatElement | null {
    return this.host.shadowRoot?.querySelector('call-chat') ?? null;
  }
}
