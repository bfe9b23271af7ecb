/**
 * `/realtime/v1`: Supabase Realtime as realtime-js speaks it. This module routes sockets and
 * channels: it upgrades sockets, joins and leaves channels, refreshes and expires their tokens,
 * and hands pushes to broadcast.ts, presence.ts and postgres-changes.ts; private topics are
 * authorized by authorization.ts (again, when the database says a topic's rights changed, by
 * reauthorization.ts), and rest-broadcast.ts serves the REST broadcast endpoint.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { JwtClaims } from '../auth/jwt.ts';
import { apiRole } from '../db/database.ts';
import { requestToken } from '../http.ts';
import type { Service, StackContext } from '../service.ts';
import { authorize, verifyToken } from './authorization.ts';
import { BROADCAST_LIMIT, onBroadcast } from './broadcast.ts';
import { ChannelRegistry, reply, send, systemMessage, type Channel, type Connection, type Permissions } from './channels.ts';
import { ChangeFeed, type RequestedChange } from './postgres-changes.ts';
import { Presence } from './presence.ts';
import { decodeFrame, NAME_LIMIT, type Frame } from './protocol.ts';
import { startReauthorization } from './reauthorization.ts';
import { createRestBroadcast } from './rest-broadcast.ts';

/** Largest WebSocket frame accepted at all; bigger ones close the socket (1009). */
const FRAME_LIMIT = 1024 * 1024;

/** Limits every socket lives under. */
export interface RealtimeOptions {
  /** A socket that sends nothing, not even a heartbeat, for this long is closed (hosted: 60 s). */
  heartbeatTimeoutMs: number;
  /** Channels one socket may have joined at once (hosted: the project's max_channels_per_client). */
  maxChannelsPerClient: number;
}

export const DEFAULT_REALTIME_OPTIONS: RealtimeOptions = { heartbeatTimeoutMs: 60_000, maxChannelsPerClient: 100 };

