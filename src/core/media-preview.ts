/**
 * The camera and microphone before a call: what a pre-join screen shows (the preview, the list of
 * devices, the microphone's level) and then hands to the call's LocalMedia (`handOver`), so the
 * call goes on with the very tracks the person saw — one camera open, never two.
 *
 * Outcomes, in `state.status`: `ready` (with whatever was found: a microphone without a camera
 * is fine), `denied` (the browser or the person refused: NotAllowedError, SecurityError),
 * `no-devices` (nothing to capture: NotFoundError), `busy` (another app holds the device:
 * NotReadableError and the like), `unsupported` (no getUserMedia: a page not on https).
 */
import { VIDEO } from './local-media.ts';
import { SpeakingMeter } from './speaking.ts';
import { TypedEventTarget } from './typed-events.ts';

export type PreviewStatus = 'idle' | 'acquiring' | 'ready' | 'denied' | 'no-devices' | 'busy' | 'unsupported';

export interface PreviewState {
  status: PreviewStatus;
  /** The preview's stream: an audio track (disabled while the mic is off) and a video track while the camera is on. */
  stream?: MediaStream;
  /** Cameras, microphones and speakers (with labels once permission was given). */
  devices: MediaDeviceInfo[];
  /** The browser's reason when it is not `ready`. */
  error?: { name: string; message: string };
}

export interface PreviewRequest {
  /** Device ids to prefer (`ideal`: a device that has gone gives way to the default). */
  camera?: string;
  microphone?: string;
  /** Open the camera (false: its light stays off until `setCamera(true)`). */
  cam: boolean;
  /** The microphone track starts enabled. */
  mic: boolean;
}

export interface MediaPreviewEvents {
  change: PreviewState;
  /** The microphone's RMS level (0–1), about ten times a second while there is a microphone. */
  level: number;
}

const REFUSED = new Set(['NotAllowedError', 'SecurityError']);

const audioConstraints = (id: string | undefined): MediaTrackConstraints =>
  id ? { deviceId: { ideal: id }, echoCancellation: true, noiseSuppression: true } : { echoCancellation: true, noiseSuppression: true };
const videoConstraints = (id: string | undefined): MediaTrackConstraints => ({ ...VIDEO, ...(id ? { deviceId: { ideal: id } } : { facingMode: 'user' }) });

export class MediaPreview extends TypedEventTarget<MediaPreviewEvents> {
  #state: PreviewState = { status: 'idle', devices: [] };
  #meter: SpeakingMeter | undefined;
  /** One change at a time: a click on the camera while the preview starts waits for it. */
  #queue: Promise<unknown> = Promise.resolve();
  #mic = true;

  get state(): PreviewState {
    return { ...this.#state };
  }

  /** Opens the preview (stopping one already open); never throws — the outcome is in `state`. */
  start(request: PreviewRequest): Promise<PreviewState> {
    return this.#serial(() => this.#start(request));
  }

  async #start({ camera, microphone, cam, mic }: PreviewRequest): Promise<PreviewState> {
    this.#release(true);
    this.#mic = mic;
    const media = typeof navigator === 'undefined' ? undefined : navigator.mediaDevices;
    if (!media?.getUserMedia) {
      this.#set({ status: 'unsupported', stream: undefined, error: { name: 'NotSupportedError', message: 'this page cannot use a camera or microphone (it needs https)' } });
      return this.state;
    }
    this.#set({ status: 'acquiring', stream: undefined, error: undefined });
    // Both; then what there is (a laptop without a camera, a camera without a microphone).
    const attempts: MediaStreamConstraints[] = [{ audio: audioConstraints(microphone), video: cam ? videoConstraints(camera) : false }];
    if (cam) attempts.push({ audio: audioConstraints(microphone), video: false }, { audio: false, video: videoConstraints(camera) });
    let failure: DOMException | undefined;
    for (const constraints of attempts) {
      try {
        const stream = await media.getUserMedia(constraints);
        for (const track of stream.getAudioTracks()) track.enabled = mic;
        this.#watchLevel(stream);
        this.#set({ status: 'ready', stream, devices: await this.#devices(), error: undefined });
        return this.state;
      } catch (error) {
        failure = error as DOMException;
        if (REFUSED.has(failure.name)) break;
      }
    }
    const devices = await this.#devices();
    // Camera off and no microphone: the camera can still be turned on.
    if (!cam && failure && !REFUSED.has(failure.name) && devices.some((device) => device.kind === 'videoinput')) {
      this.#set({ status: 'ready', stream: new MediaStream(), devices, error: undefined });
      return this.state;
    }
    const name = failure?.name ?? 'NotFoundError';
    const status: PreviewStatus = REFUSED.has(name) ? 'denied' : name === 'NotFoundError' || name === 'OverconstrainedError' ? 'no-devices' : 'busy';
    this.#set({ status, stream: undefined, devices, error: { name, message: failure?.message ?? '' } });
    return this.state;
  }

