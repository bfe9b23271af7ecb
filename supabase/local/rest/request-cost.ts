/**
 * A parsed REST request against LIMITS (limits.ts): its select tree, and every level's filters,
 * lists, patterns and order terms, before any SQL runs.
 */
import { LIMITS, limitError } from './limits.ts';
import type { Condition, SelectItem } from './query.ts';
import type { Scope } from './sql.ts';

/**
 * Upper estimate of the states Postgres' regex compiler builds for `pattern`: atoms count one,
 * `*`/`+`/`?` add a loop, `{m,n}` multiplies what it repeats by n. Not a validator: whatever it
 * misreads, Postgres still parses and rejects.
 */
export function regexSize(pattern: string): number {
  // `***=` makes the rest a literal string.
  if (pattern.startsWith('***=')) return pattern.length;
  const frames = [{ total: 0, last: 0 }];
  const top = () => frames[frames.length - 1];
  const atom = (size: number) => {
    top().total += size;
    top().last = size;
  };
  let i = pattern.startsWith('***:') ? 4 : 0;
  while (i < pattern.length) {
    const char = pattern[i];
    if (char === '\\') {
      atom(1);
      i += 2;
    } else if (char === '[') {
      i = bracketEnd(pattern, i);
      atom(1);
    } else if (char === '(') {
      frames.push({ total: 0, last: 0 });
      i++;
    } else if (char === ')') {
      if (frames.length > 1) atom(frames.pop()!.total + 1);
      i++;
    } else if (char === '|') {
      top().last = 0;
      i++;
    } else if (char === '*' || char === '+' || char === '?') {
      top().total += 1;
      top().last += 1;
      i += pattern[i + 1] === '?' ? 2 : 1;
    } else {
      const bound = char === '{' ? /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i, i + 24)) : null;
      if (!bound) {
        atom(1);
        i++;
        continue;
      }
      const low = Number(bound[1]);
      const high = bound[3] ? Number(bound[3]) : bound[2] !== undefined ? low + 1 : low;
      const times = Math.min(Math.max(low, high, 1), 1000);
      top().total += top().last * (times - 1);
      top().last *= times;
      i += bound[0].length;
      if (pattern[i] === '?') i++;
    }
  }
  while (frames.length > 1) atom(frames.pop()!.total);
  return frames[0].total;
}

/** Index after the `]` closing the bracket expression opened at `start` (`[]a]`, `[[:alpha:]]`). */
function bracketEnd(pattern: string, start: number): number {
  let i = start + 1;
  if (pattern[i] === '^') i++;
  if (pattern[i] === ']') i++;
  while (i < pattern.length && pattern[i] !== ']') {
    const inner = pattern[i] === '[' ? pattern[i + 1] : undefined;
    if (inner === ':' || inner === '.' || inner === '=') {
      const close = pattern.indexOf(`${inner}]`, i + 2);
      i = close === -1 ? pattern.length : close + 2;
    } else i++;
  }
  return i + 1;
}

const PATTERN_OPERATORS = new Set(['like', 'ilike', 'match', 'imatch']);

/** Counts filters, lists and patterns of the request's conditions against LIMITS. */
class RequestBudget {
  private filters = 0;
  private regexes = 0;
  private orderTerms = 0;

  conditions(conditions: Condition[]): void {
    for (const condition of conditions) {
      if (condition.kind === 'logic') {
        this.conditions(condition.children);
        continue;
      }
      if (++this.filters > LIMITS.filters) throw limitError(`more than ${LIMITS.filters} filters in one request`, 'filters');
      const values = condition.list ?? [condition.value];
      const pattern = PATTERN_OPERATORS.has(condition.operator);
      const [most, limit] = pattern ? [LIMITS.patternValues, 'patternValues' as const] : [LIMITS.listValues, 'listValues' as const];
      if (values.length > most) {
        throw limitError(`the "${condition.operator}" filter on ${condition.field.name} lists ${values.length} values, more than ${most}`, limit);
      }
      if (pattern) for (const value of values) if (value !== null) this.pattern(condition.operator, value);
    }
  }

  order(count: number): void {
    this.orderTerms += count;
    if (this.orderTerms > LIMITS.orderTerms) throw limitError(`more than ${LIMITS.orderTerms} order terms in one request`, 'orderTerms');
  }

  private pattern(operator: string, value: string): void {
    if (value.length > LIMITS.patternLength) {
      throw limitError(`a "${operator}" pattern is ${value.length} characters long, more than ${LIMITS.patternLength}`, 'patternLength');
    }
    if (!operator.endsWith('match')) return;
    if (++this.regexes > LIMITS.regexes) throw limitError(`more than ${LIMITS.regexes} regular expressions in one request`, 'regexes');
    const size = regexSize(value);
    if (size > LIMITS.regexSize) {
      throw limitError(`the regular expression "${value}" is too complex: about ${size} states once its repetitions are unrolled, more than ${LIMITS.regexSize}`, 'regexSize');
    }
  }
}

/** Checks a parsed request against LIMITS: its select tree and every level's filters and order. */
export function checkRequestCost(select: SelectItem[], scope: Scope): void {
  let items = 0;
  const walk = (level: SelectItem[]) => {
    for (const item of level) {
      if (++items > LIMITS.selectItems) throw limitError(`more than ${LIMITS.selectItems} items in select`, 'selectItems');
      if (item.kind === 'embed') walk(item.select);
    }
  };
  walk(select);
  const budget = new RequestBudget();
  const visit = (level: Scope) => {
    budget.conditions(level.conditions);
    budget.order(level.order?.length ?? 0);
    for (const child of level.children.values()) visit(child);
  };
  visit(scope);
}