/** `REALTIME_HEARTBEAT_TIMEOUT_MS` and `REALTIME_MAX_CHANNELS_PER_CLIENT`, else the defaults. */
export function realtimeOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): RealtimeOptions {
  const read = (name: string, fallback: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value <= 0 || value > 2 ** 31 - 1) throw new Error(`${name} must be a positive integer, not "${raw}"`);
    return value;
  };
  return {
    heartbeatTimeoutMs: read('REALTIME_HEARTBEAT_TIMEOUT_MS', DEFAULT_REALTIME_OPTIONS.heartbeatTimeoutMs),
    maxChannelsPerClient: read('REALTIME_MAX_CHANNELS_PER_CLIENT', DEFAULT_REALTIME_OPTIONS.maxChannelsPerClient),
  };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export async function createRealtimeService(context: StackContext, options: RealtimeOptions = realtimeOptionsFromEnv()): Promise<Service> {
  const { db, keys } = context;
  const log = (message: string) => context.log('realtime', message);
  const wss = new WebSocketServer({ noServer: true, maxPayload: FRAME_LIMIT });
  const channels = new ChannelRegistry();
  const presence = new Presence(channels, BROADCAST_LIMIT);
  const changes = await ChangeFeed.start(db, context.schema, channels, log);
  const handleRest = createRestBroadcast(db, keys, channels, log);
  const verify = (token: unknown) => verifyToken(keys, token);
  const reauthorization = await startReauthorization(db, channels, (channel, reason) => leave(channel, reason), log);

  async function join(connection: Connection, frame: Frame, fallbackClaims: JwtClaims): Promise<void> {
    const topicBytes = Buffer.byteLength(frame.topic);
    if (topicBytes > NAME_LIMIT) {
      reply(connection, frame, 'error', { reason: `Topic too long: ${topicBytes} bytes, the limit is ${NAME_LIMIT}` });
      return;
    }
    if (!connection.channels.has(frame.topic) && connection.channels.size >= options.maxChannelsPerClient) {
      reply(connection, frame, 'error', {
        reason: `ChannelRateLimitReached: Too many channels (at most ${options.maxChannelsPerClient} on one socket)`,
      });
      return;
    }
    const payload = isRecord(frame.payload) ? frame.payload : {};
    const config = isRecord(payload.config) ? payload.config : {};
    const requested = config.postgres_changes ?? [];
    if (!Array.isArray(requested) || !requested.every(isRecord)) {
      reply(connection, frame, 'error', { reason: 'postgres_changes must be a list of { event, schema, table, filter }' });
      return;
    }
    const broadcast = isRecord(config.broadcast) ? config.broadcast : {};
    const presenceConfig = isRecord(config.presence) ? config.presence : {};
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
    const bound = await changes.bind(requested as RequestedChange[]);
    if ('error' in bound) {
      reply(connection, frame, 'error', { reason: bound.error });
      return;
    }
    let can: Permissions;
    const notified = reauthorization.count;
    try {
      can = await authorize(db, claims, subTopic, isPrivate);
    } catch (error) {
      log(`authorization of ${subTopic} failed: ${(error as Error).message}`);
      reply(connection, frame, 'error', { reason: 'Unauthorized: authorization check failed' });
      return;
    }
    if (isPrivate && !can.readBroadcast && !can.readPresence) {
      reply(connection, frame, 'error', { reason: `Unauthorized: You do not have permissions to read from this Channel topic: ${subTopic}` });
      return;
    }
    if (!channels.connections.has(connection)) return; // closed while authorizing
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
      broadcastSelf: broadcast.self === true,
      broadcastAck: broadcast.ack === true,
      presenceEnabled: presenceConfig.enabled !== false,
      presenceKey: typeof presenceConfig.key === 'string' && presenceConfig.key ? presenceConfig.key : randomUUID(),
      bindings: bound.bindings,
      can,
    };
    connection.channels.set(frame.topic, channel);
    scheduleExpiry(channel);
    reauthorization.recheckIfChanged(channel, notified);
    reply(connection, frame, 'ok', {
      postgres_changes: channel.bindings.map((binding) => ({ id: binding.id, ...binding.requested })),
    });
    if (channel.bindings.length) systemMessage(channel, 'ok', 'postgres_changes', 'Subscribed to PostgreSQL');
    if (channel.presenceEnabled && channel.can.readPresence) {
      send(connection, { joinRef: channel.joinRef, ref: null, topic: channel.topic, event: 'presence_state', payload: presence.state(channel) });
    }
  }

  /** Removes a channel: its presence leaves, the client is told the channel closed. */
  function leave(channel: Channel, reason: string, notify = true): void {
    clearTimeout(channel.expiry);
    if (channel.socket.channels.get(channel.topic) === channel) channel.socket.channels.delete(channel.topic);
    presence.untrack(channel);
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
    const can = await authorize(db, claims, channel.subTopic, channel.isPrivate);
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

  function onConnection(ws: WebSocket, vsn: string, claims: JwtClaims): void {
    const connection: Connection = { ws, vsn, channels: new Map() };
    channels.connections.add(connection);
    const disconnect = () => {
      clearTimeout(idle);
      if (!channels.connections.delete(connection)) return;
      for (const channel of [...connection.channels.values()]) leave(channel, 'socket closed', false);
    };
    // Like Phoenix, a socket heard nothing from for the timeout is dead: its channels and presence
    // go at once, and the socket is closed (destroyed if the peer does not answer the close).
    const idle = setTimeout(() => {
      log(`closed a socket silent for ${options.heartbeatTimeoutMs} ms`);
      disconnect();
      ws.close(1000, 'heartbeat timeout');
      setTimeout(() => ws.terminate(), 1000).unref();
    }, options.heartbeatTimeoutMs);
    idle.unref();
    let pending = Promise.resolve();
    ws.on('message', (data, isBinary) => {
      idle.refresh();
      // Frames are handled one after another so a join completes before the pushes that follow it.
      pending = pending
        .then(() => onFrame(connection, data as Buffer, isBinary, claims))
        .catch((error: unknown) => log(`frame failed: ${(error as Error).message}`));
    });
    ws.on('ping', () => idle.refresh());
    ws.on('close', disconnect);
    ws.on('error', (error) => log(`socket error: ${error.message}`));
  }

  /** A frame of any shape is answered (when it has a ref) or dropped. */
  async function onFrame(connection: Connection, data: Buffer, isBinary: boolean, socketClaims: JwtClaims): Promise<void> {
    if (!channels.connections.has(connection)) return;
    let frame: ReturnType<typeof decodeFrame>;
    try {
      frame = decodeFrame(data, isBinary, connection.vsn);
    } catch (error) {
      log(`dropped a malformed frame: ${(error as Error).message}`);
      return;
    }
    try {
      await route(connection, frame, socketClaims);
    } catch (error) {
      log(`${frame.event} on ${frame.topic} failed: ${(error as Error).message}`);
      if (frame.ref !== null) reply(connection, frame, 'error', { reason: `Unable to handle ${frame.event}` });
    }
  }

  async function route(connection: Connection, frame: ReturnType<typeof decodeFrame>, socketClaims: JwtClaims): Promise<void> {
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
        if (frame.broadcast) onBroadcast(channels, channel, frame, frame.broadcast, log);
        else if (frame.ref !== null) reply(connection, frame, 'error', { reason: 'a broadcast needs { type, event, payload } with a string event' });
        return;
      case 'presence':
        presence.onPush(channel, frame);
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

  return {
    handle: handleRest,
    upgrade,
    async close() {
      await reauthorization.close();
      await changes.close();
      for (const connection of channels.connections) connection.ws.terminate();
      channels.connections.clear();
      wss.close();
    },
  };
}
