/**
 * The local camera, microphone and screen. Falls back gracefully: no camera → audio only; denied
 * permission → a clear `denied` state in which the call can still be watched. Turning the camera
 * off stops the track (the camera light goes out) and the peers get a null track, not a
 * renegotiation.
 */
import { SpeakingMeter } from './speaking.ts';
import { TypedEventTarget } from './typed-events.ts';

export type MediaStatus = 'idle' | 'acquiring' | 'ready' | 'audio-only' | 'denied' | 'unavailable';

export interface LocalMediaState {
  status: MediaStatus;
  mic: boolean;
  cam: boolean;
  screen: boolean;
  speaking: boolean;
  /** Why media is limited (`NotAllowedError`, `NotFoundError`, …) and the browser's words. */
  error?: { name: string; message: string };
}

export interface LocalMediaEvents {
  change: LocalMediaState;
  /** The camera/mic stream or the screen stream changed (tracks added, removed or replaced). */
  streams: { camera?: MediaStream; screen?: MediaStream };
}

export interface MediaRequest {
  audio?: boolean;
  video?: boolean;
  audioDeviceId?: string;
  videoDeviceId?: string;
}

const VIDEO: MediaTrackConstraints = { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 24 } };

export class LocalMedia extends TypedEventTarget<LocalMediaEvents> {
  /** One stream for camera and microphone; tracks come and go, the stream stays. */
  camera: MediaStream | undefined;
  screen: MediaStream | undefined;
  #state: LocalMediaState = { status: 'idle', mic: false, cam: false, screen: false, speaking: false };
  #request: MediaRequest = {};
  #meter: SpeakingMeter | undefined;

