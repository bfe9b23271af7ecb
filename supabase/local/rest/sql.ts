/**
 * Turns parsed PostgREST requests into one SQL statement each. Identifiers come from the schema
 * cache and are always quoted; every value from the request travels as a bind parameter.
 */
import { quoteIdent as q } from '../db/database.ts';
import { parseError, RestError } from './errors.ts';
import {
  type Condition,
  type Field,
  type OrderTerm,
  type SelectItem,
} from './query.ts';
import { toPgArray, type ForeignKey, type SchemaSnapshot, type Table } from '../db/schema-cache.ts';

/** Filters, order and paging for one level of the request: the root table or an embedded one. */
export interface Scope {
  conditions: Condition[];
  order?: OrderTerm[];
  limit?: number;
  offset?: number;
  children: Map<string, Scope>;
  /** Set once the scope was matched to an embedded resource of the select. */
  used?: boolean;
}

export const emptyScope = (): Scope => ({ conditions: [], children: new Map() });

const COMPARISON: Record<string, string> = { eq: '=', neq: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' };
const PATTERN: Record<string, string> = { like: 'like', ilike: 'ilike', match: '~', imatch: '~*' };
const RANGE: Record<string, string> = { cs: '@>', cd: '<@', ov: '&&', sl: '<<', sr: '>>', nxl: '&<', nxr: '&>', adj: '-|-' };
const SEARCH: Record<string, string> = {
  fts: 'to_tsquery',
  plfts: 'plainto_tsquery',
  phfts: 'phraseto_tsquery',
  wfts: 'websearch_to_tsquery',
};

export const tableSql = (table: Pick<Table, 'schema' | 'name'>) => `${q(table.schema)}.${q(table.name)}`;

export class SqlBuilder {
  readonly params: unknown[] = [];
  private aliases = 0;

  constructor(
    private readonly cache: SchemaSnapshot,
    private readonly schema: string,
  ) {}

  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  alias(): string {
    return `_t${this.aliases++}`;
  }

  /** A column (with JSON path) of `table` seen through `alias`, and its SQL type when known. */
  field(alias: string, table: Table | undefined, field: Field): { sql: string; type?: string } {
    const column = table?.columns.get(field.name);
    if (table && !column) {
      throw new RestError(400, '42703', `column ${table.name}.${field.name} does not exist`);
    }
    let sql = `${alias}.${q(field.name)}`;
    if (!field.path.length) return { sql, type: column?.type };
    sql = `${sql}::jsonb`;
    for (const step of field.path) {
      const key = /^-?\d+$/.test(step.key) ? `${this.param(Number(step.key))}::int` : `${this.param(step.key)}::text`;
      sql = `(${sql} ${step.arrow} ${key})`;
    }
    return { sql, type: field.path.at(-1)!.arrow === '->>' ? 'text' : 'jsonb' };
  }

  condition(alias: string, table: Table | undefined, condition: Condition): string {
    if (condition.kind === 'logic') {
      const parts = condition.children.map((child) => this.condition(alias, table, child));
      const joined = parts.length ? `(${parts.join(` ${condition.operator} `)})` : condition.operator === 'and' ? 'true' : 'false';
      return condition.negate ? `not ${joined}` : joined;
    }
    const { sql: expr, type } = this.field(alias, table, condition.field);
    const typed = (value: string) => (type ? `${this.param(value)}::${type}` : this.param(value));
    const arrayOf = (values: (string | null)[]) => `${this.param(toPgArray(values))}::${type && !type.endsWith('[]') ? type : 'text'}[]`;
    const { operator, value } = condition;
    let sql: string;
    if (operator in COMPARISON) {
      sql = condition.modifier
        ? `${expr} ${COMPARISON[operator]} ${condition.modifier}(${arrayOf(condition.list ?? [])})`
        : `${expr} ${COMPARISON[operator]} ${typed(value)}`;
    } else if (operator in PATTERN) {
      const pattern = (text: string | null) => (text !== null && operator.endsWith('like') ? text.replaceAll('*', '%') : text);
      sql = condition.modifier
        ? `${expr}::text ${PATTERN[operator]} ${condition.modifier}(${this.param(toPgArray((condition.list ?? []).map(pattern)))}::text[])`
        : `${expr}::text ${PATTERN[operator]} ${this.param(pattern(value))}`;
    } else if (operator === 'is') {
      const literal = { null: 'null', not_null: 'not null', true: 'true', false: 'false', unknown: 'unknown' }[value.toLowerCase()];
      if (!literal) throw parseError(`"is" takes null, not_null, true, false or unknown, got "${value}"`);
      sql = `${expr} is ${literal}`;
    } else if (operator === 'isdistinct') {
      sql = `${expr} is distinct from ${typed(value)}`;
    } else if (operator === 'in') {
      sql = `${expr} = any(${arrayOf(condition.list ?? [])})`;
    } else if (operator in RANGE) {
      // PostgREST accepts `(a,b)` for array overlap; Postgres wants `{a,b}`.
      const literal = operator === 'ov' && type?.endsWith('[]') && value.startsWith('(') ? `{${value.slice(1, -1)}}` : value;
      sql = `${expr} ${RANGE[operator]} ${typed(literal)}`;
    } else if (operator in SEARCH) {
      const language = condition.language ? `${this.param(condition.language)}::regconfig, ` : '';
      sql = `${expr} @@ ${SEARCH[operator]}(${language}${this.param(value)})`;
    } else {
      throw parseError(`unknown operator "${operator}"`);
    }
    return condition.negate ? `not (${sql})` : sql;
  }

  order(alias: string, table: Table | undefined, terms: OrderTerm[] | undefined): string {
    if (!terms?.length) return '';
    const parts = terms.map((term) => {
      const { sql } = this.field(alias, table, term.field);
      return `${sql} ${term.descending ? 'desc' : 'asc'}${term.nulls ? ` nulls ${term.nulls}` : ''}`;
    });
    return ` order by ${parts.join(', ')}`;
  }

  paging(scope: Scope): string {
    return `${scope.limit !== undefined ? ` limit ${scope.limit}` : ''}${scope.offset ? ` offset ${scope.offset}` : ''}`;
  }

  /**
   * The select list of one level, and the conditions `!inner` embeds add to that level's WHERE.
   * `table` is undefined for rows of a function result, whose columns are not in the cache.
   */
  selectList(alias: string, table: Table | undefined, items: SelectItem[], scope: Scope): { columns: string; where: string[] } {
    const columns: string[] = [];
    const where: string[] = [];
    for (const item of items) {
      if (item.kind === 'star') columns.push(`${alias}.*`);
      else if (item.kind === 'column') {
        const { sql } = this.field(alias, table, item.field);
        // The cast passed CAST in query.ts; inside cast(… as …) only a type name parses.
        columns.push(`${item.cast ? `cast(${sql} as ${item.cast})` : sql} as ${q(item.alias ?? item.field.name)}`);
      } else {
        if (!table) throw parseError(`cannot embed "${item.relation}" in the result of a function`);
        const embedded = this.embed(alias, table, item, scope);
        columns.push(`${embedded.sql} as ${q(item.alias ?? item.relation)}`);
        if (embedded.exists) where.push(embedded.exists);
      }
    }
    return { columns: columns.join(', ') || `${alias}.*`, where };
  }

  private embed(
    parentAlias: string,
    parent: Table,
    item: SelectItem & { kind: 'embed' },
    parentScope: Scope,
  ): { sql: string; exists?: string } {
    const { target, key, toOne } = this.relationship(parent, item);
    const scope = parentScope.children.get(item.alias ?? item.relation) ?? parentScope.children.get(item.relation) ?? emptyScope();
    scope.used = true;
    const join = (alias: string) =>
      key.columns.map((column, i) =>
        toOne
          ? `${alias}.${q(key.referencedColumns[i])} = ${parentAlias}.${q(column)}`
          : `${alias}.${q(column)} = ${parentAlias}.${q(key.referencedColumns[i])}`,
      );
    const alias = this.alias();
    const inner = this.selectList(alias, target, item.select, scope);
    const where = [...join(alias), ...scope.conditions.map((c) => this.condition(alias, target, c)), ...inner.where];
    const source = `select ${inner.columns} from ${tableSql(target)} ${alias} where ${where.join(' and ')}`;
    const sql = toOne
      ? `(select row_to_json(${alias}_r) from (${source} limit 1) ${alias}_r)`
      : `(select coalesce(json_agg(${alias}_r), '[]'::json) from (${source}${this.order(alias, target, scope.order)}${this.paging(scope)}) ${alias}_r)`;
    if (item.join !== 'inner') return { sql };
    const probe = this.alias();
    const probeWhere = [...join(probe), ...scope.conditions.map((c) => this.condition(probe, target, c))];
    return { sql, exists: `exists (select 1 from ${tableSql(target)} ${probe} where ${probeWhere.join(' and ')})` };
  }

  /** Finds the one foreign key linking `parent` and the embedded name, as PostgREST does. */
  private relationship(parent: Table, item: SelectItem & { kind: 'embed' }): { target: Table; key: ForeignKey; toOne: boolean } {
    const candidates: { target: Table; key: ForeignKey; toOne: boolean }[] = [];
    for (const key of parent.foreignKeys) {
      const byColumn = key.columns.length === 1 && key.columns[0] === item.relation;
      if (key.references === item.relation || byColumn) {
        const target = this.cache.tables.get(`${this.schema}.${key.references}`);
        if (target) candidates.push({ target, key, toOne: true });
      }
    }
    const child = this.cache.tables.get(`${this.schema}.${item.relation}`);
    for (const key of child?.foreignKeys ?? []) {
      if (key.references === parent.name && child) candidates.push({ target: child, key, toOne: false });
    }
    const matching = item.hint
      ? candidates.filter(({ key }) => key.name === item.hint || key.columns.join(',') === item.hint)
      : candidates;
    if (matching.length === 1) return matching[0];
    if (matching.length === 0) {
      throw new RestError(
        400,
        'PGRST200',
        `Could not find a relationship between '${parent.name}' and '${item.relation}' in the schema cache`,
        `Searched for a foreign key relationship between '${parent.name}' and '${item.relation}'${item.hint ? ` using the hint '${item.hint}'` : ''} in the schema '${this.schema}', but no matches were found.`,
      );
    }
    throw new RestError(
      300,
      'PGRST201',
      `Could not embed because more than one relationship was found for '${parent.name}' and '${item.relation}'`,
      matching.map(({ key }) => `${key.table} → ${key.references} using ${key.name}(${key.columns.join(', ')})`).join('; '),
      `Try changing '${item.relation}' to one of the following: ${matching.map(({ key }) => `'${item.relation}!${key.name}'`).join(', ')}.`,
    );
  }
}

/** Every filter scope the request named must match an embedded resource. */
export function checkScopesUsed(scope: Scope, path: string[] = []): void {
  for (const [name, child] of scope.children) {
    if (!child.used) {
      throw new RestError(400, 'PGRST108', `'${[...path, name].join('.')}' is not an embedded resource in this request`, null,
        `Verify that '${name}' is included in the 'select' query parameter.`);
    }
    checkScopesUsed(child, [...path, name]);
  }
}
