/**
 * "Show me your camera smaller": a receiver that shows a peer's tile small (in the speaker view's
 * strip, or in a grid of many) asks that peer, and only that peer's link, to send less. A mesh has
 * one sender per peer, so the sender lowers that one RTCRtpSender (scaleResolutionDownBy and
 * maxBitrate) and every other link keeps its size.
 *
 * The request is a signed `view` signal `{ scale }` addressed to the peer over the call's
 * signaling, debounced: a layout settling (a window dragged wider, the strip scrolling in) sends
 * one message, not one per frame.
 */

/** How much smaller the sender encodes: 1 (full), 2 (half width and height) or 4 (a quarter). */
export type ViewScale = 1 | 2 | 4;
export const VIEW_SCALES: readonly ViewScale[] = [1, 2, 4];

/** Bitrate caps per scale (bits/s); full size keeps the browser's own choice. */
export const VIEW_MAX_BITRATE: Record<ViewScale, number | undefined> = { 1: undefined, 2: 600_000, 4: 200_000 };

/**
 * The scale for a tile `devicePixels` wide (its CSS width × devicePixelRatio): a 720p camera
 * needs all its pixels only in a large tile, half of them in a medium one (a grid of three or
 * four at 1280 px), a quarter in a strip thumbnail or a phone's grid of many.
 */
export function scaleForTile(devicePixels: number): ViewScale {
  if (!Number.isFinite(devicePixels) || devicePixels >= 560) return 1;
  if (devicePixels >= 260) return 2;
  return 4;
}

export function isViewScale(value: unknown): value is ViewScale {
  return VIEW_SCALES.includes(value as ViewScale);
}

export interface ViewRequestsOptions {
  /** Sends `{ scale }` to one peer. */
  send(peerId: string, scale: ViewScale): void;
  /** How long a wanted scale must hold before it is sent (default 600 ms). */
  debounceMs?: number;
}

/** The receiver's side: the latest scale wanted per peer, sent once it held for a moment. */
export class ViewRequests {
  readonly #wanted = new Map<string, ViewScale>();
  /** What the peer's current link was last told (forgotten when the link goes). */
  readonly #sent = new Map<string, ViewScale>();
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();
  readonly #options: Required<ViewRequestsOptions>;

  constructor(options: ViewRequestsOptions) {
    this.#options = { debounceMs: 600, ...options };
  }

  /** The scale we want from `peerId` now; sent after the debounce unless it changes back. */
  want(peerId: string, scale: ViewScale): void {
    // Asked again while waiting (the room re-renders often): the wait goes on, not over.
    if (this.#wanted.get(peerId) === scale && this.#timers.has(peerId)) return;
    this.#wanted.set(peerId, scale);
    clearTimeout(this.#timers.get(peerId));
    // A new link starts at full size: nothing to say until we want it smaller.
    if (scale === (this.#sent.get(peerId) ?? 1)) {
      this.#timers.delete(peerId);
      return;
    }
    this.#timers.set(
      peerId,
      setTimeout(() => this.flush(peerId), this.#options.debounceMs),
    );
  }

  /** Sends what we want from `peerId` now, if their link was not told already. */
  flush(peerId: string): void {
    clearTimeout(this.#timers.get(peerId));
    this.#timers.delete(peerId);
    const scale = this.#wanted.get(peerId);
    if (scale === undefined || scale === (this.#sent.get(peerId) ?? 1)) return;
    this.#sent.set(peerId, scale);
    this.#options.send(peerId, scale);
  }

  /** The peer's link went (a new one sends full size): tell the next one again. */
  forget(peerId: string): void {
    this.#sent.delete(peerId);
  }

  /** The peer is gone for good. */
  drop(peerId: string): void {
    this.forget(peerId);
    this.#wanted.delete(peerId);
    clearTimeout(this.#timers.get(peerId));
    this.#timers.delete(peerId);
  }

  close(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }
}