  get state(): LocalMediaState {
    return { ...this.#state };
  }

  /** Asks for camera and microphone; never throws — the outcome is in `state`. */
  async start(request: MediaRequest = {}): Promise<LocalMediaState> {
    this.#request = { audio: true, video: true, ...request };
    const { audio, video } = this.#request;
    this.#set({ status: 'acquiring' });
    if (!audio && !video) {
      this.#set({ status: 'ready' });
      return this.state;
    }
    if (!navigator.mediaDevices?.getUserMedia) {
      this.#set({ status: 'unavailable', error: { name: 'NotSupportedError', message: 'this page cannot use a camera or microphone (it needs https)' } });
      return this.state;
    }
    try {
      const stream = await navigator.mediaDevices.getUserMedia(this.#constraints(audio, video));
      this.#adopt(stream);
      this.#set({ status: 'ready', mic: stream.getAudioTracks().length > 0, cam: stream.getVideoTracks().length > 0, error: undefined });
    } catch (error) {
      const { name, message } = error as DOMException;
      if (name === 'NotAllowedError' || name === 'SecurityError') {
        this.#set({ status: 'denied', mic: false, cam: false, error: { name, message } });
      } else if (video && audio) {
        // No camera (or it is busy): go on with the microphone alone.
        try {
          const stream = await navigator.mediaDevices.getUserMedia(this.#constraints(true, false));
          this.#adopt(stream);
          this.#set({ status: 'audio-only', mic: true, cam: false, error: { name, message } });
        } catch (fallback) {
          const failure = fallback as DOMException;
          this.#set({ status: failure.name === 'NotAllowedError' ? 'denied' : 'unavailable', mic: false, cam: false, error: { name: failure.name, message: failure.message } });
        }
      } else {
        this.#set({ status: 'unavailable', mic: false, cam: false, error: { name, message } });
      }
    }
    return this.state;
  }

  setMic(on: boolean): void {
    const track = this.camera?.getAudioTracks()[0];
    if (!track) return;
    track.enabled = on;
    this.#set({ mic: on, speaking: on && this.#state.speaking });
  }

  async setCamera(on: boolean): Promise<void> {
    if (on === this.#state.cam) return;
    if (!on) {
      for (const track of this.camera?.getVideoTracks() ?? []) {
        track.stop();
        this.camera!.removeTrack(track);
      }
      this.#set({ cam: false });
      this.emit('streams', { camera: this.camera, screen: this.screen });
      return;
    }
    const stream = await navigator.mediaDevices.getUserMedia(this.#constraints(false, true));
    const track = stream.getVideoTracks()[0];
    if (!this.camera) this.camera = new MediaStream();
    this.camera.addTrack(track);
    this.#set({ cam: true, status: this.#state.status === 'audio-only' ? 'ready' : this.#state.status });
    this.emit('streams', { camera: this.camera, screen: this.screen });
  }

  /** Switches to another camera or microphone; the peers get the new track in place of the old. */
  async switchDevice(kind: 'audioinput' | 'videoinput', deviceId: string): Promise<void> {
    const isAudio = kind === 'audioinput';
    this.#request = { ...this.#request, [isAudio ? 'audioDeviceId' : 'videoDeviceId']: deviceId };
    const stream = await navigator.mediaDevices.getUserMedia(this.#constraints(isAudio, !isAudio));
    const track = stream.getTracks()[0];
    if (!this.camera) this.camera = new MediaStream();
    const old = isAudio ? this.camera.getAudioTracks()[0] : this.camera.getVideoTracks()[0];
    if (old) {
      if (isAudio) track.enabled = old.enabled;
      old.stop();
      this.camera.removeTrack(old);
    }
    this.camera.addTrack(track);
    if (isAudio) this.#watchSpeaking();
    this.#set(isAudio ? { mic: track.enabled } : { cam: true });
    this.emit('streams', { camera: this.camera, screen: this.screen });
  }

  async devices(): Promise<MediaDeviceInfo[]> {
    return (await navigator.mediaDevices?.enumerateDevices?.()) ?? [];
  }

  get canShareScreen(): boolean {
    return typeof navigator !== 'undefined' && typeof navigator.mediaDevices?.getDisplayMedia === 'function';
  }

  async startScreenShare(): Promise<void> {
    if (this.screen) return;
    const stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    this.screen = stream;
    // The browser's own "stop sharing" button ends the track.
    stream.getVideoTracks()[0]?.addEventListener('ended', () => this.stopScreenShare());
    this.#set({ screen: true });
    this.emit('streams', { camera: this.camera, screen: this.screen });
  }

  stopScreenShare(): void {
    if (!this.screen) return;
    for (const track of this.screen.getTracks()) track.stop();
    this.screen = undefined;
    this.#set({ screen: false });
    this.emit('streams', { camera: this.camera, screen: undefined });
  }

  stop(): void {
    this.#meter?.stop();
    this.#meter = undefined;
    for (const track of [...(this.camera?.getTracks() ?? []), ...(this.screen?.getTracks() ?? [])]) track.stop();
    this.camera = undefined;
    this.screen = undefined;
    this.#set({ status: 'idle', mic: false, cam: false, screen: false, speaking: false });
  }

  #constraints(audio: boolean | undefined, video: boolean | undefined): MediaStreamConstraints {
    const { audioDeviceId, videoDeviceId } = this.#request;
    return {
      audio: audio ? (audioDeviceId ? { deviceId: { exact: audioDeviceId } } : { echoCancellation: true, noiseSuppression: true }) : false,
      video: video ? { ...VIDEO, ...(videoDeviceId ? { deviceId: { exact: videoDeviceId } } : { facingMode: 'user' }) } : false,
    };
  }

  #adopt(stream: MediaStream): void {
    this.camera = stream;
    this.#watchSpeaking();
    this.emit('streams', { camera: this.camera, screen: this.screen });
  }

  #watchSpeaking(): void {
    this.#meter?.stop();
    if (!this.camera?.getAudioTracks().length) return;
    this.#meter = new SpeakingMeter(this.camera, {
      onChange: (speaking) => this.#set({ speaking: speaking && this.#state.mic }),
    });
  }

  #set(patch: Partial<LocalMediaState>): void {
    this.#state = { ...this.#state, ...patch };
    this.emit('change', this.state);
  }
}
