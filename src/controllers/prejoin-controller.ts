/**
 * The pre-join screen's behaviour for `<video-call-room>`: a MediaPreview while the screen shows
 * (started after the first render that shows it, stopped as soon as one does not), the choices
 * (devices, mic and camera on or off, the name) read from and saved to storage
 * (prejoin-choices.ts), and at Join the hand-over: the preview's tracks go to the session as they
 * are, the name to our participant row first. The chosen speaker is applied to every video the
 * room plays, in the call too. The template is prejoin.ts.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { CallClientView } from '../core/call-client.ts';
import type { JoinOptions } from '../core/call-session-types.ts';
import { MediaPreview, type PreviewState } from '../core/media-preview.ts';
import { readChoices, saveChoices, usable, type PrejoinChoices } from '../core/prejoin-choices.ts';
import type { LocalizeController } from './localize-controller.ts';

export interface PrejoinOptions {
  client(): CallClientView | undefined;
  sessionId(): string;
  join(): void;
  announce(text: string): void;
}

/** Whether this browser can choose where sound plays (Firefox only with its pref, Safari not). */
export const canChooseSpeaker = (): boolean => typeof HTMLMediaElement !== 'undefined' && 'setSinkId' in HTMLMediaElement.prototype;

type Host = ReactiveControllerHost & HTMLElement & { readonly renderRoot: HTMLElement | DocumentFragment };

export class PrejoinController implements ReactiveController {
  readonly preview = new MediaPreview();
  choices: PrejoinChoices = readChoices();
  /** The name field; `profileName` is what the others would see without it. */
  name = '';
  profileName = '';
  /** The microphone's level, 0–100, for the meter. */
  level = 0;
  /** Join pressed: the tracks are being handed over, the preview must not start again. */
  handingOver = false;
  #userId: string | undefined;
  #nameTyped = false;
  #shown = false;
  #started = false;
  #focused = false;
  /** What the last Join chose (without the tracks): a retry after a failure joins the same way. */
  #last: JoinOptions | undefined;
  readonly #sinks = new WeakMap<HTMLMediaElement, string>();
  #unlisten: Array<() => void> = [];

  constructor(
    private readonly host: Host,
    readonly i18n: LocalizeController,
    readonly options: PrejoinOptions,
  ) {
    host.addController(this);
  }

  get state(): PreviewState {
    return this.preview.state;
  }

  hostConnected(): void {
    this.#unlisten = [
      this.preview.on('change', () => this.host.requestUpdate()),
      this.preview.on('level', (rms) => {
        // Speech sits between about -50 and -10 dBFS: that range fills the meter.
        const level = rms > 0 ? Math.round(Math.min(100, Math.max(0, ((20 * Math.log10(rms) + 50) / 40) * 100))) : 0;
        if (level !== this.level) {
          this.level = level;
          this.host.requestUpdate();
        }
      }),
    ];
    navigator.mediaDevices?.addEventListener?.('devicechange', this.#onDeviceChange);
  }

