/**
 * The host's controls in `<call-participants>` (issue 16): the lobby's "Waiting" section with
 * Admit and Decline per guest, and per participant in the call Mute or Ask to unmute, and Remove
 * (confirmed in place: removal is for good). Shown only to the host of a joined session; every
 * button is a real button named after its person, and what happened is said in a live region.
 */
import { html, nothing, type ReactiveController, type ReactiveControllerHost, type TemplateResult } from 'lit';
import type { CallSessionView, Participant } from '../core/call-session.ts';
import { toCallError } from '../core/errors.ts';
import type { WaitingGuest } from '../core/moderation.ts';
import { fire, type CallErrorDetail } from '../elements/shared/events.ts';
import { initials } from '../elements/shared/avatar.ts';
import type { StringKey } from '../i18n/index.ts';
import type { LocalizeController } from './localize-controller.ts';

export interface HostControlsOptions {
  session(): CallSessionView | undefined;
}

export class HostControlsController implements ReactiveController {
  /** What the live region says last. */
  announcement = '';
  /** Whose removal is being confirmed. */
  confirming: string | undefined;
  readonly #busy = new Set<string>();
  #known = new Set<string>();

  constructor(
    private readonly host: ReactiveControllerHost & HTMLElement,
    private readonly i18n: LocalizeController,
    private readonly options: HostControlsOptions,
  ) {
    host.addController(this);
  }

  hostUpdate(): void {
    // Someone new knocking is said aloud (once per person).
    const waiting = this.waiting;
    const now = new Set(waiting.map((guest) => guest.userId));
    const newcomer = waiting.find((guest) => !this.#known.has(guest.userId));
    if (newcomer) this.#say(this.i18n.t('moderation.knocked', { name: newcomer.name }), false);
    this.#known = now;
  }

  /** The session when the local person is its host and it has host controls. */
  get hosted(): CallSessionView | undefined {
    const session = this.options.session();
    return session?.hostId && session.hostId === session.userId && session.admit ? session : undefined;
  }

  get waiting(): WaitingGuest[] {
    return this.hosted?.waiting ?? [];
  }

  /** The live region (host only). */
  renderLive(): TemplateResult | typeof nothing {
    if (!this.hosted) return nothing;
    return html`<div class="visually-hidden" role="status" aria-live="polite">${this.announcement}</div>`;
  }

  /** "Waiting to join (n)": Admit and Decline per guest, the earliest knock first. */
  renderWaiting(): TemplateResult | typeof nothing {
    const waiting = this.waiting;
    if (!waiting.length) return nothing;
    const t = this.i18n.t;
    return html`<section class="waiting" part="waiting" aria-labelledby="waiting-heading">
      <h4 id="waiting-heading" part="waiting-heading">${t('moderation.waitingHeading', { count: waiting.length })}</h4>
      <ul role="list" part="waiting-list">
        ${waiting.map(
          (guest) => html`<li class="person waiting-guest" part="item waiting-item" data-id=${guest.userId}>
            <span class="avatar" part="avatar" aria-hidden="true">
              ${guest.avatarUrl ? html`<img src=${guest.avatarUrl} alt="" />` : html`<span>${initials(guest.name)}</span>`}
            </span>
            <span class="text"><span class="name" part="name">${guest.name}</span></span>
            <span class="host-actions">
              ${this.#button('admit', guest.userId, guest.name, 'moderation.admit', 'moderation.admitName', () => this.#run(guest.userId, guest.name, 'admit'))}
              ${this.#button('decline', guest.userId, guest.name, 'moderation.decline', 'moderation.declineName', () => this.#run(guest.userId, guest.name, 'remove'))}
            </span>
          </li>`,
        )}
      </ul>
    </section>`;
  }

  /** Mute or Ask to unmute, and Remove, for someone else in the call; nothing for anyone else. */
  renderActions(participant: Participant): TemplateResult | typeof nothing {
    const session = this.hosted;
    const id = participant.userId;
    if (!session || !id || participant.isLocal || participant.role === 'host' || participant.removed || participant.presence !== 'connected') return nothing;
    const t = this.i18n.t;
    if (this.confirming === id) {
      return html`<span class="host-actions confirm" role="group" aria-labelledby="confirm-${id}">
        <span id="confirm-${id}" class="confirm-text">${t('moderation.removeConfirm', { name: participant.name })}</span>
        ${this.#button('remove-confirm', id, participant.name, 'moderation.removeYes', 'moderation.removeName', () => this.#run(id, participant.name, 'remove'))}
        <button class="host-action is-cancel" part="host-action cancel" @click=${() => this.#confirm(undefined, id)}>${t('moderation.cancel')}</button>
      </span>`;
    }
    return html`<span class="host-actions">
      ${participant.mic
        ? this.#button('mute', id, participant.name, 'moderation.mute', 'moderation.muteName', () => this.#run(id, participant.name, 'mute'))
        : this.#button('ask-unmute', id, participant.name, 'moderation.askUnmute', 'moderation.askUnmuteName', () => this.#run(id, participant.name, 'askToUnmute'))}
      ${this.#button('remove-participant', id, participant.name, 'moderation.remove', 'moderation.removeName', () => this.#confirm(id, id))}
    </span>`;
  }

  #button(kind: string, id: string, name: string, text: StringKey, label: StringKey, click: () => void): TemplateResult {
    const t = this.i18n.t;
    return html`<button class="host-action is-${kind}" part="host-action ${kind}" data-action=${kind} ?disabled=${this.#busy.has(id)} aria-label=${t(label, { name })} @click=${click}>
      ${t(text)}
    </button>`;
  }

  #confirm(id: string | undefined, focusOf: string): void {
    this.confirming = id;
    this.host.requestUpdate();
    // Focus goes to the confirming button, and back to Remove on Cancel.
    void this.host.updateComplete.then(() => {
      const selector = `[data-id="${CSS.escape(focusOf)}"] [data-action="${id ? 'remove-confirm' : 'remove-participant'}"]`;
      (this.host.shadowRoot?.querySelector(selector) as HTMLElement | null)?.focus();
    });
  }

  async #run(id: string, name: string, action: 'admit' | 'remove' | 'mute' | 'askToUnmute'): Promise<void> {
    const session = this.hosted;
    const call = session?.[action];
    if (!session || !call) return;
    this.#busy.add(id);
    this.host.requestUpdate();
    try {
      await call(id);
      const said: Record<typeof action, StringKey> = { admit: 'moderation.admitted', remove: 'moderation.removedName', mute: 'moderation.mutedName', askToUnmute: 'moderation.asked' };
      this.#say(this.i18n.t(said[action], { name }));
      if (this.confirming === id) this.confirming = undefined;
    } catch (error) {
      const callError = toCallError(error);
      this.#say(this.i18n.t('moderation.failed', { message: callError.message }));
      fire<CallErrorDetail>(this.host, 'call-error', { code: callError.code, message: callError.message, sessionId: session.id });
    } finally {
      this.#busy.delete(id);
      this.host.requestUpdate();
    }
  }

  #say(text: string, update = true): void {
    this.announcement = text;
    if (update) this.host.requestUpdate();
  }
}
