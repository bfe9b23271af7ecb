/**
 * Runs the smoke checks one after another, each within its time limit and the whole run within
 * its own, and reports each as it ends. A check that throws, or runs out of time, has failed
 * with its message; a check whose prerequisite failed fails at once, saying which — so a wrong
 * URL gives a named failure for every check in a few seconds, not one stack trace.
 */

/** One line of the report: the contract's `{ name, ok, ms, error? }`. */
export interface CheckResult {
  name: string;
  ok: boolean;
  ms: number;
  error?: string;
}

export interface SmokeReport {
  ok: boolean;
  project: string;
  checks: CheckResult[];
}

export interface Check {
  name: string;
  /** Names of the checks this one cannot run without. */
  needs?: string[];
  /** Its own limit in ms, when the default does not fit (the browser check). */
  timeoutMs?: number;
  /** Runs even after the run's time is up (the clean-up). */
  always?: boolean;
  /** Throws with a message that says what is wrong; may return a note for the human table. */
  run(): Promise<string | void>;
}

export interface RunOptions {
  project: string;
  checkTimeoutMs: number;
  runTimeoutMs: number;
  /** Told about each check as it ends (the human table's progress). */
  onResult?(result: CheckResult, note?: string): void;
}

/** Rejects after `ms`, unless `work` settles first; the timer never keeps the process alive. */
function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${Math.round(ms / 1000)} s`)), ms);
    timer.unref();
  });
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}

/**
 * A message for the report: never a stack, always one line (the first: Playwright puts the page's
 * stack under its message).
 */
export function messageOf(error: unknown): string {
  const message = (error instanceof Error ? error.message || error.name : String(error)).split('\n')[0];
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${message}${cause && !message.includes(cause.slice(2)) ? cause : ''}`.replace(/\s+/g, ' ').trim();
}

export async function runChecks(checks: Check[], options: RunOptions): Promise<SmokeReport> {
  const started = Date.now();
  const results: CheckResult[] = [];
  const failed = new Set<string>();
  for (const check of checks) {
    const begun = Date.now();
    let error: string | undefined;
    let note: string | void = undefined;
    const missing = (check.needs ?? []).filter((name) => failed.has(name));
    const left = options.runTimeoutMs - (begun - started);
    if (missing.length > 0) error = `not run: ${missing.map((name) => `"${name}"`).join(', ')} failed`;
    else if (left <= 0 && !check.always) error = `not run: the whole run's limit of ${Math.round(options.runTimeoutMs / 1000)} s was reached`;
    else {
      const limit = check.always ? (check.timeoutMs ?? options.checkTimeoutMs) : Math.min(check.timeoutMs ?? options.checkTimeoutMs, left);
      try {
        note = await within(check.run(), limit, check.name);
      } catch (caught) {
        error = messageOf(caught) || 'failed';
      }
    }
    const result: CheckResult = { name: check.name, ok: error === undefined, ms: Date.now() - begun, ...(error === undefined ? {} : { error }) };
    if (!result.ok) failed.add(check.name);
    results.push(result);
    options.onResult?.(result, note ?? undefined);
  }
  return { ok: results.every((result) => result.ok), project: options.project, checks: results };
}
