/**
 * Brings a database to the state a Supabase project would be in: the platform's built-ins, then
 * `supabase/migrations/*.sql` in order (each once), then `supabase/seed.sql` (once per content).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from './database.ts';

const BOOTSTRAP = fileURLToPath(new URL('./bootstrap.sql', import.meta.url));

export interface MigrationReport {
  applied: string[];
  seeded: boolean;
}

export async function prepareDatabase(db: Database, supabaseDir: string): Promise<MigrationReport> {
  await db.exec(readFileSync(BOOTSTRAP, 'utf8'));
  const applied = await applyMigrations(db, join(supabaseDir, 'migrations'));
  const seeded = await applySeed(db, join(supabaseDir, 'seed.sql'));
  await attachChangeCapture(db);
  return { applied, seeded };
}

async function applyMigrations(db: Database, dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const done = new Set(
    (await db.query<{ version: string }>('select version from supabase_migrations.schema_migrations')).rows.map(
      (row) => row.version,
    ),
  );
  const applied: string[] = [];
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.sql')).sort()) {
    const match = /^(\d+)_?(.*)\.sql$/.exec(file);
    if (!match) throw new Error(`migration file name must start with a timestamp: ${file}`);
    const [, version, name] = match;
    if (done.has(version)) continue;
    const sql = readFileSync(join(dir, file), 'utf8');
    try {
      await db.transaction(async (tx) => {
        await tx.exec(sql);
        await tx.query('insert into supabase_migrations.schema_migrations (version, name) values ($1, $2)', [
          version,
          name,
        ]);
      });
    } catch (error) {
      throw new Error(`migration ${file} failed: ${(error as Error).message}`);
    }
    applied.push(file);
  }
  return applied;
}

async function applySeed(db: Database, path: string): Promise<boolean> {
  if (!existsSync(path)) return false;
  const sql = readFileSync(path, 'utf8');
  const hash = createHash('sha256').update(sql).digest('hex');
  const seen = await db.query('select 1 from supabase_migrations.seed_files where path = $1 and hash = $2', [
    'seed.sql',
    hash,
  ]);
  if (seen.rows.length > 0) return false;
  await db.transaction(async (tx) => {
    await tx.exec(sql);
    await tx.query(
      `insert into supabase_migrations.seed_files (path, hash) values ($1, $2)
       on conflict (path) do update set hash = excluded.hash, applied_at = now()`,
      ['seed.sql', hash],
    );
  });
  return true;
}

/**
 * Every table in the supabase_realtime publication reports its row changes to Realtime (and the
 * event trigger of bootstrap.sql keeps it so while the stack runs, where it may be created).
 */
async function attachChangeCapture(db: Database): Promise<void> {
  await db.query('select _local.attach_change_capture()');
}
