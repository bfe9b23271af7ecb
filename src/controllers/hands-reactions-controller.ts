/**
 * Raised hands and reactions in `<video-call-room>`: the "Raise hand" / "Lower hand" toggle, the
 * reactions picker (a menu of REACTIONS: arrow keys move, Enter picks, Esc closes), reactions
 * floating over the sender's tile for REACTION_SHOW_MS, and polite announcements ("Boris raised
 * their hand", "Anna reacted 👍"). It follows the room's session by itself.
 */
import { html, nothing, type ReactiveController, type ReactiveControllerHost, type TemplateResult } from 'lit';
import { keyed } from 'lit/directives/keyed.js';
import { REACTIONS, type CallReactionDetail, type Reaction } from '../core/call-reactions.ts';
import type { CallSessionView, Participant } from '../core/call-session.ts';
import type { StringKey } from '../i18n/index.ts';
import { handIcon, smileIcon } from '../elements/shared/icons.ts';
import type { LocalizeController } from './localize-controller.ts';

type Host = ReactiveControllerHost & HTMLElement;

/** How long a reaction floats over a tile. */
export const REACTION_SHOW_MS = 3000;

export interface HandsReactionsOptions {
  session(): CallSessionView | undefined;
  announce(text: string): void;
}

export class HandsReactionsController implements ReactiveController {
  /** The picker is open. */
  picking = false;
  /** The reaction shown on each participant's tile now, and a key that changes with each one. */
  readonly #shown = new Map<string, { emoji: Reaction; key: number; timer: ReturnType<typeof setTimeout> }>();
  #followed: CallSessionView | undefined;
  #offs: (() => void)[] = [];
  /** Who had a hand up at the last look, to announce the new ones. */
  #hands = new Set<string>();
  /** Who was in the call at the last look. */
  #present = new Set<string>();
  #keys = 0;
  #notice = '';

  constructor(
    private readonly host: Host,
    private readonly i18n: LocalizeController,
    private readonly options: HandsReactionsOptions,
  ) {
    host.addController(this);
  }

  hostUpdate(): void {
    const session = this.options.session();
    if (session !== this.#followed) this.#follow(session);
  }

  hostDisconnected(): void {
    this.#follow(undefined);
  }

  /** A reaction over the tile, while it shows (decorative: it is announced). */
  renderReaction(participant: Participant): unknown {
    const shown = this.#shown.get(participant.id);
    if (!shown) return nothing;
    // A new key each time makes a new node, so the animation starts again for a second reaction.
    return keyed(shown.key, html`<span class="reaction" part="reaction" aria-hidden="true">${shown.emoji}</span>`);
  }

  /** The hand toggle and the reactions button with its menu. */
  renderControls(session: CallSessionView): TemplateResult {
    const t = this.i18n.t;
    const raised = Boolean(session.participants.find((p) => p.isLocal)?.hand);
    const handLabel = t(raised ? 'room.hand.lower' : 'room.hand.raise');
    return html`<button
        part="control hand-toggle"
        class="hand"
        aria-pressed=${String(raised)}
        aria-label=${handLabel}
        title=${handLabel}
        ?disabled=${!session.raiseHand}
        @click=${() => this.#toggleHand(raised)}
      >
        ${handIcon}<span class="label-text">${handLabel}</span>
      </button>
      <div class="reactions" @keydown=${this.#onKeydown} @focusout=${this.#onFocusOut}>
        <button
          part="control react"
          class="react"
          aria-label=${t('room.react')}
          title=${this.#notice || t('room.react')}
          aria-haspopup="menu"
          aria-expanded=${String(this.picking)}
          aria-controls="reactions-menu"
          ?disabled=${!session.react}
          @click=${() => (this.picking ? this.#closePicker(true) : this.#openPicker())}
        >
          ${smileIcon}<span class="label-text">${t('room.react')}</span>
        </button>
        ${this.picking
          ? html`<div id="reactions-menu" class="reactions-menu" part="reactions-menu" role="menu" aria-label=${t('room.react')} aria-orientation="horizontal">
              ${REACTIONS.map(
                (emoji, i) =>
                  html`<button role="menuitem" part="reaction-option" tabindex=${i === 0 ? '0' : '-1'} aria-label=${t(`reaction.${emoji}` as StringKey)} title=${t(`reaction.${emoji}` as StringKey)} @click=${() => this.#pick(emoji)}>
                    <span aria-hidden="true">${emoji}</span>
                  </button>`,
              )}
            </div>`
          : nothing}
      </div>`;
  }

  #follow(session: CallSessionView | undefined): void {
    for (const off of this.#offs) off();
    this.#offs = [];
    this.#followed = session;
    for (const { timer } of this.#shown.values()) clearTimeout(timer);
    this.#shown.clear();
    this.picking = false;
    this.#hands = new Set(session?.participants.filter((p) => p.hand).map((p) => p.id));
    this.#present = new Set(session?.participants.filter((p) => !p.isLocal && p.presence === 'connected').map((p) => p.id));
    if (!session) return;
    this.#offs.push(
      session.on('reaction', (detail) => this.#show(detail)),
      session.on('participants', (list) => this.#announceHands(list)),
    );
  }

  /** Says who raised a hand since the last list; not those whose hand was up when they came in (or we did). */
  #announceHands(list: Participant[]): void {
    const present = new Set(list.filter((p) => !p.isLocal && p.presence === 'connected').map((p) => p.id));
    const raised = new Set(list.filter((p) => p.hand && present.has(p.id)).map((p) => p.id));
    for (const person of list) {
      if (raised.has(person.id) && !this.#hands.has(person.id) && this.#present.has(person.id)) this.options.announce(this.i18n.t('announce.handRaised', { name: person.name }));
    }
    this.#hands = raised;
    this.#present = present;
  }

  #show({ from, emoji, own }: CallReactionDetail): void {
    const previous = this.#shown.get(from);
    if (previous) clearTimeout(previous.timer);
    const timer = setTimeout(() => {
      this.#shown.delete(from);
      this.host.requestUpdate();
    }, REACTION_SHOW_MS);
    this.#shown.set(from, { emoji, key: ++this.#keys, timer });
    this.host.requestUpdate();
    if (own) return;
    const name = this.options.session()?.participants.find((p) => p.id === from)?.name ?? from.slice(0, 8);
    this.options.announce(this.i18n.t('announce.reacted', { name, emoji }));
  }

  #toggleHand(raised: boolean): void {
    const session = this.options.session();
    if (raised) session?.lowerHand?.();
    else session?.raiseHand?.();
    this.host.requestUpdate();
  }

  async #openPicker(): Promise<void> {
    this.picking = true;
    this.host.requestUpdate();
    await this.host.updateComplete;
    this.#options()[0]?.focus();
  }

