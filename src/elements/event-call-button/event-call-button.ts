import { html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit';
import type { CallClientView, CallSessionRecord } from '../../core/call-client.ts';
import type { InvitationAnswer, InvitationNotice } from '../../core/invitations.ts';
import type { Participant } from '../../core/participant.ts';
import type { TransportName } from '../../core/signaling.ts';
import { ClientController } from '../../controllers/client-controller.ts';
import { InvitationAnswerController } from '../../controllers/invitation-answer-controller.ts';
import { LocalizeController } from '../../controllers/localize-controller.ts';
import { RoomWindowController } from '../../controllers/room-window-controller.ts';
import { RosterController } from '../../controllers/roster-controller.ts';
import type { CallInviteDetail } from '../call-invite-panel/call-invite-panel.ts';
import { errorCode, fire, type CallErrorDetail } from '../shared/events.ts';
import { closeIcon, peopleIcon, videoIcon } from '../shared/icons.ts';
import { describeNotice } from '../shared/invitation-notice.ts';
import { visuallyHidden } from '../shared/shared.styles.ts';
import { theme } from '../shared/theme.styles.ts';
import { styles } from './event-call-button.styles.ts';

export type { CallInviteDetail };

/** What the button shows. */
export type EventCallState = 'loading' | 'signed-out' | 'none' | 'scheduled' | 'live' | 'ended' | 'not-invited' | 'error';
/** Where the room opens: a modal dialog, under the button, or nowhere (the host handles `call-open`). */
export type EventCallOpenMode = 'dialog' | 'inline' | 'event';

export interface CallSessionCreatedDetail {
  eventId: string;
  sessionId: string;
  session: CallSessionRecord;
}
export interface CallOpenDetail {
  eventId: string;
  sessionId: string;
  mode: EventCallOpenMode;
}
export interface CallStateDetail {
  eventId: string;
  state: EventCallState;
  sessionId: string | null;
  /** People in the call now. */
  inCall: number;
}

/** `detail` of `call-invitation-answer`: the signed-in invitee's answer, stored. */
export interface CallInvitationAnswerDetail {
  sessionId: string;
  status: InvitationAnswer;
}

export interface EventCallButtonEventMap {
  'call-state': CustomEvent<CallStateDetail>;
  'call-invitation-answer': CustomEvent<CallInvitationAnswerDetail>;
  'call-session-created': CustomEvent<CallSessionCreatedDetail>;
  'call-open': CustomEvent<CallOpenDetail>;
  'call-invite': CustomEvent<CallInviteDetail>;
}

/** How long before the start "Join" becomes "Join now", and a missing call is started rather than set up. */
const SOON_MS = 10 * 60_000;

/**
 * The video call of a calendar event, for the event's card.
 *
 * @summary Finds or creates the call of a calendar event, shows whether it is scheduled, in
 * progress (with how many people) or over, opens the room, and lets the host manage invitations.
 *
 * @tagname event-call-button
 *
 * @fires call-state - What the button shows changed (state, session, people in the call), so
 * the host page can follow along, e.g. show the session's people. `detail: { eventId, state, sessionId, inCall }`
 * @fires call-session-created - The button created the event's call. `detail: { eventId, sessionId, session }`
 * @fires call-open - The user asked to open the call. Cancelable: `preventDefault()` stops the
 * built-in dialog/inline room, so the host can open its own. `detail: { eventId, sessionId, mode }`
 * @fires call-invite - The host invited someone from the invitations panel. `detail: { eventId, sessionId, invitee }`
 * @fires call-invitation-answer - The signed-in invitee's answer (Yes / Maybe / No) was stored.
 * `detail: { sessionId, status }`, status `accepted`, `tentative` or `declined`.
 * @fires call-error - Loading, creating, inviting or answering failed. `detail: { code, message, sessionId }`
 *
 * @csspart button - The main button.
 * @csspart hint - The line under the button (start time, people in the call, errors).
 * @csspart manage - The host's "Invitations" button.
 * @csspart answer - The invitee's Yes / Maybe / No group (invitees only, while the call is not over).
 * @csspart answer-option - Each of its three buttons (`aria-pressed` on the current answer); also
 * `answer-accepted`, `answer-tentative`, `answer-declined`.
 * @csspart answer-message - The line under it when an answer could not be saved.
 * @csspart invitations-message - For the host, once the button created the call with its
 * attendees: how their invitations went out (e-mail and push sent or not).
 * @csspart panel - The invitations panel (a `<call-invite-panel>`).
 * @csspart invite-form - The form to invite someone (the panel's, forwarded; so are `invitee`,
 * `submit`, `message` and `participants`).
 * @csspart dialog - The dialog the room opens in (`open="dialog"`).
 * @csspart minimise - The dialog's button that shrinks it to the call bar (the call goes on).
 * @csspart room - The `<video-call-room>` (dialog or inline).
 * @csspart call-bar - The bar at the bottom of the page while the dialog is minimised.
 * @csspart call-bar-return - The bar's "Return to the call".
 * @csspart call-bar-leave - The bar's "Leave call".
 *
 * @cssprop --call-accent-color - Button color. Default `#2563eb`.
 * @cssprop --call-accent-foreground - Text on colored buttons. Default `#ffffff`.
 * @cssprop --call-accent-text-color - The outlined button ("Start a new call", "Try again"). Default `--call-accent-color`, `#2563eb` (dark: `#93c5fd`).
 * @cssprop --call-live-color - The "in progress" button color, "Return to the call". Default `#15803d`.
 * @cssprop --call-surface-background - Outlined buttons and the invitations panel. Default `#ffffff` (dark: `#1e293b`).
 * @cssprop --call-surface-foreground - Their text. Default `#0f172a` (dark: `#f1f5f9`).
 * @cssprop --call-border-color - Their border. Default `#cbd5e1` (dark: `#475569`).
 * @cssprop --call-subtle-background - Disabled and pressed buttons. Default `#e2e8f0` (dark: `#334155`).
 * @cssprop --call-subtle-foreground - Text of a disabled button. Default `#475569` (dark: `#cbd5e1`).
 * @cssprop --call-muted-foreground - Hints. Default `#64748b` (dark: `#94a3b8`).
 * @cssprop --call-danger-color - "Leave call" in the call bar. Default `#dc2626`.
 * @cssprop --call-danger-text-color - Errors. Default `--call-danger-color`, `#dc2626` (dark: `#fca5a5`).
 * @cssprop --call-focus-color - Keyboard focus ring. Default `#2563eb` (dark: `#93c5fd`; `#facc15` in the call bar).
 * @cssprop --call-background - The dialog and the call bar. Default `#0f172a`.
 * @cssprop --call-foreground - Their text. Default `#f8fafc`.
 * @cssprop --call-backdrop-color - Behind the dialog. Default `rgb(15 23 42 / 0.6)`.
 * @cssprop --call-control-background - The dialog's minimise button under the pointer. Default `rgb(255 255 255 / 0.12)`.
 * @cssprop --call-shadow-color - The call bar's shadow. Default `rgb(15 23 42 / 0.35)`.
 * @cssprop --call-radius - Corner radius. Default `8px`.
 * @cssprop --call-font-family - Font. Default inherited.
 */
export class EventCallButton extends LitElement {
  static override get styles() {
    return [theme, visuallyHidden, styles];
  }

  static override get properties() {
    return {
      eventId: { type: String, attribute: 'event-id', reflect: true },
      eventTitle: { type: String, attribute: 'title' },
      startsAt: { type: String, attribute: 'starts-at' },
      crmEntityType: { type: String, attribute: 'crm-entity-type' },
      crmEntityId: { type: String, attribute: 'crm-entity-id' },
      // Not reflected, so only read from the attribute: "id1, anna@example.com; id2".
      attendees: { converter: (value: string | null) => (value ?? '').split(/[\s,;]+/).filter(Boolean) },
      open: { type: String },
      lang: { type: String },
      supabaseUrl: { type: String, attribute: 'supabase-url' },
      supabaseAnonKey: { type: String, attribute: 'supabase-anon-key' },
      transport: { type: String },
      client: { attribute: false },
      iceServers: { attribute: false },
      state: { type: String, reflect: true },
      _session: { state: true },
      _inCall: { state: true },
      _error: { state: true },
      _busy: { state: true },
      _panelOpen: { state: true },
      _isHost: { state: true },
      _invitationsNotice: { state: true },
    };
  }

  /** The calendar event's id in the host's system (required). */
  declare eventId: string;
  /** The event's title (attribute `title`): becomes the call's title. */
  declare eventTitle: string;
  /** When the meeting starts, ISO 8601. */
  declare startsAt: string;
  /** CRM record the call belongs to, e.g. `deal` (for the audit trail). */
  declare crmEntityType: string;
  /** Id of that CRM record. */
  declare crmEntityId: string;
  /** People to invite when the call is created: user ids or e-mail addresses (attribute: comma-separated). */
  declare attendees: string[];
  /** Where the room opens: `dialog` (default), `inline`, or `event` (only `call-open` is fired). */
  declare open: EventCallOpenMode;
  /** `en` or `ru`; without it, the nearest `lang` of an ancestor, else the document's. */
  declare lang: string;
  /** Supabase project URL, when the page has not called `CallWidgets.configure()`. */
  declare supabaseUrl: string;
  /** Supabase anon key, with `supabase-url`. */
  declare supabaseAnonKey: string;
  /** Signaling transport of the room: `broadcast` (default) or `table`. */
  declare transport: TransportName;
  /** A CallClient to use instead of attributes or the page default. */
  declare client: CallClientView | undefined;
  /** STUN/TURN servers for the room. */
  declare iceServers: RTCIceServer[] | undefined;
  /** What the button shows now (reflected, so hosts can style by it). Read-only in practice. */
  declare state: EventCallState;
  declare _session: CallSessionRecord | null;
  declare _inCall: number;
  declare _error: string;
  declare _busy: boolean;
  declare _panelOpen: boolean;
  declare _isHost: boolean;
  /** For the host of a call just created with attendees: how its invitations went out. */
  declare _invitationsNotice: { text: string; partial: boolean } | null;

  readonly #i18n = new LocalizeController(this);
  // Signing in or out (or switching user) changes what the button may show.
  readonly #clients = new ClientController(this, () => void this.refresh());
  readonly #window = new RoomWindowController(this, this.#i18n, () => this.#clients.current);
  readonly #roster = new RosterController(this, this.#clients, {
    participants: (people) => {
      const inCall = people.filter((p) => p.presence === 'connected').length;
      if (inCall === this._inCall) return; // speaking, mic and camera changes: nothing to show here
      this._inCall = inCall;
      this.#updateState();
      // The call's own status (active, ended) moves with who is in it: re-read it.
      if (this.#roster.sessionId) void this.#reloadSession(this.#roster.sessionId);
    },
    stopped: () => (this._inCall = 0),
  });
  readonly #answers = new InvitationAnswerController(this, this.#i18n, {
    client: () => this.#clients.current,
    reload: () => this.#roster.reload(),
    stored: (sessionId, status) => fire<CallInvitationAnswerDetail>(this, 'call-invitation-answer', { sessionId, status }),
    failed: (sessionId, failure) => {
      fire<CallErrorDetail>(this, 'call-error', { code: errorCode(failure), message: failure.message, sessionId });
      // An ended call shows as ended.
      if (failure.code === 'session_ended') void this.#reloadSession(sessionId);
    },
  });
  #loads = 0;
  /** The signed-in user's address: their invitation may still be an unclaimed one by e-mail. */
  #userEmail = '';
  #clock: ReturnType<typeof setInterval> | undefined;

  constructor() {
    super();
    this.eventId = '';
    this.eventTitle = '';
    this.startsAt = '';
    this.crmEntityType = '';
    this.crmEntityId = '';
    this.attendees = [];
    this.open = 'dialog';
    this.lang = '';
    this.supabaseUrl = '';
    this.supabaseAnonKey = '';
    this.transport = 'broadcast';
    this.state = 'loading';
    this._session = null;
    this._inCall = 0;
    this._error = '';
    this._busy = false;
    this._panelOpen = false;
    this._isHost = false;
    this._invitationsNotice = null;
  }

  /** The id of the event's call, once there is one. */
  get sessionId(): string | null {
    return this._session?.id ?? null;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // "Join" turns into "Join now" as the start comes near.
    this.#clock = setInterval(() => this.requestUpdate(), 30_000);
    // Moved in the page: the roster stopped on the way out; look again.
    if (this.hasUpdated) void this.refresh();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearInterval(this.#clock);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    const inputs = ['eventId', 'client', 'supabaseUrl', 'supabaseAnonKey'] as (keyof EventCallButton)[];
    if (this.isConnected && inputs.some((name) => changed.has(name))) void this.refresh();
  }

  protected override updated(changed: PropertyValues<this>): void {
    const watched = ['state', '_session', '_inCall'] as (keyof EventCallButton)[];
    if (watched.some((name) => changed.has(name))) {
      fire<CallStateDetail>(this, 'call-state', { eventId: this.eventId, state: this.state, sessionId: this.sessionId, inCall: this._inCall });
    }
  }

  /** Looks the event's call up again (after signing in, say). */
  async refresh(): Promise<void> {
    const load = ++this.#loads;
    this._error = '';
    if (!this.eventId) {
      this.#fail('invalid_input', 'event-id is required');
      return;
    }
    const client = this.#clients.current;
    if (!client) {
      this.#fail('no_backend', this.#i18n.t('error.no_backend'));
      return;
    }
    this.state = 'loading';
    try {
      const user = await client.currentUser();
      if (load !== this.#loads) return;
      this.#userEmail = user?.email?.toLowerCase() ?? '';
      if (!user) {
        await this.#roster.follow(null);
        this._session = null;
        this.state = 'signed-out';
        return;
      }
      const session = await client.findSessionByEvent(this.eventId, { includeEnded: true, attendees: this.attendees });
      if (load !== this.#loads) return;
      await this.#show(session, user.id);
    } catch (error) {
      if (load === this.#loads) this.#fail(errorCode(error, 'load_failed'), (error as Error).message);
    }
  }

  /** Opens the call (creating it first when there is none), as a click on the button does. */
  async openCall(): Promise<void> {
    const client = this.#clients.current;
    if (!client || this._busy) return;
    let session = this._session;
    if (!session || session.status === 'ended') {
      session = await this.#create(client);
      if (!session) return;
    }
    if (this.#window.sessionId === session.id) {
      // Already in it, minimised: back to the room.
      this.#window.show(session);
      return;
    }
    const mode = this.open === 'inline' || this.open === 'event' ? this.open : 'dialog';
    const proceed = fire<CallOpenDetail>(this, 'call-open', { eventId: this.eventId, sessionId: session.id, mode }, { cancelable: true });
    if (!proceed || mode === 'event') return;
    this.#window.show(session);
    await this.updateComplete;
  }

  /** Leaves the call of the room this button opened, and closes the room. */
  closeCall(): void {
    this.#window.leave();
  }

  /** The signed-in invitee's answer to the event's call, as shown: `invited` until they answer; null when they are not a guest of it. */
  get invitationStatus(): Participant['inviteStatus'] | null {
    return this.#answers.answering ?? this.#invitation()?.inviteStatus ?? null;
  }

  /**
   * Answers the signed-in user's invitation to the event's call — `accepted`, `tentative` or
   * `declined` — as the Yes / Maybe / No buttons do (a page handling an "answer" link calls this).
   * Shows the saving and error states and fires `call-invitation-answer` once stored; rejects
   * with the core's `CallError` when it could not be stored.
   */
  async answer(status: InvitationAnswer): Promise<void> {
    return this.#answers.answer(this._session?.id, status);
  }

  /** The signed-in user's invitation to the event's call, when they are a guest of it. */
  #invitation(): Participant | undefined {
    if (this._isHost || !this._session) return undefined;
    const people = this.#roster.participants;
    const mine = people.find((p) => p.isLocal) ?? (this.#userEmail ? people.find((p) => !p.userId && p.email?.toLowerCase() === this.#userEmail) : undefined);
    return mine?.role === 'guest' ? mine : undefined;
  }

  async #create(client: CallClientView): Promise<CallSessionRecord | null> {
    this._busy = true;
    // The core sends a new call's invitations once it exists; its notice says how they went.
    let created: CallSessionRecord | undefined;
    const notices: InvitationNotice[] = [];
    const hear = (notice: InvitationNotice) => {
      if (!created) notices.push(notice);
      else if (notice.sessionId === created.id && this._session?.id === created.id) {
        off();
        const { text, partial } = describeNotice(this.#i18n.t, notice);
        this._invitationsNotice = { text: [this.#i18n.t('answer.notice.attendees', { count: notice.participants.length || this.attendees.length }), text].filter(Boolean).join(' '), partial };
      }
    };
    const off = this.attendees.length ? client.on('invitations-notified', hear) : () => undefined;
    setTimeout(off, 60_000);
    try {
      const session = await client.openEventCall({
        eventId: this.eventId,
        title: this.eventTitle || undefined,
        startsAt: this.startsAt || undefined,
        crmEntityType: this.crmEntityType || undefined,
        crmEntityId: this.crmEntityId || undefined,
        attendees: this.attendees,
      });
      created = session;
      const isNew = session.id !== this._session?.id;
      const user = await client.currentUser();
      await this.#show(session, user?.id ?? '');
      for (const notice of notices.splice(0)) hear(notice);
      if (isNew && session.host_id === user?.id) {
        fire<CallSessionCreatedDetail>(this, 'call-session-created', { eventId: this.eventId, sessionId: session.id, session });
      }
      return session;
    } catch (error) {
      const code = errorCode(error);
      if (code === 'not_participant') {
        this.state = 'not-invited';
        fire<CallErrorDetail>(this, 'call-error', { code, message: (error as Error).message, sessionId: null });
      } else {
        this.#fail(code, (error as Error).message);
      }
      return null;
    } finally {
      this._busy = false;
    }
  }

  async #show(session: CallSessionRecord | null, userId: string): Promise<void> {
    if (session?.id !== this._session?.id) {
      this.#answers.forget();
      this._invitationsNotice = null;
    }
    this._session = session;
    this.#window.follow(session);
    this._isHost = Boolean(session && session.host_id === userId);
    await this.#roster.follow(session?.id ?? null);
    if (!session) this.state = 'none';
    else this.#updateState();
  }

  async #reloadSession(id: string): Promise<void> {
    const fresh = await this.#clients.current?.getSession(id).catch(() => null);
    if (fresh && this._session?.id === id) {
      this._session = fresh;
      this.#updateState();
    }
  }

  #updateState(): void {
    const session = this._session;
    if (!session) return;
    this.state = session.status === 'ended' ? 'ended' : this._inCall > 0 ? 'live' : 'scheduled';
  }

  #fail(code: CallErrorDetail['code'], message: string): void {
    this.state = 'error';
    this._error = message;
    fire<CallErrorDetail>(this, 'call-error', { code, message, sessionId: this.sessionId });
  }

  #startsSoon(): boolean {
    const start = this.startsAt ? Date.parse(this.startsAt) : NaN;
    return Number.isNaN(start) || start - Date.now() <= SOON_MS;
  }

  #formatStart(): string {
    const start = new Date(this.startsAt);
    if (Number.isNaN(start.getTime())) return '';
    const sameDay = start.toDateString() === new Date().toDateString();
    const options: Intl.DateTimeFormatOptions = sameDay ? { hour: '2-digit', minute: '2-digit' } : { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' };
    return new Intl.DateTimeFormat(this.#i18n.lang, options).format(start);
  }

  protected override render(): TemplateResult {
    const t = this.#i18n.t;
    const label = this.#label();
    const hint = this.#hint();
    const actionable = ['none', 'scheduled', 'live', 'ended', 'error'].includes(this.state);
    return html`<div class="wrap">
      <div class="row">
        <button
          part="button"
          class="main state-${this.state}"
          ?disabled=${!actionable || this._busy}
          aria-describedby=${hint ? 'hint' : nothing}
          aria-busy=${this.state === 'loading' || this._busy ? 'true' : 'false'}
          @click=${this.#onClick}
        >
          ${this.state === 'loading' || this._busy ? html`<span class="spinner" aria-hidden="true"></span>` : videoIcon}
          <span>${label}</span>
        </button>
        ${this._isHost && this.state !== 'ended'
          ? html`<button
              part="manage"
              class="manage"
              aria-expanded=${String(this._panelOpen)}
              aria-controls="panel"
              @click=${this.#togglePanel}
            >
              ${peopleIcon}<span>${t('event.manage')}</span>
            </button>`
          : nothing}
      </div>
      <p id="hint" part="hint" class="hint ${this.state === 'error' ? 'error' : ''}" role=${this.state === 'error' ? 'alert' : nothing} ?hidden=${!hint}>${hint}</p>
      ${this.#answers.render(this.#invitation(), this.state === 'scheduled' || this.state === 'live', (status) => {
        this.answer(status).catch(() => undefined); // shown in the element and told by call-error
      })}
      ${this._invitationsNotice && this._isHost
        ? html`<p part="invitations-message" class="hint ${this._invitationsNotice.partial ? 'partial' : ''}" role="status">${this._invitationsNotice.text}</p>`
        : nothing}
      ${this._panelOpen && this._isHost && this._session ? this.#renderPanel(this._session) : nothing}
      ${this.#window.render(this._session?.title || this.eventTitle || t('event.untitled'))}
      <div class="visually-hidden" role="status" aria-live="polite">${this.#window.announcement || this.#answers.notice}</div>
    </div>`;
  }

  #label(): string {
    const t = this.#i18n.t;
    if (this.#window.minimised && this.state !== 'loading' && this.state !== 'error') return t('event.return');
    switch (this.state) {
      case 'loading':
        return t('event.loading');
      case 'signed-out':
        return t('event.signIn');
      case 'none':
        return this.#startsSoon() ? t('event.joinNow') : t('event.schedule');
      case 'scheduled':
        return this.#startsSoon() ? t('event.joinNow') : t('event.join');
      case 'live':
        return t('event.inProgress', { count: this._inCall });
      case 'ended':
        return t('event.startAgain');
      case 'not-invited':
        return t('event.notInvited');
      case 'error':
        return t('event.retry');
    }
  }

  #hint(): string {
    const t = this.#i18n.t;
    if (this.state === 'error') return t('event.error', { message: this._error });
    if (this.state === 'ended') return t('event.ended');
    if ((this.state === 'none' || this.state === 'scheduled') && this.startsAt && !this.#startsSoon()) return t('event.startsAt', { time: this.#formatStart() });
    return '';
  }

  #onClick = () => {
    if (this.state === 'error') void this.refresh();
    else void this.openCall();
  };

  #togglePanel = async () => {
    this._panelOpen = !this._panelOpen;
    if (this._panelOpen) {
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLElement>('call-invite-panel')?.focus();
    }
  };

  #closePanel(): void {
    this._panelOpen = false;
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLButtonElement>('[part~="manage"]')?.focus());
  }

  #renderPanel(session: CallSessionRecord): TemplateResult {
    const t = this.#i18n.t;
    return html`<call-invite-panel
      id="panel"
      part="panel"
      exportparts="invite-form, invitee, submit, message, participants"
      session-id=${session.id}
      event-id=${this.eventId}
      lang=${this.#i18n.lang}
      .client=${this.#clients.current}
      @keydown=${(event: KeyboardEvent) => {
        if (event.key === 'Escape') {
          event.stopPropagation();
          this.#closePanel();
        }
      }}
    >
      <button slot="actions" class="close" aria-label=${t('event.close')} title=${t('event.close')} @click=${() => this.#closePanel()}>${closeIcon}</button>
    </call-invite-panel>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'event-call-button': EventCallButton;
  }
  interface HTMLElementEventMap extends EventCallButtonEventMap {}
}
