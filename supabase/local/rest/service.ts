/**
 * `/rest/v1`: the part of PostgREST that supabase-js uses. Every request runs in one transaction
 * as the JWT's role with `request.jwt.claims` set, so row-level security is Postgres's own; the
 * JSON is built by Postgres (`json_agg`) as PostgREST does. Errors have PostgREST's shape and
 * status codes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { API_ROLES, quoteIdent as q, withClaims, type Queryable } from '../db/database.ts';
import { authenticate, HttpError, readJson, sendJson } from '../http.ts';
import type { RoutineInfo, SchemaSnapshot, Table } from '../db/schema-cache.ts';
import type { Service, StackContext } from '../service.ts';
import { parseError, RestError, toRestError } from './errors.ts';
import { LIMITS, limitError } from './limits.ts';
import { checkRequestCost } from './request-cost.ts';
import {
  parseCount,
  parseField,
  parseFilter,
  parseLogic,
  parseOrder,
  parsePrefer,
  parseSelect,
} from './query.ts';
import { checkScopesUsed, emptyScope, SqlBuilder, tableSql, type Scope } from './sql.ts';

export const REST_BODY_LIMIT = 1024 * 1024;
const EXPOSED_SCHEMAS = ['public'];
/** Query parameters that are not filters. */
const RESERVED = new Set(['select', 'columns', 'on_conflict', 'apikey']);

interface Request {
  req: IncomingMessage;
  url: URL;
  role: string;
  schema: string;
  prefer: Map<string, string>;
  /** `application/vnd.pgrst.object+json`: exactly one row, sent as an object. */
  single: boolean;
  stripNulls: boolean;
}

interface Reply {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

export function createRestService(context: StackContext): Service {
  const { db, keys } = context;
  // The schema cache is the stack's (db/schema-cache.ts): it reloads on a miss, at most once a
  // second, so tables created after start are found, and on NOTIFY pgrst, 'reload schema'.
  async function resolveTable(schema: string, name: string): Promise<{ cache: SchemaSnapshot; table: Table }> {
    const { snapshot, table } = await context.schema.table(schema, name);
    if (!table) {
      throw new RestError(404, 'PGRST205', `Could not find the table '${schema}.${name}' in the schema cache`);
    }
    return { cache: snapshot, table };
  }

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL, path: string): Promise<void> {
    const method = req.method ?? 'GET';
    if ((req.url ?? '').length > LIMITS.urlLength) {
      throw new RestError(414, 'PGRST100', `The request URL is longer than ${LIMITS.urlLength} characters`, null,
        'Send fewer or shorter filters; a long list of ids can go through an RPC function with a JSON body instead.');
    }
    const claims = authenticate(req, url, keys, (status, message, reason) =>
      reason === 'missing'
        ? new RestError(status, 'PGRST301', 'No API key found in request', null, 'No `apikey` request header or url param was found.')
        : reason === 'expired'
          ? new RestError(status, 'PGRST303', 'JWT expired')
          : new RestError(status, 'PGRST301', message),
    );
    const role = String(claims.role ?? 'anon');
    if (!(API_ROLES as readonly string[]).includes(role)) {
      throw new RestError(401, 'PGRST301', `role "${role}" in the JWT is not allowed`);
    }
    const profile = header(req, method === 'GET' || method === 'HEAD' ? 'accept-profile' : 'content-profile');
    const schema = profile ?? EXPOSED_SCHEMAS[0];
    if (!EXPOSED_SCHEMAS.includes(schema)) {
      throw new RestError(406, 'PGRST106', `Invalid schema: ${schema}`, null, `Only the following schemas are exposed: ${EXPOSED_SCHEMAS.join(', ')}`);
    }
    const accept = (header(req, 'accept') ?? 'application/json').toLowerCase();
    const media = accept.split(';')[0].trim();
    if (!['application/json', '*/*', 'application/vnd.pgrst.object+json', 'application/vnd.pgrst.array+json'].includes(media)) {
      throw new RestError(406, 'PGRST107', `None of these media types are available: ${media}`);
    }
    const request: Request = {
      req,
      url,
      role,
      schema,
      prefer: parsePrefer(req.headers.prefer),
      single: media === 'application/vnd.pgrst.object+json',
      stripNulls: accept.includes('nulls=stripped'),
    };

    let body: unknown;
    if (method === 'POST' || method === 'PATCH' || method === 'PUT') {
      const type = header(req, 'content-type');
      if (type && !type.toLowerCase().startsWith('application/json')) {
        throw new RestError(415, 'PGRST107', `Content-Type "${type}" is not supported; send application/json`);
      }
      try {
        body = await readJson(req, REST_BODY_LIMIT);
      } catch (error) {
        if (error instanceof HttpError && error.status === 413) {
          throw new RestError(413, 'PGRST413', `Payload too large: the request body is over ${REST_BODY_LIMIT} bytes`);
        }
        if (error instanceof HttpError) throw new RestError(400, 'PGRST102', 'Empty or invalid json', error.message);
        throw error;
      }
    }

    const segments = decodePath(path);
    checkQueryText(url);
    // The schema cache is read before the transaction: PGlite has one connection.
    let run: (tx: Queryable) => Promise<Reply>;
    if (segments[0] === 'rpc' && segments.length === 2) {
      const routines = await resolveFunctions(request.schema, segments[1]);
      run = (tx) => rpc(tx, request, routines, segments[1], method, body);
    } else if (segments.length === 1) {
      const target = await resolveTable(request.schema, segments[0]);
      run = (tx) => table(tx, request, target, method, body);
    } else {
      throw new RestError(404, 'PGRST125', `Invalid path: ${url.pathname}`);
    }
    let reply: Reply;
    try {
      reply = await withClaims(db, claims, async (tx) => {
        const result = await run(tx);
        if (request.prefer.get('tx') === 'rollback') throw new Rollback(result);
        return result;
      });
    } catch (error) {
      if (error instanceof Rollback) reply = error.reply;
      else throw toRestError(error, role);
    }
    sendJson(res, reply.status, method === 'HEAD' ? undefined : reply.body, reply.headers);
  }

