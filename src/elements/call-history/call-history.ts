import { html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { callHistoryCsv, type CallHistoryAttendee, type CallHistoryCsvLabels, type CallHistoryRecord } from '../../core/call-history.ts';
import type { CallClientView } from '../../core/call-client.ts';
import { CallHistoryController, type CallHistoryState } from '../../controllers/call-history-controller.ts';
import { ClientController } from '../../controllers/client-controller.ts';
import { LocalizeController } from '../../controllers/localize-controller.ts';
import type { StringKey } from '../../i18n/index.ts';
import { fire, type CallErrorDetail } from '../shared/events.ts';
import { visuallyHidden } from '../shared/shared.styles.ts';
import { theme } from '../shared/theme.styles.ts';
import { styles } from './call-history.styles.ts';
import { formatDuration, formatWhen, plural } from './history-format.ts';

export interface CallHistoryExportDetail {
  /** The file's text (without the byte-order mark the download adds for spreadsheets). */
  csv: string;
  filename: string;
  rows: CallHistoryRecord[];
}

export interface CallHistoryEventMap {
  'call-history-export': CustomEvent<CallHistoryExportDetail>;
  'call-error': CustomEvent<CallErrorDetail>;
}

const CSV_KEYS: Record<keyof CallHistoryCsvLabels, StringKey> = {
  session: 'history.csv.session',
  title: 'history.csv.title',
  started: 'history.csv.started',
  ended: 'history.csv.ended',
  duration: 'history.csv.duration',
  host: 'history.csv.host',
  messages: 'history.csv.messages',
  participant: 'history.csv.participant',
  userId: 'history.csv.userId',
  invitation: 'history.csv.invitation',
  joined: 'history.csv.joined',
  left: 'history.csv.left',
  attended: 'history.csv.attended',
};

/**
 * The calls linked to a CRM entity — a deal, a task — for audit: newest first, when each was and
 * how long it took, its host, how many of the invited came, the chat's message count, and per
 * call (a disclosure button) who was invited, who came and for how long. Export CSV downloads
 * the rows shown, one line per participant per call.
 *
 * Only calls the signed-in user is a member of are listed: anyone else sees the empty state. It
 * reads again by itself when a call of its client starts or ends on this page (joined, left,
 * ended or removed), when the signed-in user changes, and on `refresh()`.
 *
 * It takes `entity-type` and `entity-id` and a client (the `client` property, `supabase-url` +
 * `supabase-anon-key`, or `CallWidgets.configure()`). Wide, it is a table; narrower than 640 px
 * (its own width) or on a phone, each call is a card.
 *
 * @summary A CRM deal's or task's calls, with attendance, in Russian and English, and a CSV export.
 *
 * @tagname call-history
 *
 * @fires call-history-export - Export CSV was pressed (cancelable: `preventDefault()` keeps the
 * browser from downloading, to handle the file yourself). `detail: { csv, filename, rows }`
 * @fires call-error - The history could not be read. `detail: { code, message, sessionId: null }`
 *
 * @csspart base - The whole element.
 * @csspart heading - The heading with the number of calls.
 * @csspart export - The Export CSV button.
 * @csspart notice - Loading, empty, signed-out and error lines.
 * @csspart retry - Try again, after an error.
 * @csspart table - The table of calls (cards on a narrow screen).
 * @csspart call - One call's row.
 * @csspart toggle - A call's disclosure button (who came).
 * @csspart attendance - A call's list of who was invited and who came.
 * @csspart attendee - One person in it.
 *
 * @cssprop --call-surface-background - Background. Default `#ffffff` (dark: `#1e293b`).
 * @cssprop --call-surface-foreground - Text. Default `#0f172a` (dark: `#f1f5f9`).
 * @cssprop --call-border-color - Borders and lines between calls. Default `#cbd5e1` (dark: `#475569`).
 * @cssprop --call-subtle-background - Column headings, an open call's details, buttons under the pointer. Default `#e2e8f0` (dark: `#334155`).
 * @cssprop --call-muted-foreground - Secondary text. Default `#64748b` (dark: `#94a3b8`).
 * @cssprop --call-success-text-color - "In the call now". Default `--call-live-color`, `#15803d` (dark: `#86efac`).
 * @cssprop --call-danger-text-color - Errors. Default `--call-danger-color`, `#dc2626` (dark: `#fca5a5`).
 * @cssprop --call-focus-color - Keyboard focus ring. Default `#2563eb` (dark: `#93c5fd`).
 * @cssprop --call-radius - Corner radius. Default `8px`.
 * @cssprop --call-font-family - Font. Default inherited.
 */
export class CallHistory extends LitElement {
  static override get styles() {
    return [theme, visuallyHidden, styles];
  }

  static override get properties() {
    return {
      entityType: { type: String, attribute: 'entity-type', reflect: true },
      entityId: { type: String, attribute: 'entity-id', reflect: true },
      supabaseUrl: { type: String, attribute: 'supabase-url' },
      supabaseAnonKey: { type: String, attribute: 'supabase-anon-key' },
      lang: { type: String },
      heading: { type: String },
      client: { attribute: false },
      state: { type: String, reflect: true },
      _open: { state: true },
      _announcement: { state: true },
    };
  }

  /** What the calls are linked to: `deal`, `task`… (`video_call_sessions.crm_entity_type`). */
  declare entityType: string;
  /** Its id in the CRM (`crm_entity_id`). */
  declare entityId: string;
  /** Supabase project URL, when the page has not called `CallWidgets.configure()`. */
  declare supabaseUrl: string;
  /** Supabase anon key, with `supabase-url`. */
  declare supabaseAnonKey: string;
  /** `en` or `ru`; without it, the nearest `lang` of an ancestor, else the document's. */
  declare lang: string;
  /** The heading's text; default "Calls (N)". An empty string hides the heading. */
  declare heading: string | undefined;
  /** A CallClient to use instead of attributes or the page default. */
  declare client: CallClientView | undefined;
  /** What the element shows now (reflected, so hosts can style by it). Read-only in practice. */
  declare state: CallHistoryState;
  declare _open: ReadonlySet<string>;
  declare _announcement: string;

  readonly #i18n = new LocalizeController(this);
  readonly #clients = new ClientController(this, () => void this.#history.load());
  readonly #history: CallHistoryController = new CallHistoryController(this, this.#clients, {
    failed: (code, message) => {
      const text = code === 'no_backend' ? this.#i18n.t('error.no_backend') : message;
      fire<CallErrorDetail>(this, 'call-error', { code, message: text, sessionId: null });
    },
    loaded: (rows, refreshed) => {
      if (refreshed) this._announcement = this.#i18n.t('history.updated', { calls: plural(this.#i18n.t, this.#i18n.lang, 'history.calls', rows.length) });
    },
  });
  /** Try again was pressed: focus goes back into the element once the read is done. */
  #retried = false;

  constructor() {
    super();
    this.entityType = '';
    this.entityId = '';
    this.supabaseUrl = '';
    this.supabaseAnonKey = '';
    this.lang = '';
    this.state = 'idle';
    this._open = new Set();
    this._announcement = '';
  }

  /** The calls shown, newest first. */
  get calls(): CallHistoryRecord[] {
    return this.#history.rows;
  }

  /** Reads the history again (a host page that knows a call changed). */
  refresh(): Promise<void> {
    return this.#history.load();
  }

  /** The calls shown as CSV, headed in the element's language (what Export CSV downloads). */
  csv(): string {
    const t = this.#i18n.t;
    const labels = Object.fromEntries(Object.entries(CSV_KEYS).map(([name, key]) => [name, t(key)])) as unknown as CallHistoryCsvLabels;
    return callHistoryCsv(this.calls, labels, (status) => t(`invite.${status}` as StringKey));
  }

  /** Downloads the CSV, unless a `call-history-export` listener took it (`preventDefault()`). */
  exportCsv(): void {
    const csv = this.csv();
    const safe = (part: string) => part.replace(/[^\p{L}\p{N}_.-]+/gu, '-').slice(0, 60);
    const filename = `calls-${safe(this.entityType)}-${safe(this.entityId)}.csv`;
    if (!fire<CallHistoryExportDetail>(this, 'call-history-export', { csv, filename, rows: this.calls }, { cancelable: true })) return;
    // The byte-order mark makes spreadsheet programs read the file as UTF-8 (Cyrillic names).
    const url = URL.createObjectURL(new Blob(['\ufeff', csv], { type: 'text/csv;charset=utf-8' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = filename;
    link.hidden = true;
    this.renderRoot.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 0);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('entityType') || changed.has('entityId')) this._open = new Set();
    this.#history.follow(this.entityType.trim(), this.entityId.trim());
    this.state = this.#history.state;
  }

  protected override updated(): void {
    if (!this.#retried || this.state === 'loading') return;
    this.#retried = false;
    const target = this.state === 'error' ? this.renderRoot.querySelector<HTMLElement>('[part~="retry"]') : this.renderRoot.querySelector<HTMLElement>('.base');
    target?.focus();
  }

  protected override render(): TemplateResult {
    const t = this.#i18n.t;
    const state = this.state;
    const calls = this.calls;
    const heading = this.heading ?? t('history.heading', { count: calls.length });
    const busy = state === 'loading' || this.#history.refreshing;
    return html`<section part="base" class="base" tabindex="-1" aria-labelledby=${heading ? 'heading' : nothing} aria-label=${heading ? nothing : t('history.label')} aria-busy=${busy ? 'true' : 'false'}>
      ${heading || state === 'ready'
        ? html`<div class="head">
            ${heading ? html`<h3 id="heading" part="heading">${heading}</h3>` : nothing}
            ${state === 'ready' ? html`<button part="export" type="button" class="secondary export" @click=${() => this.exportCsv()}>${t('history.export')}</button>` : nothing}
          </div>`
        : nothing}
      ${this.#renderState(state)}
      <div class="visually-hidden" role="status" aria-live="polite" aria-atomic="true">${this._announcement}</div>
    </section>`;
  }

  #renderState(state: CallHistoryState): TemplateResult | typeof nothing {
    const t = this.#i18n.t;
    switch (state) {
      case 'loading':
        return html`<p part="notice" class="notice" role="status">${t('history.loading')}</p>`;
      case 'empty':
        return html`<p part="notice" class="notice">${t('history.empty')}</p>`;
      case 'signed-out':
        return html`<p part="notice" class="notice">${t('history.signedOut')}</p>`;
      case 'error': {
        const noBackend = this.#history.errorCode === 'no_backend';
        return html`<div part="notice" class="notice error">
          <p role="alert">${t('history.error', { message: noBackend ? t('error.no_backend') : this.#history.error })}</p>
          ${noBackend ? nothing : html`<button part="retry" type="button" class="secondary" @click=${this.#retry}>${t('history.retry')}</button>`}
        </div>`;
      }
      case 'ready':
        return this.#renderTable();
      default:
        return nothing;
    }
  }

  #renderTable(): TemplateResult {
    const t = this.#i18n.t;
    // Roles spelled out: the cards on a narrow screen change the cells' display, which would take
    // the table's meaning away from screen readers otherwise.
    return html`<table part="table" role="table">
      <thead role="rowgroup">
        <tr role="row">
          <th role="columnheader" scope="col">${t('history.col.when')}</th>
          <th role="columnheader" scope="col">${t('history.col.title')}</th>
          <th role="columnheader" scope="col">${t('history.col.duration')}</th>
          <th role="columnheader" scope="col">${t('history.col.host')}</th>
          <th role="columnheader" scope="col">${t('history.col.people')}</th>
          <th role="columnheader" scope="col">${t('history.col.messages')}</th>
          <th role="columnheader" scope="col"><span class="visually-hidden">${t('history.col.details')}</span></th>
        </tr>
      </thead>
      ${this.calls.map((call, index) => this.#renderCall(call, index))}
    </table>`;
  }

  #renderCall(call: CallHistoryRecord, index: number): TemplateResult {
    const t = this.#i18n.t;
    const lang = this.#i18n.lang;
    const open = this._open.has(call.session_id);
    const title = call.title || t('history.untitled');
    const when = call.started_at ? formatWhen(lang, call.started_at) : t('history.notStarted');
    const duration = call.duration_s !== null ? formatDuration(t, call.duration_s) : call.started_at ? t('history.inProgress') : '—';
    const came = call.participants.filter((person) => person.joined_at).length;
    const messages = call.message_count ? plural(t, lang, 'history.messages', call.message_count) : t('history.noMessages');
    const detailsId = `attendance-${index}`;
    return html`<tbody role="rowgroup" class="call ${open ? 'open' : ''}" data-session-id=${call.session_id}>
      <tr part="call" role="row">
        <td role="cell" class="when" data-label=${t('history.col.when')}>${call.started_at ? html`<time datetime=${call.started_at}>${when}</time>` : when}</td>
        <td role="cell" class="title" data-label=${t('history.col.title')} dir="auto">${title}</td>
        <td role="cell" data-label=${t('history.col.duration')}>${duration}</td>
        <td role="cell" data-label=${t('history.col.host')} dir="auto">${call.host_name || t('history.someone')}</td>
        <td role="cell" data-label=${t('history.col.people')}>${t('history.came', { came, invited: call.participants.length })}</td>
        <td role="cell" data-label=${t('history.col.messages')}>${messages}</td>
        <td role="cell" class="toggle-cell">
          <button
            part="toggle"
            type="button"
            class="secondary toggle"
            aria-expanded=${open ? 'true' : 'false'}
            aria-controls=${detailsId}
            aria-label=${t('history.details.label', { title, when })}
            @click=${() => this.#toggle(call.session_id)}
          >
            <span class="chevron" aria-hidden="true"></span>${t('history.details')}
          </button>
        </td>
      </tr>
      <tr role="row" class="details" id=${detailsId} ?hidden=${!open}>
        <td role="cell" colspan="7">
          ${open
            ? html`<ul part="attendance" class="attendance" role="list">
                ${call.participants.map((person, position) => this.#renderAttendee(call, person, position === 0))}
              </ul>`
            : nothing}
        </td>
      </tr>
    </tbody>`;
  }

  #renderAttendee(call: CallHistoryRecord, person: CallHistoryAttendee, first: boolean): TemplateResult {
    const t = this.#i18n.t;
    const name = person.display_name || t('history.someone');
    // The RPC lists the host first.
    const isHost = first && Boolean(call.host_name) && person.display_name === call.host_name;
    const open = person.joined_at && !call.ended_at && (!person.left_at || Date.parse(person.left_at) < Date.parse(person.joined_at));
    const attendance = !person.joined_at
      ? t('history.absent')
      : open
        ? t('history.inCallNow')
        : t('history.attended', { duration: formatDuration(t, person.attended_s ?? 0) });
    return html`<li part="attendee" class="attendee ${person.joined_at ? 'came' : 'absent'} ${open ? 'now' : ''}">
      <span class="name" dir="auto">${name}${isHost ? html` <span class="role">(${t('people.host')})</span>` : nothing}</span>
      <span class="answer">${isHost ? '' : t(`invite.${person.invite_status}` as StringKey)}</span>
      <span class="presence">${attendance}</span>
    </li>`;
  }

  #toggle(sessionId: string): void {
    const open = new Set(this._open);
    if (open.has(sessionId)) open.delete(sessionId);
    else open.add(sessionId);
    this._open = open;
  }

  #retry(): void {
    this.#retried = true;
    void this.#history.load();
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'call-history': CallHistory;
  }
  interface HTMLElementEventMap extends CallHistoryEventMap {}
}
