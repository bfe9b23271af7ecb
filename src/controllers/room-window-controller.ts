/**
 * The room an `<event-call-button>` opens: in a modal dialog (or inline under the button). The
 * dialog's minimise button and Esc shrink it to a bar at the bottom of the page while the call
 * goes on, so the page stays usable; only "Leave call" leaves. A button that replaces another for
 * the same event (a host page re-rendering) picks the room up again, in the same form.
 */
import { html, nothing, type ReactiveController, type ReactiveControllerHost, type TemplateResult } from 'lit';
import type { CallClientView, CallSessionRecord } from '../core/call-client.ts';
import type { CallSessionView } from '../core/call-session.ts';
import { isSessionHeld, isSessionLive } from '../core/session-holds.ts';
import type { TransportName } from '../core/signaling.ts';
import type { LocalizeController } from './localize-controller.ts';
import type { VideoCallRoom } from '../elements/video-call-room/video-call-room.ts';
import { leaveIcon, minimiseIcon } from '../elements/shared/icons.ts';

export interface RoomWindowHost extends ReactiveControllerHost, HTMLElement {
  readonly eventId: string;
  readonly open: string;
  readonly transport: TransportName;
  readonly iceServers: RTCIceServer[] | undefined;
  readonly renderRoot: HTMLElement | DocumentFragment;
}

interface Shown {
  record: CallSessionRecord;
  minimised: boolean;
}

/** The room each event shows, per client: what a replacing button attaches to. */
const shownByClient = new WeakMap<CallClientView, Map<string, Shown>>();

export class RoomWindowController implements ReactiveController {
  #shown: Shown | undefined;
  #announcement = '';

  constructor(
    private readonly host: RoomWindowHost,
    private readonly i18n: LocalizeController,
    private readonly client: () => CallClientView | undefined,
  ) {
    host.addController(this);
  }

  /** The session whose room is shown (open or minimised). */
  get sessionId(): string | null {
    return this.#shown?.record.id ?? null;
  }

  get minimised(): boolean {
    return Boolean(this.#shown?.minimised);
  }

  /** A polite announcement for the button's live region. */
  get announcement(): string {
    return this.#announcement;
  }

  get #mode(): 'dialog' | 'inline' {
    return this.host.open === 'inline' ? 'inline' : 'dialog';
  }

  get #room(): VideoCallRoom | null {
    return this.host.renderRoot.querySelector('video-call-room');
  }

  /**
   * On connecting: the client is in this event's call and nothing shows it (the element that did
   * was just removed) — show it again, as it was.
   */
  hostConnected(): void {
    const client = this.client();
    const shown = client && shownByClient.get(client)?.get(this.host.eventId);
    const session = shown && client.sessionObject?.(shown.record.id);
    if (!shown || !session || !isSessionLive(session) || isSessionHeld(session)) return;
    this.#shown = { ...shown };
    this.host.requestUpdate();
  }

  hostUpdated(): void {
    const dialog = this.host.renderRoot.querySelector<HTMLDialogElement>('dialog');
    if (!dialog) return;
    const wanted = Boolean(this.#shown && !this.#shown.minimised);
    if (wanted && !dialog.open) dialog.showModal();
    else if (!wanted && dialog.open) dialog.close();
  }

  /** Shows the room of `record` (or brings a minimised one back). */
  show(record: CallSessionRecord): void {
    this.#shown = { record, minimised: false };
    this.#announcement = '';
    this.#remember();
    this.host.requestUpdate();
  }

  /** Keeps the call and shrinks the dialog to the bar; focus goes to the bar's "Return". */
  async minimise(): Promise<void> {
    if (!this.#shown || this.#mode !== 'dialog') return;
    this.#shown.minimised = true;
    this.#announcement = this.i18n.t('event.minimised');
    this.#remember();
    this.host.requestUpdate();
    await this.host.updateComplete;
    this.host.renderRoot.querySelector<HTMLButtonElement>('[part~="call-bar-return"]')?.focus();
  }

  /**
   * Leaves the call; the room closes when it says it has left (its `call-left` reaches the page
   * first). A room not in a call closes at once.
   */
  leave(): void {
    const session = this.#room?.session;
    if (session && isSessionLive(session)) void this.#room!.leave();
    else this.close();
  }

  /** Removes the room; a call still on is left once the release grace has passed (session-holds.ts). */
  async close(): Promise<void> {
    if (!this.#shown) return;
    const client = this.client();
    if (client) shownByClient.get(client)?.delete(this.host.eventId);
    this.#shown = undefined;
    this.host.requestUpdate();
    await this.host.updateComplete;
    // The dialog or bar that had focus is gone: back to the button that opened it.
    const active = document.activeElement;
    if (!active || active === document.body || active === this.host) this.host.renderRoot.querySelector<HTMLButtonElement>('[part~="button"]')?.focus();
  }

  /** The event's call changed under the button: another session's room does not belong here. */
  follow(record: CallSessionRecord | null): void {
    if (!this.#shown) return;
    if (record?.id !== this.#shown.record.id) void this.close();
    else this.#shown.record = record;
  }

  #remember(): void {
    const client = this.client();
    if (!client || !this.#shown) return;
    let shown = shownByClient.get(client);
    if (!shown) shownByClient.set(client, (shown = new Map()));
    shown.set(this.host.eventId, { ...this.#shown });
  }

  /** The dialog closed by Esc (or the browser): in a call that means minimise, else close. */
  #onDialogClose = () => {
    if (!this.#shown || this.#shown.minimised) return;
    const session: CallSessionView | undefined = this.#room?.session;
    if (session && isSessionLive(session)) void this.minimise();
    else void this.close();
  };

  render(title: string): TemplateResult | typeof nothing {
    const shown = this.#shown;
    if (!shown) return nothing;
    const t = this.i18n.t;
    const room = html`<video-call-room
      part="room"
      autojoin
      session-id=${shown.record.id}
      lang=${this.i18n.lang}
      .client=${this.client()}
      .transport=${this.host.transport}
      .iceServers=${this.host.iceServers}
      @call-left=${() => this.close()}
    ></video-call-room>`;
    if (this.#mode === 'inline') return html`<div class="inline-room">${room}</div>`;
    return html`<dialog part="dialog" aria-label=${t('event.dialog', { title })} @close=${this.#onDialogClose}>
        <header>
          <h2>${title}</h2>
          <button class="minimise" part="minimise" aria-label=${t('event.minimise')} title=${t('event.minimise')} @click=${() => this.minimise()}>${minimiseIcon}</button>
        </header>
        ${room}
      </dialog>
      ${shown.minimised
        ? html`<div part="call-bar" class="call-bar" role="region" aria-label=${t('event.bar', { title })}>
            <span class="call-bar-title">${t('event.bar', { title })}</span>
            <button part="call-bar-return" class="call-bar-return" @click=${() => this.show(shown.record)}>${t('event.return')}</button>
            <button part="call-bar-leave" class="call-bar-leave" title=${t('room.leave')} @click=${() => this.leave()}>${leaveIcon}<span>${t('room.leave')}</span></button>
          </div>`
        : nothing}`;
  }
}
