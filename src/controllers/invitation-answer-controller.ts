/**
 * An invitee's Yes / Maybe / No to a call, as `<event-call-button>` shows it: the saving and
 * failed states, what the live region says once it is stored, and the group of three
 * `aria-pressed` buttons. The element says which invitation (if any) and fires the events.
 */
import { html, nothing, type ReactiveController, type ReactiveControllerHost, type TemplateResult } from 'lit';
import type { CallClientView } from '../core/call-client.ts';
import { CallError, toCallError } from '../core/errors.ts';
import { INVITATION_ANSWERS, type InvitationAnswer } from '../core/invitations.ts';
import type { Participant } from '../core/participant.ts';
import { checkIcon } from '../elements/shared/icons.ts';
import type { LocalizeController } from './localize-controller.ts';

export interface InvitationAnswerHooks {
  client(): CallClientView | undefined;
  /** Shows the stored answer at once (the roster hears of it too, a moment later). */
  reload(): Promise<void>;
  stored(sessionId: string, status: InvitationAnswer): void;
  failed(sessionId: string, failure: CallError): void;
}

export class InvitationAnswerController implements ReactiveController {
  /** The answer being saved, shown as chosen meanwhile. */
  #answering: InvitationAnswer | null = null;
  #error = '';
  /** Said by the live region once an answer is stored. */
  #notice = '';

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly i18n: LocalizeController,
    private readonly hooks: InvitationAnswerHooks,
  ) {
    host.addController(this);
  }

  /** Taken off the page: what the live region said is not said again when it comes back. */
  hostDisconnected(): void {
    this.#notice = '';
  }

  get answering(): InvitationAnswer | null {
    return this.#answering;
  }

  get notice(): string {
    return this.#notice;
  }

  /** Another call shown: the last one's failure is no longer news. */
  forget(): void {
    this.#error = '';
    this.host.requestUpdate();
  }

  async answer(sessionId: string | undefined, status: InvitationAnswer): Promise<void> {
    const client = this.hooks.client();
    if (!client?.answerInvitation || !sessionId) {
      throw new CallError('invalid_input', 'there is no invitation to the event’s call to answer here');
    }
    const t = this.i18n.t;
    this.#set(status, '', t('answer.saving'));
    try {
      await client.answerInvitation(sessionId, status);
      await this.hooks.reload();
      this.#notice = t('answer.saved', { answer: t(`answer.${status}`) });
      this.hooks.stored(sessionId, status);
    } catch (error) {
      const failure = toCallError(error);
      const code = failure.code;
      const words =
        code === 'not_signed_in' || code === 'session_ended'
          ? t(`answer.error.${code}`)
          : code === 'not_participant' || code === 'session_not_found'
            ? t(`error.${code}`)
            : failure.message;
      this.#error = t('answer.failed', { message: words });
      this.#notice = '';
      this.hooks.failed(sessionId, failure);
      throw failure;
    } finally {
      if (this.#answering === status) this.#answering = null;
      this.host.requestUpdate();
    }
  }

  /** Yes / Maybe / No for `invitation` while `open`; the last failure stays said either way. */
  render(invitation: Participant | undefined, open: boolean, choose: (status: InvitationAnswer) => void): TemplateResult {
    const t = this.i18n.t;
    // Why the last answer failed stays said even when the failure removed the buttons (the call ended, the invitation was withdrawn).
    const failure = this.#error ? html`<p part="answer-message" class="hint error" role="alert">${this.#error}</p>` : nothing;
    if (!invitation || !this.hooks.client()?.answerInvitation || !open) return html`${failure}`;
    const current = this.#answering ?? invitation.inviteStatus;
    const saving = this.#answering !== null;
    return html`<div part="answer" class="answer" role="group" aria-labelledby="answer-label" aria-busy=${saving ? 'true' : 'false'}>
        <span id="answer-label" class="answer-label">${t('answer.label')}</span>
        <span class="options">
          ${INVITATION_ANSWERS.map(
            (status) => html`<button
              part="answer-option answer-${status}"
              class="option option-${status} ${saving && current === status ? 'saving' : ''}"
              aria-pressed=${current === status ? 'true' : 'false'}
              aria-disabled=${saving ? 'true' : 'false'}
              @click=${() => {
                // aria-disabled rather than disabled while saving: focus stays on the button pressed.
                if (this.#answering === null) choose(status);
              }}
            >
              ${current === status ? (saving ? html`<span class="spinner" aria-hidden="true"></span>` : checkIcon) : nothing}<span>${t(`answer.${status}`)}</span>
            </button>`,
          )}
        </span>
      </div>
      ${failure}`;
  }

  #set(answering: InvitationAnswer | null, error: string, notice: string): void {
    this.#answering = answering;
    this.#error = error;
    this.#notice = notice;
    this.host.requestUpdate();
  }
}
