/**
 * Reading the session a function request names: one place for the 404 and the "ended" refusal
 * every call function answers alike (video-call-signal, webpush-send, and the mail and reminder
 * functions to come).
 */
import type { SupabaseClient } from 'npm:@supabase/supabase-js@2.119.1';
import { FunctionError } from './http.ts';

/** The session's columns asked for (with the service role), or a 404 when it does not exist. */
export async function readSession<Row extends { status: string }>(admin: SupabaseClient, sessionId: string, columns: string): Promise<Row> {
  const { data, error } = await admin.from('video_call_sessions').select(columns).eq('id', sessionId).maybeSingle();
  if (error) throw error;
  if (!data) throw new FunctionError(404, 'session_not_found', `video call ${sessionId} does not exist`);
  return data as unknown as Row;
}

/** A 403 for a session that has ended: nothing more is sent for it. */
export function refuseEnded(session: { status: string }): void {
  if (session.status === 'ended') throw new FunctionError(403, 'session_ended', 'this video call has ended');
}
