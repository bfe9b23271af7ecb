/**
 * `/realtime/v1`: Supabase Realtime as realtime-js speaks it. Channels with broadcast (self, ack),
 * presence (track/untrack, state and diffs), postgres_changes (rows captured by triggers, each
 * delivered only to subscribers whose own RLS lets them select it), private channels authorized
 * by RLS on `realtime.messages`, token refresh and expiry, and the REST broadcast endpoint.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { JwtError, type JwtClaims } from '../auth/jwt.ts';
import { actAs, apiRole, quoteIdent as q, withClaims, type ApiRole } from '../db/database.ts';
import { authenticate, HttpError, readBody, requestToken, sendJson } from '../http.ts';
import type { Service, StackContext } from '../server.ts';
import { decodeFrame, encodeBroadcast, encodeFrame, ProtocolError, type Broadcast, type Frame } from './protocol.ts';

/** Largest user broadcast payload, as on hosted Supabase's free plan. */
export const BROADCAST_LIMIT = 256 * 1024;
/** Largest WebSocket frame accepted at all; bigger ones close the socket (1009). */
const FRAME_LIMIT = 1024 * 1024;
const FILTER_OPERATORS = new Set(['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'in']);

interface ChangeBinding {
  id: number;
  event: '*' | 'INSERT' | 'UPDATE' | 'DELETE';
  schema: string;
  table?: string;
  filter?: string;
  parsed?: { column: string; operator: string; values: string[] };
  /** What the client asked for, echoed back in the join reply: realtime-js compares them. */
  requested: { event?: string; schema?: string; table?: string; filter?: string };
}

interface Channel {
  socket: Connection;
  topic: string;
  /** Topic without the `realtime:` prefix, as `realtime.topic()` sees it. */
  subTopic: string;
  joinRef: string | null;
  claims: JwtClaims;
  role: ApiRole;
  isPrivate: boolean;
  broadcastSelf: boolean;
  broadcastAck: boolean;
  presenceEnabled: boolean;
  presenceKey: string;
  /** This channel's tracked presence: its phx_ref. */
  presenceRef?: string;
  bindings: ChangeBinding[];
  can: Permissions;
  expiry?: NodeJS.Timeout;
}

interface Permissions {
  readBroadcast: boolean;
  readPresence: boolean;
  writeBroadcast: boolean;
  writePresence: boolean;
}

interface Connection {
  ws: WebSocket;
  vsn: string;
  channels: Map<string, Channel>;
}

interface Change {
  id: string;
  schema_name: string;
  table_name: string;
  type: 'INSERT' | 'UPDATE' | 'DELETE';
  record: Record<string, unknown> | null;
  old_record: Record<string, unknown> | null;
  commit_timestamp: string;
}

interface TableInfo {
  columns: { name: string; type: string; sqlType: string }[];
  primaryKey: string[];
}

const ALL_ALLOWED: Permissions = { readBroadcast: true, readPresence: true, writeBroadcast: true, writePresence: true };

export async function createRealtimeService(context: StackContext): Promise<Service> {
  const { db, keys, log } = context;
  const wss = new WebSocketServer({ noServer: true, maxPayload: FRAME_LIMIT });
  const connections = new Set<Connection>();
  /** topic → presence key → phx_ref → meta */
  const presence = new Map<string, Map<string, Map<string, Record<string, unknown>>>>();
  const tables = new Map<string, TableInfo>();
  let bindingIds = 0;
  let refs = 0;

  const send = (connection: Connection, frame: Frame) => {
    if (connection.ws.readyState === connection.ws.OPEN) connection.ws.send(encodeFrame(frame, connection.vsn));
  };
  const reply = (connection: Connection, frame: Frame, status: 'ok' | 'error', response: unknown = {}) =>
    send(connection, { joinRef: frame.joinRef, ref: frame.ref, topic: frame.topic, event: 'phx_reply', payload: { status, response } });
  const channelsOn = (topic: string) =>
    [...connections].flatMap((connection) => {
      const channel = connection.channels.get(topic);
      return channel ? [channel] : [];
    });

  // ---- authorization -------------------------------------------------------------------------

  /** What real Realtime does: probe realtime.messages under the user's RLS, then roll back. */
  async function authorize(claims: JwtClaims, subTopic: string, isPrivate: boolean): Promise<Permissions> {
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

  function verify(token: unknown): JwtClaims {
    if (typeof token !== 'string' || !token) throw new JwtError('no access token', 'malformed');
    return keys.verify(token);
  }

  // ---- channels ------------------------------------------------------------------------------

  async function join(connection: Connection, frame: Frame, fallbackClaims: JwtClaims): Promise<void> {
    const payload = (frame.payload ?? {}) as {
      config?: {
        broadcast?: { self?: boolean; ack?: boolean };
        presence?: { key?: string; enabled?: boolean };
        postgres_changes?: { event?: string; schema?: string; table?: string; filter?: string }[];
        private?: boolean;
      };
      access_token?: string;
    };
    const config = payload.config ?? {};
    let claims: JwtClaims;
    try {
      claims = payload.access_token ? verify(payload.access_token) : fallbackClaims;
      apiRole(claims);
    } catch (error) {
      reply(connection, frame, 'error', { reason: `Invalid JWT: ${(error as Error).message}` });
      return;
    }
    const subTopic = frame.topic.replace(/^realtime:/, '');
    const isPrivate = config.private === true;
    if (isPrivate && !claims.sub && claims.role !== 'service_role') {
      reply(connection, frame, 'error', { reason: 'Unauthorized: You do not have permissions to read from this Channel topic: ' + subTopic });
      return;
    }
    const bindings: ChangeBinding[] = [];
    for (const requested of config.postgres_changes ?? []) {
      const event = String(requested.event ?? '*').toUpperCase();
      if (!['*', 'INSERT', 'UPDATE', 'DELETE'].includes(event)) {
        reply(connection, frame, 'error', { reason: `Unable to subscribe to changes: unknown event "${requested.event}"` });
        return;
      }
      const binding: ChangeBinding = {
        id: ++bindingIds,
        event: event as ChangeBinding['event'],
        schema: requested.schema ?? 'public',
        table: requested.table && requested.table !== '*' ? requested.table : undefined,
        filter: requested.filter,
        requested,
      };
      if (requested.filter) {
        const parsed = parseChangeFilter(requested.filter);
        const info = binding.table ? await tableInfo(binding.schema, binding.table) : undefined;
        if (!parsed || !info || !info.columns.some((column) => column.name === parsed.column)) {
          reply(connection, frame, 'error', {
            reason: `Unable to subscribe to changes with given parameters. Please check Realtime is enabled for the given connect parameters: [event: ${event}, schema: ${binding.schema}, table: ${binding.table ?? '*'}, filters: [${requested.filter}]]`,
          });
          return;
        }
        binding.parsed = parsed;
      }
      bindings.push(binding);
    }
    let can: Permissions;
    try {
      can = await authorize(claims, subTopic, isPrivate);
    } catch (error) {
      log('realtime', `authorization of ${subTopic} failed: ${(error as Error).message}`);
      reply(connection, frame, 'error', { reason: 'Unauthorized: authorization check failed' });
      return;
    }
    if (isPrivate && !can.readBroadcast && !can.readPresence) {
      reply(connection, frame, 'error', { reason: `Unauthorized: You do not have permissions to read from this Channel topic: ${subTopic}` });
      return;
    }
    const previous = connection.channels.get(frame.topic);
    if (previous) leave(previous, 'rejoined');
    const channel: Channel = {
      socket: connection,
      topic: frame.topic,
      subTopic,
      joinRef: frame.joinRef ?? frame.ref,
      claims,
      role: apiRole(claims),
      isPrivate,
      broadcastSelf: config.broadcast?.self === true,
      broadcastAck: config.broadcast?.ack === true,
      presenceEnabled: config.presence?.enabled !== false,
      presenceKey: config.presence?.key || randomUUID(),
      bindings,
      can,
    };
    connection.channels.set(frame.topic, channel);
    scheduleExpiry(channel);
    reply(connection, frame, 'ok', {
      postgres_changes: bindings.map((binding) => ({ id: binding.id, ...binding.requested })),
    });
    if (bindings.length) {
      systemMessage(channel, 'ok', 'postgres_changes', 'Subscribed to PostgreSQL');
    }
    if (channel.presenceEnabled && channel.can.readPresence) {
      send(connection, { joinRef: channel.joinRef, ref: null, topic: channel.topic, event: 'presence_state', payload: presenceState(channel.topic) });
    }
  }

  function systemMessage(channel: Channel, status: 'ok' | 'error', extension: string, message: string) {
    send(channel.socket, {
      joinRef: channel.joinRef,
      ref: null,
      topic: channel.topic,
      event: 'system',
      payload: { status, extension, message, channel: channel.subTopic },
    });
  }

  /** Removes a channel: its presence leaves, the client is told the channel closed. */
  function leave(channel: Channel, reason: string, notify = true): void {
    clearTimeout(channel.expiry);
    if (channel.socket.channels.get(channel.topic) === channel) channel.socket.channels.delete(channel.topic);
    untrack(channel);
    if (notify) {
      send(channel.socket, { joinRef: channel.joinRef, ref: null, topic: channel.topic, event: 'phx_close', payload: { reason } });
    }
  }

  function scheduleExpiry(channel: Channel): void {
    clearTimeout(channel.expiry);
    if (typeof channel.claims.exp !== 'number') return;
    const remaining = channel.claims.exp * 1000 - Date.now();
    channel.expiry = setTimeout(() => {
      systemMessage(channel, 'error', 'system', 'Token has expired 0 seconds ago');
      leave(channel, 'token expired');
    }, Math.max(0, Math.min(remaining, 2 ** 31 - 1)));
    channel.expiry.unref();
  }

  async function refreshToken(channel: Channel, frame: Frame): Promise<void> {
    const token = (frame.payload as { access_token?: unknown } | null)?.access_token;
    let claims: JwtClaims;
    try {
      claims = verify(token);
      apiRole(claims);
    } catch (error) {
      systemMessage(channel, 'error', 'system', `Invalid JWT: ${(error as Error).message}`);
      leave(channel, 'invalid token');
      return;
    }
    const can = await authorize(claims, channel.subTopic, channel.isPrivate);
    if (channel.isPrivate && !can.readBroadcast && !can.readPresence) {
      systemMessage(channel, 'error', 'system', `Unauthorized: You do not have permissions to read from this Channel topic: ${channel.subTopic}`);
      leave(channel, 'unauthorized');
      return;
    }
    channel.claims = claims;
    channel.role = apiRole(claims);
    channel.can = can;
    scheduleExpiry(channel);
    if (frame.ref) reply(channel.socket, frame, 'ok');
  }

  // ---- broadcast -----------------------------------------------------------------------------

  /** Delivers a broadcast to the topic's readers; `from` is skipped unless it asked for self. */
  function deliver(topic: string, broadcast: Broadcast, from?: Channel): void {
    for (const channel of channelsOn(topic)) {
      if (channel === from && !channel.broadcastSelf) continue;
      if (!channel.can.readBroadcast) continue;
      const connection = channel.socket;
      if (connection.ws.readyState !== connection.ws.OPEN) continue;
      connection.ws.send(encodeBroadcast(channel.topic, broadcast, connection.vsn));
    }
  }

  function onBroadcast(channel: Channel, frame: Frame, broadcast: Broadcast): void {
    if (broadcast.size > BROADCAST_LIMIT) {
      if (frame.ref) reply(channel.socket, frame, 'error', { reason: `Payload too large: ${broadcast.size} bytes, the limit is ${BROADCAST_LIMIT}` });
      log('realtime', `dropped a ${broadcast.size}-byte broadcast on ${channel.subTopic}`);
      return;
    }
    if (!channel.can.writeBroadcast) {
      if (frame.ref) reply(channel.socket, frame, 'error', { reason: 'Unauthorized: You do not have permissions to write to this Channel topic' });
      return;
    }
    deliver(channel.topic, broadcast, channel);
    if (channel.broadcastAck && frame.ref) reply(channel.socket, frame, 'ok');
  }

  // ---- presence ------------------------------------------------------------------------------

  function presenceState(topic: string): Record<string, { metas: Record<string, unknown>[] }> {
    const state: Record<string, { metas: Record<string, unknown>[] }> = {};
    for (const [key, metas] of presence.get(topic) ?? []) {
      state[key] = { metas: [...metas.entries()].map(([ref, meta]) => ({ ...meta, phx_ref: ref })) };
    }
    return state;
  }

  function presenceDiff(topic: string, joins: Record<string, unknown>, leaves: Record<string, unknown>): void {
    for (const channel of channelsOn(topic)) {
      if (!channel.presenceEnabled || !channel.can.readPresence) continue;
      send(channel.socket, { joinRef: channel.joinRef, ref: null, topic, event: 'presence_diff', payload: { joins, leaves } });
    }
  }

  function track(channel: Channel, meta: Record<string, unknown>): void {
    const byKey = presence.get(channel.topic) ?? new Map<string, Map<string, Record<string, unknown>>>();
    presence.set(channel.topic, byKey);
    const metas = byKey.get(channel.presenceKey) ?? new Map<string, Record<string, unknown>>();
    byKey.set(channel.presenceKey, metas);
    const previous = channel.presenceRef;
    const ref = `${Date.now().toString(36)}${(++refs).toString(36)}`;
    const leaves: Record<string, unknown> = {};
    if (previous && metas.has(previous)) {
      leaves[channel.presenceKey] = { metas: [{ ...metas.get(previous), phx_ref: previous }] };
      metas.delete(previous);
    }
    metas.set(ref, meta);
    channel.presenceRef = ref;
    presenceDiff(channel.topic, { [channel.presenceKey]: { metas: [{ ...meta, phx_ref: ref, ...(previous ? { phx_ref_prev: previous } : {}) }] } }, leaves);
  }

  function untrack(channel: Channel): void {
    const ref = channel.presenceRef;
    if (!ref) return;
    channel.presenceRef = undefined;
    const byKey = presence.get(channel.topic);
    const metas = byKey?.get(channel.presenceKey);
    const meta = metas?.get(ref);
    if (!byKey || !metas || !meta) return;
    metas.delete(ref);
    if (!metas.size) byKey.delete(channel.presenceKey);
    if (!byKey.size) presence.delete(channel.topic);
    presenceDiff(channel.topic, {}, { [channel.presenceKey]: { metas: [{ ...meta, phx_ref: ref }] } });
  }

  function onPresence(channel: Channel, frame: Frame): void {
    const payload = (frame.payload ?? {}) as { event?: string; payload?: unknown };
    if (!channel.can.writePresence) {
      reply(channel.socket, frame, 'error', { reason: 'Unauthorized: You do not have permissions to track presence on this Channel topic' });
      return;
    }
    if (payload.event === 'track') {
      const meta = payload.payload;
      if (!meta || typeof meta !== 'object' || Array.isArray(meta)) {
        reply(channel.socket, frame, 'error', { reason: 'presence payload must be an object' });
        return;
      }
      if (Buffer.byteLength(JSON.stringify(meta)) > BROADCAST_LIMIT) {
        reply(channel.socket, frame, 'error', { reason: `Payload too large: presence over ${BROADCAST_LIMIT} bytes` });
        return;
      }
      track(channel, meta as Record<string, unknown>);
    } else if (payload.event === 'untrack') untrack(channel);
    else {
      reply(channel.socket, frame, 'error', { reason: `unknown presence event "${payload.event}"` });
      return;
    }
    reply(channel.socket, frame, 'ok');
  }

  // ---- postgres_changes ----------------------------------------------------------------------

  async function tableInfo(schema: string, table: string): Promise<TableInfo | undefined> {
    const cacheKey = `${schema}.${table}`;
    const cached = tables.get(cacheKey);
    if (cached) return cached;
    const columns = await db.query<{ name: string; type: string; sql_type: string; pk: boolean }>(
      `select a.attname as name, t.typname as type, format_type(a.atttypid, null) as sql_type,
              coalesce(a.attnum = any(i.indkey::int2[]), false) as pk
         from pg_class c
         join pg_namespace n on n.oid = c.relnamespace
         join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
         join pg_type t on t.oid = a.atttypid
         left join pg_index i on i.indrelid = c.oid and i.indisprimary
        where n.nspname = $1 and c.relname = $2
        order by a.attnum`,
      [schema, table],
    );
    if (!columns.rows.length) return undefined;
    const info: TableInfo = {
      columns: columns.rows.map((row) => ({ name: row.name, type: row.type, sqlType: row.sql_type })),
      primaryKey: columns.rows.filter((row) => row.pk).map((row) => row.name),
    };
    tables.set(cacheKey, info);
    return info;
  }

  /** Whether the subscriber's own RLS lets them select the changed row (as it is now). */
  async function canSee(claims: JwtClaims, change: Change, info: TableInfo): Promise<boolean> {
    const role = apiRole(claims);
    if (role === 'service_role') return true;
    const record = change.record;
    if (!record || !info.primaryKey.length) return false;
    try {
      return await withClaims(db, claims, async (tx) => {
        const where = info.primaryKey.map((column, i) => {
          const type = info.columns.find((c) => c.name === column)!.sqlType;
          return `${q(column)} = $${i + 1}::${type}`;
        });
        const found = await tx.query(
          `select 1 from ${q(change.schema_name)}.${q(change.table_name)} where ${where.join(' and ')}`,
          info.primaryKey.map((column) => stringValue(record[column])),
        );
        return found.rows.length > 0;
      });
    } catch {
      // No SELECT privilege, or the row's policy errors for this user: not theirs to see.
      return false;
    }
  }

  async function dispatch(change: Change): Promise<void> {
    const matching = [...connections].flatMap((connection) =>
      [...connection.channels.values()].flatMap((channel) => {
        const ids = channel.bindings.filter((binding) => bindingMatches(binding, change)).map((binding) => binding.id);
        return ids.length ? [{ channel, ids }] : [];
      }),
    );
    if (!matching.length) return;
    const info = await tableInfo(change.schema_name, change.table_name);
    if (!info) return;
    // One RLS check per distinct subscriber identity.
    const verdicts = new Map<string, Promise<boolean>>();
    const columns = info.columns.map(({ name, type }) => ({ name, type }));
    const keyOnly = (row: Record<string, unknown> | null) =>
      row ? Object.fromEntries(info.primaryKey.map((column) => [column, row[column]])) : {};
    for (const { channel, ids } of matching) {
      let visible: Promise<boolean>;
      if (change.type === 'DELETE') {
        // The row is gone, so RLS cannot be asked: like Supabase, only its primary key is sent, to
        // subscribers allowed to select from the table at all.
        visible = canSelectTable(channel.claims, change);
      } else {
        const identity = `${channel.role}:${channel.claims.sub ?? ''}:${channel.claims.email ?? ''}`;
        if (!verdicts.has(identity)) verdicts.set(identity, canSee(channel.claims, change, info));
        visible = verdicts.get(identity)!;
      }
      if (!(await visible)) continue;
      send(channel.socket, {
        joinRef: channel.joinRef,
        ref: null,
        topic: channel.topic,
        event: 'postgres_changes',
        payload: {
          ids,
          data: {
            schema: change.schema_name,
            table: change.table_name,
            commit_timestamp: change.commit_timestamp,
            type: change.type,
            columns,
            record: change.type === 'DELETE' ? {} : change.record,
            old_record: change.type === 'INSERT' ? {} : keyOnly(change.old_record),
            errors: null,
          },
        },
      });
    }
  }

  async function canSelectTable(claims: JwtClaims, change: Change): Promise<boolean> {
    const role = apiRole(claims);
    const result = await db.query<{ allowed: boolean }>(
      `select has_table_privilege($1, format('%I.%I', $2::text, $3::text), 'select') as allowed`,
      [role, change.schema_name, change.table_name],
    );
    return result.rows[0]?.allowed === true;
  }

  let queue = Promise.resolve();
  const unlisten = await db.listen('_local_changes', (payload) => {
    const upTo = Number(payload);
    if (!Number.isFinite(upTo)) return;
    queue = queue
      .then(async () => {
        const changes = await db.query<Change>(
          `delete from _local.changes where id <= $1
           returning id::text, schema_name, table_name, type, record, old_record,
                     to_char(commit_timestamp at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as commit_timestamp`,
          [upTo],
        );
        changes.rows.sort((a, b) => Number(a.id) - Number(b.id));
        for (const change of changes.rows) await dispatch(change);
      })
      .catch((error: unknown) => log('realtime', `postgres_changes delivery failed: ${(error as Error).message}`));
  });

  // ---- sockets -------------------------------------------------------------------------------

  function onConnection(ws: WebSocket, vsn: string, claims: JwtClaims): void {
    const connection: Connection = { ws, vsn, channels: new Map() };
    connections.add(connection);
    let pending = Promise.resolve();
    ws.on('message', (data, isBinary) => {
      // Frames are handled one after another so a join completes before the pushes that follow it.
      pending = pending
        .then(() => onFrame(connection, data as Buffer, isBinary, claims))
        .catch((error: unknown) => log('realtime', `frame failed: ${(error as Error).message}`));
    });
    ws.on('close', () => {
      connections.delete(connection);
      for (const channel of [...connection.channels.values()]) leave(channel, 'socket closed', false);
    });
    ws.on('error', (error) => log('realtime', `socket error: ${error.message}`));
  }

  async function onFrame(connection: Connection, data: Buffer, isBinary: boolean, socketClaims: JwtClaims): Promise<void> {
    let frame: ReturnType<typeof decodeFrame>;
    try {
      frame = decodeFrame(data, isBinary, connection.vsn);
    } catch (error) {
      if (error instanceof ProtocolError) {
        log('realtime', `dropped a malformed frame: ${error.message}`);
        return;
      }
      throw error;
    }
    if (frame.topic === 'phoenix' && frame.event === 'heartbeat') {
      reply(connection, frame, 'ok');
      return;
    }
    if (frame.event === 'phx_join') {
      await join(connection, frame, socketClaims);
      return;
    }
    const channel = connection.channels.get(frame.topic);
    if (!channel) {
      if (frame.ref) reply(connection, frame, 'error', { reason: 'unmatched topic' });
      return;
    }
    switch (frame.event) {
      case 'phx_leave':
        reply(connection, frame, 'ok');
        leave(channel, 'left');
        return;
      case 'access_token':
        await refreshToken(channel, frame);
        return;
      case 'broadcast':
        onBroadcast(channel, frame, frame.broadcast!);
        return;
      case 'presence':
        onPresence(channel, frame);
        return;
      default:
        if (frame.ref) reply(connection, frame, 'error', { reason: `unknown event "${frame.event}"` });
    }
  }

  function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL, path: string): void {
    if (path !== '/websocket' && path !== '/websocket/') {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    let claims: JwtClaims;
    try {
      const token = url.searchParams.get('apikey') ?? requestToken(req, url);
      claims = verify(token);
      apiRole(claims);
    } catch (error) {
      const body = JSON.stringify({ message: `Invalid apikey: ${(error as Error).message}` });
      socket.end(`HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      return;
    }
    const vsn = url.searchParams.get('vsn') ?? '1.0.0';
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, vsn, claims));
  }

  // ---- REST broadcast ------------------------------------------------------------------------

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL, path: string): Promise<void> {
    const match = /^\/api\/broadcast(?:\/([^/]+)\/events\/([^/]+))?\/?$/.exec(path);
    if (!match) throw new HttpError(404, `no route for ${url.pathname}`, { error: `no route for ${url.pathname}` });
    if (req.method !== 'POST') throw new HttpError(405, 'use POST', { error: 'Method not allowed: use POST' });
    const claims = authenticate(req, url, keys, (status, message) => new HttpError(status, message, { error: message }));
    try {
      apiRole(claims);
    } catch (error) {
      throw new HttpError(401, (error as Error).message, { error: (error as Error).message });
    }
    const raw = await readBody(req, BROADCAST_LIMIT + 64 * 1024).catch((error: unknown) => {
      if (error instanceof HttpError && error.status === 413) {
        throw new HttpError(413, 'payload too large', { error: `Payload too large: the limit is ${BROADCAST_LIMIT} bytes` });
      }
      throw error;
    });
    let messages: { topic: string; event: string; payload: unknown; binary: boolean; size: number; private: boolean }[];
    if (match[1]) {
      const binary = (req.headers['content-type'] ?? '').startsWith('application/octet-stream');
      let payload: unknown = raw;
      if (!binary) {
        try {
          payload = JSON.parse(raw.toString('utf8'));
        } catch {
          throw new HttpError(400, 'invalid JSON', { error: 'the body is not valid JSON' });
        }
      }
      messages = [{ topic: decodeURIComponent(match[1]), event: decodeURIComponent(match[2]), payload, binary, size: raw.length, private: url.searchParams.get('private') === 'true' }];
    } else {
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        throw new HttpError(400, 'invalid JSON', { error: 'the body is not valid JSON' });
      }
      const list = (body as { messages?: unknown } | null)?.messages;
      if (!Array.isArray(list) || list.some((m) => !m || typeof m.topic !== 'string' || typeof m.event !== 'string')) {
        throw new HttpError(400, 'invalid messages', { error: 'send { messages: [{ topic, event, payload, private? }] }' });
      }
      messages = list.map((m) => ({
        topic: m.topic,
        event: m.event,
        payload: m.payload ?? null,
        binary: false,
        size: Buffer.byteLength(JSON.stringify(m.payload ?? null)),
        private: m.private === true,
      }));
    }
    for (const message of messages) {
      if (message.size > BROADCAST_LIMIT) {
        throw new HttpError(413, 'payload too large', { error: `Payload too large: ${message.size} bytes, the limit is ${BROADCAST_LIMIT}` });
      }
    }
    for (const message of messages) {
      const can = await authorize(claims, message.topic, message.private);
      if (!can.writeBroadcast) {
        throw new HttpError(403, 'unauthorized', { error: `Unauthorized: You do not have permissions to write to this Channel topic: ${message.topic}` });
      }
    }
    for (const message of messages) {
      deliver(`realtime:${message.topic}`, { event: message.event, payload: message.payload, binary: message.binary, size: message.size });
    }
    sendJson(res, 202, undefined);
  }

  return {
    handle,
    upgrade,
    async close() {
      await unlisten();
      for (const connection of connections) connection.ws.terminate();
      connections.clear();
      wss.close();
    },
  };
}

class ProbeDone extends Error {}

function stringValue(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** `column=op.value` as postgres_changes filters take it. */
export function parseChangeFilter(filter: string): ChangeBinding['parsed'] | undefined {
  const match = /^([^=]+)=([a-z]+)\.(.*)$/s.exec(filter);
  if (!match || !FILTER_OPERATORS.has(match[2])) return undefined;
  const [, column, operator, raw] = match;
  if (operator === 'in') {
    if (!raw.startsWith('(') || !raw.endsWith(')')) return undefined;
    return { column, operator, values: raw.slice(1, -1).split(',').map((v) => v.trim().replace(/^"|"$/g, '')) };
  }
  return { column, operator, values: [raw] };
}

function bindingMatches(binding: ChangeBinding, change: Change): boolean {
  if (binding.event !== '*' && binding.event !== change.type) return false;
  if (binding.schema !== '*' && binding.schema !== change.schema_name) return false;
  if (binding.table && binding.table !== change.table_name) return false;
  if (!binding.parsed) return true;
  const row = change.type === 'DELETE' ? change.old_record : change.record;
  const actual = stringValue(row?.[binding.parsed.column]);
  if (actual === null) return false;
  const [expected] = binding.parsed.values;
  const numeric = Number.isFinite(Number(actual)) && Number.isFinite(Number(expected)) && actual !== '' && expected !== '';
  const compare = numeric ? Number(actual) - Number(expected) : actual < expected ? -1 : actual > expected ? 1 : 0;
  switch (binding.parsed.operator) {
    case 'eq':
      return actual === expected || (numeric && compare === 0);
    case 'neq':
      return !(actual === expected || (numeric && compare === 0));
    case 'lt':
      return compare < 0;
    case 'lte':
      return compare <= 0;
    case 'gt':
      return compare > 0;
    case 'gte':
      return compare >= 0;
    case 'in':
      return binding.parsed.values.includes(actual);
    default:
      return false;
  }
}
