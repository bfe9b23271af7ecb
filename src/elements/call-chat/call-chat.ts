import { html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import type { CallClientView } from '../../core/call-client.ts';
import { CHAT_MESSAGE_LIMIT, type CallChatView, type ChatMessage } from '../../core/chat.ts';
import { toCallError, type CallErrorCode } from '../../core/errors.ts';
import { ChatController } from '../../controllers/chat-controller.ts';
import { ClientController } from '../../controllers/client-controller.ts';
import { LocalizeController } from '../../controllers/localize-controller.ts';
import type { StringKey } from '../../i18n/index.ts';
import { fire, type CallErrorDetail } from '../shared/events.ts';
import { visuallyHidden } from '../shared/shared.styles.ts';
import { theme } from '../shared/theme.styles.ts';
import { styles } from './call-chat.styles.ts';
import { messageParts } from './message-links.ts';

export interface CallChatMessageDetail {
  message: ChatMessage;
}

export interface CallChatEventMap {
  'call-chat-message': CustomEvent<CallChatMessageDetail>;
  'call-error': CustomEvent<CallErrorDetail>;
}

/** What the chat shows: nothing asked for, messages loading, the list (or none yet), or why not. */
export type CallChatState = 'idle' | 'loading' | 'ready' | 'empty' | 'error';

/** The counter shows from this many characters on. */
const COUNTER_FROM = CHAT_MESSAGE_LIMIT - 400;
/** Closer than this to the bottom, new messages keep the list scrolled down. */
const STICK_PX = 48;

const CHAT_ERRORS: Partial<Record<CallErrorCode, StringKey>> = {
  message_empty: 'chat.error.message_empty',
  message_too_long: 'chat.error.message_too_long',
  rate_limited: 'chat.error.rate_limited',
  not_participant: 'chat.error.not_participant',
  call_ended: 'chat.error.call_ended',
  not_signed_in: 'chat.error.not_signed_in',
};

/**
 * The chat of a call: the latest messages (older ones on scrolling up), new ones live, and a
 * field to write in. Works on its own beside a call or inside one.
 *
 * Messages are text: links (http and https only) open in a new tab, nothing in a message is
 * read as HTML, each message takes its own direction (right-to-left included). Others' new
 * messages are announced to screen readers; Enter sends, Shift+Enter starts a new line.
 *
 * It takes `session-id` and a client (the `client` property, `supabase-url` +
 * `supabase-anon-key`, or `CallWidgets.configure()`), or a `chat` (`CallClient.chat()`).
 *
 * @summary A call's chat: history, live messages and sending, in Russian and English.
 *
 * @tagname call-chat
 *
 * @fires call-chat-message - A message is shown for the first time (history, live, or one's own once stored). `detail: { message }`
 * @fires call-error - The chat could not load, or a message could not be sent. `detail: { code, message, sessionId }`
 *
 * @csspart base - The chat's content.
 * @csspart log - The scrolling list of messages.
 * @csspart day - A day's heading in the list.
 * @csspart message - One message (`own`, `sending` and `failed` classes say which).
 * @csspart author - The sender's name.
 * @csspart time - When it was written.
 * @csspart body - The message's text.
 * @csspart link - A link in a message.
 * @csspart notice - Loading, empty, error and read-only lines.
 * @csspart older - The button that shows earlier messages.
 * @csspart composer - The form to write in.
 * @csspart input - The message field.
 * @csspart counter - Characters used, shown near the limit.
 * @csspart send - The Send button.
 * @csspart composer-error - Why a message could not be sent.
 *
 * @cssprop --call-surface-background - Chat background. Default `#ffffff` (dark: `#1e293b`).
 * @cssprop --call-surface-foreground - Text. Default `#0f172a` (dark: `#f1f5f9`).
 * @cssprop --call-border-color - Borders. Default `#cbd5e1` (dark: `#475569`).
 * @cssprop --call-subtle-background - Others' messages. Default `#e2e8f0` (dark: `#334155`).
 * @cssprop --call-muted-foreground - Times, notices, the counter. Default `#64748b` (dark: `#94a3b8`).
 * @cssprop --call-accent-color - One's own messages and the Send button. Default `#2563eb`.
 * @cssprop --call-accent-foreground - Text on them. Default `#ffffff`.
 * @cssprop --call-danger-text-color - Errors. Default `--call-danger-color`, `#dc2626` (dark: `#fca5a5`).
 * @cssprop --call-focus-color - Keyboard focus ring. Default `#2563eb` (dark: `#93c5fd`).
 * @cssprop --call-radius - Corner radius. Default `8px`.
 * @cssprop --call-font-family - Font. Default inherited.
 */
export class CallChatElement extends LitElement {
  static override get styles() {
    return [theme, visuallyHidden, styles];
  }

  static override get properties() {
    return {
      sessionId: { type: String, attribute: 'session-id', reflect: true },
      supabaseUrl: { type: String, attribute: 'supabase-url' },
      supabaseAnonKey: { type: String, attribute: 'supabase-anon-key' },
      lang: { type: String },
      client: { attribute: false },
      chat: { attribute: false },
      state: { type: String, reflect: true },
      _draft: { state: true },
      _composerError: { state: true },
      _readOnly: { state: true },
      _announcement: { state: true },
      _older: { state: true },
    };
  }

  /** The `video_call_sessions.id` whose chat to show. */
  declare sessionId: string;
  /** Supabase project URL, when the page has not called `CallWidgets.configure()`. */
  declare supabaseUrl: string;
  /** Supabase anon key, with `supabase-url`. */
  declare supabaseAnonKey: string;
  /** `en` or `ru`; without it, the nearest `lang` of an ancestor, else the document's. */
  declare lang: string;
  /** A CallClient to use instead of attributes or the page default. */
  declare client: CallClientView | undefined;
  /** A chat to show instead of the client's chat of `session-id` (`CallClient.chat()`). */
  declare chat: CallChatView | undefined;
  /** What the chat shows now (reflected, so hosts can style by it). Read-only in practice. */
  declare state: CallChatState;
  declare _draft: string;
  declare _composerError: string;
  declare _readOnly: boolean;
  declare _announcement: string;
  declare _older: 'idle' | 'loading' | { error: string };

  readonly #i18n = new LocalizeController(this);
  readonly #clients = new ClientController(this);
  readonly #chat = new ChatController(this, this.#clients, {
    message: (message) => this.#arrived(message),
    failed: (code, message) => this.#fireError(code, message),
  });
  /** Ids already told with `call-chat-message`. */
  readonly #told = new Set<string>();
  /** Before an update: keep the view at the bottom, or where it was when older messages come in. */
  #scroll: { stick: boolean; fromBottom: number } | undefined;
  #scrolledOnce = false;
  /** One's own message went in: show the bottom, wherever the view was. */
  #toBottom = false;

  constructor() {
    super();
    this.sessionId = '';
    this.supabaseUrl = '';
    this.supabaseAnonKey = '';
    this.lang = '';
    this.state = 'idle';
    this._draft = '';
    this._composerError = '';
    this._readOnly = false;
    this._announcement = '';
    this._older = 'idle';
  }

  /** Puts focus in the message field. */
  override focus(options?: FocusOptions): void {
    this.renderRoot?.querySelector<HTMLTextAreaElement>('textarea')?.focus(options);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('sessionId') || changed.has('chat')) {
      this._readOnly = false;
      this._composerError = '';
      this.#scrolledOnce = false;
    }
    this.#chat.follow(this.sessionId || null, this.chat);
    const state = this.#chat.state;
    this.state = state === 'ready' && !this.#messages().length ? 'empty' : state;
    const log = this.#log();
    if (log) {
      const fromBottom = log.scrollHeight - log.scrollTop - log.clientHeight;
      this.#scroll = { stick: fromBottom < STICK_PX, fromBottom };
    }
  }

  protected override updated(): void {
    const chat = this.#chat.chat;
    for (const message of this.#messages()) {
      if (message.state !== 'sent' || this.#told.has(message.id)) continue;
      this.#told.add(message.id);
      fire<CallChatMessageDetail>(this, 'call-chat-message', { message });
    }
    const log = this.#log();
    if (log && this.state === 'ready') {
      // At the bottom (or the first time): follow new messages. Else keep the same messages in
      // view when older ones are put in above them.
      if (!this.#scrolledOnce || this.#toBottom || this.#scroll?.stick) log.scrollTop = log.scrollHeight;
      else if (this.#scroll) log.scrollTop = log.scrollHeight - log.clientHeight - this.#scroll.fromBottom;
      this.#scrolledOnce = true;
      this.#toBottom = false;
    }
    if (chat?.unread && document.visibilityState !== 'hidden') chat.markRead();
  }

  #messages(): ChatMessage[] {
    return this.#chat.chat?.messages ?? [];
  }

  #log(): HTMLElement | null {
    return this.renderRoot?.querySelector<HTMLElement>('.log') ?? null;
  }

  #arrived(message: ChatMessage): void {
    if (message.own) return;
    const name = message.displayName || this.#i18n.t('chat.someone');
    this._announcement = this.#i18n.t('chat.incoming', { name, text: message.body.slice(0, 300) });
  }

  #fireError(code: CallErrorDetail['code'], message: string): void {
    fire<CallErrorDetail>(this, 'call-error', { code, message, sessionId: this.sessionId || null });
  }

  #reason(code: CallErrorCode | undefined): string {
    const key = (code && CHAT_ERRORS[code]) || 'chat.error.failed';
    return this.#i18n.t(key, { limit: CHAT_MESSAGE_LIMIT });
  }

  protected override render(): TemplateResult {
    const t = this.#i18n.t;
    const state = this.state;
    return html`<section part="base" class="base" aria-label=${t('chat.label')} aria-busy=${state === 'loading' ? 'true' : 'false'}>
      ${state === 'loading'
        ? html`<p part="notice" class="notice" role="status">${t('chat.loading')}</p>`
        : state === 'error'
          ? html`<div part="notice" class="notice error" role="alert">
              <p>${t('chat.error', { message: this.#chat.errorCode === 'no_backend' ? t('error.no_backend') : this.#chat.error })}</p>
              ${this.#chat.errorCode === 'no_backend' ? nothing : html`<button type="button" class="secondary" @click=${() => this.#chat.reload()}>${t('chat.retry')}</button>`}
            </div>`
          : nothing}
      ${state === 'ready' || state === 'empty' ? this.#renderLog() : nothing}
      <div class="visually-hidden" role="status" aria-live="polite" aria-atomic="true">${this._announcement}</div>
      ${state === 'ready' || state === 'empty' ? this.#renderComposer() : nothing}
    </section>`;
  }

  #renderLog(): TemplateResult {
    const t = this.#i18n.t;
    const messages = this.#messages();
    const chat = this.#chat.chat;
    const older = this._older;
    // Keyed by message (and day), so a message keeps its DOM node, and focus, as others come in.
    const items: { key: string; day?: Date; message?: ChatMessage }[] = [];
    let day = '';
    for (const message of messages) {
      const date = new Date(message.createdAt);
      if (date.toDateString() !== day) {
        day = date.toDateString();
        items.push({ key: `day:${day}`, day: date });
      }
      items.push({ key: message.id, message });
    }
    return html`<div part="log" class="log" tabindex="0" role="region" aria-label=${t('chat.messages')} @scroll=${this.#onScroll}>
      ${chat?.hasOlder
        ? older === 'loading'
          ? html`<p part="notice" class="notice older-status" role="status">${t('chat.loadingOlder')}</p>`
          : html`<button part="older" type="button" class="secondary older" @click=${this.#loadOlder}>${t('chat.older')}</button>
              ${typeof older === 'object' ? html`<p part="notice" class="notice error" role="alert">${t('chat.olderFailed', { message: older.error })}</p>` : nothing}`
        : nothing}
      ${this.state === 'empty' ? html`<p part="notice" class="notice">${t('chat.empty')}</p>` : html`<ol class="messages">
            ${repeat(
              items,
              (item) => item.key,
              (item) => (item.message ? this.#renderMessage(item.message, new Date(item.message.createdAt)) : html`<li part="day" class="day"><h3>${this.#day(item.day!)}</h3></li>`),
            )}
          </ol>`}
    </div>`;
  }

  #renderMessage(message: ChatMessage, date: Date): TemplateResult {
    const t = this.#i18n.t;
    const author = message.own ? t('chat.you') : message.displayName || t('chat.someone');
    const time = Number.isNaN(date.getTime()) ? '' : new Intl.DateTimeFormat(this.#i18n.lang, { hour: '2-digit', minute: '2-digit' }).format(date);
    return html`<li part="message" class="message ${message.own ? 'own' : ''} ${message.state}" data-id=${message.id}>
      <p class="meta"><span part="author" class="author" dir="auto">${author}</span> <time part="time" datetime=${message.createdAt}>${time}</time></p>
      <p part="body" class="body" dir="auto">${messageParts(message.body).map((part) =>
        part.kind === 'text'
          ? part.text
          : html`<a part="link" href=${part.href} target="_blank" rel="noopener noreferrer nofollow" aria-label=${t('chat.link', { text: part.text })}>${part.text}</a>`,
      )}</p>
      ${message.state === 'sending' ? html`<p class="status">${t('chat.sending')}</p>` : nothing}
      ${message.state === 'failed'
        ? html`<p class="status error">${t('chat.failed', { reason: this.#reason(message.error?.code) })}</p>
            <p class="actions">
              ${message.error?.code === 'call_ended' || message.error?.code === 'not_participant'
                ? nothing
                : html`<button type="button" class="secondary" @click=${() => this.#retry(message.id)}>${t('chat.resend')}</button>`}
              <button type="button" class="secondary" aria-label=${t('chat.discard')} @click=${() => this.#chat.chat?.discard(message.id)}>${'\u2715'}</button>
            </p>`
        : nothing}
    </li>`;
  }

  #renderComposer(): TemplateResult {
    const t = this.#i18n.t;
    const chat = this.#chat.chat;
    if (this._readOnly) return html`<p part="notice" class="notice">${t('chat.readOnly')}</p>`;
    if (chat && !chat.userId) return html`<p part="notice" class="notice">${t('chat.signIn')}</p>`;
    const length = [...this._draft].length;
    const over = length > CHAT_MESSAGE_LIMIT;
    return html`<form part="composer" class="composer" @submit=${this.#submit} novalidate>
      <label class="visually-hidden" for="message">${t('chat.input')}</label>
      <textarea
        part="input"
        id="message"
        rows="2"
        dir="auto"
        placeholder=${t('chat.placeholder')}
        aria-describedby="hint counter composer-error"
        aria-invalid=${over ? 'true' : 'false'}
        .value=${this._draft}
        @input=${(event: Event) => {
          this._draft = (event.target as HTMLTextAreaElement).value;
          this._composerError = '';
        }}
        @keydown=${this.#onKeydown}
      ></textarea>
      <button part="send" type="submit">${t('chat.send')}</button>
      <p id="hint" class="visually-hidden">${t('chat.hint')}</p>
      <p part="counter" id="counter" class="counter ${over ? 'error' : ''}" ?hidden=${length < COUNTER_FROM}>
        ${t('chat.counter', { count: length, limit: CHAT_MESSAGE_LIMIT })}
      </p>
      <p part="composer-error" id="composer-error" class="composer-error error" role="alert">${this._composerError}</p>
    </form>`;
  }

  #day(date: Date): string {
    if (Number.isNaN(date.getTime())) return '';
    return new Intl.DateTimeFormat(this.#i18n.lang, { day: 'numeric', month: 'long', year: 'numeric' }).format(date);
  }

  #onKeydown(event: KeyboardEvent): void {
    if (event.key !== 'Enter' || event.shiftKey || event.isComposing || event.altKey || event.ctrlKey || event.metaKey) return;
    event.preventDefault();
    void this.#send();
  }

  #submit(event: Event): void {
    event.preventDefault();
    void this.#send();
  }

  async #send(): Promise<void> {
    const chat = this.#chat.chat;
    if (!chat) return;
    const body = this._draft;
    try {
      const sending = chat.send(body);
      // Accepted for sending: the message is in the list, the field is free for the next one
      // (cleared in the DOM too: typed and sent before a render, the binding saw no change).
      this._draft = '';
      const field = this.renderRoot.querySelector<HTMLTextAreaElement>('textarea');
      if (field) field.value = '';
      this._composerError = '';
      this.#toBottom = true;
      await sending;
    } catch (error) {
      this.#sendFailed(error, body);
    }
  }

  async #retry(id: string): Promise<void> {
    try {
      await this.#chat.chat?.retry(id);
    } catch (error) {
      this.#sendFailed(error);
    }
  }

  #sendFailed(error: unknown, draft?: string): void {
    const { code, message } = toCallError(error);
    // Refused before it was sent: the text goes back in the field, with why.
    if (draft !== undefined && (code === 'message_empty' || code === 'message_too_long')) {
      this._draft = draft;
      this._composerError = this.#reason(code);
      this.focus();
    }
    // Else it stays in the list as failed: said to screen readers too.
    else this._announcement = this.#i18n.t('chat.failed', { reason: this.#reason(code) });
    if (code === 'call_ended') this._readOnly = true;
    this.#fireError(code, message);
  }

  #onScroll(event: Event): void {
    const log = event.currentTarget as HTMLElement;
    if (log.scrollTop < 40 && this.#chat.chat?.hasOlder && this._older === 'idle') void this.#loadOlder();
  }

  async #loadOlder(): Promise<void> {
    const chat = this.#chat.chat;
    if (!chat) return;
    this._older = 'loading';
    try {
      await chat.loadOlder();
      this._older = 'idle';
    } catch (error) {
      this._older = { error: (error as Error).message };
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'call-chat': CallChatElement;
  }
  interface HTMLElementEventMap extends CallChatEventMap {}
}