  async function resolveFunctions(schema: string, name: string): Promise<{ cache: SchemaSnapshot; candidates: RoutineInfo[] }> {
    const { snapshot, candidates } = await context.schema.functions(schema, name);
    return { cache: snapshot, candidates };
  }

  async function table(
    tx: Queryable,
    request: Request,
    { cache, table }: { cache: SchemaSnapshot; table: Table },
    method: string,
    body: unknown,
  ): Promise<Reply> {
    const sql = new SqlBuilder(cache, request.schema);
    const select = parseSelect(request.url.searchParams.get('select'));
    const scope = parseScope(request.url.searchParams, new Set());
    checkRequestCost(select, scope);
    const hasSelect = request.url.searchParams.has('select');
    const wantsBody = request.prefer.get('return') === 'representation';

    if (method === 'GET' || method === 'HEAD') {
      applyRangeHeader(request.req, scope);
      const alias = sql.alias();
      const list = sql.selectList(alias, table, select, scope);
      checkScopesUsed(scope);
      const where = whereSql([...scope.conditions.map((c) => sql.condition(alias, table, c)), ...list.where]);
      const from = `from ${tableSql(table)} ${alias}${where}`;
      const counted = countPreference(request);
      const text =
        `select (select coalesce(json_agg(_r), '[]'::json)::text from (select ${list.columns} ${from}` +
        `${sql.order(alias, table, scope.order)}${sql.paging(scope)}) _r) as body` +
        (counted ? `, (select count(*) ${from})::int as total` : '');
      const row = onlyRow(await tx.query<{ body: string; total?: number }>(text, sql.params));
      return rowsReply(request, 200, row.body, { total: row.total, offset: scope.offset ?? 0 });
    }

    if (scope.limit !== undefined || scope.offset !== undefined) {
      throw parseError('limit and offset apply to reads only on the local stack');
    }
    let mutation: { text: string; alias: string };
    if (method === 'POST') mutation = insertSql(sql, request, table, body);
    else if (method === 'PATCH') mutation = updateSql(sql, table, body, scope);
    else if (method === 'DELETE') mutation = deleteSql(sql, table, scope);
    else throw new RestError(405, 'PGRST117', `Unsupported HTTP method: ${method}`);

    const status = method === 'POST' ? 201 : wantsBody ? 200 : 204;
    let rows: string;
    let affected: number;
    if (wantsBody || request.single) {
      const list = sql.selectList(mutation.alias, table, hasSelect ? select : [{ kind: 'star' }], scope);
      checkScopesUsed(scope);
      const text =
        `with _m as (${mutation.text} returning ${mutation.alias}.*) ` +
        `select coalesce(json_agg(_r), '[]'::json)::text as body, (select count(*) from _m)::int as affected ` +
        `from (select ${list.columns} from _m ${mutation.alias}${whereSql(list.where)}${sql.order(mutation.alias, table, scope.order)}) _r`;
      const row = onlyRow(await tx.query<{ body: string; affected: number }>(text, sql.params));
      rows = row.body;
      affected = row.affected;
    } else {
      checkScopesUsed(scope);
      affected = (await tx.query(mutation.text, sql.params)).rowCount;
      rows = '[]';
    }
    const maxAffected = request.prefer.get('max-affected');
    if (request.prefer.get('handling') === 'strict' && maxAffected !== undefined && affected > Number(maxAffected)) {
      throw new RestError(400, 'PGRST124', `Query result exceeds max-affected preference constraint`, `The query affects ${affected} rows`);
    }
    return rowsReply(request, status, wantsBody || request.single ? rows : undefined, { total: affected, mutation: true });
  }

