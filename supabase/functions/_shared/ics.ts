/**
 * iCalendar (RFC 5545) invitations and cancellations for call e-mails, as iMIP (RFC 6047) sends
 * them: one VEVENT whose UID stays the same for the session, so a calendar updates or removes
 * the event it already has instead of adding another. No `npm:` imports, so Node tests read it too.
 */

export type CalendarMethod = 'REQUEST' | 'CANCEL';

/** What an invitee's answer is called in a calendar. */
export type ParticipationStatus = 'NEEDS-ACTION' | 'ACCEPTED' | 'TENTATIVE' | 'DECLINED';

export interface CalendarPerson {
  name: string | null;
  email: string;
}

export interface CalendarEvent {
  method: CalendarMethod;
  sessionId: string;
  /** Grows each time the event changes in a way calendars must follow (time, cancellation). */
  sequence: number;
  start: Date;
  durationMinutes: number;
  summary: string;
  description: string;
  /** The join link, or null when the project has none. */
  url: string | null;
  organizer: CalendarPerson;
  /** The one recipient of this message: nobody sees the other invitees' addresses. */
  attendee: CalendarPerson & { status: ParticipationStatus };
  /** DTSTAMP: when this message was made. */
  stamp?: Date;
}

export const CALENDAR_PRODUCT_ID = '-//supabase-call-widgets//video calls//EN';

/** The event's UID: one per session, whatever changes about it. */
export function calendarUid(sessionId: string): string {
  return `${sessionId}@supabase-call-widgets`;
}

/** Participant answers as calendars call them. */
export function participationStatus(inviteStatus: string): ParticipationStatus {
  switch (inviteStatus) {
    case 'accepted':
      return 'ACCEPTED';
    case 'tentative':
      return 'TENTATIVE';
    case 'declined':
      return 'DECLINED';
    default:
      return 'NEEDS-ACTION';
  }
}

/** Control characters other than line breaks have no place in a calendar's text. */
// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

/** TEXT values (RFC 5545 3.3.11): backslash, semicolon, comma escaped; line breaks as `\n`. */
export function escapeText(value: string): string {
  return value
    .replace(CONTROL, '')
    .replace(/\\/g, '\\\\')
    .replace(/;/g, '\\;')
    .replace(/,/g, '\\,')
    .replace(/\r\n|\r|\n/g, '\\n');
}

/**
 * A parameter value (CN): always quoted, so `:` `;` `,` need nothing more; a quoted string cannot
 * hold DQUOTE or line breaks at all (RFC 5545 3.1), so those go.
 */
function parameterValue(value: string): string {
  return `"${value.replace(CONTROL, '').replace(/[\r\n"]/g, ' ').trim()}"`;
}

/** A mailto: URI for an address the database already checked (no whitespace, one @). */
function mailto(email: string): string {
  return `mailto:${email.replace(/[\s\u0000-\u001f\u007f]/g, '')}`;
}

/**
 * Folds a content line at 75 octets (RFC 5545 3.1): CRLF and one space before each continuation,
 * never inside a UTF-8 sequence, so Cyrillic titles stay readable.
 */
export function foldLine(line: string): string {
  const encoder = new TextEncoder();
  const parts: string[] = [];
  let current = '';
  let octets = 0;
  // The first line holds 75 octets; each continuation 74 after its leading space.
  let limit = 75;
  for (const char of line) {
    const size = encoder.encode(char).length;
    if (octets + size > limit) {
      parts.push(current);
      current = '';
      octets = 0;
      limit = 74;
    }
    current += char;
    octets += size;
  }
  parts.push(current);
  return parts.join('\r\n ');
}

/** UTC DATE-TIME form: 20261202T150000Z. */
export function utcDateTime(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** The whole VCALENDAR text, CRLF line ends, folded. */
export function calendarText(event: CalendarEvent): string {
  const end = new Date(event.start.getTime() + event.durationMinutes * 60_000);
  const cancelled = event.method === 'CANCEL';
  const lines = [
    'BEGIN:VCALENDAR',
    `PRODID:${CALENDAR_PRODUCT_ID}`,
    'VERSION:2.0',
    'CALSCALE:GREGORIAN',
    `METHOD:${event.method}`,
    'BEGIN:VEVENT',
    `UID:${calendarUid(event.sessionId)}`,
    `DTSTAMP:${utcDateTime(event.stamp ?? new Date())}`,
    `SEQUENCE:${Math.max(0, Math.floor(event.sequence))}`,
    `DTSTART:${utcDateTime(event.start)}`,
    `DTEND:${utcDateTime(end)}`,
    `SUMMARY:${escapeText(event.summary)}`,
    ...(event.description ? [`DESCRIPTION:${escapeText(event.description)}`] : []),
    ...(event.url ? [`LOCATION:${escapeText(event.url)}`, `URL:${event.url.replace(/[\s"<>]/g, encodeURIComponent)}`] : []),
    `ORGANIZER${event.organizer.name ? `;CN=${parameterValue(event.organizer.name)}` : ''}:${mailto(event.organizer.email)}`,
    `ATTENDEE${event.attendee.name ? `;CN=${parameterValue(event.attendee.name)}` : ''};CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;` +
      `PARTSTAT=${event.attendee.status}${event.attendee.status === 'NEEDS-ACTION' && !cancelled ? ';RSVP=TRUE' : ''}:${mailto(event.attendee.email)}`,
    `STATUS:${cancelled ? 'CANCELLED' : 'CONFIRMED'}`,
    'TRANSP:OPAQUE',
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return lines.map(foldLine).join('\r\n') + '\r\n';
}
