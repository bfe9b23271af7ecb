/**
 * Who is on which channel and how to reach them: the sockets, the channels joined on each, and the
 * frames the service writes back (replies, system messages).
 */
import type { WebSocket } from 'ws';
import type { JwtClaims } from '../auth/jwt.ts';
import type { ApiRole } from '../db/database.ts';
import { encodeFrame, type Frame } from './protocol.ts';

/** What a channel's token may do on its topic, as the `realtime.messages` policies decide. */
export interface Permissions {
  readBroadcast: boolean;
  readPresence: boolean;
  writeBroadcast: boolean;
  writePresence: boolean;
}

/** One postgres_changes subscription of a channel. */
export interface ChangeBinding {
  id: number;
  event: '*' | 'INSERT' | 'UPDATE' | 'DELETE';
  schema: string;
  table?: string;
  filter?: string;
  parsed?: { column: string; operator: string; values: string[] };
  /** What the client asked for, echoed back in the join reply: realtime-js compares them. */
  requested: { event?: string; schema?: string; table?: string; filter?: string };
}

export interface Connection {
  ws: WebSocket;
  vsn: string;
  /** Joined channels by their wire topic (`realtime:…`). */
  channels: Map<string, Channel>;
}

export interface Channel {
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

/** Every open socket of the service and the channels joined on them. */
export class ChannelRegistry {
  readonly connections = new Set<Connection>();

  /**
   * The channels joined on a topic, across all sockets. A private topic and its public twin are
   * different channels, as on hosted Realtime: neither hears the other.
   */
  on(topic: string, isPrivate: boolean): Channel[] {
    return [...this.connections].flatMap((connection) => {
      const channel = connection.channels.get(topic);
      return channel && channel.isPrivate === isPrivate ? [channel] : [];
    });
  }

  /** Every joined channel. */
  *all(): Iterable<Channel> {
    for (const connection of this.connections) yield* connection.channels.values();
  }
}

export function send(connection: Connection, frame: Frame): void {
  if (connection.ws.readyState === connection.ws.OPEN) connection.ws.send(encodeFrame(frame, connection.vsn));
}

export function reply(connection: Connection, frame: Frame, status: 'ok' | 'error', response: unknown = {}): void {
  send(connection, { joinRef: frame.joinRef, ref: frame.ref, topic: frame.topic, event: 'phx_reply', payload: { status, response } });
}

export function systemMessage(channel: Channel, status: 'ok' | 'error', extension: string, message: string): void {
  send(channel.socket, {
    joinRef: channel.joinRef,
    ref: null,
    topic: channel.topic,
    event: 'system',
    payload: { status, extension, message, channel: channel.subTopic },
  });
}
