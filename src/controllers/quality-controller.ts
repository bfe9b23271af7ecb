/**
 * Connection quality in `<video-call-room>` (from `Participant.quality`, see
 * core/connection-quality.ts): a signal-bars badge on each remote tile — three, two or one bar
 * lit, so the level reads without its colour — named "Connection: good / fair / poor"; the badge
 * opens the link's details (codec, resolution, frame rate, bitrate, round trip, loss, direct or
 * relayed), which Esc, the close button, the badge again or a click outside close, focus going
 * back to the badge; and a "Your connection is poor" banner for the local user, shown once it
 * has held for NOTICE_DELAY_MS, announced once each time it comes, gone when it recovers.
 */
import { html, nothing, svg, type ReactiveController, type ReactiveControllerHost, type TemplateResult } from 'lit';
import type { CallSessionView, Participant } from '../core/call-session.ts';
import type { ConnectionQuality } from '../core/connection-quality.ts';
import type { StringKey } from '../i18n/index.ts';
import { closeIcon } from '../elements/shared/icons.ts';
import type { LocalizeController } from './localize-controller.ts';

type Host = ReactiveControllerHost & HTMLElement;

/** How long the own quality must stay poor before the banner shows (the core's hysteresis comes first). */
export const NOTICE_DELAY_MS = 3000;

export interface QualityOptions {
  session(): CallSessionView | undefined;
  announce(text: string): void;
}

const BARS = { good: 3, fair: 2, poor: 1 } as const;

/** Three rising bars; the first `lit` of them filled. */
const barsIcon = (lit: number) =>
  html`<svg width="18" height="18" viewBox="0 0 18 18" aria-hidden="true">
    ${[0, 1, 2].map((i) => svg`<rect x=${1 + i * 6} y=${12 - i * 5} width="4" height=${5 + i * 5} rx="1" class=${i < lit ? 'lit' : 'unlit'}></rect>`)}
  </svg>`;

export class QualityController implements ReactiveController {
  /** Whose details are open. */
  #open: string | undefined;
  #noticeTimer: ReturnType<typeof setTimeout> | undefined;
  #notice = false;

