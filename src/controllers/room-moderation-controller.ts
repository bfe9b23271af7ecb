/**
 * The room's side of host controls (issue 16): the lobby's waiting screen, the removed and
 * ended-by-host screens, the host's "asks you to unmute" prompt and the host's End for everyone
 * (with a confirmation in place, no modal). The room renders what this returns; the session does
 * the work (its states `waiting`, `removed`, `ended` and its `moderation` event).
 */
import { html, nothing, svg, type ReactiveController, type ReactiveControllerHost, type TemplateResult } from 'lit';
import type { CallSessionView } from '../core/call-session.ts';
import type { ModerationMessage } from '../core/moderation.ts';
import { fire } from '../elements/shared/events.ts';
import { leaveIcon } from '../elements/shared/icons.ts';
import type { LocalizeController } from './localize-controller.ts';

/** A person with a line through: the removed screen. */
const removedIcon = html`<svg width="48" height="48" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">
  ${svg`<circle cx="12" cy="8" r="4"></circle><path d="M4 21c0-4 3.6-7 8-7s8 3 8 7"></path><path d="M3 3l18 18"></path>`}
</svg>`;

/** A stop sign beside End for everyone's words. */
const endIcon = html`<svg width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">
  ${svg`<circle cx="12" cy="12" r="9"></circle><rect x="9" y="9" width="6" height="6"></rect>`}
</svg>`;

export interface RoomModerationOptions {
  session(): CallSessionView | undefined;
  announce(text: string): void;
  /** Leaves the call (the waiting screen's Leave button). */
  leave(): void;
}

/** `detail` of `call-moderation`: what the host's page asked of this one. */
export interface CallModerationDetail {
  sessionId: string;
  action: ModerationMessage['action'];
}

/** `detail` of `call-waiting`, `call-removed` and `call-ended`. */
export interface CallSessionDetail {
  sessionId: string;
}

export class RoomModerationController implements ReactiveController {
  /** The host asked us to unmute, and we have not answered. */
  unmuteAsked = false;
  /** The host is confirming End for everyone. */
  confirming = false;
  #error = '';
  #session: CallSessionView | undefined;
  #off: (() => void)[] = [];

  constructor(
    private readonly host: ReactiveControllerHost & HTMLElement,
    private readonly i18n: LocalizeController,
    private readonly options: RoomModerationOptions,
  ) {
    host.addController(this);
  }

