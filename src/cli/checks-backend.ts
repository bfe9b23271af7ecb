/**
 * The database side of the smoke test: the project answers and takes both keys, the library's
 * tables and RPCs are there, throwaway users sign in, a host creates a call and invites a guest,
 * and the policies refuse what they must. The last of them deletes what the run made.
 */
import { randomBytes } from 'node:crypto';
import { expect, type SmokeProject, type SmokeUser } from './project.ts';

/** What the library reads and writes (tables and views), checked with a `limit 0` select. */
export const REQUIRED_TABLES = [
  'video_call_sessions',
  'video_call_participants',
  'video_call_signals',
  'video_call_messages',
  'video_call_push_subscriptions',
  'video_call_metrics',
  'video_call_function_log',
  'video_call_daily_stats',
];

/** The RPCs the library calls, with arguments of the right names (a random, unknown session). */
export const REQUIRED_RPCS: Record<string, Record<string, unknown>> = {
  join_video_call: { p_session_id: '00000000-0000-4000-8000-000000000000' },
  leave_video_call: { p_session_id: '00000000-0000-4000-8000-000000000000' },
  knock_video_call: { p_session_id: '00000000-0000-4000-8000-000000000000' },
  video_call_standing: { p_session_id: '00000000-0000-4000-8000-000000000000', p_user_id: '00000000-0000-4000-8000-000000000000' },
  admit_video_call_participant: { p_session_id: '00000000-0000-4000-8000-000000000000', p_user_id: '00000000-0000-4000-8000-000000000000' },
  remove_video_call_participant: { p_session_id: '00000000-0000-4000-8000-000000000000', p_user_id: '00000000-0000-4000-8000-000000000000' },
  end_video_call: { p_session_id: '00000000-0000-4000-8000-000000000000' },
  invite_to_video_call: { p_session_id: '00000000-0000-4000-8000-000000000000', p_invitee: 'nobody@example.com' },
  answer_video_call_invitation: { p_session_id: '00000000-0000-4000-8000-000000000000', p_status: 'accepted' },
  report_video_call_metrics: { p_session_id: '00000000-0000-4000-8000-000000000000', p_metrics: {} },
  video_call_history: { p_entity_type: 'smoke-test', p_entity_id: 'none' },
};

/** PostgREST's "no such table / function" (and Postgres' own, from servers that pass them on). */
const MISSING = new Set(['PGRST205', 'PGRST202', '42P01', '42883']);

/** Whether the project answers at all: the Auth server's health, with the anon key as apikey. */
export async function checkReachable(project: SmokeProject): Promise<string> {
  let response: Response;
  try {
    new URL(project.url);
  } catch {
    throw new Error(`${JSON.stringify(project.url)} is not a URL`);
  }
  try {
    response = await project.fetch(`${project.url}/auth/v1/health`, { headers: { apikey: project.options.anonKey } });
  } catch (error) {
    const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
    const why = (error as Error).name === 'TimeoutError' ? `no answer within ${project.options.checkTimeoutMs / 1000} s` : (cause?.code ?? cause?.message ?? (error as Error).message);
    throw new Error(`cannot reach ${project.url}: ${why}`);
  }
  await response.body?.cancel();
  if (response.status === 401 || response.status === 403) return `${project.url} answers (the anon key is checked next)`;
  expect(response.ok, `${project.url}/auth/v1/health answered ${response.status}: is this a Supabase project's URL?`);
  return `${project.url} answers`;
}

export async function checkAnonKey(project: SmokeProject): Promise<void> {
  const { error, status } = await project.anon.from('video_call_sessions').select('id').limit(1);
  // 42501: the table is closed to the anon role, which means the key was taken as the anon role.
  if (error?.code === '42501') return;
  if (status === 401 || status === 403) throw new Error(`the anon key is not accepted (${status}${error?.message ? `: ${error.message}` : ''})`);
  // A missing table is the migrations check's to report; here only the key matters.
  if (error && !MISSING.has(error.code)) throw new Error(`a read with the anon key failed: ${error.message}`);
}

export async function checkServiceKey(project: SmokeProject): Promise<void> {
  const { error } = await project.admin.auth.admin.listUsers({ page: 1, perPage: 1 });
  if (error) throw new Error(`the service role key is not accepted by the Auth admin API (${error.status ?? 'no answer'}: ${error.message})`);
}

export async function checkMigrations(project: SmokeProject): Promise<string> {
  const missing: string[] = [];
  for (const table of REQUIRED_TABLES) {
    const { error } = await project.admin.from(table).select('*').limit(0);
    if (error && (MISSING.has(error.code) || /does not exist|could not find/i.test(error.message))) missing.push(`table ${table}`);
    else if (error) throw new Error(`reading ${table} failed: ${error.message}`);
  }
  for (const [rpc, args] of Object.entries(REQUIRED_RPCS)) {
    // The call is refused (no such session, not signed in): only "no such function" means missing.
    const { error } = await project.admin.rpc(rpc, args);
    if (error && (MISSING.has(error.code) || /could not find the function/i.test(error.message))) missing.push(`rpc ${rpc}`);
  }
  expect(missing.length === 0, `missing ${missing.join(', ')}: apply supabase/migrations/ (supabase db push)`);
  return `${REQUIRED_TABLES.length} tables and views, ${Object.keys(REQUIRED_RPCS).length} RPCs`;
}