  async function rpc(
    tx: Queryable,
    request: Request,
    { cache, candidates }: { cache: SchemaSnapshot; candidates: RoutineInfo[] },
    name: string,
    method: string,
    body: unknown,
  ): Promise<Reply> {
    let args: Record<string, unknown>;
    if (method === 'POST') {
      if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))) {
        throw new RestError(400, 'PGRST102', 'Function arguments must be a JSON object');
      }
      args = (body as Record<string, unknown> | undefined) ?? {};
    } else if (method === 'GET' || method === 'HEAD') {
      const argNames = new Set(candidates.flatMap((routine) => routine.args.map((arg) => arg.name)));
      args = {};
      for (const [key, value] of request.url.searchParams) if (argNames.has(key)) args[key] = value;
    } else {
      throw new RestError(405, 'PGRST101', 'Only GET and POST are allowed for functions');
    }
    const routine = pickRoutine(candidates, args);
    if (!routine) {
      const names = Object.keys(args).sort();
      throw new RestError(
        404,
        'PGRST202',
        `Could not find the function ${request.schema}.${name}${names.length ? `(${names.join(', ')})` : ' without parameters'} in the schema cache`,
        `Searched for the function ${request.schema}.${name}${names.length ? ` with parameters ${names.join(', ')}` : ' without parameters'}, but no matches were found in the schema cache.`,
      );
    }
    const sql = new SqlBuilder(cache, request.schema);
    const call = `${q(routine.schema)}.${q(routine.name)}(${routine.args
      .filter((arg) => arg.name in args)
      .map((arg) => `${q(arg.name)} => ${argumentSql(sql, arg, args[arg.name])}`)
      .join(', ')})`;
    const argNames = new Set(routine.args.map((arg) => arg.name));
    const scope = parseScope(request.url.searchParams, method === 'POST' ? new Set() : argNames);
    const select = parseSelect(request.url.searchParams.get('select'));
    checkRequestCost(select, scope);

    if (routine.returns === 'void') {
      await tx.query(`select ${call}`, sql.params);
      return { status: 204 };
    }
    if (routine.returns === 'scalar') {
      const text = routine.returnsSet
        ? `select coalesce(json_agg(_r.value), '[]'::json)::text as body from ${call} as _r(value)`
        : `select to_json(${call})::text as body`;
      const row = onlyRow(await tx.query<{ body: string | null }>(text, sql.params));
      return { status: 200, body: row.body ?? 'null' };
    }
    const alias = sql.alias();
    const list = sql.selectList(alias, undefined, select, scope);
    checkScopesUsed(scope);
    const where = whereSql(scope.conditions.map((c) => sql.condition(alias, undefined, c)));
    const text = `select coalesce(json_agg(_r), '[]'::json)::text as body from (select ${list.columns} from ${call} ${alias}${where}${sql.order(alias, undefined, scope.order)}${sql.paging(scope)}) _r`;
    const row = onlyRow(await tx.query<{ body: string }>(text, sql.params));
    if (!routine.returnsSet) {
      const [first] = JSON.parse(row.body) as unknown[];
      return { status: 200, body: JSON.stringify(first ?? null) };
    }
    return rowsReply(request, 200, row.body, { offset: scope.offset ?? 0 });
  }

  return {
    handle,
    async close() {},
  };
}

