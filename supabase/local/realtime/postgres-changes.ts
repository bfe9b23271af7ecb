/**
 * postgres_changes: rows captured by the change triggers into `_local.changes`, matched against each
 * channel's bindings and delivered only to subscribers whose own RLS lets them select the row.
 */
import type { JwtClaims } from '../auth/jwt.ts';
import { apiRole, quoteIdent as q, withClaims, type Database } from '../db/database.ts';
import type { SchemaCache } from '../db/schema-cache.ts';
import { send, type ChangeBinding, type Channel, type ChannelRegistry } from './channels.ts';

const FILTER_OPERATORS = new Set(['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'in']);

interface Change {
  id: string;
  schema_name: string;
  table_name: string;
  type: 'INSERT' | 'UPDATE' | 'DELETE';
  record: Record<string, unknown> | null;
  old_record: Record<string, unknown> | null;
  commit_timestamp: string;
}

/** What a delivery needs of the changed table, taken from the stack's schema cache. */
interface TableInfo {
  /** `type` is pg_type's name (payloads carry it), `sqlType` a cast's. */
  columns: { name: string; type: string; sqlType: string }[];
  /** In column order. */
  primaryKey: string[];
}

export type RequestedChange = { event?: string; schema?: string; table?: string; filter?: string };

export class ChangeFeed {
  #bindingIds = 0;
  #queue = Promise.resolve();
  #unlisten?: () => Promise<void>;

  private constructor(
    private readonly db: Database,
    private readonly schema: SchemaCache,
    private readonly channels: ChannelRegistry,
    private readonly log: (message: string) => void,
  ) {}

  /** Starts listening for captured changes. */
  static async start(db: Database, schema: SchemaCache, channels: ChannelRegistry, log: (message: string) => void): Promise<ChangeFeed> {
    const feed = new ChangeFeed(db, schema, channels, log);
    feed.#unlisten = await db.listen('_local_changes', (payload) => feed.#onNotify(payload));
    return feed;
  }

  async close(): Promise<void> {
    await this.#unlisten?.();
  }

  /** A join's postgres_changes config as bindings, or the reason it is refused. */
  async bind(requestedList: RequestedChange[]): Promise<{ bindings: ChangeBinding[] } | { error: string }> {
    const bindings: ChangeBinding[] = [];
    for (const requested of requestedList) {
      const fields = [requested.event, requested.schema, requested.table, requested.filter];
      if (!fields.every((field) => field === undefined || typeof field === 'string')) {
        return { error: 'Unable to subscribe to changes: event, schema, table and filter must be strings' };
      }
      const event = String(requested.event ?? '*').toUpperCase();
      if (!['*', 'INSERT', 'UPDATE', 'DELETE'].includes(event)) {
        return { error: `Unable to subscribe to changes: unknown event "${requested.event}"` };
      }
      const binding: ChangeBinding = {
        id: ++this.#bindingIds,
        event: event as ChangeBinding['event'],
        schema: requested.schema ?? 'public',
        table: requested.table && requested.table !== '*' ? requested.table : undefined,
        filter: requested.filter,
        requested,
      };
      if (requested.filter) {
        const parsed = parseChangeFilter(requested.filter);
        const info = binding.table ? await this.#tableInfo(binding.schema, binding.table) : undefined;
        if (!parsed || !info || !info.columns.some((column) => column.name === parsed.column)) {
          return {
            error: `Unable to subscribe to changes with given parameters. Please check Realtime is enabled for the given connect parameters: [event: ${event}, schema: ${binding.schema}, table: ${binding.table ?? '*'}, filters: [${requested.filter}]]`,
          };
        }
        binding.parsed = parsed;
      }
      bindings.push(binding);
    }
    return { bindings };
  }

  #onNotify(payload: string): void {
    const upTo = Number(payload);
    if (!Number.isFinite(upTo)) return;
    this.#queue = this.#queue
      .then(async () => {
        const changes = await this.db.query<Change>(
          `delete from _local.changes where id <= $1
           returning id::text, schema_name, table_name, type, record, old_record,
                     to_char(commit_timestamp at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as commit_timestamp`,
          [upTo],
        );
        changes.rows.sort((a, b) => Number(a.id) - Number(b.id));
        for (const change of changes.rows) await this.#dispatch(change);
      })
      .catch((error: unknown) => this.log(`postgres_changes delivery failed: ${(error as Error).message}`));
  }

  /**
   * The table as the schema cache knows it: reloaded on a miss, and when the captured row has a
   * column the cache lacks (DDL the cache was not told of), so a table created or altered after
   * it was first read is delivered with its columns and primary key as they are now.
   */
  async #tableInfo(schema: string, table: string, row?: Record<string, unknown> | null): Promise<TableInfo | undefined> {
    let { table: found } = await this.schema.table(schema, table);
    if (found && row && Object.keys(row).some((column) => !found!.columns.has(column))) {
      found = (await this.schema.table(schema, table, { reload: true })).table;
    }
    if (!found) return undefined;
    const columns = [...found.columns.values()];
    return {
      columns: columns.map((column) => ({ name: column.name, type: column.typeName, sqlType: column.type })),
      primaryKey: columns.filter((column) => found!.primaryKey.includes(column.name)).map((column) => column.name),
    };
  }

  /** Whether the subscriber's own RLS lets them select the changed row (as it is now). */
  async #canSee(claims: JwtClaims, change: Change, info: TableInfo): Promise<boolean> {
    const role = apiRole(claims);
    if (role === 'service_role') return true;
    const record = change.record;
    if (!record || !info.primaryKey.length) return false;
    try {
      return await withClaims(this.db, claims, async (tx) => {
        const where = info.primaryKey.map((column, i) => {
          const type = info.columns.find((c) => c.name === column)!.sqlType;
          return `${q(column)} = $${i + 1}::${type}`;
        });
        const found = await tx.query(
          `select 1 from ${q(change.schema_name)}.${q(change.table_name)} where ${where.join(' and ')}`,
          info.primaryKey.map((column) => stringValue(record[column])),
        );
        return found.rows.length > 0;
      });
    } catch {
      // No SELECT privilege, or the row's policy errors for this user: not theirs to see.
      return false;
    }
  }

  async #canSelectTable(claims: JwtClaims, change: Change): Promise<boolean> {
    const role = apiRole(claims);
    const result = await this.db.query<{ allowed: boolean }>(
      `select has_table_privilege($1, format('%I.%I', $2::text, $3::text), 'select') as allowed`,
      [role, change.schema_name, change.table_name],
    );
    return result.rows[0]?.allowed === true;
  }

  async #dispatch(captured: Change): Promise<void> {
    const info = await this.#tableInfo(captured.schema_name, captured.table_name, captured.record ?? captured.old_record);
    if (!info) return;
    const keyOnly = (row: Record<string, unknown> | null) =>
      row ? Object.fromEntries(info.primaryKey.map((column) => [column, row[column]])) : {};
    // A deleted row can no longer be checked against RLS, so, as on hosted Realtime, subscribers
    // know only its primary key: filters are matched against that too, never the hidden columns.
    const change = captured.type === 'DELETE' ? { ...captured, old_record: keyOnly(captured.old_record) } : captured;
    const matching: { channel: Channel; ids: number[] }[] = [];
    for (const channel of this.channels.all()) {
      const ids = channel.bindings.filter((binding) => bindingMatches(binding, change)).map((binding) => binding.id);
      if (ids.length) matching.push({ channel, ids });
    }
    if (!matching.length) return;
    // One RLS check per distinct subscriber identity.
    const verdicts = new Map<string, Promise<boolean>>();
    const columns = info.columns.map(({ name, type }) => ({ name, type }));
    for (const { channel, ids } of matching) {
      let visible: Promise<boolean>;
      if (change.type === 'DELETE') {
        // The row is gone, so RLS cannot be asked: its primary key goes to subscribers allowed to
        // select from the table at all.
        visible = this.#canSelectTable(channel.claims, change);
      } else {
        const identity = `${channel.role}:${channel.claims.sub ?? ''}:${channel.claims.email ?? ''}`;
        if (!verdicts.has(identity)) verdicts.set(identity, this.#canSee(channel.claims, change, info));
        visible = verdicts.get(identity)!;
      }
      if (!(await visible)) continue;
      send(channel.socket, {
        joinRef: channel.joinRef,
        ref: null,
        topic: channel.topic,
        event: 'postgres_changes',
        payload: {
          ids,
          data: {
            schema: change.schema_name,
            table: change.table_name,
            commit_timestamp: change.commit_timestamp,
            type: change.type,
            columns,
            record: change.type === 'DELETE' ? {} : change.record,
            old_record: change.type === 'INSERT' ? {} : keyOnly(change.old_record),
            errors: null,
          },
        },
      });
    }
  }
}

