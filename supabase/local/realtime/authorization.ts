/**
 * Who may do what on a channel: tokens verified, and private topics authorized by the project's
 * RLS policies on `realtime.messages`, the way hosted Realtime asks them.
 */
import { JwtError, type JwtClaims, type JwtKeys } from '../auth/jwt.ts';
import { actAs, apiRole, type Database } from '../db/database.ts';
import type { Permissions } from './channels.ts';

export const ALL_ALLOWED: Permissions = { readBroadcast: true, readPresence: true, writeBroadcast: true, writePresence: true };

class ProbeDone extends Error {}

/**
 * The claims of a token signed with the stack's secret and not expired. Throws JwtError only: a
 * token the verifier trips over (a header that decodes to `null`, …) is refused as malformed, so
 * every caller answers with a refusal, never a crash or a 500.
 */
export function verifyToken(keys: JwtKeys, token: unknown): JwtClaims {
  if (typeof token !== 'string' || !token) throw new JwtError('no access token', 'malformed');
  try {
    return keys.verify(token);
  } catch (error) {
    if (error instanceof JwtError) throw error;
    throw new JwtError('invalid JWT: token is malformed', 'malformed');
  }
}

/** What real Realtime does: probe realtime.messages under the user's RLS, then roll back. */
export async function authorize(db: Database, claims: JwtClaims, subTopic: string, isPrivate: boolean): Promise<Permissions> {
  const role = apiRole(claims);
  if (!isPrivate || role === 'service_role') return ALL_ALLOWED;
  const outcome: { value?: Permissions } = {};
  await db
    .transaction(async (tx) => {
      const probe = await tx.query<{ id: string; extension: string }>(
        `insert into realtime.messages (topic, extension, private) values ($1, 'broadcast', true), ($1, 'presence', true)
         returning id::text, extension`,
        [subTopic],
      );
      await actAs(tx, role, claims, { 'realtime.topic': subTopic });
      const visible = await tx.query<{ extension: string }>(
        `select extension from realtime.messages where id = any($1::uuid[])`,
        [`{${probe.rows.map((row) => row.id).join(',')}}`],
      );
      const readable = new Set(visible.rows.map((row) => row.extension));
      const writable = async (extension: string) => {
        await tx.query('savepoint realtime_probe');
        try {
          await tx.query(`insert into realtime.messages (topic, extension, private) values ($1, $2, true)`, [subTopic, extension]);
          await tx.query('release savepoint realtime_probe');
          return true;
        } catch {
          await tx.query('rollback to savepoint realtime_probe');
          return false;
        }
      };
      outcome.value = {
        readBroadcast: readable.has('broadcast'),
        readPresence: readable.has('presence'),
        writeBroadcast: await writable('broadcast'),
        writePresence: await writable('presence'),
      };
      throw new ProbeDone();
    })
    .catch((error: unknown) => {
      if (!(error instanceof ProbeDone)) throw error;
    });
  return outcome.value!;
}