/** Thrown inside the transaction for `Prefer: tx=rollback`: the answer stands, the writes do not. */
class Rollback extends Error {
  constructor(readonly reply: Reply) {
    super('rollback');
  }
}

/** The path's segments, percent-decoded; malformed encoding is the client's error. */
function decodePath(path: string): string[] {
  return path.split('/').filter(Boolean).map((segment) => {
    try {
      return decodeURIComponent(segment);
    } catch {
      throw parseError(`"${segment}" in the path is not valid percent-encoded UTF-8`);
    }
  });
}

/**
 * URLSearchParams would read malformed percent-encoding as U+FFFD and filter on that: refuse it.
 * Postgres text cannot hold NUL, and a NUL inside a quoted identifier would cut the statement
 * short on the wire: refuse it too, before parsing.
 */
function checkQueryText(url: URL): void {
  for (const piece of url.search.slice(1).split('&')) {
    let text: string;
    try {
      text = decodeURIComponent(piece.replaceAll('+', ' '));
    } catch {
      throw parseError(`"${piece}" in the query is not valid percent-encoded UTF-8`);
    }
    if (text.includes('\0')) throw parseError(`"${piece}" in the query contains a NUL character`);
  }
}

/** The one row a statement of this service always returns (PGlite has been seen to lose an error and return none). */
function onlyRow<R>(result: { rows: R[] }): R {
  const [row] = result.rows;
  if (!row) throw new RestError(500, 'PGRSTX00', 'The database returned no result for the statement');
  return row;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function whereSql(conditions: string[]): string {
  return conditions.length ? ` where ${conditions.join(' and ')}` : '';
}

function countPreference(request: Request): boolean {
  const count = request.prefer.get('count');
  return count === 'exact' || count === 'planned' || count === 'estimated';
}

/** Filters, `or`/`and`, `order`, `limit`, `offset`, also for embedded paths (`rel.col=eq.1`). */
function parseScope(params: URLSearchParams, skip: Set<string>): Scope {
  const root = emptyScope();
  for (const [key, value] of params) {
    if (RESERVED.has(key) || skip.has(key)) continue;
    const parts = key.split('.');
    let negate = false;
    if (parts.length >= 2 && parts.at(-2) === 'not' && (parts.at(-1) === 'or' || parts.at(-1) === 'and')) {
      negate = true;
      parts.splice(-2, 1);
    }
    const name = parts.pop()!;
    let scope = root;
    for (const part of parts) {
      let child = scope.children.get(part);
      if (!child) {
        child = emptyScope();
        scope.children.set(part, child);
      }
      scope = child;
    }
    if (name === 'or' || name === 'and') scope.conditions.push(parseLogic(name, negate, value));
    else if (name === 'order') scope.order = parseOrder(value);
    else if (name === 'limit') scope.limit = parseCount(value, 'limit');
    else if (name === 'offset') scope.offset = parseCount(value, 'offset');
    else scope.conditions.push(parseFilter(parseField(name), value));
  }
  return root;
}

function applyRangeHeader(req: IncomingMessage, scope: Scope): void {
  const range = header(req, 'range');
  if (!range || scope.limit !== undefined || scope.offset !== undefined) return;
  const match = /^(?:items=)?(\d+)-(\d*)$/.exec(range.trim());
  if (!match) throw new RestError(416, 'PGRST103', 'Requested range not satisfiable', `invalid Range header "${range}"`);
  const from = rangeBound(match[1], range);
  scope.offset = from;
  if (match[2]) {
    const to = rangeBound(match[2], range);
    if (to < from) throw new RestError(416, 'PGRST103', 'Requested range not satisfiable', `${range}: the end is before the start`);
    scope.limit = to - from + 1;
  }
}

function rangeBound(text: string, range: string): number {
  if (Number(text) > LIMITS.rowNumber) {
    throw new RestError(416, 'PGRST103', 'Requested range not satisfiable', `${range}: ${text} is larger than ${LIMITS.rowNumber}`);
  }
  return Number(text);
}

/** Insert or upsert from a JSON object or array of objects, columns checked against the cache. */
function insertSql(sql: SqlBuilder, request: Request, table: Table, body: unknown): { text: string; alias: string } {
  const rows = Array.isArray(body) ? body : [body];
  if (body === undefined || rows.some((row) => typeof row !== 'object' || row === null || Array.isArray(row))) {
    throw new RestError(400, 'PGRST102', 'Empty or invalid json', 'send a JSON object or an array of JSON objects');
  }
  if (rows.length > LIMITS.bodyRows) throw limitError(`the body holds ${rows.length} rows, more than ${LIMITS.bodyRows}`, 'bodyRows', 'PGRST102');
  const listed = request.url.searchParams.get('columns');
  const columns = listed
    ? listed.split(',').map((name) => name.trim().replace(/^"|"$/g, ''))
    : [...new Set(rows.flatMap((row) => Object.keys(row as object)))];
  for (const column of columns) {
    if (!table.columns.has(column)) {
      throw new RestError(400, 'PGRST204', `Could not find the '${column}' column of '${table.name}' in the schema cache`);
    }
  }
  const alias = sql.alias();
  const quoted = columns.map(q);
  if (!columns.length && rows.length !== 1) {
    throw new RestError(400, 'PGRST102', 'Empty or invalid json', 'several rows without any column');
  }
  let text = columns.length
    ? `insert into ${tableSql(table)} as ${alias} (${quoted.join(', ')}) select ${quoted.map((c) => `_v.${c}`).join(', ')} from json_populate_recordset(null::${tableSql(table)}, ${sql.param(JSON.stringify(rows))}::json) _v`
    : `insert into ${tableSql(table)} as ${alias} default values`;
  const resolution = request.prefer.get('resolution');
  if (resolution === 'merge-duplicates' || resolution === 'ignore-duplicates') {
    const conflict = request.url.searchParams.get('on_conflict');
    const target = conflict ? conflict.split(',').map((name) => name.trim()) : table.primaryKey;
    if (!target.length) throw new RestError(400, 'PGRST102', `Table '${table.name}' has no primary key: name on_conflict columns`);
    for (const column of target) {
      if (!table.columns.has(column)) {
        throw new RestError(400, 'PGRST204', `Could not find the '${column}' column of '${table.name}' in the schema cache`);
      }
    }
    const updates = columns.filter((column) => !target.includes(column));
    text +=
      resolution === 'ignore-duplicates' || !updates.length
        ? ` on conflict (${target.map(q).join(', ')}) do nothing`
        : ` on conflict (${target.map(q).join(', ')}) do update set ${updates.map((c) => `${q(c)} = excluded.${q(c)}`).join(', ')}`;
  }
  return { text, alias };
}

function updateSql(sql: SqlBuilder, table: Table, body: unknown, scope: Scope): { text: string; alias: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new RestError(400, 'PGRST102', 'Empty or invalid json', 'an update takes one JSON object');
  }
  const columns = Object.keys(body);
  if (!columns.length) throw new RestError(400, 'PGRST102', 'Empty or invalid json', 'the update names no column');
  for (const column of columns) {
    if (!table.columns.has(column)) {
      throw new RestError(400, 'PGRST204', `Could not find the '${column}' column of '${table.name}' in the schema cache`);
    }
  }
  const alias = sql.alias();
  const values = `json_populate_record(null::${tableSql(table)}, ${sql.param(JSON.stringify(body))}::json) _v`;
  const where = whereSql(scope.conditions.map((c) => sql.condition(alias, table, c)));
  return {
    text: `update ${tableSql(table)} as ${alias} set ${columns.map((c) => `${q(c)} = _v.${q(c)}`).join(', ')} from ${values}${where}`,
    alias,
  };
}

