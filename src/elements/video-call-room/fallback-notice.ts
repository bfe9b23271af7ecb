/**
 * `<video-call-room>`'s notice of the fallback ladder: what happened to the connection and what
 * to do — the relay (a note), the external meeting (a real link, new tab), nothing more to try
 * (advice), and each participant whose link failed, with a retry. Camera and microphone blocked
 * already has its own banner in the call.
 */
import { html, nothing, type TemplateResult } from 'lit';
import type { CallSessionView } from '../../core/call-session.ts';
import type { CallFallbackDetail } from '../../core/fallback.ts';
import type { StringKey } from '../../i18n/index.ts';

type Translate = (key: StringKey, values?: Record<string, string | number>) => string;

/**
 * The sentence for a step down, naming the peer of a link (`name`). `failed`: joining itself
 * failed, so nothing is on screen to keep going and nobody retries but the person.
 */
export function fallbackText(t: Translate, detail: CallFallbackDetail, name: string, failed = false): string {
  if (detail.step === 'relay') return detail.peerId ? t('fallback.relay', { name }) : t('fallback.relayCall');
  if (detail.reason === 'signaling-unreachable' && failed) return t('fallback.unreachableAtJoin');
  // Too large for a mesh: the call waits for the SFU to come back.
  if (detail.reason === 'sfu-unreachable' && detail.step === 'none') return t('fallback.sfuTooLarge');
  return t(`fallback.${detail.reason}` as StringKey, { name });
}

export interface FallbackNotice {
  t: Translate;
  fallback: CallFallbackDetail | undefined;
  session: CallSessionView | undefined;
  text(detail: CallFallbackDetail): string;
  retry(peerId: string, name: string): void;
}

export function renderFallbackNotice({ t, fallback, session, text, retry }: FallbackNotice): TemplateResult | typeof nothing {
  const failed = (session?.participants ?? []).filter((p) => !p.isLocal && session?.linkRung?.(p.id) === 'failed');
  const shown = fallback && !(fallback.reason === 'media-denied' && session?.state === 'connected') ? fallback : undefined;
  if (!shown && !failed.length) return nothing;
  // The relay and a mesh carry the call on: a note, not a warning.
  const serious = shown ? shown.step !== 'relay' && shown.step !== 'mesh' : true;
  return html`<div part="banner fallback" class="banner fallback ${serious ? 'warning' : ''}">
    ${shown ? html`<p>${text(shown)}</p>` : nothing}
    ${shown?.step === 'external' && shown.url
      ? html`<p>
          ${t('fallback.external')}
          <a part="fallback-link" class="action primary" href=${shown.url} target="_blank" rel="noopener noreferrer">${t('fallback.externalLink')}</a>
        </p>`
      : nothing}
    ${shown?.step === 'none' && !['media-denied', 'webrtc-unsupported', 'sfu-unreachable'].includes(shown.reason) ? html`<p>${t('fallback.none')}</p>` : nothing}
    ${failed.length
      ? html`<ul class="fallback-peers">
          ${failed.map(
            // The notice's own sentence already names the peer it is about: only the retry then.
            (p) => html`<li>
              ${p.id === shown?.peerId ? nothing : html`<span>${t('fallback.peerFailed', { name: p.name })}</span>`}
              <button class="action" @click=${() => retry(p.id, p.name)}>${t('fallback.retry', { name: p.name })}</button>
            </li>`,
          )}
        </ul>`
      : nothing}
  </div>`;
}
