/**
 * Voice activity from an audio track's level: an AnalyserNode sampled every 100 ms, with
 * hysteresis so a tile does not flicker between words.
 */
export interface SpeakingOptions {
  /** RMS level (0–1) above which someone is speaking (default 0.02). */
  threshold?: number;
  /** Quiet samples before speaking ends (default 6, about 0.6 s). */
  release?: number;
  onChange(speaking: boolean, level: number): void;
  /** Every sample's level (a pre-join screen's microphone meter). */
  onLevel?(level: number): void;
}

export class SpeakingMeter {
  #context: AudioContext | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #speaking = false;
  #quiet = 0;
  level = 0;

  constructor(stream: MediaStream, { threshold = 0.02, release = 6, onChange, onLevel }: SpeakingOptions) {
    if (typeof AudioContext === 'undefined' || !stream.getAudioTracks().length) return;
    const context = new AudioContext();
    this.#context = context;
    const analyser = context.createAnalyser();
    analyser.fftSize = 512;
    context.createMediaStreamSource(stream).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    this.#timer = setInterval(() => {
      if (context.state === 'suspended') void context.resume().catch(() => undefined);
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const sample of samples) sum += sample * sample;
      this.level = Math.sqrt(sum / samples.length);
      onLevel?.(this.level);
      if (this.level >= threshold) {
        this.#quiet = 0;
        if (!this.#speaking) {
          this.#speaking = true;
          onChange(true, this.level);
        }
      } else if (this.#speaking && ++this.#quiet >= release) {
        this.#speaking = false;
        onChange(false, this.level);
      }
    }, 100);
  }

  get speaking(): boolean {
    return this.#speaking;
  }

  stop(): void {
    clearInterval(this.#timer);
    void this.#context?.close().catch(() => undefined);
    this.#context = undefined;
  }
}
