/** Reads what the local stack needs from `supabase/config.toml`. */
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'smol-toml';

export interface ScheduledCall {
  /** Edge function name under supabase/functions/. */
  function: string;
  /** Period in seconds. */
  everySeconds: number;
  /** JSON body posted to the function. */
  body: unknown;
}

export interface LocalConfig {
  port: number;
  /** Per function: whether the gateway demands a valid JWT before the function runs. */
  verifyJwt: Record<string, boolean>;
  schedule: ScheduledCall[];
}

export function loadConfig(path: string): LocalConfig {
  const raw = existsSync(path) ? (parse(readFileSync(path, 'utf8')) as Record<string, any>) : {};
  const verifyJwt: Record<string, boolean> = {};
  for (const [name, settings] of Object.entries<Record<string, unknown>>(raw.functions ?? {})) {
    if (typeof settings.verify_jwt === 'boolean') verifyJwt[name] = settings.verify_jwt;
  }
  const schedule: ScheduledCall[] = (raw.local?.schedule ?? []).map((entry: Record<string, unknown>) => {
    if (typeof entry.function !== 'string') throw new Error('config.toml: [[local.schedule]] needs a function name');
    const everySeconds = Number(entry.every_seconds ?? 60);
    if (!(everySeconds > 0)) throw new Error(`config.toml: every_seconds for ${entry.function} must be positive`);
    return { function: entry.function, everySeconds, body: entry.body ?? {} };
  });
  return { port: Number(raw.api?.port ?? 54321), verifyJwt, schedule };
}
