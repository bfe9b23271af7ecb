import type { CallClientErrorCode } from '../../core/call-client.ts';
import type { CallErrorCode } from '../../core/call-session.ts';

/** `detail` of every element's `call-error` event. */
export interface CallErrorDetail {
  /** What went wrong, machine-readable: a CallSession or CallClient error code, `no_backend` or `load_failed`. */
  code: CallErrorCode | CallClientErrorCode | 'no_backend' | 'load_failed';
  /** What went wrong, for people. */
  message: string;
  sessionId: string | null;
}

/** Dispatches a bubbling, composed CustomEvent (the elements' events all cross shadow roots). */
export function fire<T>(target: EventTarget, type: string, detail: T, options: { cancelable?: boolean } = {}): boolean {
  return target.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true, cancelable: options.cancelable ?? false }));
}