  constructor(
    private readonly host: Host,
    private readonly i18n: LocalizeController,
    private readonly options: QualityOptions,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    document.addEventListener('click', this.#onDocumentClick, true);
  }

  hostDisconnected(): void {
    document.removeEventListener('click', this.#onDocumentClick, true);
    clearTimeout(this.#noticeTimer);
    this.#noticeTimer = undefined;
    this.#notice = false;
    this.#open = undefined;
  }

  /** Each render: the own level decides the banner (after NOTICE_DELAY_MS of poor). */
  hostUpdate(): void {
    const session = this.options.session();
    const live = session?.state === 'connected' || session?.state === 'reconnecting';
    const poor = live && session.participants.find((p) => p.isLocal)?.quality?.level === 'poor';
    if (!poor) {
      clearTimeout(this.#noticeTimer);
      this.#noticeTimer = undefined;
      this.#notice = false;
    } else if (!this.#notice && !this.#noticeTimer) {
      this.#noticeTimer = setTimeout(() => {
        this.#noticeTimer = undefined;
        this.#notice = true;
        this.options.announce(this.i18n.t('quality.poorNotice'));
        this.host.requestUpdate();
      }, NOTICE_DELAY_MS);
    }
    if (this.#open && !session?.participants.some((p) => p.id === this.#open && p.quality)) this.#open = undefined;
  }

  /** "Your connection is poor", while it is. */
  renderNotice(): unknown {
    if (!this.#notice) return nothing;
    return html`<p part="banner quality-notice" class="banner warning quality-notice">${barsIcon(1)}<span>${this.i18n.t('quality.poorNotice')}</span></p>`;
  }

  /** The badge on a remote tile, and its details when open. */
  renderBadge(participant: Participant): unknown {
    const quality = participant.quality;
    if (participant.isLocal || !quality) return nothing;
    const t = this.i18n.t;
    const open = this.#open === participant.id;
    const id = `quality-${participant.id}`;
    const label = t(`quality.${quality.level}`);
    return html`<button
        part="quality"
        class="quality ${quality.level}"
        data-level=${quality.level}
        aria-label=${label}
        title=${label}
        aria-expanded=${String(open)}
        aria-controls=${id}
        @click=${() => this.#toggle(participant.id)}
      >
        ${barsIcon(BARS[quality.level])}
      </button>
      ${open ? this.#renderDetails(participant, quality, id, label) : nothing}`;
  }

  #renderDetails(participant: Participant, quality: ConnectionQuality, id: string, label: string): TemplateResult {
    const t = this.i18n.t;
    const number = new Intl.NumberFormat(this.i18n.lang, { maximumFractionDigits: 1 });
    const value = (key: StringKey, figure: number | undefined) => (figure === undefined ? t('quality.unknown') : t(key, { value: number.format(figure) }));
    const rows: [StringKey, string][] = [
      ['quality.codec', quality.codec ?? t('quality.unknown')],
      ['quality.resolution', quality.width && quality.height ? `${quality.width} × ${quality.height}` : t('quality.unknown')],
      ['quality.fps', value('quality.fpsValue', quality.fps)],
      ['quality.bitrate', value('quality.bitrateValue', quality.bitrateKbps)],
      ['quality.rtt', value('quality.rttValue', quality.rttMs)],
      ['quality.loss', value('quality.lossValue', quality.lossPct)],
      ['quality.path', quality.path ? t(quality.path === 'relay' ? 'quality.relay' : 'quality.direct') : t('quality.unknown')],
    ];
    return html`<div
      id=${id}
      class="quality-details"
      part="quality-details"
      role="dialog"
      aria-label=${t('quality.details', { name: participant.name })}
      tabindex="-1"
      @keydown=${this.#onKeydown}
    >
      <div class="quality-heading">
        <strong>${label}</strong>
        <button class="quality-close" aria-label=${t('quality.close')} title=${t('quality.close')} @click=${() => this.#close(true)}>${closeIcon}</button>
      </div>
      <dl>
        ${rows.map(([key, text]) => html`<div><dt>${t(key)}</dt><dd>${text}</dd></div>`)}
      </dl>
    </div>`;
  }

  async #toggle(id: string): Promise<void> {
    if (this.#open === id) return this.#close(true);
    this.#open = id;
    this.host.requestUpdate();
    await this.host.updateComplete;
    this.host.shadowRoot?.querySelector<HTMLElement>('[part~="quality-details"]')?.focus();
  }

  /** Closes the details; focus back on their badge (`if-lost`: only when the click left it nowhere). */
  async #close(refocus: boolean | 'if-lost'): Promise<void> {
    const id = this.#open;
    if (!id) return;
    this.#open = undefined;
    this.host.requestUpdate();
    await this.host.updateComplete;
    const active = this.host.shadowRoot?.activeElement ?? (document.activeElement === this.host ? null : document.activeElement);
    if (!refocus || (refocus === 'if-lost' && active && active !== document.body)) return;
    this.host.shadowRoot?.querySelector<HTMLElement>(`[aria-controls="quality-${CSS.escape(id)}"]`)?.focus();
  }

  #onKeydown = (event: KeyboardEvent): void => {
    if (event.key !== 'Escape') return;
    event.preventDefault();
    event.stopPropagation();
    void this.#close(true);
  };

  /** A click outside the details and their badge closes them. */
  #onDocumentClick = (event: MouseEvent): void => {
    if (!this.#open) return;
    const controls = `quality-${this.#open}`;
    const inside = event.composedPath().some((node) => node instanceof HTMLElement && (node.id === controls || node.getAttribute('aria-controls') === controls));
    if (!inside) void this.#close('if-lost');
  };
}
