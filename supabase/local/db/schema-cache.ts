/**
 * What PostgREST calls its schema cache: the tables, columns, keys, foreign keys and functions of
 * the database's own schemas, read from pg_catalog. One cache serves the stack: REST checks
 * requests against it (unknown table, column or function → PostgREST's PGRST2xx errors) and
 * resolves embedded resources through it; Realtime reads a changed table's columns and primary key
 * from it. It is reloaded on `NOTIFY pgrst, 'reload schema'` (which bootstrap.sql's event trigger
 * sends after every DDL statement, as on hosted Supabase) and when a table or function is missed.
 */
import type { Database, Queryable } from './database.ts';

export interface Column {
  name: string;
  /** Type as SQL text, usable in a cast: `uuid`, `timestamp with time zone`, `text[]`. */
  type: string;
  /** pg_type's own name (`uuid`, `timestamptz`, `_text`), as Realtime's payloads name types. */
  typeName: string;
  /** Element type for arrays, else undefined. */
  elementType?: string;
  isJson: boolean;
}

export interface ForeignKey {
  name: string;
  /** The table holding the key. */
  table: string;
  columns: string[];
  /** The referenced table. */
  references: string;
  referencedColumns: string[];
}

export interface Table {
  schema: string;
  name: string;
  columns: Map<string, Column>;
  primaryKey: string[];
  /** Foreign keys held by this table. */
  foreignKeys: ForeignKey[];
}

export interface FunctionArg {
  name: string;
  type: string;
  isJson: boolean;
  isArray: boolean;
  hasDefault: boolean;
}

export interface RoutineInfo {
  schema: string;
  name: string;
  args: FunctionArg[];
  returnsSet: boolean;
  /** 'scalar' returns one value, 'row' a composite/record, 'void' nothing. */
  returns: 'scalar' | 'row' | 'void';
}

/** The catalog as read at one moment. */
export interface SchemaSnapshot {
  tables: Map<string, Table>;
  functions: Map<string, RoutineInfo[]>;
}

const key = (schema: string, name: string) => `${schema}.${name}`;

/** A miss reloads at most this often, however many requests miss. */
export const SCHEMA_RELOAD_INTERVAL_MS = 1000;

/**
 * The stack's one schema cache. Every schema but Postgres's own (pg_catalog, information_schema,
 * pg_toast, temporary schemas) is read; which of them a service exposes is the service's decision.
 */
export class SchemaCache {
  #snapshot: Promise<SchemaSnapshot> | undefined;
  #loadedAt = 0;
  #unlisten?: () => Promise<void>;

  private constructor(private readonly db: Queryable) {}

  /** A cache that reloads on PostgREST's `NOTIFY pgrst, 'reload schema'` (or an empty payload). */
  static async start(db: Database): Promise<SchemaCache> {
    const cache = new SchemaCache(db);
    cache.#unlisten = await db.listen('pgrst', (payload) => {
      if (payload === '' || payload === 'reload schema') cache.invalidate();
    });
    return cache;
  }

  /** The current snapshot; `reload` reads the catalog again unless that was done within the interval. */
  snapshot(reload = false): Promise<SchemaSnapshot> {
    if (!this.#snapshot || (reload && Date.now() - this.#loadedAt > SCHEMA_RELOAD_INTERVAL_MS)) {
      this.#loadedAt = Date.now();
      const loading = loadSchema(this.db).catch((error: unknown) => {
        if (this.#snapshot === loading) this.#snapshot = undefined;
        throw error;
      });
      this.#snapshot = loading;
    }
    return this.#snapshot;
  }

  /** The next snapshot is read from the catalog. */
  invalidate(): void {
    this.#snapshot = undefined;
  }

  /**
   * A table (or view), reloading once on a miss (or first, with `reload`: the caller saw it is
   * stale); the snapshot it was found in comes along.
   */
  async table(schema: string, name: string, { reload = false } = {}): Promise<{ snapshot: SchemaSnapshot; table: Table | undefined }> {
    let snapshot = await this.snapshot(reload);
    let table = findTable(snapshot, schema, name);
    if (!table) {
      snapshot = await this.snapshot(true);
      table = findTable(snapshot, schema, name);
    }
    return { snapshot, table };
  }

  /** A function's overloads, reloading once on a miss. */
  async functions(schema: string, name: string): Promise<{ snapshot: SchemaSnapshot; candidates: RoutineInfo[] }> {
    let snapshot = await this.snapshot();
    let candidates = findFunctions(snapshot, schema, name);
    if (!candidates.length) {
      snapshot = await this.snapshot(true);
      candidates = findFunctions(snapshot, schema, name);
    }
    return { snapshot, candidates };
  }

  async close(): Promise<void> {
    await this.#unlisten?.();
  }
}

/** Schemas of Postgres itself, never in the cache. */
const SYSTEM_SCHEMAS = `n.nspname not in ('pg_catalog', 'information_schema') and n.nspname !~ '^pg_(toast|temp_|toast_temp_)'`;

