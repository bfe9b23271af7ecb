import { toCallError, type CallErrorCode } from '../../core/errors.ts';

/** `detail` of every element's `call-error` event. */
export interface CallErrorDetail {
  /** What went wrong, machine-readable: a core `CallErrorCode`, `no_backend` or `load_failed`. */
  code: CallErrorCode | 'no_backend' | 'load_failed';
  /** What went wrong, for people. */
  message: string;
  sessionId: string | null;
}

/** Dispatches a bubbling, composed CustomEvent (the elements' events all cross shadow roots). */
export function fire<T>(target: EventTarget, type: string, detail: T, options: { cancelable?: boolean } = {}): boolean {
  return target.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true, cancelable: options.cancelable ?? false }));
}

/**
 * The `code` of a `call-error` for whatever a client or session threw: a `CallError`'s own, else
 * the core's reading of it (`toCallError`), else `fallback` when that says nothing more than `failed`.
 */
export function errorCode(error: unknown, fallback: CallErrorDetail['code'] = 'failed'): CallErrorDetail['code'] {
  const { code } = toCallError(error);
  return code === 'failed' ? fallback : code;
}
