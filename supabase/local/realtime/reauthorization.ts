/**
 * Channels whose right to be open changed: the database NOTIFYs `realtime_reauthorize` with a
 * topic (the lobby migration does so when someone is removed or withdrawn, or a call ends, changes
 * its lobby or is deleted), and every private channel joined on that topic is authorized again as
 * at its join. A channel that may no longer read is told so and closed (`system` error, then
 * `phx_close`), as hosted Realtime closes one whose policies stop matching; one that still may
 * keeps going with its new permissions (an ended call's channel can no longer be written to).
 *
 * Hosted Realtime runs this check when a client refreshes its token, not on a NOTIFY: there a
 * refused user keeps a joined channel until then, so clients act on the rows as well.
 */
import type { Database } from '../db/database.ts';
import { authorize } from './authorization.ts';
import { systemMessage, type Channel, type ChannelRegistry } from './channels.ts';

export const REAUTHORIZE_CHANNEL = 'realtime_reauthorize';

/** Topics are bounded by the protocol; a payload longer than this is no topic of ours. */
const TOPIC_LIMIT = 255;

export interface Reauthorization {
  /**
   * How many NOTIFYs have arrived. A join reads it before authorizing and hands its channel to
   * `recheckIfChanged` after: a removal committed while that join was being authorized is then
   * not missed.
   */
  readonly count: number;
  /** Checks the channel again (queued) when any NOTIFY arrived since `count` was `seen`. */
  recheckIfChanged(channel: Channel, seen: number): void;
  /** Resolves once every NOTIFY received so far has been handled (tests, shutdown). */
  settled(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Listens for topics to check again. `leave` removes a channel the way the service does (its
 * presence leaves, the client gets `phx_close`).
 */
export async function startReauthorization(
  db: Database,
  channels: ChannelRegistry,
  leave: (channel: Channel, reason: string) => void,
  log: (message: string) => void,
): Promise<Reauthorization> {
  let queue = Promise.resolve();
  let count = 0;

  async function recheck(channel: Channel): Promise<void> {
    const can = await authorize(db, channel.claims, channel.subTopic, true);
    // Left, rejoined or closed while the check ran: that channel is not this one any more.
    if (channel.socket.channels.get(channel.topic) !== channel || !channels.connections.has(channel.socket)) return;
    if (!can.readBroadcast && !can.readPresence) {
      systemMessage(channel, 'error', 'system', `Unauthorized: You do not have permissions to read from this Channel topic: ${channel.subTopic}`);
      leave(channel, 'unauthorized');
      return;
    }
    channel.can = can;
  }

  const checked = (channel: Channel) =>
    recheck(channel).catch((error: unknown) => log(`reauthorization of ${channel.subTopic} failed: ${(error as Error).message}`));

  function onNotify(topic: string): void {
    count++;
    if (!topic || topic.length > TOPIC_LIMIT) return;
    queue = queue.then(async () => {
      const joined = [...channels.all()].filter((channel) => channel.isPrivate && channel.subTopic === topic && channel.role !== 'service_role');
      for (const channel of joined) await checked(channel);
    });
  }

  const unlisten = await db.listen(REAUTHORIZE_CHANNEL, onNotify);
  return {
    get count() {
      return count;
    },
    recheckIfChanged(channel, seen) {
      if (count === seen || !channel.isPrivate || channel.role === 'service_role') return;
      queue = queue.then(() => checked(channel));
    },
    settled: () => queue,
    async close() {
      await unlisten();
      await queue;
    },
  };
}
