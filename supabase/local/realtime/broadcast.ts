/** Broadcast: a message pushed on a channel (or posted over REST) reaches the topic's readers. */
import { reply, type Channel, type ChannelRegistry } from './channels.ts';
import { encodeBroadcast, NAME_LIMIT, ProtocolError, type Broadcast, type Frame } from './protocol.ts';

/** Largest user broadcast payload, as on hosted Supabase's free plan. */
export const BROADCAST_LIMIT = 256 * 1024;

/** Delivers a broadcast to the readers of a private or a public topic; `from` only if it asked for self. */
export function deliver(channels: ChannelRegistry, topic: string, isPrivate: boolean, broadcast: Broadcast, from?: Channel): void {
  // Encoded once per protocol version, not once per reader.
  const encoded = new Map<string, string | Buffer>();
  for (const channel of channels.on(topic, isPrivate)) {
    if (channel === from && !channel.broadcastSelf) continue;
    if (!channel.can.readBroadcast) continue;
    const connection = channel.socket;
    if (connection.ws.readyState !== connection.ws.OPEN) continue;
    let frame = encoded.get(connection.vsn);
    if (frame === undefined) encoded.set(connection.vsn, (frame = encodeBroadcast(topic, broadcast, connection.vsn)));
    connection.ws.send(frame);
  }
}

/** A broadcast pushed on a joined channel. */
export function onBroadcast(
  channels: ChannelRegistry,
  channel: Channel,
  frame: Frame,
  broadcast: Broadcast,
  log: (message: string) => void,
): void {
  if (broadcast.size > BROADCAST_LIMIT) {
    if (frame.ref) reply(channel.socket, frame, 'error', { reason: `Payload too large: ${broadcast.size} bytes, the limit is ${BROADCAST_LIMIT}` });
    log(`dropped a ${broadcast.size}-byte broadcast on ${channel.subTopic}`);
    return;
  }
  const eventBytes = Buffer.byteLength(broadcast.event);
  if (eventBytes > NAME_LIMIT) {
    if (frame.ref) reply(channel.socket, frame, 'error', { reason: `Event name too long: ${eventBytes} bytes, the limit is ${NAME_LIMIT}` });
    return;
  }
  if (!channel.can.writeBroadcast) {
    if (frame.ref) reply(channel.socket, frame, 'error', { reason: 'Unauthorized: You do not have permissions to write to this Channel topic' });
    return;
  }
  try {
    deliver(channels, channel.topic, channel.isPrivate, broadcast, channel);
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    if (frame.ref) reply(channel.socket, frame, 'error', { reason: `Unable to relay the broadcast: ${error.message}` });
    return;
  }
  if (channel.broadcastAck && frame.ref) reply(channel.socket, frame, 'ok');
}
