/**
 * Elements that show a call hold its session; when the last one lets go, the session is left
 * after a short grace. Long enough for a host page that re-renders (React, Vue, a CRM template
 * replacing a card) to put a new element for the same call in place, short enough that a closed
 * card does not keep the camera on.
 */
import type { CallState } from './call-state.ts';

/** How long a session nobody shows stays in the call, in milliseconds. */
export const RELEASE_GRACE_MS = 1000;

/** What holding needs of a session: a CallSession, or anything shaped like one. */
export interface HoldableSession {
  readonly state: CallState;
  leave(): Promise<void>;
}

interface Hold {
  count: number;
  timer?: ReturnType<typeof setTimeout>;
}

const holds = new WeakMap<HoldableSession, Hold>();

/** Marks `session` as shown by one more element (and cancels a pending leave). */
export function holdSession(session: HoldableSession): void {
  let hold = holds.get(session);
  if (!hold) holds.set(session, (hold = { count: 0 }));
  clearTimeout(hold.timer);
  hold.timer = undefined;
  hold.count++;
}

/** One element less shows `session`; the last one leaves it after `graceMs` unless it is held again. */
export function releaseSession(session: HoldableSession, graceMs = RELEASE_GRACE_MS): void {
  const hold = holds.get(session);
  if (!hold?.count || --hold.count) return;
  hold.timer = setTimeout(() => {
    hold.timer = undefined;
    if (!hold.count && session.state !== 'left' && session.state !== 'idle') void session.leave();
  }, graceMs);
}

/** Whether an element shows `session` now (a session in its grace period is not held). */
export function isSessionHeld(session: HoldableSession): boolean {
  return Boolean(holds.get(session)?.count);
}

/** Whether `session` is in the call or on its way in (what a replacing element attaches to). */
export function isSessionLive(session: Pick<HoldableSession, 'state'>): boolean {
  return session.state === 'joining' || session.state === 'waiting' || session.state === 'connected' || session.state === 'reconnecting';
}
