/**
 * The layouts of `<video-call-room>` (issue 16): the grid (everyone the same size) or the speaker
 * view (the active speaker — or the pinned tile — large, the others in a strip that scrolls
 * sideways). The choice is remembered per browser. A pin button on every tile pins (and switches
 * to the speaker view) or unpins; picture-in-picture shows the large person (the pinned one, or
 * the active speaker) where the browser has it, and follows them while it is open.
 *
 * After each render it measures the remote tiles and tells the session how small each peer's
 * camera is shown (`showPeerAt`), so that peer sends this page a smaller picture
 * (src/core/view-requests.ts).
 */
import { html, nothing, svg, type ReactiveController, type ReactiveControllerHost, type TemplateResult } from 'lit';
import type { CallSessionView, Participant } from '../core/call-session.ts';
import { scaleForTile } from '../core/view-requests.ts';
import { chooseLayout, SpeakerTracker, type LayoutChoice, type LayoutMode } from './layout-choice.ts';
import type { LocalizeController } from './localize-controller.ts';

type Host = ReactiveControllerHost & HTMLElement;

export interface LayoutOptions {
  session(): CallSessionView | undefined;
  announce(text: string): void;
}

/** Where the browser remembers the chosen layout. */
export const LAYOUT_STORAGE_KEY = 'call-widgets:layout';

const icon = (path: ReturnType<typeof svg>) =>
  html`<svg width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">${path}</svg>`;
const speakerIcon = icon(svg`<rect x="2" y="3" width="20" height="12" rx="2"></rect><rect x="2" y="17" width="6" height="4" rx="1"></rect><rect x="9" y="17" width="6" height="4" rx="1"></rect><rect x="16" y="17" width="6" height="4" rx="1"></rect>`);
const gridIcon = icon(svg`<rect x="3" y="3" width="8" height="8" rx="1"></rect><rect x="13" y="3" width="8" height="8" rx="1"></rect><rect x="3" y="13" width="8" height="8" rx="1"></rect><rect x="13" y="13" width="8" height="8" rx="1"></rect>`);
const pinIcon = icon(svg`<path d="M12 17v5M9 3h6l-1 6 4 4v2H6v-2l4-4z"></path>`);
const pipIcon = icon(svg`<rect x="2" y="4" width="20" height="16" rx="2"></rect><rect x="12" y="12" width="8" height="6" rx="1"></rect>`);

function storedMode(): LayoutMode {
  try {
    return globalThis.localStorage?.getItem(LAYOUT_STORAGE_KEY) === 'speaker' ? 'speaker' : 'grid';
  } catch {
    return 'grid';
  }
}

export class LayoutController implements ReactiveController {
  mode: LayoutMode = storedMode();
  /** The pinned participant's id. */
  pinned: string | undefined;
  readonly #speakers: SpeakerTracker;
  #recheck: ReturnType<typeof setTimeout> | undefined;
  #resize: ResizeObserver | undefined;
  /** Picture-in-picture shows this video (ours, not a tile's: tiles move between the stage and the strip). */
  #pipVideo: HTMLVideoElement | undefined;
  /** Picture-in-picture asked for or open: only then is its video on the page (and decoding). */
  #pipActive = false;
  #choice: LayoutChoice = { mode: 'grid', large: undefined, rest: [] };

  constructor(
    private readonly host: Host,
    private readonly i18n: LocalizeController,
    private readonly options: LayoutOptions,
    tracker = new SpeakerTracker(),
  ) {
    this.#speakers = tracker;
    host.addController(this);
  }

  hostConnected(): void {
    if (typeof ResizeObserver === 'undefined') return;
    // A wider window makes tiles larger: measure again, so the peers send more. Measuring only
    // (no render), a frame later: a render from here would resize what is observed, in a loop.
    this.#resize = new ResizeObserver(() => requestAnimationFrame(() => this.#measure()));
    this.#resize.observe(this.host);
  }