  hostUpdate(): void {
    const session = this.options.session();
    if (session === this.#session) return;
    this.#detach();
    this.#session = session;
    if (!session) return;
    this.#off.push(
      session.on('state', ({ state }) => this.#onState(session, state)),
      session.on('moderation', (message) => this.#onMessage(session, message)),
    );
  }

  hostDisconnected(): void {
    this.#detach();
    this.#session = undefined;
  }

  /** Whether the local person hosts the call (and the session can do what hosts do). */
  isHost(session: CallSessionView): boolean {
    return Boolean(session.hostId && session.hostId === session.userId && session.endForAll);
  }

  /** The screen for `waiting`, `removed` and `ended`; undefined for any other state. */
  renderState(state: string): TemplateResult | undefined {
    const t = this.i18n.t;
    if (state === 'waiting') {
      return html`<div class="center lobby" part="lobby" role="status" aria-live="polite">
        <div class="spinner" aria-hidden="true"></div>
        <p class="lobby-title">${t('lobby.waiting')}</p>
        <p class="lobby-hint">${t('lobby.hint')}</p>
        <button class="action leave-lobby" part="control leave" @click=${() => this.options.leave()}>
          ${leaveIcon}<span>${t('room.leave')}</span>
        </button>
      </div>`;
    }
    if (state === 'removed' || state === 'ended') {
      // A screen of its own, not a lone banner: what happened, and what (not) to do now. The host
      // page hears call-removed / call-ended and may take the person on; a dialog has its close.
      return html`<div class="center gone" part="gone">
        <span class="gone-icon" aria-hidden="true">${state === 'removed' ? removedIcon : endIcon}</span>
        <p part="banner" class="gone-title ${state === 'removed' ? 'removed' : ''}" role="alert">${t(this.#endedText(state))}</p>
        <p class="gone-hint">${t(state === 'removed' ? 'moderation.removedHint' : 'moderation.endedHint')}</p>
      </div>`;
    }
    return undefined;
  }

  /**
   * Above the tiles: the host's confirmation of End for everyone (outside the toolbar, which has
   * no room for it on a phone), or "The host asks you to unmute" with Unmute and Not now.
   */
  renderPrompt(session: CallSessionView): TemplateResult | typeof nothing {
    const t = this.i18n.t;
    if (this.confirming && this.isHost(session)) {
      return html`<div class="end-confirm" id="end-confirm" part="end-confirm" role="group" aria-labelledby="end-confirm-text">
        <span id="end-confirm-text">${t('moderation.endConfirm')}</span>
        <button class="action danger end-yes" @click=${() => void this.#endForAll(session)}>${t('moderation.endYes')}</button>
        <button class="action end-cancel" @click=${() => this.#confirm(false)}>${t('moderation.cancel')}</button>
        ${this.#error ? html`<span role="alert">${this.#error}</span>` : nothing}
      </div>`;
    }
    if (!this.unmuteAsked) return nothing;
    return html`<div class="unmute-prompt" part="unmute-prompt" role="group" aria-label=${t('moderation.unmuteAsk')}>
      <span class="prompt-text">${t('moderation.unmuteAsk')}</span>
      <button class="action primary" @click=${() => this.#answer(session, true)}>${t('moderation.unmute')}</button>
      <button class="action" @click=${() => this.#answer(session, false)}>${t('moderation.notNow')}</button>
    </div>`;
  }

  /** The host's End for everyone on the status line; it opens (and closes) the confirmation below it. */
  renderEnd(session: CallSessionView): TemplateResult | typeof nothing {
    if (!this.isHost(session)) return nothing;
    const t = this.i18n.t;
    return html`<button
      part="control end-for-all"
      class="end-for-all"
      aria-label=${t('moderation.endForAll')}
      title=${t('moderation.endForAll')}
      aria-expanded=${String(this.confirming)}
      aria-controls="end-confirm"
      @click=${() => this.#confirm(!this.confirming)}
    >
      ${endIcon}<span class="label-text">${t('moderation.endForAll')}</span>
    </button>`;
  }

  /** The host who ended it reads that they did. */
  #endedText(state: 'removed' | 'ended'): 'moderation.removed' | 'moderation.ended' | 'moderation.endedByYou' {
    if (state === 'removed') return 'moderation.removed';
    const session = this.options.session();
    return session && this.isHost(session) ? 'moderation.endedByYou' : 'moderation.ended';
  }

  #confirm(on: boolean): void {
    this.confirming = on;
    this.#error = '';
    this.host.requestUpdate();
    // Focus follows: to the confirming button, and back to End for everyone on Cancel.
    void this.host.updateComplete.then(() =>
      (this.host.shadowRoot?.querySelector(on ? '.end-yes' : '.end-for-all') as HTMLElement | null)?.focus(),
    );
  }

  async #endForAll(session: CallSessionView): Promise<void> {
    try {
      await session.endForAll?.();
      this.confirming = false;
    } catch (error) {
      this.#error = this.i18n.t('moderation.failed', { message: (error as Error).message });
      this.options.announce(this.#error);
    }
    this.host.requestUpdate();
  }

  #answer(session: CallSessionView, unmute: boolean): void {
    this.unmuteAsked = false;
    if (unmute) session.setMic(true);
    this.host.requestUpdate();
  }

  #onMessage(session: CallSessionView, message: ModerationMessage): void {
    fire<CallModerationDetail>(this.host, 'call-moderation', { sessionId: session.id, action: message.action });
    if (message.action === 'mute-request' && !session.media.state.mic) {
      this.unmuteAsked = true;
      this.options.announce(this.i18n.t('moderation.unmuteAsk'));
    } else if (message.action === 'mute') {
      this.unmuteAsked = false;
      this.options.announce(this.i18n.t('moderation.muted'));
    }
    this.host.requestUpdate();
  }

  #onState(session: CallSessionView, state: string): void {
    const t = this.i18n.t;
    if (state !== 'connected' && state !== 'reconnecting') {
      this.unmuteAsked = false;
      this.confirming = false;
    }
    if (state === 'waiting') {
      this.options.announce(t('lobby.waiting'));
      fire<CallSessionDetail>(this.host, 'call-waiting', { sessionId: session.id });
    } else if (state === 'removed' || state === 'ended') {
      this.options.announce(t(this.#endedText(state)));
      fire<CallSessionDetail>(this.host, state === 'removed' ? 'call-removed' : 'call-ended', { sessionId: session.id });
    }
  }

  #detach(): void {
    for (const off of this.#off) off();
    this.#off = [];
  }
}

/** The room's events of host controls (in VideoCallRoomEventMap). */
export interface RoomModerationEventMap {
  'call-waiting': CustomEvent<CallSessionDetail>;
  'call-removed': CustomEvent<CallSessionDetail>;
  'call-ended': CustomEvent<CallSessionDetail>;
  'call-moderation': CustomEvent<CallModerationDetail>;
}
