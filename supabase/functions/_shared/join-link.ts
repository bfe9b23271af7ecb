/**
 * Join links for invitations and reminders: CALL_JOIN_URL is a template with `{session_id}` and
 * `{event_id}` (e.g. `https://crm.example/calls/{session_id}`); unset, messages carry no link.
 */
export function joinUrl(sessionId: string, eventId: string | null): string | null {
  const template = Deno.env.get('CALL_JOIN_URL');
  if (!template) return null;
  return template
    .replaceAll('{session_id}', encodeURIComponent(sessionId))
    .replaceAll('{event_id}', encodeURIComponent(eventId ?? ''));
}
