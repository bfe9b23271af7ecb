/**
 * The edge functions, called as the library and the schedules call them: each answers with the
 * status the contract gives for who is calling (and an `x-request-id`), and nothing is sent to
 * anyone — the throwaway users have no push subscriptions, and reminders are checked without a
 * run (the function has no dry-run option: see checkReminders).
 */
import { describeAnswer, expect, type FunctionAnswer, type SmokeProject } from './project.ts';
import { allocateAndRelease, parseTurnUrl } from './turn-client.ts';

/** `answer` has `status`, else a message naming the function, the case and what it said. */
function expectStatus(name: string, what: string, answer: FunctionAnswer, status: number): void {
  expect(answer.status === status, `${what}: expected ${status}, ${describeAnswer(name, answer)}`);
}

/** A function that is not deployed answers 404 from the gateway, before any of our code runs. */
function expectDeployed(name: string, answer: FunctionAnswer): void {
  expect(!(answer.status === 404 && !answer.requestId), `${name} is not deployed (404 from the gateway): supabase functions deploy ${name}`);
}

export async function checkSignal(project: SmokeProject): Promise<string> {
  const name = 'video-call-signal';
  const session_id = project.session();
  const ok = { session_id, kind: 'ice', payload: { candidates: [] } };
  const none = await project.callFunction(name, null, ok);
  expectDeployed(name, none);
  expectStatus(name, 'without a token', none, 401);
  expectStatus(name, 'an outsider', await project.callFunction(name, project.user('outsider').token, ok), 403);
  expectStatus(name, 'an unknown kind', await project.callFunction(name, project.user('guest').token, { ...ok, kind: 'smoke' }), 400);
  expectStatus(name, 'malformed JSON', await project.callFunction(name, project.user('guest').token, '{"session_id":'), 400);
  const stored = await project.callFunction(name, project.user('guest').token, ok);
  expectStatus(name, 'a member\'s signal', stored, 201);
  expect(typeof stored.body?.id !== 'undefined', `${name} answered 201 without the stored signal's id`);
  expect(stored.requestId, `${name} answers without an x-request-id header (functions older than the monitoring)`);
  return '401 / 403 / 400 / 400 / 201';
}

export async function checkCleanup(project: SmokeProject): Promise<string> {
  const name = 'video-call-cleanup';
  const none = await project.callFunction(name, null, {});
  expectDeployed(name, none);
  expectStatus(name, 'without a token', none, 401);
  expectStatus(name, 'a user', await project.callFunction(name, project.user('guest').token, {}), 403);
  // The defaults: what the schedule does every minute anyway, so nothing of anyone's is cut short.
  const run = await project.callFunction(name, project.options.serviceRoleKey, {});
  expectStatus(name, 'the service role', run, 200);
  const counts = Object.entries(run.body ?? {}).filter(([, value]) => typeof value === 'number');
  expect(counts.length > 0, `${name} answered 200 without its counts: ${JSON.stringify(run.body)}`);
  return counts.map(([key, value]) => `${key} ${value}`).join(', ');
}

/**
 * video-call-reminders has no dry run, and a real run sends whatever reminders are due in the
 * project. So it is checked without one: a user is refused (403), and the service role is let
 * past the key check to the body's validation, which refuses `max_participants: 0` (400
 * invalid_option) before anything is claimed or sent.
 */
export async function checkReminders(project: SmokeProject): Promise<string> {
  const name = 'video-call-reminders';
  const user = await project.callFunction(name, project.user('guest').token, {});
  expectDeployed(name, user);
  expectStatus(name, 'a user', user, 403);
  const dry = await project.callFunction(name, project.options.serviceRoleKey, { max_participants: 0 });
  expectStatus(name, 'the service role with max_participants 0 (nothing sent)', dry, 400);
  const code = (dry.body?.error as { code?: string } | undefined)?.code;
  expect(code === 'invalid_option', `${name} refused the service role's call with ${code ?? 'no code'}, not invalid_option`);
  return 'user 403; service role accepted, nothing sent';
}