  hostDisconnected(): void {
    this.#resize?.disconnect();
    clearTimeout(this.#recheck);
    if (this.#pipOpen) void document.exitPictureInPicture().catch(() => undefined);
  }

  /** Who is large and who is in the strip, for these people now. */
  choose(people: readonly Participant[], screen: boolean): LayoutChoice {
    if (this.pinned && !people.some((person) => person.id === this.pinned)) this.pinned = undefined;
    const { speaker, recheckMs } = this.#speakers.update(people);
    clearTimeout(this.#recheck);
    if (recheckMs !== undefined) this.#recheck = setTimeout(() => this.host.requestUpdate(), recheckMs);
    this.#choice = chooseLayout({ mode: this.mode, people, pinned: this.pinned, speaker, screen });
    return this.#choice;
  }

  /** The one picture-in-picture and the large tile show: pinned, else the active speaker, else the first other. */
  get featured(): string | undefined {
    return this.#choice.large ?? this.pinned ?? this.#speakers.speaker;
  }

  setMode(mode: LayoutMode): void {
    if (mode === this.mode) return;
    this.mode = mode;
    if (mode === 'grid') this.pinned = undefined;
    try {
      globalThis.localStorage?.setItem(LAYOUT_STORAGE_KEY, mode);
    } catch {
      // Storage blocked (a private window, a sandboxed frame): the choice lasts this page only.
    }
    this.options.announce(this.i18n.t(mode === 'speaker' ? 'layout.speakerOn' : 'layout.gridOn'));
    this.host.requestUpdate();
  }

  /** Pins (switching to the speaker view) or unpins someone; focus stays on their pin button. */
  async togglePin(participant: Participant): Promise<void> {
    const t = this.i18n.t;
    if (this.pinned === participant.id) {
      this.pinned = undefined;
      this.options.announce(t('layout.unpinned', { name: participant.name }));
    } else {
      this.pinned = participant.id;
      if (this.mode !== 'speaker') {
        this.mode = 'speaker';
        try {
          globalThis.localStorage?.setItem(LAYOUT_STORAGE_KEY, 'speaker');
        } catch {
          // As in setMode.
        }
      }
      this.options.announce(t('layout.pinned', { name: participant.name }));
    }
    this.host.requestUpdate();
    // The tile moved (to the large place or back to the strip): its button is a new one.
    await this.host.updateComplete;
    this.host.shadowRoot?.querySelector<HTMLButtonElement>(`[data-peer="${CSS.escape(participant.id)}"] .pin`)?.focus();
  }

  /** The stage: a screen share or the large tile, and the others (the grid, or the strip). */
  renderStage(people: readonly Participant[], screen: TemplateResult | undefined, tile: (participant: Participant) => TemplateResult): TemplateResult {
    const choice = this.choose(people, Boolean(screen));
    const byId = new Map(people.map((person) => [person.id, person]));
    const large = choice.large ? byId.get(choice.large) : undefined;
    const rest = choice.rest.map((id) => byId.get(id)!);
    const speakerView = choice.mode === 'speaker';
    return html`<div class="stage ${screen ? 'with-screen' : ''} ${speakerView ? 'speaker-view' : ''}">
      ${screen ?? nothing}
      ${large ? html`<ul class="speaker-main" part="speaker" role="list">${tile(large)}</ul>` : nothing}
      <ul class="grid ${speakerView ? 'strip' : ''}" part=${speakerView ? 'grid strip' : 'grid'} role="list" aria-label=${speakerView ? this.i18n.t('layout.strip') : nothing}>
        ${rest.map(tile)}
      </ul>
      ${this.#renderPipSource(byId)}
    </div>`;
  }

  /** The pin button of a tile. */
  renderPin(participant: Participant): TemplateResult {
    const pinned = this.pinned === participant.id;
    const label = this.i18n.t(pinned ? 'layout.unpin' : 'layout.pin', { name: participant.name });
    return html`<button class="pin" part="pin" aria-pressed=${String(pinned)} aria-label=${label} title=${label} @click=${() => void this.togglePin(participant)}>
      ${pinIcon}
    </button>`;
  }

  /**
   * The toolbar's layout toggle, and picture-in-picture where the browser has it: icons only, as
   * the device button (their names are their labels and tooltips), so the toolbar keeps one row.
   */
  renderControls(): TemplateResult {
    const t = this.i18n.t;
    const speaker = this.mode === 'speaker';
    const label = t('layout.speaker');
    return html`<button part="control layout-toggle" class="layout-toggle" aria-pressed=${String(speaker)} aria-label=${label} title=${label} @click=${() => this.setMode(speaker ? 'grid' : 'speaker')}>
        ${speaker ? speakerIcon : gridIcon}
      </button>
      ${pipSupported() ? this.#renderPipButton() : nothing}`;
  }

  get #pipOpen(): boolean {
    return Boolean(this.#pipVideo && typeof document !== 'undefined' && document.pictureInPictureElement === this.#pipVideo);
  }

  #renderPipButton(): TemplateResult {
    const open = this.#pipOpen;
    const label = this.i18n.t(open ? 'layout.pipClose' : 'layout.pip');
    const stream = this.#featuredStream();
    return html`<button part="control pip" class="pip" aria-pressed=${String(open)} aria-label=${label} title=${label} ?disabled=${!open && !stream} @click=${this.#togglePip}>
      ${pipIcon}
    </button>`;
  }

  #featuredStream(byId?: Map<string, Participant>): MediaStream | undefined {
    const people = byId ?? new Map((this.options.session()?.participants ?? []).map((person) => [person.id, person]));
    const id = this.featured ?? [...people.values()].find((person) => !person.isLocal)?.id;
    const person = id ? people.get(id) : undefined;
    return person?.cam ? (person.camera ?? undefined) : undefined;
  }

  /** The hidden video picture-in-picture shows: following the featured person is a new srcObject, no new window. */
  #renderPipSource(byId: Map<string, Participant>): TemplateResult | typeof nothing {
    if (!pipSupported() || !this.#pipActive) return nothing;
    return html`<video
      class="pip-source"
      aria-hidden="true"
      tabindex="-1"
      muted
      .muted=${true}
      autoplay
      playsinline
      .srcObject=${this.#featuredStream(byId) ?? null}
      @enterpictureinpicture=${() => this.host.requestUpdate()}
      @leavepictureinpicture=${this.#onPipClosed}
    ></video>`;
  }

  #togglePip = async (): Promise<void> => {
    const t = this.i18n.t;
    try {
      if (this.#pipOpen) {
        await document.exitPictureInPicture();
        return;
      }
      this.#pipActive = true;
      this.host.requestUpdate();
      await this.host.updateComplete;
      const video = this.host.shadowRoot?.querySelector<HTMLVideoElement>('video.pip-source');
      if (!video) return;
      this.#pipVideo = video;
      // A video opens picture-in-picture only once it knows its size.
      if (video.readyState < HTMLMediaElement.HAVE_METADATA) {
        await new Promise((resolve) => video.addEventListener('loadedmetadata', resolve, { once: true }));
      }
      await video.requestPictureInPicture();
    } catch (error) {
      this.#pipActive = false;
      this.options.announce(t('layout.pipFailed', { message: (error as Error).message }));
    } finally {
      this.host.requestUpdate();
    }
  };

  #onPipClosed = (): void => {
    this.#pipActive = false;
    this.host.requestUpdate();
  };

  hostUpdated(): void {
    this.#measure();
  }

  /** Tells the session how large each remote tile is shown (view-requests.ts). */
  #measure(): void {
    const session = this.options.session();
    if (!session?.showPeerAt) return;
    const ratio = globalThis.devicePixelRatio || 1;
    for (const tile of this.host.shadowRoot?.querySelectorAll<HTMLElement>('[data-peer]') ?? []) {
      const peerId = tile.dataset.peer!;
      if (peerId === session.userId) continue;
      // A tile not laid out (the room hidden, a collapsed panel) says nothing about its size.
      if (!tile.clientWidth) continue;
      session.showPeerAt(peerId, scaleForTile(tile.clientWidth * ratio));
    }
  }
}

/** Picture-in-picture of a video exists (Chromium, Safari) and is allowed here; Firefox has none for pages. */
export function pipSupported(): boolean {
  return typeof document !== 'undefined' && document.pictureInPictureEnabled === true && 'requestPictureInPicture' in HTMLVideoElement.prototype;
}
