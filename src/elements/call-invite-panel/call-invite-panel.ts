import { html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit';
import type { CallClientView } from '../../core/call-client.ts';
import type { InvitationNotice } from '../../core/invitations.ts';
import { ClientController } from '../../controllers/client-controller.ts';
import { LocalizeController } from '../../controllers/localize-controller.ts';
import { RosterController } from '../../controllers/roster-controller.ts';
import { errorCode, fire, type CallErrorDetail } from '../shared/events.ts';
import { describeNotice } from '../shared/invitation-notice.ts';
import { theme } from '../shared/theme.styles.ts';
import { styles } from './call-invite-panel.styles.ts';

export interface CallInviteDetail {
  /** The panel's `event-id` (the event button's event), else `''`. */
  eventId: string;
  sessionId: string;
  invitee: string;
}

export interface CallInvitePanelEventMap {
  'call-invite': CustomEvent<CallInviteDetail>;
  'call-error': CustomEvent<CallErrorDetail>;
}

/** What the panel shows: people still loading, the form (`ready`, `empty`), or why not. */
export type CallInvitePanelState = 'idle' | 'loading' | 'ready' | 'empty' | 'not-host' | 'error';

/**
 * The host's invitations of a call: a field to invite someone by user id or e-mail, a polite
 * status line, and the people invited, each with a button to withdraw the invitation.
 *
 * `<event-call-button>` opens one for its host; on its own it takes `session-id` and a client
 * (the `client` property, `supabase-url` + `supabase-anon-key`, or `CallWidgets.configure()`).
 * Only the session's host can invite: anyone else sees the list and a line saying so.
 *
 * @summary Invite people to a call and withdraw invitations, for the call's host.
 *
 * @tagname call-invite-panel
 *
 * @fires call-invite - The host invited someone. `detail: { eventId, sessionId, invitee }`
 * @fires call-error - Inviting failed, or the people could not be loaded. `detail: { code, message, sessionId }`
 *
 * @slot actions - Buttons for the panel's top corner (the event button puts its Close there).
 *
 * @csspart base - The panel's content.
 * @csspart invite-form - The form to invite someone.
 * @csspart invitee - The user id or e-mail field.
 * @csspart submit - The Invite button.
 * @csspart message - The status line under the field (invited, already invited, failed; then
 * whether the invitation went out by e-mail and push).
 * @csspart notice - The line shown instead of the form (loading, not the host, error) or beside it (nobody invited yet).
 * @csspart participants - The `<call-participants manage>` list.
 *
 * @cssprop --call-surface-background - Panel background. Default `#ffffff` (dark: `#1e293b`).
 * @cssprop --call-surface-foreground - Panel text. Default `#0f172a` (dark: `#f1f5f9`).
 * @cssprop --call-border-color - Panel and field borders. Default `#cbd5e1` (dark: `#475569`).
 * @cssprop --call-muted-foreground - Notices. Default `#64748b` (dark: `#94a3b8`).
 * @cssprop --call-accent-color - The Invite button. Default `#2563eb`.
 * @cssprop --call-accent-foreground - Text on the Invite button. Default `#ffffff`.
 * @cssprop --call-success-text-color - "… is invited". Default `--call-live-color`, `#15803d` (dark: `#86efac`).
 * @cssprop --call-danger-text-color - Errors. Default `--call-danger-color`, `#dc2626` (dark: `#fca5a5`).
 * @cssprop --call-focus-color - Keyboard focus ring. Default `#2563eb` (dark: `#93c5fd`).
 * @cssprop --call-shadow-color - The panel's shadow. Default `rgb(15 23 42 / 0.12)` (dark: `rgb(0 0 0 / 0.5)`).
 * @cssprop --call-radius - Corner radius. Default `8px`.
 * @cssprop --call-font-family - Font. Default inherited.
 */
export class CallInvitePanel extends LitElement {
  static override get styles() {
    return [theme, styles];
  }

  static override get properties() {
    return {
      sessionId: { type: String, attribute: 'session-id', reflect: true },
      eventId: { type: String, attribute: 'event-id' },
      supabaseUrl: { type: String, attribute: 'supabase-url' },
      supabaseAnonKey: { type: String, attribute: 'supabase-anon-key' },
      lang: { type: String },
      client: { attribute: false },
      state: { type: String, reflect: true },
      _busy: { state: true },
      _message: { state: true },
    };
  }

  /** The `video_call_sessions.id` to invite people to. */
  declare sessionId: string;
  /** The calendar event the call belongs to, passed on in `call-invite` (optional). */
  declare eventId: string;
  /** Supabase project URL, when the page has not called `CallWidgets.configure()`. */
  declare supabaseUrl: string;
  /** Supabase anon key, with `supabase-url`. */
  declare supabaseAnonKey: string;
  /** `en` or `ru`; without it, the nearest `lang` of an ancestor, else the document's. */
  declare lang: string;
  /** A CallClient to use instead of attributes or the page default. */
  declare client: CallClientView | undefined;
  /** What the panel shows now (reflected, so hosts can style by it). Read-only in practice. */
  declare state: CallInvitePanelState;
  declare _busy: boolean;
  declare _message: { text: string; error: boolean; partial?: boolean } | undefined;

  readonly #i18n = new LocalizeController(this);
  readonly #clients = new ClientController(this);
  readonly #roster = new RosterController(this, this.#clients, {
    failed: (code, message) => fire<CallErrorDetail>(this, 'call-error', { code, message: this.#loadError(code, message), sessionId: this.sessionId || null }),
  });
  /** `focus()` came before the field existed: focus it once it does. */
  #focusWanted = false;

  constructor() {
    super();
    this.sessionId = '';
    this.eventId = '';
    this.supabaseUrl = '';
    this.supabaseAnonKey = '';
    this.lang = '';
    this.state = 'idle';
    this._busy = false;
  }

  /** Puts focus in the invite field (as soon as the panel knows its user is the host). */
  override focus(options?: FocusOptions): void {
    const field = this.#field();
    if (field) field.focus(options);
    else this.#focusWanted = true;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('sessionId')) this._message = undefined;
    void this.#roster.follow(this.sessionId || null);
    this.state = this.#state();
  }

  protected override updated(): void {
    const field = this.#field();
    if (this.#focusWanted && field) {
      this.#focusWanted = false;
      field.focus();
    }
  }

  #state(): CallInvitePanelState {
    const roster = this.#roster;
    if (roster.state !== 'ready') return roster.state;
    const people = roster.participants;
    if (!people.some((p) => p.isLocal && p.role === 'host')) return 'not-host';
    return people.some((p) => p.role !== 'host') ? 'ready' : 'empty';
  }

  #field(): HTMLInputElement | null {
    return this.renderRoot?.querySelector<HTMLInputElement>('#invitee') ?? null;
  }

  #loadError(code: CallErrorDetail['code'] | undefined, message: string): string {
    return code === 'no_backend' ? this.#i18n.t('error.no_backend') : message;
  }

  protected override render(): TemplateResult {
    const t = this.#i18n.t;
    const state = this.state;
    const hosting = state === 'ready' || state === 'empty';
    return html`<div part="base" class="base" role="group" aria-label=${t('invitePanel.label')} aria-busy=${state === 'loading' || this._busy ? 'true' : 'false'}>
      <slot name="actions"></slot>
      ${hosting ? this.#renderForm() : nothing}
      ${state === 'loading'
        ? html`<p part="notice" class="notice" role="status">${t('invitePanel.loading')}</p>`
        : state === 'not-host'
          ? html`<p part="notice" class="notice">${t('invitePanel.notHost')}</p>`
          : state === 'error'
            ? html`<p part="notice" class="notice error" role="alert">${t('invitePanel.error', { message: this.#loadError(this.#roster.errorCode, this.#roster.error) })}</p>`
            : state === 'empty'
              ? html`<p part="notice" class="notice">${t('invitePanel.empty')}</p>`
              : nothing}
      ${state === 'idle' || state === 'error'
        ? nothing
        : html`<call-participants
            part="participants"
            manage
            heading=""
            .client=${this.#clients.current}
            session-id=${this.sessionId}
            lang=${this.#i18n.lang}
          ></call-participants>`}
    </div>`;
  }

  #renderForm(): TemplateResult {
    const t = this.#i18n.t;
    const message = this._message;
    return html`<form part="invite-form" class="invite" @submit=${this.#invite} novalidate>
      <label for="invitee">${t('inviteForm.label')}</label>
      <div class="invite-row">
        <input part="invitee" id="invitee" name="invitee" type="text" autocomplete="email" inputmode="email" spellcheck="false" ?disabled=${this._busy} />
        <button part="submit" type="submit" ?disabled=${this._busy}>${t('inviteForm.submit')}</button>
      </div>
      <p part="message" class="invite-message ${message?.error ? 'error' : message?.partial ? 'partial' : ''}" role="status" aria-live="polite">${message?.text ?? ''}</p>
    </form>`;
  }

  /**
   * What the invitation's channels did, in the status line (its polite live region says it). The
   * newest news wins the line: an earlier invitation's outcome arriving later is still said.
   */
  #notified(who: string, notice: InvitationNotice): void {
    if (notice.sessionId !== this.sessionId) return;
    const { text, partial } = describeNotice(this.#i18n.t, notice);
    this._message = { text: [this.#i18n.t('answer.notice.invited', { who }), text].filter(Boolean).join(' '), error: false, partial };
  }

  #invite = async (event: SubmitEvent) => {
    event.preventDefault();
    const t = this.#i18n.t;
    const input = this.#field()!;
    const invitee = input.value.trim();
    const client = this.#clients.current;
    const sessionId = this.sessionId;
    if (!client || !sessionId || this._busy) return;
    if (!invitee) {
      this._message = { text: t('inviteForm.empty'), error: true };
      input.focus();
      return;
    }
    this._busy = true;
    this._message = { text: t('inviteForm.sending', { who: invitee }), error: false };
    // With notifyInvitations the panel sends the invitation itself, to say how it went; a client
    // without it notifies inside invite(), and the panel says only "invited".
    const notify = client.notifyInvitations?.bind(client);
    try {
      const row = await client.invite(sessionId, invitee, notify ? { notify: false } : {});
      this._message = { text: notify ? t('answer.notice.sending', { who: invitee }) : t('inviteForm.sent', { who: invitee }), error: false };
      input.value = '';
      fire<CallInviteDetail>(this, 'call-invite', { eventId: this.eventId, sessionId, invitee });
      if (notify) void notify(sessionId, [row]).then((notice) => this.#notified(invitee, notice));
      await this.#roster.reload();
    } catch (error) {
      const code = errorCode(error);
      const text = code === 'already_invited' ? t('inviteForm.already', { who: invitee }) : t('inviteForm.failed', { message: (error as Error).message });
      this._message = { text, error: true };
      fire<CallErrorDetail>(this, 'call-error', { code, message: (error as Error).message, sessionId });
    } finally {
      this._busy = false;
      await this.updateComplete;
      input.focus();
    }
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'call-invite-panel': CallInvitePanel;
  }
  interface HTMLElementEventMap extends CallInvitePanelEventMap {}
}
