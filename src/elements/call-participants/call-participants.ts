import { html, LitElement, nothing, type TemplateResult } from 'lit';
import type { CallClientView } from '../../core/call-client.ts';
import type { CallSessionView, Participant } from '../../core/call-session.ts';
import { compareParticipants } from '../../core/participant.ts';
import { ClientController } from '../../controllers/client-controller.ts';
import { HostControlsController } from '../../controllers/host-controls-controller.ts';
import { LocalizeController } from '../../controllers/localize-controller.ts';
import { RosterController } from '../../controllers/roster-controller.ts';
import { SessionController } from '../../controllers/session-controller.ts';
import type { StringKey } from '../../i18n/index.ts';
import { initials } from '../shared/avatar.ts';
import { visuallyHidden } from '../shared/shared.styles.ts';
import { theme } from '../shared/theme.styles.ts';
import { errorCode, fire, type CallErrorDetail } from '../shared/events.ts';
import { camIcon, camOffIcon, closeIcon, micIcon, micOffIcon } from '../shared/icons.ts';
import { styles } from './call-participants.styles.ts';
import { hostControlsStyles } from './host-controls.styles.ts';

export interface ParticipantRemoveDetail {
  sessionId: string;
  participant: Participant;
}

export interface CallParticipantsEventMap {
  'call-participant-remove': CustomEvent<ParticipantRemoveDetail>;
  'call-error': CustomEvent<CallErrorDetail>;
}

/**
 * The people of a call: who is invited and how they answered, who is in the call now, with mic,
 * camera and speaking shown live.
 *
 * Three ways to feed it, first match wins: the `participants` property (a fixed list, e.g. for a
 * preview), the `session` property (a joined CallSession: live presence), or `session-id` with a
 * client (attributes or `CallWidgets.configure()`): the stored invitations, followed live, with
 * presence once this page joins the call.
 *
 * @summary A live, accessible list of a call session's participants — before, during and after
 * the call.
 *
 * @tagname call-participants
 *
 * @fires call-participant-remove - A host asked to withdraw someone's invitation (cancelable: call
 * `preventDefault()` to handle it yourself). `detail: { sessionId, participant }`
 * @fires call-error - The list could not be loaded, an invitation could not be withdrawn, or one of
 * the host's controls was refused (`not_host`…). `detail: { code, message, sessionId }`
 *
 * The host of a joined `session` gets host controls without `manage`: a "Waiting to join" section
 * (a call with a lobby) with Admit and Decline per guest, and per person in the call Mute (or Ask
 * to unmute) and Remove, confirmed in place.
 *
 * @csspart base - The whole list, heading included.
 * @csspart heading - The heading with the number of people.
 * @csspart list - The `<ul>`.
 * @csspart item - One person.
 * @csspart avatar - Picture or initials.
 * @csspart name - The person's name.
 * @csspart status - The line with role, answer and presence.
 * @csspart indicators - Mic and camera icons (only for people in the call).
 * @csspart hand-raised - The raised hand of someone in the call (people with a hand up are listed first, by who raised first).
 * @csspart remove - The host's "withdraw invitation" button.
 * @csspart waiting - The host's "Waiting to join" section (a call with a lobby).
 * @csspart waiting-heading - Its heading, with the number of guests waiting.
 * @csspart waiting-list - Its list; each guest is an `item waiting-item`.
 * @csspart host-action - Each host control, with its own part too: `admit`, `decline`, `mute`, `ask-unmute`,
 * `remove-participant`, `remove-confirm`, `cancel`.
 *
 * @cssprop --call-list-background - Background. Default `transparent`.
 * @cssprop --call-list-foreground - Text color. Default `inherit`.
 * @cssprop --call-muted-foreground - Secondary text. Default `#64748b` (dark: `#94a3b8`).
 * @cssprop --call-accent-color - Initials background (tinted). Default `#2563eb`.
 * @cssprop --call-accent-text-color - Initials. Default `--call-accent-color`, `#2563eb` (dark: `#93c5fd`).
 * @cssprop --call-surface-background - What the initials' tint is mixed with, and the presence dot's ring. Default `#ffffff` (dark: `#1e293b`).
 * @cssprop --call-speaking-color - Ring around whoever speaks, and the presence dot. Default `#16a34a` (dark: `#22c55e`).
 * @cssprop --call-success-text-color - "N in the call". Default `--call-live-color`, `#15803d` (dark: `#86efac`).
 * @cssprop --call-danger-text-color - "Off" icons, declined answers, errors. Default `--call-danger-color`, `#dc2626` (dark: `#fca5a5`).
 * @cssprop --call-subtle-background - The withdraw button under the pointer. Default `#e2e8f0` (dark: `#334155`).
 * @cssprop --call-focus-color - Keyboard focus ring. Default `#2563eb` (dark: `#93c5fd`).
 * @cssprop --call-font-family - Font. Default inherited.
 */
