/**
 * Parsers for PostgREST's query language, as supabase-js writes it: `select=` trees with aliases,
 * casts, JSON paths and embedded resources; `column=op.value` filters with `not.`, `(any)`/`(all)`
 * modifiers and `in.(…)` lists; `or=(…)`/`and=(…)` logic trees; `order=`. Parsing only: no SQL here.
 */
import { parseError, RestError } from './errors.ts';
import { LIMITS, limitError } from './limits.ts';

/** A column reference with an optional JSON path: `settings->theme->>color`. */
export interface Field {
  name: string;
  path: { arrow: '->' | '->>'; key: string }[];
}

export type SelectItem =
  | { kind: 'star' }
  | { kind: 'column'; field: Field; alias?: string; cast?: string }
  | { kind: 'embed'; relation: string; alias?: string; hint?: string; join: 'left' | 'inner'; select: SelectItem[] };

export type Condition =
  | {
      kind: 'filter';
      field: Field;
      negate: boolean;
      operator: string;
      modifier?: 'any' | 'all';
      /** Text search configuration for fts/plfts/phfts/wfts. */
      language?: string;
      value: string;
      /**
       * The values of `in.(a,b)`, or of the `{a,b}` array of an `(any)`/`(all)` filter, parsed here
       * so that what the limits check is exactly what Postgres receives. `null` is SQL NULL.
       */
      list?: (string | null)[];
    }
  | { kind: 'logic'; operator: 'and' | 'or'; negate: boolean; children: Condition[] };

export interface OrderTerm {
  field: Field;
  descending: boolean;
  nulls?: 'first' | 'last';
}

export const OPERATORS = new Set([
  'eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'like', 'ilike', 'match', 'imatch', 'is', 'isdistinct', 'in',
  'cs', 'cd', 'ov', 'sl', 'sr', 'nxl', 'nxr', 'adj', 'fts', 'plfts', 'phfts', 'wfts',
]);
const MODIFIABLE = new Set(['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'like', 'ilike', 'match', 'imatch']);

/** Splits on `separator` at depth 0, outside double quotes. */
export function splitTopLevel(text: string, separator = ','): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      current += char;
      if (char === '\\' && i + 1 < text.length) current += text[++i];
      else if (char === '"') quoted = false;
      continue;
    }
    if (char === '"') quoted = true;
    else if (char === '(') depth++;
    else if (char === ')') {
      depth--;
      if (depth < 0) throw parseError(`unexpected ")" in "${text}"`);
    } else if (char === separator && depth === 0) {
      parts.push(current);
      current = '';
      continue;
    }
    current += char;
  }
  if (quoted) throw parseError(`unclosed quote in "${text}"`);
  if (depth !== 0) throw parseError(`unbalanced parentheses in "${text}"`);
  parts.push(current);
  return parts;
}

function unquote(text: string): string {
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) {
    return text.slice(1, -1).replace(/\\(.)/g, '$1');
  }
  return text;
}

/** `name`, `"quoted name"`, `data->a->>b` */
export function parseField(text: string): Field {
  const source = text.trim();
  if (!source) throw parseError('empty column name');
  const parts = source.split(/(->>|->)/);
  const name = unquote(parts[0]);
  if (!name) throw parseError(`invalid column "${text}"`);
  const path: Field['path'] = [];
  for (let i = 1; i < parts.length; i += 2) {
    const key = unquote(parts[i + 1] ?? '');
    if (!key) throw parseError(`invalid JSON path in "${text}"`);
    path.push({ arrow: parts[i] as '->' | '->>', key });
  }
  return { name, path };
}

export function parseSelect(text: string | null, depth = 0): SelectItem[] {
  if (text === null || text.trim() === '') return [{ kind: 'star' }];
  if (depth > LIMITS.embedDepth) throw limitError(`embedded resources are nested more than ${LIMITS.embedDepth} deep in select`, 'embedDepth');
  return splitTopLevel(text).map((raw) => parseSelectItem(raw.trim(), text, depth));
}

/**
 * A cast as PostgREST's grammar has it: one type name, its words made of letters, digits, `_` and
 * `$` (`text`, `double precision`, `timestamp with time zone`), here optionally schema-qualified
 * and `[]`. The SQL puts it inside `cast(… as …)`, where nothing but a type name parses.
 */
const WORD = '[A-Za-z_][A-Za-z0-9_$]*';
const CAST = new RegExp(`^(?:${WORD}\\.)?${WORD}(?: ${WORD}){0,3}(?:\\[\\])?$`);