  async #closePicker(refocus: boolean): Promise<void> {
    if (!this.picking) return;
    this.picking = false;
    this.host.requestUpdate();
    await this.host.updateComplete;
    if (refocus) this.host.shadowRoot?.querySelector<HTMLButtonElement>('[part~="react"]')?.focus();
  }

  async #pick(emoji: Reaction): Promise<void> {
    void this.#closePicker(true);
    const session = this.options.session();
    try {
      await session?.react?.(emoji);
      this.#notice = '';
    } catch (error) {
      const code = (error as { code?: string }).code;
      this.#notice = code === 'rate_limited' ? this.i18n.t('room.react.wait') : this.i18n.t('room.react.failed', { message: (error as Error).message });
      this.options.announce(this.#notice);
    }
    this.host.requestUpdate();
  }

  #options(): HTMLButtonElement[] {
    return [...(this.host.shadowRoot?.querySelectorAll<HTMLButtonElement>('[part~="reaction-option"]') ?? [])];
  }

  #onKeydown = (event: KeyboardEvent): void => {
    if (!this.picking) return;
    if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      void this.#closePicker(true);
      return;
    }
    const options = this.#options();
    const at = options.indexOf(this.host.shadowRoot?.activeElement as HTMLButtonElement);
    if (at < 0) return;
    const moves: Record<string, number> = { ArrowRight: at + 1, ArrowDown: at + 1, ArrowLeft: at - 1, ArrowUp: at - 1, Home: 0, End: options.length - 1 };
    if (!(event.key in moves)) return;
    event.preventDefault();
    const next = options[(moves[event.key] + options.length) % options.length];
    for (const option of options) option.tabIndex = option === next ? 0 : -1;
    next.focus();
  };

  /** Focus left the picker (a click elsewhere, Tab): it closes, focus stays where it went. */
  #onFocusOut = (event: FocusEvent): void => {
    const to = event.relatedTarget as Node | null;
    if (this.picking && to && !(event.currentTarget as HTMLElement).contains(to)) void this.#closePicker(false);
  };
}
