/**
 * The room's own media controls — microphone, camera, the camera flip where there are two
 * cameras, screen share and the device menu — with what they need besides the session: the list
 * of devices (read again when one is plugged in or out) and the short message when a screen share
 * did not start. The room renders them in its toolbar and says what they did through its live
 * region and events.
 */
import { html, nothing, type ReactiveController, type ReactiveControllerHost, type TemplateResult } from 'lit';
import type { CallSessionView } from '../core/call-session.ts';
import type { LocalizeController } from './localize-controller.ts';
import { camIcon, camOffIcon, flipCameraIcon, gearIcon, micIcon, micOffIcon, screenIcon } from '../elements/shared/icons.ts';

/** How long "screen sharing was cancelled" stays: long enough to read, then out of the way. */
export const SHARE_NOTICE_MS = 6000;

export interface MediaControlsOptions {
  session(): CallSessionView | undefined;
  announce(text: string): void;
  /** A device the browser refused or lost: the room's `call-error` with `media_unavailable`. */
  mediaError(message: string): void;
}

export class MediaControlsController implements ReactiveController {
  /** Cameras and microphones as last read (labels once permission was given). */
  devices: MediaDeviceInfo[] = [];
  /** Why the last screen share did not start, shown for SHARE_NOTICE_MS. */
  shareNotice: string | undefined;
  #shareNoticeTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly i18n: LocalizeController,
    private readonly options: MediaControlsOptions,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    navigator.mediaDevices?.addEventListener?.('devicechange', this.loadDevices);
  }

  hostDisconnected(): void {
    navigator.mediaDevices?.removeEventListener?.('devicechange', this.loadDevices);
    clearTimeout(this.#shareNoticeTimer);
  }

  /** Reads the devices again (which cameras there are decides whether the flip button shows). */
  loadDevices = async (): Promise<void> => {
    this.devices = (await this.options.session()?.media.devices()) ?? [];
    this.host.requestUpdate();
  };

  /** The buttons before Leave: microphone, camera, flip, screen share, devices. */
  render(session: CallSessionView): TemplateResult {
    const t = this.i18n.t;
    const media = session.media.state;
    const hasMic = Boolean(session.media.camera?.getAudioTracks().length);
    const micLabel = t(media.mic ? 'control.mic.on' : 'control.mic.off');
    const camLabel = t(media.cam ? 'control.cam.on' : 'control.cam.off');
    const screenLabel = t(media.screen ? 'control.screen.on' : 'control.screen.off');
    const blocked = media.status === 'denied' || media.status === 'unavailable';
    const cameras = this.devices.filter((device) => device.kind === 'videoinput');
    return html`<button part="control" class="device" aria-pressed=${String(media.mic)} aria-label=${micLabel} title=${micLabel} ?disabled=${!hasMic} @click=${this.#toggleMic}>
        ${media.mic ? micIcon : micOffIcon}<span class="label-text">${t('control.microphone')}</span>
      </button>
      <button part="control" class="device" aria-pressed=${String(media.cam)} aria-label=${camLabel} title=${camLabel} ?disabled=${blocked} @click=${this.#toggleCamera}>
        ${media.cam ? camIcon : camOffIcon}<span class="label-text">${t('control.camera')}</span>
      </button>
      ${cameras.length > 1 ? this.#renderFlip(media.cam && !blocked) : nothing}
      ${session.media.canShareScreen
        ? html`<button part="control" class="share" aria-pressed=${String(media.screen)} aria-label=${screenLabel} title=${screenLabel} @click=${this.#toggleScreen}>
            ${screenIcon}<span class="label-text">${screenLabel}</span>
          </button>`
        : nothing}
      ${blocked ? nothing : this.#renderDevices(session)}`;
  }

  #renderFlip(enabled: boolean): TemplateResult {
    const label = this.i18n.t('phone.flipCamera');
    return html`<button part="control flip" class="flip" aria-label=${label} title=${label} ?disabled=${!enabled} @click=${this.#flipCamera}>
      ${flipCameraIcon}<span class="label-text">${label}</span>
    </button>`;
  }

  #renderDevices(session: CallSessionView): TemplateResult {
    const t = this.i18n.t;
    const cameras = this.devices.filter((device) => device.kind === 'videoinput');
    const microphones = this.devices.filter((device) => device.kind === 'audioinput');
    const current = (kind: 'audio' | 'video') =>
      (kind === 'audio' ? session.media.camera?.getAudioTracks() : session.media.camera?.getVideoTracks())?.[0]?.getSettings().deviceId;
    return html`<details class="devices" @toggle=${this.loadDevices}>
      <summary part="control" aria-label=${t('control.devices')} title=${t('control.devices')}>${gearIcon}</summary>
      <div class="panel">
        <label>
          ${t('control.camera')}
          <select @change=${(event: Event) => this.#switch('videoinput', event)}>
            ${cameras.map((device, i) => html`<option value=${device.deviceId} ?selected=${device.deviceId === current('video')}>${device.label || `${t('control.camera')} ${i + 1}`}</option>`)}
          </select>
        </label>
        <label>
          ${t('control.microphone')}
          <select @change=${(event: Event) => this.#switch('audioinput', event)}>
            ${microphones.map((device, i) => html`<option value=${device.deviceId} ?selected=${device.deviceId === current('audio')}>${device.label || `${t('control.microphone')} ${i + 1}`}</option>`)}
          </select>
        </label>
      </div>
    </details>`;
  }

  #toggleMic = () => {
    const session = this.options.session();
    if (!session) return;
    const on = !session.media.state.mic;
    session.setMic(on);
    this.options.announce(this.i18n.t(on ? 'announce.unmuted' : 'announce.muted'));
  };

  #toggleCamera = async () => {
    const session = this.options.session();
    if (!session) return;
    try {
      await session.setCamera(!session.media.state.cam);
    } catch (error) {
      this.options.mediaError((error as Error).message);
    }
  };

  #toggleScreen = async () => {
    try {
      await this.options.session()?.toggleScreenShare();
      this.#showShareNotice(undefined);
    } catch (error) {
      const { name, message } = error as DOMException;
      // A cancelled picker (or a page not allowed to capture) is the person's choice or the
      // host's, not an error for the host page: it is only said here.
      if (name === 'NotAllowedError') this.#showShareNotice(this.i18n.t('share.cancelled'));
      else {
        // NotFoundError: nothing to capture (headless Firefox); NotSupportedError: no getDisplayMedia.
        this.#showShareNotice(this.i18n.t(name === 'NotFoundError' || name === 'NotSupportedError' ? 'share.unavailable' : 'share.failed', { message }));
        this.options.mediaError(message);
      }
    }
  };

  /** Says why the screen share did not start, politely and briefly: it goes by itself. */
  #showShareNotice(text: string | undefined): void {
    clearTimeout(this.#shareNoticeTimer);
    this.shareNotice = text;
    this.host.requestUpdate();
    if (!text) return;
    this.options.announce(text);
    this.#shareNoticeTimer = setTimeout(() => {
      this.shareNotice = undefined;
      this.host.requestUpdate();
    }, SHARE_NOTICE_MS);
  }

  #flipCamera = async () => {
    const session = this.options.session();
    if (!session) return;
    try {
      await session.media.flipCamera();
      this.options.announce(this.i18n.t(session.media.state.facing === 'environment' ? 'phone.backCamera' : 'phone.frontCamera'));
    } catch (error) {
      this.options.mediaError((error as Error).message);
    }
    this.host.requestUpdate();
  };

  async #switch(kind: 'audioinput' | 'videoinput', event: Event): Promise<void> {
    const deviceId = (event.target as HTMLSelectElement).value;
    try {
      await this.options.session()?.media.switchDevice(kind, deviceId);
    } catch (error) {
      this.options.mediaError((error as Error).message);
    }
  }
}
