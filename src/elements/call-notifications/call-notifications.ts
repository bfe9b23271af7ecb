import { html, LitElement, nothing, svg, type PropertyValues, type TemplateResult } from 'lit';
import type { CallClient, CallClientView } from '../../core/call-client.ts';
import { pushSupported, type PushRegistration, type PushState } from '../../core/push.ts';
import { ClientController } from '../../controllers/client-controller.ts';
import { LocalizeController } from '../../controllers/localize-controller.ts';
import { errorCode, fire, type CallErrorDetail } from '../shared/events.ts';
import { visuallyHidden } from '../shared/shared.styles.ts';
import { theme } from '../shared/theme.styles.ts';
import { styles } from './call-notifications.styles.ts';

/**
 * What the bell shows: a `PushState` of the core (`unsupported`, `denied`, `prompt`,
 * `subscribed`, `unsubscribed`), or the element's own `loading` (asking), `signed-out` (no user),
 * `working` (turning on or off) and `error` (that failed; pressing tries again).
 */
export type CallNotificationsState = PushState | 'loading' | 'signed-out' | 'working' | 'error';

export interface CallNotificationsChangeDetail {
  state: CallNotificationsState;
}

export interface CallNotificationsEventMap {
  'call-notifications-change': CustomEvent<CallNotificationsChangeDetail>;
  'call-error': CustomEvent<CallErrorDetail>;
}

/** The client's push methods; a client without them (a fixture) counts as unsupported. */
type PushClient = CallClientView & Partial<Pick<CallClient, 'enablePush' | 'disablePush' | 'pushState'>>;

const bell = (off: boolean) =>
  html`<svg part="icon" width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">
    ${svg`<path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9"></path><path d="M10.3 21a1.9 1.9 0 0 0 3.4 0"></path>`}
    ${off ? svg`<path d="M3 3l18 18"></path>` : nothing}
  </svg>`;

/**
 * A bell that turns call notifications (Web Push invitations and reminders) on and off for the
 * signed-in user in this browser. It is a real toggle button (`aria-pressed`), and a polite
 * status line says what happened; when the browser cannot, the user is signed out, or the site
 * is blocked, pressing it explains why (for a block: how to allow notifications again).
 *
 * The worker: the `registration` property, else the registration of `service-worker-url`
 * (default `/call-widgets-sw.js`: copy `dist/call-widgets-sw.js` there, or name the site's own
 * worker that `importScripts()` it), registered on the first press when there is none yet.
 * The key: `vapid-public-key` (the project's VAPID public key). The client, as every element:
 * `client`, else `supabase-url` + `supabase-anon-key`, else `CallWidgets.configure()`.
 *
 * @summary Bell toggle for call invitation and reminder notifications in this browser.
 *
 * @tagname call-notifications
 *
 * @fires call-notifications-change - The state changed. `detail: { state }`
 * @fires call-error - Turning notifications on or off failed. `detail: { code, message, sessionId: null }`
 *
 * @csspart button - The bell toggle.
 * @csspart icon - The bell (crossed out while off).
 * @csspart label - The button's text ("Call notifications"; hidden with `compact`, still its accessible name).
 * @csspart message - The status and help panel under the button (shown when there is something to say).
 * @csspart help - How to allow notifications for the site, in the message panel when they are blocked.
 *
 * @cssprop --call-surface-background - Button and panel background. Default `#ffffff` (dark: `#1e293b`).
 * @cssprop --call-surface-foreground - Text. Default `#0f172a` (dark: `#f1f5f9`).
 * @cssprop --call-border-color - Borders. Default `#cbd5e1` (dark: `#475569`).
 * @cssprop --call-muted-foreground - The panel's help text. Default `#64748b` (dark: `#94a3b8`).
 * @cssprop --call-accent-color - The bell while on. Default `#2563eb`.
 * @cssprop --call-accent-foreground - The bell's icon while on. Default `#ffffff`.
 * @cssprop --call-danger-text-color - Errors and the blocked notice. Default `--call-danger-color`, `#dc2626` (dark: `#fca5a5`).
 * @cssprop --call-focus-color - Keyboard focus ring. Default `#2563eb` (dark: `#93c5fd`).
 * @cssprop --call-shadow-color - The panel's shadow. Default `rgb(15 23 42 / 0.12)` (dark: `rgb(0 0 0 / 0.5)`).
 * @cssprop --call-radius - Corner radius. Default `8px`.
 * @cssprop --call-font-family - Font. Default inherited.
 */
export class CallNotifications extends LitElement {
  static override get styles() {
    return [theme, visuallyHidden, styles];
  }

