/**
 * Invitations after the row exists: the invitee's answer (Yes / Maybe / No) and telling new
 * invitees on both channels — Web Push (`webpush-send`) and e-mail (`video-call-email`). A channel
 * that fails never undoes the invitation: what each one did is reported, so a page can say
 * "invited; the e-mail could not be sent".
 */
import type { SupabaseClient } from '@supabase/supabase-js';
import { CallError, toCallError } from './errors.ts';
import { PARTICIPANT_COLUMNS, type InviteStatus, type ParticipantRecord } from './participant.ts';

/** An invitee's answer: Yes, Maybe, No. */
export type InvitationAnswer = Exclude<InviteStatus, 'invited'>;

/** The answers `answer_video_call_invitation` takes, in the order buttons show them. */
export const INVITATION_ANSWERS: readonly InvitationAnswer[] = ['accepted', 'tentative', 'declined'];

/** What one notification channel did for a batch of invitations. */
export type NotificationOutcome =
  /** The function answered: this many deliveries went out or failed (`removed`: push subscriptions that are gone). */
  | { status: 'sent'; sent: number; failed: number; removed?: number }
  /** Nobody to reach on this channel (an e-mail-only invitation has no browser to push to). */
  | { status: 'skipped' }
  /** The channel could not be used: not deployed, not configured (`unavailable`), refused or unreachable. */
  | { status: 'failed'; error: CallError };

/** What happened when invitations were sent out (`CallClient.notifyInvitations`, event `invitations-notified`). */
export interface InvitationNotice {
  sessionId: string;
  /** The invitations this notice is about. */
  participants: ParticipantRecord[];
  push: NotificationOutcome;
  email: NotificationOutcome;
}

/** Stores the signed-in invitee's answer and returns their participant row. */
export async function answerInvitation(supabase: SupabaseClient, sessionId: string, status: InvitationAnswer): Promise<ParticipantRecord> {
  // Checked here too, so a typo in a host page is a clear error without a round trip.
  if (!INVITATION_ANSWERS.includes(status)) {
    throw new CallError('invalid_input', `an answer is ${INVITATION_ANSWERS.join(', ')}, not "${String(status).slice(0, 40)}"`);
  }
  const { data, error } = await supabase.rpc('answer_video_call_invitation', { p_session_id: sessionId, p_status: status });
  if (error) throw toCallError(error, { action: 'could not answer the invitation', refused: 'not_participant' });
  const row = data as ParticipantRecord & Record<string, unknown>;
  // The RPC returns the whole row; hand back what ParticipantRecord promises.
  return Object.fromEntries(PARTICIPANT_COLUMNS.split(', ').map((column) => [column, row[column]])) as unknown as ParticipantRecord;
}

/**
 * The guests of a session (everyone but the host), for notifying a call's invitations at once
 * after it was created with its attendees.
 */
export async function readInvitations(supabase: SupabaseClient, sessionId: string): Promise<ParticipantRecord[]> {
  const { data, error } = await supabase.from('video_call_participants').select(PARTICIPANT_COLUMNS).eq('session_id', sessionId).eq('role', 'guest').order('created_at');
  if (error) throw toCallError(error, { action: 'could not read the invitations' });
  return (data ?? []) as ParticipantRecord[];
}

/**
 * Sends the invitation of each of `participants` on both channels, one request per channel for
 * the whole batch, side by side. Never throws: each channel's outcome is in the notice.
 */
export async function notifyInvitations(supabase: SupabaseClient, sessionId: string, participants: ParticipantRecord[]): Promise<InvitationNotice> {
  const guests = participants.filter((row) => row.role !== 'host');
  const userIds = unique(guests.flatMap((row) => (row.user_id ? [row.user_id] : [])));
  // An invitation by address that nobody has claimed: the address is all there is to write to.
  const emails = unique(guests.flatMap((row) => (!row.user_id && row.email ? [row.email] : [])));
  const [push, email] = await Promise.all([
    userIds.length ? send(supabase, 'webpush-send', { session_id: sessionId, kind: 'invite', user_ids: userIds }) : skipped(),
    userIds.length || emails.length ? send(supabase, 'video-call-email', { session_id: sessionId, kind: 'invite', user_ids: userIds, emails }) : skipped(),
  ]);
  return { sessionId, participants: guests, push, email };
}

async function skipped(): Promise<NotificationOutcome> {
  return { status: 'skipped' };
}

/** One channel's request; whatever goes wrong becomes a `failed` outcome with a CallError. */
async function send(supabase: SupabaseClient, name: string, body: Record<string, unknown>): Promise<NotificationOutcome> {
  try {
    const { data, error } = await supabase.functions.invoke(name, { body });
    if (error) throw await functionError(name, error);
    const answer = (data ?? {}) as Record<string, unknown>;
    const count = (key: string) => (typeof answer[key] === 'number' ? (answer[key] as number) : 0);
    const outcome: NotificationOutcome = { status: 'sent', sent: count('sent'), failed: count('failed') };
    if (typeof answer.removed === 'number') outcome.removed = answer.removed;
    return outcome;
  } catch (error) {
    return { status: 'failed', error: toCallError(error, { action: `${name} failed` }) };
  }
}

/**
 * The CallError for a function's refusal: its JSON `{ error: { code, message } }` when it sent
 * one; a function that is not deployed (404 without a code of ours) or not configured (503) is
 * `unavailable`.
 */
async function functionError(name: string, error: Error & { context?: unknown }): Promise<CallError> {
  const response = error.context instanceof Response ? error.context : undefined;
  if (!response) return toCallError(error, { action: `${name} could not be reached` });
  const body: unknown = await response.json().catch(() => null);
  const fallback = response.status === 404 || response.status === 503 ? 'unavailable' : 'failed';
  const known = typeof body === 'object' && body !== null && typeof (body as { error?: unknown }).error === 'object';
  return toCallError(known ? body : { message: `${name} answered ${response.status}` }, { action: name, status: response.status, fallback });
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
