/**
 * A small Janus HTTP API client for the backend tests: what a browser does on the SFU, minus
 * WebRTC. Joining a VideoRoom as a publisher needs no SDP, so a test can check that a token opens
 * (or does not open) a room, and watch its events (kicked, room destroyed) by long polling.
 */
import { randomUUID } from 'node:crypto';

type Json = Record<string, any>;

export interface JanusTestSession {
  /** A synchronous VideoRoom request (list, listparticipants, exists, …): its plugin data. */
  request(body: Json): Promise<Json>;
  /** Joins `room` as publisher `id` with `token`: the plugin data of the answer (joined, or error_code). */
  join(room: string, id: string, token: string): Promise<Json>;
  /** The next VideoRoom event (plugin data) that satisfies `match`, within `timeoutMs`. */
  nextEvent(match: (data: Json) => boolean, timeoutMs?: number): Promise<Json>;
  destroy(): Promise<void>;
}

async function post(url: string, body: Json): Promise<Json> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...body, transaction: randomUUID() }),
    signal: AbortSignal.timeout(5000),
  });
  const answer = (await response.json()) as Json;
  if (answer.janus === 'error') throw new Error(`Janus error ${answer.error?.code}: ${answer.error?.reason}`);
  return answer;
}

/** A Janus session with VideoRoom attached, over the HTTP API at `httpUrl` (…/janus). */
export async function janusSession(httpUrl: string): Promise<JanusTestSession> {
  const session = (await post(httpUrl, { janus: 'create' })).data.id as number;
  const handle = (await post(`${httpUrl}/${session}`, { janus: 'attach', plugin: 'janus.plugin.videoroom' })).data.id as number;
  const handleUrl = `${httpUrl}/${session}/${handle}`;
  const pending: Json[] = [];

  /** Events come by long polling the session; the ones not asked for yet wait in `pending`. */
  const poll = async (deadline: number): Promise<void> => {
    const wait = Math.max(1, Math.min(30, Math.ceil((deadline - Date.now()) / 1000)));
    const response = await fetch(`${httpUrl}/${session}?maxev=10&rid=${Date.now()}`, { signal: AbortSignal.timeout(wait * 1000 + 2000) });
    const answer = (await response.json()) as Json | Json[];
    for (const event of Array.isArray(answer) ? answer : [answer]) {
      if (event.janus === 'event' && event.plugindata?.data) pending.push({ ...event.plugindata.data, transaction: event.transaction, jsep: event.jsep });
    }
  };

  const nextEvent = async (match: (data: Json) => boolean, timeoutMs = 5000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = pending.findIndex(match);
      if (index >= 0) return pending.splice(index, 1)[0]!;
      if (Date.now() > deadline) throw new Error(`no matching Janus event within ${timeoutMs} ms; saw ${JSON.stringify(pending)}`);
      await poll(deadline);
    }
  };

  return {
    async request(body) {
      const answer = await post(handleUrl, { janus: 'message', body });
      return answer.plugindata?.data as Json;
    },
    async join(room, id, token) {
      const transaction = randomUUID();
      const response = await fetch(handleUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ janus: 'message', transaction, body: { request: 'join', ptype: 'publisher', room, id, token, display: id } }),
      });
      const ack = (await response.json()) as Json;
      if (ack.janus === 'error') throw new Error(`Janus error ${ack.error?.code}: ${ack.error?.reason}`);
      if (ack.plugindata?.data) return ack.plugindata.data as Json;
      return nextEvent((data) => data.transaction === transaction);
    },
    nextEvent,
    async destroy() {
      await post(`${httpUrl}/${session}`, { janus: 'destroy' }).catch(() => undefined);
    },
  };
}