  static override get properties() {
    return {
      vapidPublicKey: { type: String, attribute: 'vapid-public-key' },
      serviceWorkerUrl: { type: String, attribute: 'service-worker-url' },
      supabaseUrl: { type: String, attribute: 'supabase-url' },
      supabaseAnonKey: { type: String, attribute: 'supabase-anon-key' },
      lang: { type: String },
      compact: { type: Boolean, reflect: true },
      client: { attribute: false },
      registration: { attribute: false },
      state: { type: String, reflect: true },
      _message: { state: true },
    };
  }

  /** The project's VAPID public key (base64url), which `webpush-send` signs pushes with. */
  declare vapidPublicKey: string;
  /** The worker to use (and register on the first press when none is): default `/call-widgets-sw.js`. */
  declare serviceWorkerUrl: string;
  /** Supabase project URL, when the page has not called `CallWidgets.configure()`. */
  declare supabaseUrl: string;
  /** Supabase anon key, with `supabase-url`. */
  declare supabaseAnonKey: string;
  /** `en` or `ru`; without it, the nearest `lang` of an ancestor, else the document's. */
  declare lang: string;
  /** Only the bell shows; the label stays the button's accessible name. */
  declare compact: boolean;
  /** A CallClient to use instead of attributes or the page default. */
  declare client: CallClientView | undefined;
  /** The service worker registration to subscribe with, instead of `service-worker-url`. */
  declare registration: PushRegistration | undefined;
  /** What the bell shows now (reflected, so hosts can style by it). Read-only in practice. */
  declare state: CallNotificationsState;
  declare _message: { text: string; kind: 'info' | 'error' | 'help'; detail?: string } | undefined;

