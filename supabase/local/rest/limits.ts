/**
 * What one REST request may cost, checked before any SQL runs. PGlite runs on the event loop and
 * enforces no statement timeout, so a request that is slow inside Postgres holds the whole stack;
 * on a server the per-role statement_timeout is the last guard, these bounds the first. Each limit
 * is far above what supabase-js and this project's elements send. The parser checks nesting as it
 * goes; request-cost.ts checks the rest once the request is parsed.
 */
import { RestError } from './errors.ts';

export const LIMITS = {
  /** Characters of path and query: what common proxies pass (Apache's 8190-byte request line). */
  urlLength: 8192,
  /** Leaf filters in the whole request: root, embedded, inside `or`/`and`. */
  filters: 100,
  /** `or=(and(or(…)))` nesting, checked while parsing. */
  logicDepth: 10,
  /** Columns and embedded resources in the whole `select` tree. */
  selectItems: 100,
  /** `a(b(c(…)))` nesting of embedded resources, checked while parsing. */
  embedDepth: 5,
  /** Order terms in the whole request. */
  orderTerms: 20,
  /** Values of an `in.(…)` list or an `eq(any).{…}`-style array. */
  listValues: 1000,
  /** Patterns of a `like(any)`/`match(all)`-style array: each one is matched against every row. */
  patternValues: 100,
  /** Characters of one like/ilike/match/imatch pattern. */
  patternLength: 512,
  /**
   * Regular expressions in the whole request. Postgres keeps the 32 last compiled ones per
   * connection; past that every row compiles them all again.
   */
  regexes: 32,
  /**
   * A regular expression's size once bounded repetitions are unrolled (`(.{1,255}){1,255}` is
   * 65 025): Postgres compiles `x{m,n}` into n copies of `x`, and nested copies cost seconds.
   */
  regexSize: 256,
  /** Rows of one insert or upsert body. */
  bodyRows: 1000,
  /** limit, offset and Range bounds (Postgres takes bigint; JavaScript counts exactly up to here). */
  rowNumber: Number.MAX_SAFE_INTEGER,
} as const;

/** A request over one of the LIMITS: 400, and the details name the limit. */
export const limitError = (message: string, limit: keyof typeof LIMITS, code = 'PGRST100') =>
  new RestError(400, code, message, `The local stack's ${limit} limit is ${LIMITS[limit]}.`, 'Split the request into smaller ones or narrow it.');