function parseSelectItem(raw: string, whole: string, depth: number): SelectItem {
  if (!raw) throw parseError(`empty item in select "${whole}"`);
  if (raw === '*') return { kind: 'star' };
  let alias: string | undefined;
  let rest = raw;
  // `alias:column` — but not `column::cast`.
  const colon = /^("(?:[^"\\]|\\.)*"|[^:(]+):(?!:)/.exec(raw);
  if (colon) {
    alias = unquote(colon[1].trim());
    rest = raw.slice(colon[0].length).trim();
  }
  if (rest.startsWith('...')) throw parseError(`spread embedding "${raw}" is not supported by the local stack`);
  const open = rest.indexOf('(');
  if (open !== -1) {
    if (!rest.endsWith(')')) throw parseError(`"${raw}" in select: expected "relation(columns)"`);
    const [relation, ...hints] = rest.slice(0, open).split('!').map((part) => part.trim());
    if (!relation) throw parseError(`"${raw}" in select: missing relation name`);
    let join: 'left' | 'inner' = 'left';
    let hint: string | undefined;
    for (const part of hints) {
      if (part === 'inner' || part === 'left') join = part;
      else if (part && !hint) hint = part;
      else throw parseError(`"${raw}" in select: unexpected "!${part}"`);
    }
    const inner = rest.slice(open + 1, -1);
    if (relation === 'count' && inner.trim() === '') throw parseError('aggregates are not supported by the local stack');
    return { kind: 'embed', relation, alias, hint, join, select: parseSelect(inner, depth + 1) };
  }
  const [fieldText, rawCast, extra] = rest.split('::');
  if (extra !== undefined) throw parseError(`"${raw}" in select: more than one cast`);
  const cast = rawCast?.trim();
  if (cast !== undefined && !CAST.test(cast)) {
    throw parseError(`"${raw}" in select: "${cast}" is not a type name`, 'A cast is "::" and one type name: letters, digits and "_", as in "::text" or "::double precision".');
  }
  const field = parseField(fieldText);
  return { kind: 'column', field, alias: alias ?? (field.path.length ? field.path.at(-1)!.key : undefined), cast };
}

/** `eq.5`, `not.in.(1,2)`, `like(any).{a*,b*}`, `fts(english).cat`, `is.null` */
export function parseFilter(field: Field, text: string): Condition {
  let rest = text;
  let negate = false;
  if (rest.startsWith('not.')) {
    negate = true;
    rest = rest.slice(4);
  }
  const match = /^([a-z]+)(?:\(([a-z_]+)\))?\./i.exec(rest);
  if (!match) throw parseError(`"${text}" is not "operator.value"`, `column ${field.name}`);
  const operator = match[1];
  if (!OPERATORS.has(operator)) throw parseError(`unknown operator "${operator}"`, `in filter on ${field.name}: ${text}`);
  const value = rest.slice(match[0].length);
  const condition: Condition & { kind: 'filter' } = { kind: 'filter', field, negate, operator, value };
  if (match[2]) {
    const argument = match[2];
    if (operator.endsWith('fts')) condition.language = argument;
    else if ((argument === 'any' || argument === 'all') && MODIFIABLE.has(operator)) condition.modifier = argument;
    else throw parseError(`"${operator}(${argument})" is not a valid operator`);
  }
  if (operator === 'in') {
    if (!value.startsWith('(') || !value.endsWith(')')) throw parseError(`"in" needs a list "(a,b)", got "${value}"`);
    const inner = value.slice(1, -1);
    condition.list = inner === '' ? [] : splitTopLevel(inner).map((item) => unquote(item.trim()));
  } else if (condition.modifier) {
    condition.list = parseArrayLiteral(value, `${operator}(${condition.modifier})`);
  }
  return condition;
}

const SPACE = /^[ \t\n\r\v\f]$/;

/** A one-dimensional Postgres array literal, `{a,"b,c",NULL}`, read as Postgres reads it. */
export function parseArrayLiteral(text: string, context: string): (string | null)[] {
  const source = text.trim();
  if (!source.startsWith('{') || !source.endsWith('}')) throw parseError(`"${context}" needs an array "{a,b}", got "${text}"`);
  const inner = source.slice(1, -1);
  const items: (string | null)[] = [];
  if (inner.trim() === '') return items;
  let i = 0;
  for (;;) {
    while (SPACE.test(inner[i] ?? '')) i++;
    let item = '';
    let plain = true;
    if (inner[i] === '"') {
      plain = false;
      for (i++; i < inner.length && inner[i] !== '"'; i++) item += inner[i] === '\\' ? inner[++i] ?? '' : inner[i];
      if (inner[i] !== '"') throw parseError(`unclosed quote in the array "${text}"`);
      i++;
      while (SPACE.test(inner[i] ?? '')) i++;
    } else {
      let trailing = '';
      for (; i < inner.length && inner[i] !== ','; i++) {
        const char = inner[i];
        if (char === '{' || char === '}' || char === '"') throw parseError(`"${context}" takes a flat array, got "${text}"`);
        if (char === '\\') {
          plain = false;
          item += trailing + (inner[++i] ?? '');
          trailing = '';
        } else if (SPACE.test(char)) trailing += char;
        else {
          item += trailing + char;
          trailing = '';
        }
      }
      if (item === '' && plain) throw parseError(`empty value in the array "${text}"`);
    }
    items.push(plain && item.toLowerCase() === 'null' ? null : item);
    if (i >= inner.length) return items;
    if (inner[i] !== ',') throw parseError(`unexpected "${inner[i]}" in the array "${text}"`);
    i++;
  }
}

