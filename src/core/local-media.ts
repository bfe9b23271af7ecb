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
  /**
   * Which way the camera looks: `user` (front, shown mirrored) or `environment` (back). The
   * browser's own word when it reports one; otherwise the first camera counts as the front one
   * (it was asked for with `facingMode: 'user'`) and each flip turns it round.
   */
  facing?: 'user' | 'environment';
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
  /** Start with the microphone muted (its track there, disabled): "join with mic off". Default on. */
  mic?: boolean;
  /**
   * Start with the camera off: no video track is opened (the camera light stays off) and
   * setCamera(true) opens the chosen one later. Default on.
   */
  cam?: boolean;
  /**
   * Tracks already open (a pre-join preview's): adopted as they are instead of asking the browser
   * again, so the same camera is never opened twice. Ended tracks are ignored (then it asks).
   */
  stream?: MediaStream;
}

/** The camera as a call sends it (the pre-join preview asks for the same). */
export const VIDEO: MediaTrackConstraints = { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 24 } };

/** The way a camera track looks, when the browser says (phones do; desktop webcams mostly not). */
function facingOf(track: MediaStreamTrack | undefined): 'user' | 'environment' | undefined {
  const mode = track?.getSettings().facingMode;
  return mode === 'user' || mode === 'environment' ? mode : undefined;
}

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
    const { stream: given, ...kept } = request;
    this.#request = { audio: true, video: true, ...kept };
    const { audio, mic: micOn = true, cam: camOn = true } = this.#request;
    const video = this.#request.video && camOn;
    this.#set({ status: 'acquiring' });
    const live = given?.getTracks().filter((track) => track.readyState === 'live');
    if (live?.length) {
      this.#adoptGiven(live, Boolean(audio), Boolean(video), micOn);
      return this.state;
    }
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
      this.#adopt(stream, micOn);
      this.#set({ status: 'ready', mic: micOn && stream.getAudioTracks().length > 0, cam: stream.getVideoTracks().length > 0, facing: facingOf(stream.getVideoTracks()[0]) ?? 'user', error: undefined });
    } catch (error) {
      const { name, message } = error as DOMException;
      if (name === 'NotAllowedError' || name === 'SecurityError') {
        this.#set({ status: 'denied', mic: false, cam: false, error: { name, message } });
      } else if (video && audio) {
        // No camera (or it is busy): go on with the microphone alone.
        try {
          const stream = await navigator.mediaDevices.getUserMedia(this.#constraints(true, false));
          this.#adopt(stream, micOn);
          this.#set({ status: 'audio-only', mic: micOn, cam: false, error: { name, message } });
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

  /** Takes over a preview's live tracks: the kinds asked for stay, the others stop. */
  #adoptGiven(tracks: MediaStreamTrack[], audio: boolean, video: boolean, micOn: boolean): void {
    const keep = tracks.filter((track) => (track.kind === 'audio' ? audio : video));
    for (const track of tracks) if (!keep.includes(track)) track.stop();
    const stream = new MediaStream(keep);
    this.#adopt(stream, micOn);
    const camera = stream.getVideoTracks()[0];
    // Asked for a camera and the preview had none: the camera is missing, as in start()'s fallback.
    const status = video && !camera ? (stream.getAudioTracks().length ? 'audio-only' : 'unavailable') : 'ready';
    this.#set({ status, mic: micOn && stream.getAudioTracks().length > 0, cam: Boolean(camera), facing: facingOf(camera) ?? 'user', error: undefined });
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

  /**
   * Turns the camera round (front ↔ back): by `facingMode` where the browser reports which way the
   * camera looks (phones), else to the next camera in the device list. The peers get the new track
   * through the same replaceTrack path as a device switch: no renegotiation.
   */
  async flipCamera(): Promise<void> {
    const track = this.camera?.getVideoTracks()[0];
    const reported = facingOf(track);
    const facing = this.#state.facing === 'environment' ? 'user' : 'environment';
    if (reported) {
      try {
        await this.#replaceVideo({ ...VIDEO, facingMode: { exact: facing } }, facing);
        return;
      } catch (error) {
        // No camera looks that way (OverconstrainedError): fall back to the next one in the list.
        if ((error as DOMException).name !== 'OverconstrainedError') throw error;
      }
    }
    const cameras = (await this.devices()).filter((device) => device.kind === 'videoinput');
    if (cameras.length < 2) return;
    const current = cameras.findIndex((device) => device.deviceId === track?.getSettings().deviceId);
    const next = cameras[(current + 1) % cameras.length];
    await this.#replaceVideo({ ...VIDEO, deviceId: { exact: next.deviceId } }, facing);
  }

  async #replaceVideo(video: MediaTrackConstraints, facing: 'user' | 'environment'): Promise<void> {
    // Stop the old camera first: many phones cannot open the front and back camera at once.
    const old = this.camera?.getVideoTracks()[0];
    old?.stop();
    if (old) this.camera!.removeTrack(old);
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: false, video });
    } catch (error) {
      // The old camera is gone: say so rather than send a stopped track.
      this.#set({ cam: false });
      this.emit('streams', { camera: this.camera, screen: this.screen });
      throw error;
    }
    const track = stream.getVideoTracks()[0];
    if (!this.camera) this.camera = new MediaStream();
    this.camera.addTrack(track);
    this.#request = { ...this.#request, videoDeviceId: track.getSettings().deviceId };
    this.#set({ cam: true, facing: facingOf(track) ?? facing });
    this.emit('streams', { camera: this.camera, screen: this.screen });
  }

  async devices(): Promise<MediaDeviceInfo[]> {
    return (await navigator.mediaDevices?.enumerateDevices?.()) ?? [];
  }

  get canShareScreen(): boolean {
    return typeof navigator !== 'undefined' && typeof navigator.mediaDevices?.getDisplayMedia === 'function';
  }

  /** Rejects as getDisplayMedia does: `NotAllowedError` when cancelled, `NotSupportedError` without it. */
  async startScreenShare(): Promise<void> {
    if (this.screen) return;
    if (!this.canShareScreen) throw new DOMException('this browser cannot share the screen', 'NotSupportedError');
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

  #adopt(stream: MediaStream, micOn = true): void {
    for (const track of stream.getAudioTracks()) track.enabled = micOn;
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