/** Reads the catalog: every schema but Postgres's own. */
export async function loadSchema(db: Queryable): Promise<SchemaSnapshot> {
  const columns = await db.query<{
    schema: string;
    table: string;
    column: string;
    type: string;
    type_name: string;
    element_type: string | null;
    category: string;
  }>(
    `select n.nspname as schema, c.relname as table, a.attname as column,
            format_type(a.atttypid, null) as type, t.typname::text as type_name,
            case when t.typcategory = 'A' then format_type(t.typelem, null) end as element_type,
            t.typcategory as category
       from pg_class c
       join pg_namespace n on n.oid = c.relnamespace
       join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
       join pg_type t on t.oid = a.atttypid
      where c.relkind in ('r', 'v', 'm', 'p', 'f') and ${SYSTEM_SCHEMAS}
      order by n.nspname, c.relname, a.attnum`,
  );
  const tables = new Map<string, Table>();
  for (const row of columns.rows) {
    let table = tables.get(key(row.schema, row.table));
    if (!table) {
      table = { schema: row.schema, name: row.table, columns: new Map(), primaryKey: [], foreignKeys: [] };
      tables.set(key(row.schema, row.table), table);
    }
    table.columns.set(row.column, {
      name: row.column,
      type: row.type,
      typeName: row.type_name,
      elementType: row.element_type ?? undefined,
      isJson: row.type === 'json' || row.type === 'jsonb',
    });
  }

  const constraints = await db.query<{
    schema: string;
    table: string;
    name: string;
    kind: 'p' | 'f';
    columns: string[];
    ref_schema: string | null;
    ref_table: string | null;
    ref_columns: string[] | null;
  }>(
    `select n.nspname as schema, c.relname as table, k.conname as name, k.contype as kind,
            array(select a.attname from unnest(k.conkey) with ordinality u(attnum, i)
                    join pg_attribute a on a.attrelid = k.conrelid and a.attnum = u.attnum order by u.i)::text[] as columns,
            rn.nspname as ref_schema, rc.relname as ref_table,
            case when k.contype = 'f' then
              array(select a.attname from unnest(k.confkey) with ordinality u(attnum, i)
                      join pg_attribute a on a.attrelid = k.confrelid and a.attnum = u.attnum order by u.i)::text[]
            end as ref_columns
       from pg_constraint k
       join pg_class c on c.oid = k.conrelid
       join pg_namespace n on n.oid = c.relnamespace
       left join pg_class rc on rc.oid = k.confrelid
       left join pg_namespace rn on rn.oid = rc.relnamespace
      where k.contype in ('p', 'f') and ${SYSTEM_SCHEMAS}`,
  );
  for (const row of constraints.rows) {
    const table = tables.get(key(row.schema, row.table));
    if (!table) continue;
    if (row.kind === 'p') table.primaryKey = row.columns;
    else if (row.ref_schema === row.schema && row.ref_table && row.ref_columns) {
      table.foreignKeys.push({
        name: row.name,
        table: row.table,
        columns: row.columns,
        references: row.ref_table,
        referencedColumns: row.ref_columns,
      });
    }
  }

  const routines = await db.query<{
    schema: string;
    name: string;
    arg_names: string[] | null;
    arg_types: string[];
    arg_categories: string[];
    arg_modes: string[] | null;
    defaults: number;
    returns_set: boolean;
    return_kind: string;
    return_type: string;
  }>(
    `select n.nspname as schema, p.proname as name, p.proargnames::text[] as arg_names,
            array(select format_type(t, null) from unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])) t)::text[] as arg_types,
            array(select ty.typcategory::text from unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])) with ordinality a(t, n)
                    join pg_type ty on ty.oid = a.t order by a.n)::text[] as arg_categories,
            p.proargmodes::text[] as arg_modes, p.pronargdefaults::int as defaults, p.proretset as returns_set,
            rt.typtype::text as return_kind, rt.typname::text as return_type
       from pg_proc p
       join pg_namespace n on n.oid = p.pronamespace
       join pg_type rt on rt.oid = p.prorettype
      where ${SYSTEM_SCHEMAS} and p.prokind = 'f'`,
  );
  const functions = new Map<string, RoutineInfo[]>();
  for (const row of routines.rows) {
    const args: FunctionArg[] = [];
    const names = row.arg_names ?? [];
    const inputs = row.arg_types
      .map((type, i) => ({ type, category: row.arg_categories[i], mode: row.arg_modes?.[i] ?? 'i', name: names[i] ?? '' }))
      .filter((arg) => arg.mode === 'i' || arg.mode === 'b' || arg.mode === 'v');
    inputs.forEach((arg, i) =>
      args.push({
        name: arg.name,
        type: arg.type,
        isJson: arg.type === 'json' || arg.type === 'jsonb',
        isArray: arg.category === 'A',
        hasDefault: i >= inputs.length - row.defaults,
      }),
    );
    const returns =
      row.return_type === 'void'
        ? 'void'
        : row.return_kind === 'c' || row.return_type === 'record'
          ? 'row'
          : 'scalar';
    const list = functions.get(key(row.schema, row.name)) ?? [];
    list.push({ schema: row.schema, name: row.name, args, returnsSet: row.returns_set, returns });
    functions.set(key(row.schema, row.name), list);
  }
  return { tables, functions };
}

export function findTable(cache: SchemaSnapshot, schema: string, name: string): Table | undefined {
  return cache.tables.get(key(schema, name));
}

export function findFunctions(cache: SchemaSnapshot, schema: string, name: string): RoutineInfo[] {
  return cache.functions.get(key(schema, name)) ?? [];
}

/** A Postgres array literal for a list of values (`null` is NULL), passed as one parameter. */
export function toPgArray(values: (string | null)[]): string {
  const element = (value: string | null) => (value === null ? 'NULL' : `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`);
  return `{${values.map(element).join(',')}}`;
}
