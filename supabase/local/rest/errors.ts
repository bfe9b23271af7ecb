/**
 * PostgREST's error answers: the `{ code, details, hint, message }` body, its PGRST codes, and its
 * HTTP status for each SQLSTATE a statement can fail with.
 */
import { HttpError } from '../http.ts';

/** PostgREST's error body: `{ code, details, hint, message }`. */
export class RestError extends HttpError {
  constructor(status: number, code: string, message: string, details: string | null = null, hint: string | null = null) {
    super(status, message, { code, details, hint, message });
    this.name = 'RestError';
  }
}

export const parseError = (message: string, details: string | null = null) =>
  new RestError(400, 'PGRST100', message, details);

/** Postgres errors become PostgREST's JSON with PostgREST's status for the SQLSTATE. */
export function toRestError(error: unknown, role: string): Error {
  if (error instanceof HttpError) return error;
  const pgError = error as { code?: unknown; message?: string; detail?: string; hint?: string };
  if (typeof pgError?.code !== 'string' || pgError.code.length !== 5) return error as Error;
  const code = pgError.code;
  let status = 400;
  if (/^PT\d{3}$/.test(code)) status = Number(code.slice(2));
  else if (code === '42501') status = role === 'anon' ? 401 : 403;
  else if (code === '23503' || code === '23505') status = 409;
  else if (code === '25006') status = 405;
  else if (code === '42883' || code === '42P01') status = 404;
  else if (code === 'P0001') status = 400;
  else if (code === '57P01' || /^(08|53)/.test(code)) status = 503;
  else if (/^(0L|0P|28)/.test(code)) status = 403;
  else if (code.startsWith('54')) status = 413;
  else if (code === '42P17' || /^(09|25|2D|38|39|3B|40|55|57|58|F0|HV|P0|XX)/.test(code)) status = 500;
  if (code === '57014') {
    // PostgREST answers a cancelled statement with 500; say why, since the status alone does not.
    return new RestError(500, code, pgError.message ?? 'canceling statement due to statement timeout', pgError.detail ?? null,
      'The statement ran longer than the database allows for this role. Narrow the filters, add a limit, or page the results.');
  }
  return new RestError(status, code, pgError.message ?? 'database error', pgError.detail ?? null, pgError.hint ?? null);
}
