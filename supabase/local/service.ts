/**
 * What the stack's services have in common: the context each is given and the shape each has.
 * Its own module so that the services and server.ts, which wires them, need not import each other.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { JwtKeys } from './auth/jwt.ts';
import type { LocalConfig } from './config.ts';
import type { Database } from './db/database.ts';
import type { SchemaCache } from './db/schema-cache.ts';

/** What every service is given. */
export interface StackContext {
  db: Database;
  /** The one schema cache, shared by REST and Realtime. */
  schema: SchemaCache;
  keys: JwtKeys;
  /** Public base URL, e.g. http://127.0.0.1:54321 */
  url: string;
  /** The `supabase/` folder: migrations, functions, config.toml. */
  supabaseDir: string;
  config: LocalConfig;
  /**
   * Secrets and settings the edge functions see beside the stack's own (VAPID keys, SMTP,
   * CALL_JOIN_URL, …), as `supabase secrets set` gives them to hosted functions; later sources
   * win: `functionDefaults`, supabase/functions/.env, then these.
   */
  functionEnv: Record<string, string>;
  /** What the functions see unless supabase/functions/.env says otherwise (the mail catcher's SMTP_*). */
  functionDefaults: Record<string, string>;
  log: (service: string, message: string) => void;
}

/** A service answers the requests under its path prefix. */
export interface Service {
  /** `path` is what follows the prefix, starting with `/`. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL, path: string): Promise<void>;
  upgrade?(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL, path: string): void;
  close(): Promise<void>;
}