export class CallParticipants extends LitElement {
  static override get styles() {
    return [theme, visuallyHidden, styles, hostControlsStyles];
  }

  static override get properties() {
    return {
      sessionId: { type: String, attribute: 'session-id', reflect: true },
      supabaseUrl: { type: String, attribute: 'supabase-url' },
      supabaseAnonKey: { type: String, attribute: 'supabase-anon-key' },
      lang: { type: String },
      heading: { type: String },
      manage: { type: Boolean },
      client: { attribute: false },
      session: { attribute: false },
      participants: { attribute: false },
    };
  }

  /** The `video_call_sessions.id` whose people to list. */
  declare sessionId: string;
  /** Supabase project URL, when the page has not called `CallWidgets.configure()`. */
  declare supabaseUrl: string;
  /** Supabase anon key, with `supabase-url`. */
  declare supabaseAnonKey: string;
  /** `en` or `ru`; without it, the nearest `lang` of an ancestor, else the document's. */
  declare lang: string;
  /** The heading's text; default "People (N)". An empty string hides the heading. */
  declare heading: string | undefined;
  /** Show a "withdraw invitation" button on guests when the signed-in user is the host. */
  declare manage: boolean;
  /** A CallClient to use instead of attributes or the page default. */
  declare client: CallClientView | undefined;
  /** A fixed list to show instead of loading one (previews, Storybook, tests). */
  declare participants: Participant[] | undefined;