function deleteSql(sql: SqlBuilder, table: Table, scope: Scope): { text: string; alias: string } {
  const alias = sql.alias();
  const where = whereSql(scope.conditions.map((c) => sql.condition(alias, table, c)));
  return { text: `delete from ${tableSql(table)} as ${alias}${where}`, alias };
}

/** The overload whose parameters cover the named arguments and whose required ones are all given. */
function pickRoutine(candidates: RoutineInfo[], args: Record<string, unknown>): RoutineInfo | undefined {
  const given = Object.keys(args);
  return candidates.find((routine) => {
    const names = new Set(routine.args.map((arg) => arg.name));
    // An unnamed parameter cannot be given by name.
    return given.every((name) => name !== '' && names.has(name)) && routine.args.every((arg) => arg.hasDefault || (arg.name !== '' && arg.name in args));
  });
}

function argumentSql(sql: SqlBuilder, arg: RoutineInfo['args'][number], value: unknown): string {
  if (value === null || value === undefined) return `null::${arg.type}`;
  if (arg.isJson) return `${sql.param(JSON.stringify(value))}::${arg.type}`;
  if (arg.isArray && Array.isArray(value)) {
    return `array(select json_array_elements_text(${sql.param(JSON.stringify(value))}::json))::${arg.type}`;
  }
  return `${sql.param(typeof value === 'object' ? JSON.stringify(value) : String(value))}::${arg.type}`;
}