function stringValue(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** `column=op.value` as postgres_changes filters take it. */
export function parseChangeFilter(filter: string): ChangeBinding['parsed'] | undefined {
  const match = /^([^=]+)=([a-z]+)\.(.*)$/s.exec(filter);
  if (!match || !FILTER_OPERATORS.has(match[2])) return undefined;
  const [, column, operator, raw] = match;
  if (operator === 'in') {
    if (!raw.startsWith('(') || !raw.endsWith(')')) return undefined;
    return { column, operator, values: raw.slice(1, -1).split(',').map((v) => v.trim().replace(/^"|"$/g, '')) };
  }
  return { column, operator, values: [raw] };
}

function bindingMatches(binding: ChangeBinding, change: Change): boolean {
  if (binding.event !== '*' && binding.event !== change.type) return false;
  if (binding.schema !== '*' && binding.schema !== change.schema_name) return false;
  if (binding.table && binding.table !== change.table_name) return false;
  if (!binding.parsed) return true;
  const row = change.type === 'DELETE' ? change.old_record : change.record;
  const actual = stringValue(row?.[binding.parsed.column]);
  if (actual === null) return false;
  const [expected] = binding.parsed.values;
  const numeric = Number.isFinite(Number(actual)) && Number.isFinite(Number(expected)) && actual !== '' && expected !== '';
  const compare = numeric ? Number(actual) - Number(expected) : actual < expected ? -1 : actual > expected ? 1 : 0;
  switch (binding.parsed.operator) {
    case 'eq':
      return actual === expected || (numeric && compare === 0);
    case 'neq':
      return !(actual === expected || (numeric && compare === 0));
    case 'lt':
      return compare < 0;
    case 'lte':
      return compare <= 0;
    case 'gt':
      return compare > 0;
    case 'gte':
      return compare >= 0;
    case 'in':
      return binding.parsed.values.includes(actual);
    default:
      return false;
  }
}
