/**
 * video-call-cleanup: run every minute (pg_cron on hosted projects, the local stack's scheduler
 * here) with the service-role key. Marks participants not seen for a while as left, ends sessions
 * nobody is in any more, purges old signals and function log rows older than 30 days, and returns
 * the counts. Idempotent. With an SFU configured it also destroys the Janus rooms of ended (or
 * deleted) sessions and reconciles the open ones (_shared/janus.ts sweepRooms); an SFU that is
 * missing or down never fails the cleanup: its answer then says `sfu: 'skipped'` / `'unreachable'`.
 *
 * Optional body: { stale_after_seconds?, abandon_after_seconds?, signal_ttl_seconds? }.
 */
import { requireServiceRole } from '../_shared/auth.ts';
import { FunctionError, json, preflight, readJsonObject, serveFunction } from '../_shared/http.ts';
import { janusSettings, sweepRooms } from '../_shared/janus.ts';
import { serviceClient } from '../_shared/supabase.ts';

const DEFAULTS = { stale_after_seconds: 120, abandon_after_seconds: 600, signal_ttl_seconds: 3600 };
const MAX_SECONDS = 30 * 24 * 3600;

function seconds(body: Record<string, unknown>, name: keyof typeof DEFAULTS): string {
  const value = body[name] ?? DEFAULTS[name];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_SECONDS) {
    throw new FunctionError(400, 'invalid_option', `${name} must be a whole number of seconds from 0 to ${MAX_SECONDS}`);
  }
  return `${value} seconds`;
}

async function handle(request: Request): Promise<Response> {
  const early = preflight(request);
  if (early) return early;
  await requireServiceRole(request);
  const body = await readJsonObject(request, 4096);
  const client = serviceClient();
  const { data, error } = await client.rpc('cleanup_video_calls', {
    p_stale_after: seconds(body, 'stale_after_seconds'),
    p_abandon_after: seconds(body, 'abandon_after_seconds'),
    p_signal_ttl: seconds(body, 'signal_ttl_seconds'),
  });
  if (error) throw error;
  const log = await client.rpc('cleanup_video_call_function_log');
  if (log.error) throw log.error;
  const sfu = await sweepRooms(client, janusSettings((name) => Deno.env.get(name)));
  return json(200, { ...data, ...log.data, sfu });
}

serveFunction(handle);