  hostDisconnected(): void {
    for (const unlisten of this.#unlisten) unlisten();
    navigator.mediaDevices?.removeEventListener?.('devicechange', this.#onDeviceChange);
    this.preview.stop();
    this.#started = false;
  }

  hostUpdate(): void {
    this.#shown = false;
  }

  /** The room renders the screen this update (prejoin.ts's renderPrejoin, in place of its old Join button). */
  shown(): this {
    this.#shown = true;
    return this;
  }

  hostUpdated(): void {
    if (this.#shown && !this.#started && !this.handingOver) this.#start();
    else if (!this.#shown) {
      this.handingOver = false;
      if (this.#started) this.preview.stop();
      this.#started = false;
    }
    if (this.#shown && !this.#focused && this.state.status !== 'acquiring' && this.state.status !== 'idle') this.#focusFirst();
    this.#applySpeaker();
  }

  #start(): void {
    this.#started = true;
    const { camera, microphone, cam, mic } = this.choices;
    void this.preview.start({ camera, microphone, cam, mic });
    void this.#loadProfile();
  }

  /** Try again (after a refusal, or with a device plugged in). */
  retry = (): void => {
    this.#focused = false;
    this.#start();
  };

  async #loadProfile(): Promise<void> {
    const user = await this.options.client()?.currentUser().catch(() => null);
    if (!user) return;
    this.#userId = user.id;
    this.profileName = user.name;
    if (!this.#nameTyped) this.name = this.choices.userId === user.id && this.choices.name ? this.choices.name : user.name;
    this.host.requestUpdate();
  }

  #focusFirst(): void {
    this.#focused = true;
    // Only when nothing else has the focus: a room that appears on a page must not take it from the page.
    const active = document.activeElement;
    if (active && active !== document.body && active !== this.host) return;
    this.host.renderRoot.querySelector<HTMLElement>('[data-prejoin-first]')?.focus();
  }

  #onDeviceChange = (): void => {
    if (!this.#started) return;
    // Nothing was there and now something is: try at once; else only the lists change.
    if (this.state.status === 'no-devices') this.retry();
    else void this.preview.refreshDevices();
  };

  // ---- the person's choices ------------------------------------------------------------------

  typeName = (event: Event): void => {
    this.#nameTyped = true;
    this.name = (event.target as HTMLInputElement).value;
    // The initials follow the name while the camera is off.
    this.host.requestUpdate();
  };

  toggleMic = (): void => {
    const on = !this.choices.mic;
    this.choices = { ...this.choices, mic: on };
    this.preview.setMic(on);
    this.options.announce(this.i18n.t(on ? 'announce.unmuted' : 'announce.muted'));
    this.host.requestUpdate();
  };

  toggleCamera = async (): Promise<void> => {
    const on = !this.choices.cam;
    this.choices = { ...this.choices, cam: on };
    this.host.requestUpdate();
    try {
      await this.preview.setCamera(on, usable(this.choices.camera, this.devices('videoinput')));
      this.options.announce(this.i18n.t(on ? 'prejoin.camOn' : 'prejoin.camOff'));
    } catch {
      this.choices = { ...this.choices, cam: false };
      this.options.announce(this.i18n.t('prejoin.camFailed'));
    }
    this.host.requestUpdate();
  };

  choose = async (kind: MediaDeviceKind, deviceId: string): Promise<void> => {
    const key = kind === 'videoinput' ? 'camera' : kind === 'audioinput' ? 'microphone' : 'speaker';
    this.choices = { ...this.choices, [key]: deviceId };
    if (kind !== 'audiooutput') await this.preview.switchDevice(kind, deviceId).catch(() => this.options.announce(this.i18n.t('prejoin.deviceFailed')));
    this.host.requestUpdate();
  };

  /** A speaker picker only where sound can be sent elsewhere and there is somewhere else. */
  get speakerChoice(): boolean {
    return canChooseSpeaker() && this.devices('audiooutput').length > 1;
  }

  devices(kind: MediaDeviceKind): MediaDeviceInfo[] {
    return this.state.devices.filter((device) => device.kind === kind && device.deviceId);
  }

  /** The device in use: the open track's, else the remembered one if it is still there. */
  current(kind: MediaDeviceKind): string | undefined {
    const stream = this.state.stream;
    if (kind === 'audiooutput') return usable(this.choices.speaker, this.devices(kind));
    const track = kind === 'videoinput' ? stream?.getVideoTracks()[0] : stream?.getAudioTracks()[0];
    return track?.getSettings().deviceId ?? usable(kind === 'videoinput' ? this.choices.camera : this.choices.microphone, this.devices(kind));
  }

  // ---- Join ----------------------------------------------------------------------------------

  /**
   * What session.join() is given: the preview's tracks and the choices while the screen shows
   * (after the name went to our row and the choices to storage); the last ones after that.
   */
  async joinOptions(): Promise<JoinOptions | undefined> {
    if (!this.#started) return this.#last;
    this.handingOver = true;
    this.host.requestUpdate();
    const camera = this.current('videoinput');
    const microphone = this.current('audioinput');
    const { mic, cam } = this.choices;
    const name = this.name.trim().slice(0, 200);
    this.choices = { ...this.choices, camera, microphone, speaker: this.current('audiooutput'), ...(name && this.#userId ? { name, userId: this.#userId } : {}) };
    saveChoices(this.choices);
    const stream = await this.preview.handOver();
    this.#started = false;
    const client = this.options.client();
    if (name && name !== this.profileName && client?.setDisplayName) {
      await client.setDisplayName(this.options.sessionId(), name).catch(() => this.options.announce(this.i18n.t('prejoin.nameFailed', { name: this.profileName })));
    }
    const media = { audio: true, video: true, audioDeviceId: microphone, videoDeviceId: camera, mic, cam };
    this.#last = { media };
    return { media: { ...media, stream } };
  }

  /** Plays every video and audio of the room on the chosen speaker, where the browser can. */
  #applySpeaker(): void {
    const speaker = this.choices.speaker;
    if (!speaker || !canChooseSpeaker()) return;
    for (const media of this.host.renderRoot.querySelectorAll<HTMLMediaElement & { setSinkId(id: string): Promise<void> }>('video, audio')) {
      if (this.#sinks.get(media) === speaker) continue;
      this.#sinks.set(media, speaker);
      void media.setSinkId(speaker).catch(() => undefined);
    }
  }
}
