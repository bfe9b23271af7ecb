/**
 * The calls linked to a CRM entity (a deal, a task…), for audit: `video_call_history` read as
 * typed rows (ARCHITECTURE 9.4), and the CSV export of them. The rows keep the RPC's own names,
 * so a host reading the contract sees the same fields here.
 */
import type { SupabaseClient } from '@supabase/supabase-js';
import { toCallError } from './errors.ts';
import type { InviteStatus } from './participant.ts';

/** One person of a call in the history: their invitation, and when and how long they were in. */
export interface CallHistoryAttendee {
  user_id: string | null;
  display_name: string | null;
  invite_status: InviteStatus;
  /** Their last join, or null when they never came. */
  joined_at: string | null;
  left_at: string | null;
  /** Every stretch they were in, added up (rejoins included); null when they never came. */
  attended_s: number | null;
}

/** One call of the entity, as `video_call_history` returns it. */
export interface CallHistoryRecord {
  session_id: string;
  title: string;
  started_at: string | null;
  ended_at: string | null;
  /** Null until the call has ended. */
  duration_s: number | null;
  host_name: string | null;
  /** The host first, then in the order they were invited. */
  participants: CallHistoryAttendee[];
  message_count: number;
}

/**
 * The calls of `entityType` / `entityId` the signed-in user is a member of, newest first (at
 * most 500). Someone with no call there gets `[]`, not an error. Refusals: `not_signed_in`,
 * `invalid_input` (an empty or overlong type or id, said by the database).
 */
export async function readCallHistory(supabase: SupabaseClient, entityType: string, entityId: string): Promise<CallHistoryRecord[]> {
  const { data, error } = await supabase.rpc('video_call_history', { p_entity_type: entityType, p_entity_id: entityId });
  // 42501 here is the signed-out caller (the function's own check, or the anon role's missing grant).
  if (error) throw toCallError(error, { action: 'could not read the call history', refused: 'not_signed_in' });
  return ((data as CallHistoryRecord[] | null) ?? []).map((row) => ({ ...row, participants: row.participants ?? [], message_count: row.message_count ?? 0 }));
}

/** The CSV's column headings, in the reader's language (the element passes its own). */
export interface CallHistoryCsvLabels {
  session: string;
  title: string;
  started: string;
  ended: string;
  duration: string;
  host: string;
  messages: string;
  participant: string;
  userId: string;
  invitation: string;
  joined: string;
  left: string;
  attended: string;
}

export const CSV_LABELS_EN: CallHistoryCsvLabels = {
  session: 'Call id',
  title: 'Call',
  started: 'Started (UTC)',
  ended: 'Ended (UTC)',
  duration: 'Duration (s)',
  host: 'Host',
  messages: 'Chat messages',
  participant: 'Participant',
  userId: 'User id',
  invitation: 'Invitation',
  joined: 'Last joined (UTC)',
  left: 'Last left (UTC)',
  attended: 'Time in the call (s)',
};

/**
 * The rows as CSV: a header, then one line per participant per call (a call with nobody listed
 * still gets a line). Every value is quoted, and one a spreadsheet would run as a formula
 * (starting `=`, `+`, `-`, `@`, a tab or a carriage return) gets a `'` in front. Times are ISO
 * 8601 in UTC and durations whole seconds, so the file sorts and sums as it is; lines end in CRLF
 * (RFC 4180). `invitation` turns an invitation status into the reader's word.
 */
export function callHistoryCsv(
  rows: readonly CallHistoryRecord[],
  labels: CallHistoryCsvLabels = CSV_LABELS_EN,
  invitation: (status: InviteStatus) => string = (status) => status,
): string {
  const header = [labels.session, labels.title, labels.started, labels.ended, labels.duration, labels.host, labels.messages, labels.participant, labels.userId, labels.invitation, labels.joined, labels.left, labels.attended];
  const lines: unknown[][] = [header];
  for (const row of rows) {
    const call = [row.session_id, row.title, row.started_at, row.ended_at, row.duration_s, row.host_name, row.message_count];
    const people = row.participants.length ? row.participants : [undefined];
    for (const person of people) {
      lines.push([...call, person?.display_name, person?.user_id, person ? invitation(person.invite_status) : '', person?.joined_at, person?.left_at, person?.attended_s]);
    }
  }
  return lines.map((line) => line.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

/** One quoted, formula-safe CSV value. */
export function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return `"${text.replace(/"/g, '""')}"`;
}