/** webpush-send for the throwaway guest, who has no subscription: 503 when VAPID keys are missing. */
export async function checkVapid(project: SmokeProject): Promise<string> {
  const name = 'webpush-send';
  const answer = await project.callFunction(name, project.options.serviceRoleKey, { session_id: project.session(), kind: 'invite', user_ids: [project.user('guest').id] });
  expectDeployed(name, answer);
  expect(answer.status !== 503, `VAPID keys are not configured: set VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY as function secrets (${describeAnswer(name, answer)})`);
  expectStatus(name, 'an invitation push to a user without subscriptions', answer, 200);
  expect(answer.body?.sent === 0 && answer.body?.failed === 0, `${name} sent to a throwaway user: ${JSON.stringify(answer.body)}`);
  return 'VAPID keys set; nothing sent';
}

interface IceServerEntry {
  urls?: unknown;
  username?: unknown;
  credential?: unknown;
}

/**
 * video-call-ice-servers for the guest: 401 without a token, then servers; each TURN entry's
 * credential is coturn's REST-API form for this user, not yet expired, and a real Allocate with
 * it succeeds on the first `turn:` URL of each transport the entry lists.
 */
export async function checkIceServers(project: SmokeProject): Promise<string> {
  const name = 'video-call-ice-servers';
  const none = await project.callFunction(name, null, undefined, 'GET');
  expectDeployed(name, none);
  expectStatus(name, 'without a token', none, 401);
  const guest = project.user('guest');
  const answer = await project.callFunction(name, guest.token, undefined, 'GET', `?session_id=${project.session()}`);
  expectStatus(name, 'a member', answer, 200);
  const servers = answer.body?.iceServers as IceServerEntry[] | undefined;
  const ttl = answer.body?.ttl;
  expect(Array.isArray(servers), `${name} answered without iceServers: ${JSON.stringify(answer.body)}`);
  expect(typeof ttl === 'number' && ttl > 0 && ttl <= 86_400, `ttl ${JSON.stringify(ttl)} is not 1 s … 24 h`);
  project.iceServers = servers as RTCIceServer[];
  const turn = servers.filter((server) => (Array.isArray(server.urls) ? server.urls : [server.urls]).some((url) => typeof url === 'string' && /^turns?:/i.test(url)));
  if (turn.length === 0) {
    const warning = answer.body?.warning;
    return `STUN only${warning ? ` (${warning})` : ''}: no TURN server configured, calls behind strict NATs will not connect`;
  }
  const allocated: string[] = [];
  for (const server of turn) {
    const { username, credential } = server;
    expect(typeof username === 'string' && typeof credential === 'string', 'a TURN server comes without username and credential');
    const [expiry, userId] = username.split(':');
    const now = Date.now() / 1000;
    expect(/^\d+$/.test(expiry) && userId === guest.id, `the TURN username ${JSON.stringify(username)} is not <unix expiry>:<user id>`);
    expect(Number(expiry) > now && Number(expiry) <= now + 86_400 + 60, `the TURN username's expiry ${expiry} is not within the next 24 h`);
    expect(Buffer.from(credential, 'base64').length === 20, 'the TURN credential is not a base64 HMAC-SHA1');
    const urls = (Array.isArray(server.urls) ? server.urls : [server.urls]).filter((url): url is string => typeof url === 'string');
    const tried = new Set<string>();
    for (const url of urls) {
      const target = parseTurnUrl(url);
      if (!target || tried.has(target.transport)) continue;
      tried.add(target.transport);
      try {
        const relayed = await allocateAndRelease(target, username, credential, Math.min(5000, project.options.checkTimeoutMs / 2));
        allocated.push(`${url} → relay ${relayed}`);
      } catch (error) {
        throw new Error(`${url}: ${(error as Error).message}`);
      }
    }
  }
  expect(allocated.length > 0, 'no TURN URL could be read');
  return allocated.join('; ');
}