/** The answer for a list of rows: array or single object, Content-Range, count. */
function rowsReply(
  request: Request,
  status: number,
  body: string | undefined,
  { total, offset = 0, mutation = false }: { total?: number; offset?: number; mutation?: boolean },
): Reply {
  const headers: Record<string, string> = {};
  const applied = ['return', 'count', 'resolution', 'missing', 'tx']
    .filter((name) => request.prefer.has(name))
    .map((name) => `${name}=${request.prefer.get(name)}`);
  if (applied.length) headers['preference-applied'] = applied.join(', ');
  const counted = countPreference(request);
  if (body === undefined) {
    if (mutation) headers['content-range'] = `*/${counted ? total : '*'}`;
    return { status, headers };
  }
  let rows = JSON.parse(body) as unknown[];
  if (!mutation) {
    headers['content-range'] = rows.length
      ? `${offset}-${offset + rows.length - 1}/${counted ? total : '*'}`
      : `*/${counted ? total : '*'}`;
  } else headers['content-range'] = `*/${counted ? total : '*'}`;
  if (request.stripNulls) rows = rows.map(stripNulls);
  if (request.single) {
    if (rows.length !== 1) {
      throw new RestError(406, 'PGRST116', 'JSON object requested, multiple (or no) rows returned', `The result contains ${rows.length} rows`);
    }
    headers['content-type'] = 'application/vnd.pgrst.object+json; charset=utf-8';
    return { status, body: JSON.stringify(rows[0]), headers };
  }
  return { status, body: request.stripNulls ? JSON.stringify(rows) : body, headers };
}

function stripNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripNulls);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, stripNulls(v)]));
  }
  return value;
}
