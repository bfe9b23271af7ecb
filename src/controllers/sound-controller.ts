/**
 * Remote voices in a room whose browser may refuse to play with sound until the user taps
 * (phones, strict autoplay policies): each refused video plays muted so the picture shows, the
 * room shows "Tap to turn on sound", and that tap — the user activation the browser wanted —
 * unmutes and plays every remote video. Announced through the room's live region.
 */
import { html, nothing, type ReactiveController, type ReactiveControllerHost, type TemplateResult } from 'lit';
import type { LocalizeController } from './localize-controller.ts';

export interface SoundHost extends ReactiveControllerHost {
  readonly renderRoot: HTMLElement | DocumentFragment;
  readonly shadowRoot: ShadowRoot | null;
}

export class SoundController implements ReactiveController {
  #blocked = false;

  constructor(
    private readonly host: SoundHost,
    private readonly i18n: LocalizeController,
    private readonly announce: (text: string) => void,
  ) {
    host.addController(this);
  }

  /** After each render: play what is paused; a refusal with sound plays muted and asks. */
  hostUpdated(): void {
    for (const video of this.host.renderRoot.querySelectorAll<HTMLVideoElement>('video:not([muted])')) {
      if (!video.paused || !video.srcObject) continue;
      video.play().catch((error: DOMException) => {
        if (error.name !== 'NotAllowedError') return;
        video.muted = true;
        void video.play().catch(() => undefined);
        if (!this.#blocked) {
          this.#blocked = true;
          this.announce(this.i18n.t('phone.soundBlocked'));
          this.host.requestUpdate();
        }
      });
    }
  }

  render(): TemplateResult | typeof nothing {
    if (!this.#blocked) return nothing;
    return html`<p class="sound-prompt">
      <button part="sound-prompt" class="action primary" @click=${this.#enable}>${this.i18n.t('phone.enableSound')}</button>
    </p>`;
  }

  #enable = async () => {
    const root = this.host.renderRoot;
    const prompt = root.querySelector<HTMLElement>('[part~="sound-prompt"]');
    const hadFocus = this.host.shadowRoot?.activeElement === prompt;
    const remote = [...root.querySelectorAll<HTMLVideoElement>('.tile:not(.local) > video')];
    const results = await Promise.allSettled(
      remote.map((video) => {
        video.muted = false;
        return video.srcObject ? video.play() : Promise.resolve();
      }),
    );
    // Still refused (the tap did not count as a gesture): the prompt stays for another try.
    if (results.some((result) => result.status === 'rejected' && (result.reason as DOMException).name === 'NotAllowedError')) {
      for (const video of remote) video.muted = true;
      return;
    }
    this.#blocked = false;
    this.announce(this.i18n.t('phone.soundOn'));
    this.host.requestUpdate();
    // The prompt goes away: keep keyboard users in the controls, not on the page's body.
    if (hadFocus) {
      await this.host.updateComplete;
      root.querySelector<HTMLElement>('[part~="control"]')?.focus();
    }
  };
}
