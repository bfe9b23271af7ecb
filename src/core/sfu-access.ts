/**
 * Asks `video-call-sfu` for the call's room and our token (ARCHITECTURE 9.5): 200 `{ url, room,
 * token }`; 403 for outsiders, waiting and removed people; 503 `sfu_unavailable` when the project
 * has no SFU, `sfu_unreachable` when it has one that does not answer.
 */
import type { SupabaseClient } from '@supabase/supabase-js';
import { SfuAccessError, type SfuAccess } from './sfu-connection.ts';

export async function requestSfuAccess(supabase: SupabaseClient, sessionId: string): Promise<SfuAccess> {
  let result: Awaited<ReturnType<SupabaseClient['functions']['invoke']>>;
  try {
    result = await supabase.functions.invoke('video-call-sfu', { body: { session_id: sessionId } });
  } catch (error) {
    throw new SfuAccessError('unreachable', `video-call-sfu cannot be reached: ${(error as Error).message}`);
  }
  if (result.error) {
    const response = (result.error as { context?: unknown }).context;
    const status = response instanceof Response ? response.status : 0;
    const body = response instanceof Response ? ((await response.json().catch(() => ({}))) as { error?: { code?: string; message?: string } }) : {};
    const message = `video-call-sfu: ${body.error?.message ?? result.error.message}${status ? ` (${status})` : ''}`;
    if (status === 403 || status === 401) throw new SfuAccessError('refused', message);
    if (status === 503 && body.error?.code === 'sfu_unavailable') throw new SfuAccessError('unavailable', message);
    throw new SfuAccessError('unreachable', message);
  }
  const data = result.data as Partial<SfuAccess> | null;
  if (!data || typeof data.url !== 'string' || typeof data.room !== 'string' || typeof data.token !== 'string') {
    throw new SfuAccessError('unreachable', 'video-call-sfu answered without url, room and token');
  }
  return { url: data.url, room: data.room, token: data.token };
}