/** Makes the three throwaway users through the admin API (confirmed, no mail sent) and signs each in. */
export async function checkUsers(project: SmokeProject): Promise<string> {
  for (const role of ['host', 'guest', 'outsider'] as const) {
    const email = `smoke-${project.tag}-${role}@example.com`;
    const password = `Smoke-${randomBytes(18).toString('base64url')}`;
    const created = await project.admin.auth.admin.createUser({ email, password, email_confirm: true, user_metadata: { display_name: `Smoke ${role}` } });
    if (created.error || !created.data.user) throw new Error(`creating the ${role} through the admin API failed: ${created.error?.message ?? 'no user returned'}`);
    project.createdUserIds.push(created.data.user.id);
    const client = project.client(project.options.anonKey);
    const signedIn = await client.auth.signInWithPassword({ email, password });
    if (signedIn.error || !signedIn.data.session) throw new Error(`the ${role} could not sign in with their password: ${signedIn.error?.message ?? 'no session'}`);
    const token = signedIn.data.session.access_token;
    const user: SmokeUser = { role, id: created.data.user.id, email, password, token, client: project.client(project.options.anonKey, token) };
    // Realtime gets the token asynchronously; settled before any channel is joined.
    await user.client.realtime.setAuth(token);
    project.users.set(role, user);
  }
  return '3 throwaway users signed in with a password';
}

export async function checkSessionCreate(project: SmokeProject): Promise<void> {
  const host = project.user('host');
  const guest = project.user('guest');
  const { data, error } = await host.client.from('video_call_sessions').insert({ title: `Smoke test ${project.tag}` }).select('id, host_id, status').single();
  if (error || !data) throw new Error(`the host could not create a session: ${error?.message ?? 'no row returned'}`);
  project.sessionId = data.id as string;
  expect(data.host_id === host.id, `the new session's host_id is ${data.host_id}, not the host (${host.id})`);
  const invited = await host.client.from('video_call_participants').insert({ session_id: data.id, user_id: guest.id }).select('id').single();
  if (invited.error) throw new Error(`the host could not invite the guest: ${invited.error.message}`);
  const seen = await guest.client.from('video_call_sessions').select('id').eq('id', data.id);
  expect(!seen.error && seen.data?.length === 1, `the invited guest cannot read the session${seen.error ? `: ${seen.error.message}` : ''}`);
}

/** What another user must not see or do, each checked against the positive case above it. */
export async function checkRls(project: SmokeProject): Promise<string> {
  const sessionId = project.session();
  const outsider = project.user('outsider');
  const guest = project.user('guest');
  const refused: string[] = [];
  const leaked = (what: string) => refused.push(what);

  const sessions = await outsider.client.from('video_call_sessions').select('id').eq('id', sessionId);
  if (sessions.error || (sessions.data?.length ?? 0) > 0) leaked(`the outsider reads the session${sessions.error ? ` (error: ${sessions.error.message})` : ''}`);
  const people = await outsider.client.from('video_call_participants').select('id').eq('session_id', sessionId);
  if ((people.data?.length ?? 0) > 0) leaked('the outsider reads its participants');
  const anonymous = await project.anon.from('video_call_sessions').select('id').eq('id', sessionId);
  if ((anonymous.data?.length ?? 0) > 0) leaked('the anon key reads the session');
  const selfInvite = await outsider.client.from('video_call_participants').insert({ session_id: sessionId, user_id: outsider.id });
  if (!selfInvite.error) leaked('the outsider invited themselves');
  const signal = await outsider.client.from('video_call_signals').insert({ session_id: sessionId, from_user: outsider.id, kind: 'offer', payload: {} });
  if (!signal.error) leaked('the outsider stored a signal in the session');
  const rename = await guest.client.from('video_call_sessions').update({ title: 'renamed by a guest' }).eq('id', sessionId).select('id');
  if (!rename.error && (rename.data?.length ?? 0) > 0) leaked('the guest renamed the host\'s session');
  const message = await outsider.client.from('video_call_messages').insert({ session_id: sessionId, body: 'smoke' });
  if (!message.error) leaked('the outsider wrote in the chat');
  const log = await guest.client.from('video_call_function_log').select('id').limit(1);
  if (!log.error && (log.data?.length ?? 0) > 0) leaked('a user reads video_call_function_log');
  expect(refused.length === 0, `RLS lets through: ${refused.join('; ')}`);
  return '8 refusals';
}

/** Deletes the run's sessions (their rows cascade) and users; says what could not be deleted. */
export async function cleanUp(project: SmokeProject): Promise<string> {
  const problems: string[] = [];
  if (project.createdUserIds.length > 0) {
    const sessions = await project.admin.from('video_call_sessions').delete().in('host_id', project.createdUserIds);
    // Without the table (a project without the migrations) there is nothing to delete.
    if (sessions.error && !MISSING.has(sessions.error.code)) problems.push(`sessions: ${sessions.error.message}`);
  }
  for (const user of project.users.values()) await user.client.removeAllChannels().catch(() => undefined);
  for (const id of project.createdUserIds) {
    const { error } = await project.admin.auth.admin.deleteUser(id);
    if (error && error.status !== 404) problems.push(`user ${id}: ${error.message}`);
  }
  expect(problems.length === 0, `could not delete everything the run made: ${problems.join('; ')}`);
  return `${project.createdUserIds.length} users and their rows deleted`;
}
