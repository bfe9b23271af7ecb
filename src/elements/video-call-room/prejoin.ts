/**
 * The pre-join screen of `<video-call-room>`: the camera preview (mirrored like the room's own
 * tile; initials while the camera is off), the name, mic and camera toggles, the microphone's
 * level, device pickers (only where there is a choice), what to do when the browser refused, and
 * Join. Behaviour lives in PrejoinController; this is its template.
 */
import { html, nothing, type TemplateResult } from 'lit';
import type { PrejoinController } from '../../controllers/prejoin-controller.ts';
import type { StringKey } from '../../i18n/index.ts';
import { initials } from '../shared/avatar.ts';
import { camIcon, camOffIcon, micIcon, micOffIcon } from '../shared/icons.ts';

/** Which browser's words to use for "allow the camera": each puts the setting somewhere else. */
export function browserFamily(ua = typeof navigator === 'undefined' ? '' : navigator.userAgent): 'firefox' | 'chrome' | 'safari' | 'other' {
  if (/Firefox\/|FxiOS/.test(ua)) return 'firefox';
  if (/Chrome\/|CriOS|Edg\//.test(ua)) return 'chrome';
  if (/Safari\//.test(ua)) return 'safari';
  return 'other';
}

const PROBLEMS: Record<string, { title: StringKey; text: StringKey } | undefined> = {
  denied: { title: 'prejoin.denied.title', text: `prejoin.denied.${browserFamily()}` as StringKey },
  'no-devices': { title: 'prejoin.noDevices.title', text: 'prejoin.noDevices.text' },
  busy: { title: 'prejoin.busy.title', text: 'prejoin.busy.text' },
  unsupported: { title: 'prejoin.unsupported.title', text: 'prejoin.unsupported.text' },
};

export function renderPrejoin(c: PrejoinController): TemplateResult {
  const t = c.i18n.t;
  const { status, stream } = c.state;
  const camera = c.choices.cam ? stream?.getVideoTracks()[0] : undefined;
  const hasMic = Boolean(stream?.getAudioTracks().length);
  const problem = PROBLEMS[status];
  const acquiring = status === 'acquiring' || status === 'idle';
  const mirror = camera?.getSettings().facingMode !== 'environment';
  const canJoin = Boolean(c.options.sessionId()) && !c.handingOver;
  return html`<div class="prejoin" part="prejoin" role="group" aria-labelledby="prejoin-heading">
    <h2 id="prejoin-heading" class="prejoin-heading">${t('prejoin.heading')}</h2>
    <div class="prejoin-body">
      <div class="prejoin-preview ${mirror ? 'mirror' : ''}" part="prejoin-preview">
        ${camera
          ? html`<video .srcObject=${stream} autoplay playsinline muted .muted=${true} aria-hidden="true"></video>`
          : html`<div class="avatar" part="avatar" aria-hidden="true"><span class="initials">${initials(c.name || c.profileName || '?')}</span></div>`}
        <p class="prejoin-caption">${acquiring ? t('prejoin.starting') : camera || problem ? '' : t('prejoin.cameraOff')}</p>
      </div>
      <div class="prejoin-form">
        ${problem
          ? html`<div class="prejoin-problem" part="prejoin-problem" role="alert">
              <p class="prejoin-problem-title">${t(problem.title)}</p>
              <p>${t(problem.text)}</p>
              <button class="action" part="prejoin-retry" data-prejoin-first @click=${c.retry}>${t('prejoin.retry')}</button>
            </div>`
          : nothing}
        <label class="prejoin-field">
          <span>${t('prejoin.name')}</span>
          <input
            part="prejoin-name"
            type="text"
            autocomplete="name"
            maxlength="200"
            .value=${c.name}
            ?data-prejoin-first=${!problem}
            aria-describedby="prejoin-name-hint"
            @input=${c.typeName}
          />
          <span id="prejoin-name-hint" class="prejoin-hint">${t('prejoin.nameHint')}</span>
        </label>
        ${problem ? nothing : renderToggles(c, hasMic)}
        ${hasMic && c.choices.mic ? renderMeter(c) : nothing}
        ${problem ? nothing : html`${renderPicker(c, 'videoinput', 'control.camera')} ${renderPicker(c, 'audioinput', 'control.microphone')}`}
        ${c.speakerChoice ? renderPicker(c, 'audiooutput', 'prejoin.speaker') : nothing}
        <button class="action primary prejoin-join" part="prejoin-join" ?disabled=${!canJoin} @click=${() => c.options.join()}>${t('room.join')}</button>
        ${problem ? html`<p class="prejoin-hint">${t('prejoin.watchOnly')}</p>` : nothing}
      </div>
    </div>
  </div>`;
}

function renderToggles(c: PrejoinController, hasMic: boolean): TemplateResult {
  const t = c.i18n.t;
  const mic = hasMic && c.choices.mic;
  const cam = c.choices.cam;
  return html`<div class="prejoin-toggles">
    <button part="prejoin-toggle" class="toggle" aria-pressed=${String(mic)} ?disabled=${!hasMic} @click=${c.toggleMic}>
      ${mic ? micIcon : micOffIcon}<span>${t('control.microphone')}</span>
    </button>
    <button part="prejoin-toggle" class="toggle" aria-pressed=${String(cam)} ?disabled=${!c.devices('videoinput').length && !cam} @click=${c.toggleCamera}>
      ${cam ? camIcon : camOffIcon}<span>${t('control.camera')}</span>
    </button>
  </div>`;
}

/** The level, not announced: a meter is read when reached, never spoken on each change. */
function renderMeter(c: PrejoinController): TemplateResult {
  return html`<div class="prejoin-meter" part="prejoin-meter" role="meter" aria-label=${c.i18n.t('prejoin.level')} aria-valuemin="0" aria-valuemax="100" aria-valuenow=${c.level}>
    <span style="inline-size:${c.level}%"></span>
  </div>`;
}

/** A picker where there is a choice; one device is named, not offered. */
function renderPicker(c: PrejoinController, kind: MediaDeviceKind, label: StringKey): TemplateResult | typeof nothing {
  const t = c.i18n.t;
  const devices = c.devices(kind);
  if (!devices.length) return nothing;
  const current = c.current(kind) ?? devices[0]!.deviceId;
  const name = (device: MediaDeviceInfo, i: number) => device.label || `${t(label)} ${i + 1}`;
  if (devices.length === 1) {
    return html`<p class="prejoin-device" data-kind=${kind}><span>${t(label)}:</span> ${name(devices[0]!, 0)}</p>`;
  }
  return html`<label class="prejoin-field">
    <span>${t(label)}</span>
    <select part="prejoin-picker" data-kind=${kind} @change=${(event: Event) => c.choose(kind, (event.target as HTMLSelectElement).value)}>
      ${devices.map((device, i) => html`<option value=${device.deviceId} ?selected=${device.deviceId === current}>${name(device, i)}</option>`)}
    </select>
  </label>`;
}