/** The inside of `or=(…)`: `a.eq.1,and(b.gt.2,c.is.null),not.or(…)` */
export function parseLogic(operator: 'and' | 'or', negate: boolean, text: string, depth = 1): Condition {
  if (!text.startsWith('(') || !text.endsWith(')')) throw parseError(`"${operator}" needs "(…)", got "${text}"`);
  if (depth > LIMITS.logicDepth) throw limitError(`"or"/"and" filters are nested more than ${LIMITS.logicDepth} deep`, 'logicDepth');
  const children = splitTopLevel(text.slice(1, -1)).map((part): Condition => {
    const item = part.trim();
    const nested = /^(not\.)?(and|or)(\(.*\))$/s.exec(item);
    if (nested) return parseLogic(nested[2] as 'and' | 'or', Boolean(nested[1]), nested[3], depth + 1);
    const dot = item.indexOf('.');
    if (dot <= 0) throw parseError(`"${item}" in ${operator}=… is not "column.operator.value"`);
    const condition = parseFilter(parseField(item.slice(0, dot)), item.slice(dot + 1));
    if (condition.kind === 'filter') condition.value = unquote(condition.value);
    return condition;
  });
  return { kind: 'logic', operator, negate, children };
}

export function parseOrder(text: string): OrderTerm[] {
  return splitTopLevel(text).map((raw) => {
    const parts = raw.trim().split('.');
    const field = parseField(parts[0]);
    const term: OrderTerm = { field, descending: false };
    for (const part of parts.slice(1)) {
      if (part === 'asc') term.descending = false;
      else if (part === 'desc') term.descending = true;
      else if (part === 'nullsfirst') term.nulls = 'first';
      else if (part === 'nullslast') term.nulls = 'last';
      else throw parseError(`"${part}" is not asc, desc, nullsfirst or nullslast`, `order=${text}`);
    }
    return term;
  });
}

/** `limit`, `offset` and Range bounds: digits, at most LIMITS.rowNumber. */
export function parseCount(text: string, name: string): number {
  if (!/^\d+$/.test(text)) throw parseError(`${name} must be a non-negative integer, got "${text}"`);
  const count = Number(text);
  if (count > LIMITS.rowNumber) throw limitError(`${name} ${text} is larger than ${LIMITS.rowNumber}`, 'rowNumber');
  return count;
}

/** The preferences PostgREST knows, with the values each takes (`null`: a non-negative integer). */
const PREFERENCES: Record<string, readonly string[] | null> = {
  return: ['minimal', 'headers-only', 'representation'],
  count: ['exact', 'planned', 'estimated'],
  resolution: ['merge-duplicates', 'ignore-duplicates'],
  missing: ['default', 'null'],
  handling: ['lenient', 'strict'],
  tx: ['commit', 'rollback'],
  'max-affected': null,
};

/**
 * `Prefer: return=representation, count=exact` (several headers allowed). As PostgREST does,
 * unknown or malformed preferences are ignored, or refused with `handling=strict`.
 */
export function parsePrefer(header: string | string[] | undefined): Map<string, string> {
  const values = Array.isArray(header) ? header : header ? [header] : [];
  const prefer = new Map<string, string>();
  const invalid: string[] = [];
  for (const value of values) {
    for (const part of value.split(',')) {
      const text = part.trim();
      if (!text) continue;
      const [name, setting = '', extra] = text.split('=').map((piece) => piece.trim());
      const allowed = PREFERENCES[name];
      const valid =
        Object.hasOwn(PREFERENCES, name) && extra === undefined && (allowed ? allowed.includes(setting) : /^\d{1,15}$/.test(setting));
      if (valid) prefer.set(name, setting);
      else invalid.push(text);
    }
  }
  if (prefer.get('handling') === 'strict' && invalid.length) {
    throw new RestError(400, 'PGRST122', 'Invalid preferences given with handling=strict', `Invalid preferences: ${invalid.join(', ')}`);
  }
  return prefer;
}