  /** Mutes or unmutes the preview's microphone (the track stays, disabled: the level reads silence). */
  setMic(on: boolean): void {
    this.#mic = on;
    for (const track of this.#state.stream?.getAudioTracks() ?? []) track.enabled = on;
  }

  /** Turns the camera off (its track stopped: the light goes out) or on again (`camera`: which one). */
  setCamera(on: boolean, camera?: string): Promise<void> {
    return this.#serial(async () => {
      const stream = this.#state.stream;
      if (!stream) return;
      for (const track of stream.getVideoTracks()) {
        track.stop();
        stream.removeTrack(track);
      }
      if (on) {
        const opened = await navigator.mediaDevices.getUserMedia({ audio: false, video: videoConstraints(camera) });
        stream.addTrack(opened.getVideoTracks()[0]!);
      }
      this.#set({ stream });
    });
  }

  /** Another microphone or camera in place of the current one (the camera only while it is on). */
  switchDevice(kind: 'audioinput' | 'videoinput', deviceId: string): Promise<void> {
    return this.#serial(async () => {
      const stream = this.#state.stream;
      if (!stream) return;
      const audio = kind === 'audioinput';
      const old = audio ? stream.getAudioTracks() : stream.getVideoTracks();
      if (!audio && !old.length) return;
      // The old one first: many phones cannot open two cameras at once.
      for (const track of old) {
        track.stop();
        stream.removeTrack(track);
      }
      const opened = await navigator.mediaDevices.getUserMedia(audio ? { audio: { ...audioConstraints(undefined), deviceId: { exact: deviceId } } } : { video: { ...VIDEO, deviceId: { exact: deviceId } } });
      const track = opened.getTracks()[0]!;
      if (audio) track.enabled = this.#mic;
      stream.addTrack(track);
      if (audio) this.#watchLevel(stream);
      this.#set({ stream });
    });
  }

  /** Reads the device list again (one plugged in or out). */
  async refreshDevices(): Promise<void> {
    this.#set({ devices: await this.#devices() });
  }

  /**
   * Gives the open tracks to whoever joins the call (LocalMedia's `stream` request) once pending
   * changes are done; the preview lets go of them without stopping them.
   */
  async handOver(): Promise<MediaStream | undefined> {
    await this.#queue.catch(() => undefined);
    const stream = this.#state.stream;
    this.#release(false);
    this.#set({ status: 'idle', stream: undefined });
    return stream;
  }

  /** Closes the preview: tracks stopped, the level meter too. */
  stop(): void {
    this.#release(true);
    if (this.#state.status !== 'idle') this.#set({ status: 'idle', stream: undefined });
  }

  #release(stopTracks: boolean): void {
    this.#meter?.stop();
    this.#meter = undefined;
    if (stopTracks) for (const track of this.#state.stream?.getTracks() ?? []) track.stop();
  }

  #watchLevel(stream: MediaStream): void {
    this.#meter?.stop();
    this.#meter = new SpeakingMeter(stream, { onChange: () => undefined, onLevel: (level) => this.emit('level', level) });
  }

  async #devices(): Promise<MediaDeviceInfo[]> {
    try {
      return (await navigator.mediaDevices?.enumerateDevices?.()) ?? [];
    } catch {
      return [];
    }
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#queue.catch(() => undefined).then(work);
    this.#queue = next;
    return next;
  }

  #set(patch: Partial<PreviewState>): void {
    this.#state = { ...this.#state, ...patch };
    this.emit('change', this.state);
  }
}