  readonly #i18n = new LocalizeController(this);
  readonly #clients = new ClientController(this, () => void this.refresh());
  /** Counts state reads, so a slow one that an action overtook is dropped. */
  #generation = 0;
  #fading: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    super();
    this.vapidPublicKey = '';
    this.serviceWorkerUrl = '/call-widgets-sw.js';
    this.supabaseUrl = '';
    this.supabaseAnonKey = '';
    this.lang = '';
    this.compact = false;
    this.state = 'loading';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.refresh();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this.#fading);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if ((changed.has('client') || changed.has('registration') || changed.has('supabaseUrl')) && this.hasUpdated) void this.refresh();
  }

  // The panel hangs under the bell, right-aligned, but never past the edges of a narrow screen.
  protected override updated(): void {
    const panel = this.renderRoot.querySelector<HTMLElement>('[part~="message"]');
    if (!panel) return;
    panel.style.removeProperty('right');
    panel.style.removeProperty('left');
    if (!this._message) return;
    const host = this.getBoundingClientRect();
    const width = panel.getBoundingClientRect().width;
    const left = Math.min(Math.max(host.right - width, 8), document.documentElement.clientWidth - 8 - width);
    panel.style.left = `${Math.round(left - host.left)}px`;
    panel.style.right = 'auto';
  }

  /** Reads the state again (after the page changed permissions or the worker, say). */
  async refresh(): Promise<CallNotificationsState> {
    const generation = ++this.#generation;
    const next = await this.#readState().catch(() => 'error' as const);
    if (generation === this.#generation && this.state !== 'working') this.#setState(next);
    return this.state;
  }

  async #readState(): Promise<CallNotificationsState> {
    const client = this.#clients.current as PushClient | undefined;
    if (!pushSupported() || !client?.pushState) return 'unsupported';
    if (!(await client.currentUser())) return 'signed-out';
    return client.pushState({ registration: await this.#registration(false) });
  }

  /** The worker's registration: the property, else the one running `service-worker-url`, else (when `create`) a new one. */
  async #registration(create: boolean): Promise<PushRegistration | undefined> {
    if (this.registration) return this.registration;
    const script = new URL(this.serviceWorkerUrl || '/call-widgets-sw.js', document.baseURI).href;
    const registrations = await navigator.serviceWorker.getRegistrations();
    const found = registrations.find((registration) => [registration.active, registration.waiting, registration.installing].some((worker) => worker?.scriptURL === script));
    if (found || !create) return found;
    const registration = await navigator.serviceWorker.register(script);
    // Not `serviceWorker.ready`: that waits for a worker whose scope covers this page, which a
    // worker kept in a folder of its own never does.
    const worker = registration.installing ?? registration.waiting;
    if (worker && !registration.active) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the service worker ${script} did not start`)), 15_000);
        worker.addEventListener('statechange', () => {
          if (worker.state === 'activated') resolve();
          else if (worker.state === 'redundant') reject(new Error(`the service worker ${script} failed to install`));
          if (worker.state === 'activated' || worker.state === 'redundant') clearTimeout(timer);
        });
      });
    }
    return registration;
  }

  #setState(state: CallNotificationsState): void {
    if (state === this.state) return;
    this.state = state;
    fire<CallNotificationsChangeDetail>(this, 'call-notifications-change', { state });
  }

  #press = async () => {
    const t = this.#i18n.t;
    const state = this.state;
    if (state === 'loading' || state === 'working') return;
    // Nothing to switch: a press explains why, a second one puts the explanation away.
    if (state === 'unsupported' || state === 'signed-out' || state === 'denied') {
      if (this._message?.text === t(stateNote[state])) this._message = undefined;
      else this.#say(t(stateNote[state]), state === 'denied' ? 'help' : 'info', false);
      return;
    }
    const client = this.#clients.current as PushClient;
    const turningOn = state !== 'subscribed';
    if (turningOn && !this.vapidPublicKey) return this.#say(t('notifications.noKey'), 'error');
    this.#generation++;
    this.#setState('working');
    this.#say(t(turningOn ? 'notifications.enabling' : 'notifications.disabling'), 'info', false);
    try {
      if (turningOn) {
        const registration = await this.#registration(true);
        await client.enablePush!({ registration: registration!, vapidPublicKey: this.vapidPublicKey, lang: this.#i18n.lang });
      } else {
        await client.disablePush!({ registration: await this.#registration(false) });
      }
      this.#setState(turningOn ? 'subscribed' : 'unsubscribed');
      this.#say(t(turningOn ? 'notifications.enabled' : 'notifications.disabled'), 'info');
    } catch (error) {
      const code = errorCode(error);
      fire<CallErrorDetail>(this, 'call-error', { code, message: (error as Error)?.message ?? String(error), sessionId: null });
      if (code === 'push_denied') {
        // Blocked for good, or the prompt was dismissed (then the browser asks again next time).
        const now = Notification.permission === 'denied' ? 'denied' : 'prompt';
        this.#setState(now);
        this.#say(t(now === 'denied' ? 'notifications.denied' : 'notifications.dismissed'), now === 'denied' ? 'help' : 'info');
      } else {
        this.#setState('error');
        this.#say(t('notifications.failed'), 'error', false, (error as Error)?.message ?? String(error));
      }
    }
  };

  /** Shows `text` in the panel; confirmations (`fade`) put themselves away after a while. */
  #say(text: string, kind: 'info' | 'error' | 'help', fade = kind === 'info', detail?: string): void {
    const message = { text, kind, detail };
    this._message = message;
    clearTimeout(this.#fading);
    if (fade) this.#fading = setTimeout(() => this._message === message && (this._message = undefined), 8000);
  }

  #keydown = (event: KeyboardEvent) => {
    if (event.key === 'Escape' && this._message) {
      event.stopPropagation();
      this._message = undefined;
    }
  };

  protected override render(): TemplateResult {
    const t = this.#i18n.t;
    const state = this.state;
    const on = state === 'subscribed';
    const unavailable = state === 'unsupported' || state === 'signed-out' || state === 'denied';
    const busy = state === 'loading' || state === 'working';
    const message = this._message;
    const description = on ? t('notifications.on') : unavailable ? t(stateNote[state]) : busy ? t(state === 'loading' ? 'notifications.loading' : 'notifications.enabling') : t('notifications.off');
    return html`<button
        part="button"
        class="bell state-${state}"
        type="button"
        aria-pressed=${on ? 'true' : 'false'}
        aria-disabled=${unavailable || busy ? 'true' : 'false'}
        aria-busy=${busy ? 'true' : 'false'}
        aria-describedby="description"
        aria-controls="message"
        title=${description}
        @click=${this.#press}
        @keydown=${this.#keydown}
      >
        ${bell(!on)}<span part="label" class=${this.compact ? 'visually-hidden' : 'label'}>${t('notifications.label')}</span>
      </button>
      <span id="description" class="visually-hidden">${description}</span>
      <div part="message" id="message" class="message ${message ? message.kind : 'none'}" role="status" aria-live="polite">
        ${message ? html`<p>${message.text}</p>` : nothing}
        ${message?.kind === 'help' ? html`<p part="help" class="help">${t('notifications.deniedHelp')}</p>` : nothing}
        ${message?.detail ? html`<p class="detail">${message.detail}</p>` : nothing}
      </div>`;
  }
}

const stateNote = {
  unsupported: 'notifications.unsupported',
  'signed-out': 'notifications.signedOut',
  denied: 'notifications.denied',
} as const;

declare global {
  interface HTMLElementTagNameMap {
    'call-notifications': CallNotifications;
  }
  interface HTMLElementEventMap extends CallNotificationsEventMap {}
}