  readonly #i18n = new LocalizeController(this);
  readonly #clients = new ClientController(this);
  readonly #session = new SessionController(this);
  readonly #roster = new RosterController(this, this.#clients, {
    failed: (code, message) => {
      const text = code === 'no_backend' ? this.#i18n.t('error.no_backend') : message;
      fire<CallErrorDetail>(this, 'call-error', { code, message: text, sessionId: this.sessionId || null });
    },
  });
  readonly #hostControls = new HostControlsController(this, this.#i18n, { session: () => this.session });
  #removing = new Set<string>();

  constructor() {
    super();
    this.sessionId = '';
    this.supabaseUrl = '';
    this.supabaseAnonKey = '';
    this.lang = '';
    this.manage = false;
  }

  /** A joined CallSession (or look-alike) to follow live (set by the host page or `<video-call-room>`). */
  get session(): CallSessionView | undefined {
    return this.#session.session;
  }

  set session(session: CallSessionView | undefined) {
    this.#session.session = session;
  }

  /** The list as shown, in display order. */
  get people(): Participant[] {
    const source = this.participants ?? (this.session ? this.session.participants : this.#roster.participants);
    return [...source].sort(compareParticipants);
  }

  /** Re-reads the stored invitations (e.g. after the host page changed them). */
  async reload(): Promise<void> {
    await this.#roster.reload();
  }

  protected override willUpdate(): void {
    const wantsRoster = !this.participants && !this.session && Boolean(this.sessionId);
    void this.#roster.follow(wantsRoster ? this.sessionId : null);
  }

  protected override render(): TemplateResult {
    const t = this.#i18n.t;
    const people = this.people;
    const inCall = people.filter((p) => p.presence === 'connected').length;
    const heading = this.heading ?? t('people.heading', { count: people.length });
    const fromRoster = !this.participants && !this.session;
    const loading = fromRoster && this.#roster.state === 'loading';
    // In a joined call its host has the host controls instead of withdrawing invitations.
    const canManage = this.manage && !this.#hostControls.hosted && people.some((p) => p.isLocal && p.role === 'host');
    return html`<section part="base" class="base" aria-labelledby=${heading ? 'heading' : nothing} aria-label=${heading ? nothing : t('people.label')} aria-busy=${loading ? 'true' : 'false'}>
      ${heading
        ? html`<h3 id="heading" part="heading">
            ${heading}${inCall ? html` <span class="in-call">&middot; ${t('people.inCall', { count: inCall })}</span>` : nothing}
          </h3>`
        : nothing}
      ${this.#hostControls.renderLive()} ${this.#hostControls.renderWaiting()}
      ${fromRoster && this.#roster.state === 'error'
        ? html`<p class="notice error" role="alert">${t('people.error', { message: this.#roster.errorCode === 'no_backend' ? t('error.no_backend') : this.#roster.error })}</p>`
        : loading
          ? html`<p class="notice" role="status">${t('people.loading')}</p>`
          : people.length === 0
            ? html`<p class="notice">${t('people.empty')}</p>`
            : html`<ul part="list" role="list">
                ${people.map((participant) => this.#renderPerson(participant, canManage))}
              </ul>`}
    </section>`;
  }

  /** `canManage`: the host asked for `manage` — guests get a withdraw button. */
  #renderPerson(participant: Participant, canManage: boolean): TemplateResult {
    const t = this.#i18n.t;
    const name = participant.isLocal ? t('tile.you', { name: participant.name }) : participant.name;
    const present = participant.presence === 'connected';
    const status = [
      participant.role === 'host' ? t('people.host') : '',
      participant.role === 'host' ? '' : t(`invite.${participant.inviteStatus}` as StringKey),
      t(`presence.${participant.presence}` as StringKey),
    ].filter(Boolean);
    const media = present
      ? [
          participant.hand ? t('tile.hand') : '',
          participant.mic ? t('people.micOn') : t('tile.muted'),
          participant.cam ? t('people.camOn') : t('tile.cameraOff'),
          participant.speaking && participant.mic ? t('tile.speaking') : '',
        ]
      : [];
    const canRemove = canManage && participant.role !== 'host' && !participant.isLocal;
    return html`<li
      part="item"
      class="person presence-${participant.presence} invite-${participant.inviteStatus} ${participant.speaking && participant.mic && present ? 'speaking' : ''}"
      data-id=${participant.id}
    >
      <span class="avatar" part="avatar" aria-hidden="true">
        ${participant.avatarUrl ? html`<img src=${participant.avatarUrl} alt="" />` : html`<span>${initials(participant.name)}</span>`}
        ${present ? html`<span class="dot"></span>` : nothing}
      </span>
      <span class="text">
        <span class="name" part="name">${name}</span>
        <span class="status" part="status"><span class="summary">${status.join(' · ')}</span>${media.filter(Boolean).length ? html`<span class="visually-hidden">, ${media.filter(Boolean).join(', ')}</span>` : nothing}</span>
      </span>
      ${present
        ? html`<span class="indicators" part="indicators" aria-hidden="true">
            ${participant.hand ? html`<span class="hand" part="hand-raised" title=${t('tile.hand')}>&#x270B;</span>` : nothing}
            <span class=${participant.mic ? 'on' : 'off'} title=${participant.mic ? t('people.micOn') : t('tile.muted')}>${participant.mic ? micIcon : micOffIcon}</span>
            <span class=${participant.cam ? 'on' : 'off'} title=${participant.cam ? t('people.camOn') : t('tile.cameraOff')}>${participant.cam ? camIcon : camOffIcon}</span>
          </span>`
        : nothing}
      ${this.#hostControls.renderActions(participant)}
      ${canRemove
        ? html`<button
            part="remove"
            class="remove"
            ?disabled=${this.#removing.has(participant.id)}
            aria-label=${t('people.remove', { name: participant.name })}
            title=${t('people.remove', { name: participant.name })}
            @click=${() => this.#remove(participant)}
          >
            ${closeIcon}
          </button>`
        : nothing}
    </li>`;
  }

  async #remove(participant: Participant): Promise<void> {
    const sessionId = this.sessionId || this.session?.id || '';
    if (!fire<ParticipantRemoveDetail>(this, 'call-participant-remove', { sessionId, participant }, { cancelable: true })) return;
    const client = this.#clients.current;
    const rowId = participant.rowId;
    if (!client || !rowId) return;
    this.#removing.add(participant.id);
    this.requestUpdate();
    try {
      await client.uninvite(rowId);
      await this.#roster.reload();
    } catch (error) {
      fire<CallErrorDetail>(this, 'call-error', { code: errorCode(error), message: (error as Error).message, sessionId });
    } finally {
      this.#removing.delete(participant.id);
      this.requestUpdate();
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'call-participants': CallParticipants;
  }
  interface HTMLElementEventMap extends CallParticipantsEventMap {}
}
