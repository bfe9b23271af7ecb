/**
 * `/realtime/v1`: Supabase Realtime as realtime-js speaks it. This module routes sockets and
 * channels: it upgrades sockets, joins and leaves channels, refreshes and expires their tokens,
 * and hands pushes to broadcast.ts, presence.ts and postgres-changes.ts; private topics are
 * authorized by authorization.ts, and rest-broadcast.ts serves the REST broadcast endpoint.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { JwtClaims } from '../auth/jwt.ts';
import { apiRole } from '../db/database.ts';
import { requestToken } from '../http.ts';
import type { Service, StackContext } from '../server.ts';
import { authorize, verifyToken } from './authorization.ts';
import { BROADCAST_LIMIT, onBroadcast } from './broadcast.ts';
import { ChannelRegistry, reply, send, systemMessage, type Channel, type Connection, type Permissions } from './channels.ts';
import { ChangeFeed, type RequestedChange } from './postgres-changes.ts';
import { Presence } from './presence.ts';
import { decodeFrame, ProtocolError, type Frame } from './protocol.ts';
import { createRestBroadcast } from './rest-broadcast.ts';

/** Largest WebSocket frame accepted at all; bigger ones close the socket (1009). */
const FRAME_LIMIT = 1024 * 1024;

interface JoinPayload {
  config?: {
    broadcast?: { self?: boolean; ack?: boolean };
    presence?: { key?: string; enabled?: boolean };
    postgres_changes?: RequestedChange[];
    private?: boolean;
  };
  access_token?: string;
}

export async function createRealtimeService(context: StackContext): Promise<Service> {
  const { db, keys } = context;
  const log = (message: string) => context.log('realtime', message);
  const wss = new WebSocketServer({ noServer: true, maxPayload: FRAME_LIMIT });
  const channels = new ChannelRegistry();
  const presence = new Presence(channels, BROADCAST_LIMIT);
  const changes = await ChangeFeed.start(db, channels, log);
  const handleRest = createRestBroadcast(db, keys, channels);
  const verify = (token: unknown) => verifyToken(keys, token);

  async function join(connection: Connection, frame: Frame, fallbackClaims: JwtClaims): Promise<void> {
    const payload = (frame.payload ?? {}) as JoinPayload;
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
    const bound = await changes.bind(config.postgres_changes ?? []);
    if ('error' in bound) {
      reply(connection, frame, 'error', { reason: bound.error });
      return;
    }
    let can: Permissions;
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
      bindings: bound.bindings,
      can,
    };
    connection.channels.set(frame.topic, channel);
    scheduleExpiry(channel);
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
    let pending = Promise.resolve();
    ws.on('message', (data, isBinary) => {
      // Frames are handled one after another so a join completes before the pushes that follow it.
      pending = pending
        .then(() => onFrame(connection, data as Buffer, isBinary, claims))
        .catch((error: unknown) => log(`frame failed: ${(error as Error).message}`));
    });
    ws.on('close', () => {
      channels.connections.delete(connection);
      for (const channel of [...connection.channels.values()]) leave(channel, 'socket closed', false);
    });
    ws.on('error', (error) => log(`socket error: ${error.message}`));
  }

  async function onFrame(connection: Connection, data: Buffer, isBinary: boolean, socketClaims: JwtClaims): Promise<void> {
    let frame: ReturnType<typeof decodeFrame>;
    try {
      frame = decodeFrame(data, isBinary, connection.vsn);
    } catch (error) {
      if (error instanceof ProtocolError) {
        log(`dropped a malformed frame: ${error.message}`);
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
        onBroadcast(channels, channel, frame, frame.broadcast!, log);
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
      await changes.close();
      for (const connection of channels.connections) connection.ws.terminate();
      channels.connections.clear();
      wss.close();
    },
  };
}
