/**
 * Who is in a call, for a page that is not in it: the presence of the call's private channel
 * `call:<session_id>`, watched without tracking (every member of the session may read it; nobody
 * sees the watcher). A window closed without leaving drops out of presence at once, while its
 * participant row says "connected" until the cleanup's stale window passes.
 *
 * realtime-js hands out one channel object per topic, so on each SupabaseClient the topic has one
 * owner at a time: a joined CallSession claims it (the watch steps aside and reports "unknown"),
 * and when the session lets go the watch comes back.
 */
import type { RealtimeChannel, SupabaseClient } from '@supabase/supabase-js';

/** User ids present in the call, or `null` while that is not known (not watching, refused, reconnecting). */
export type PresentUsers = ReadonlySet<string> | null;

class CallTopic {
  readonly watchers = new Set<(present: PresentUsers) => void>();
  present: PresentUsers = null;
  claims = 0;
  #channel: RealtimeChannel | undefined;
  /** Opening and closing happen one after another, never interleaved. */
  #queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly supabase: SupabaseClient,
    private readonly sessionId: string,
  ) {}

  /** Opens or closes the watch channel to match who wants what; resolves once done. */
  settle(): Promise<void> {
    this.#queue = this.#queue.then(() => (this.watchers.size && !this.claims ? this.#open() : this.#close())).catch(() => undefined);
    return this.#queue;
  }

  async #open(): Promise<void> {
    if (this.#channel) return;
    // supabase-js hands the user's token to Realtime asynchronously; a private channel needs it.
    await this.supabase.realtime.setAuth();
    if (this.#channel || !this.watchers.size || this.claims) return;
    const channel = this.supabase.channel(`call:${this.sessionId}`, { config: { private: true } });
    this.#channel = channel;
    channel.on('presence', { event: 'sync' }, () => {
      if (channel === this.#channel) this.#publish(new Set(Object.keys(channel.presenceState())));
    });
    let subscribed = false;
    channel.subscribe((status) => {
      if (channel !== this.#channel) return;
      if (status === 'SUBSCRIBED') {
        subscribed = true;
        return;
      }
      // Until the channel is back (realtime-js rejoins by itself), nobody knows who is there.
      this.#publish(null);
      // Refused at the first join: not a member, or Realtime authorization is off. Rows only.
      if (!subscribed && status === 'CHANNEL_ERROR') void this.#drop(channel);
    });
  }

  async #close(): Promise<void> {
    const channel = this.#channel;
    if (channel) await this.#drop(channel);
  }

  async #drop(channel: RealtimeChannel): Promise<void> {
    if (this.#channel === channel) this.#channel = undefined;
    this.#publish(null);
    await this.supabase.removeChannel(channel).catch(() => undefined);
  }

  #publish(present: PresentUsers): void {
    this.present = present;
    for (const watcher of this.watchers) watcher(present);
  }
}

const topics = new WeakMap<SupabaseClient, Map<string, CallTopic>>();

function topicOf(supabase: SupabaseClient, sessionId: string): CallTopic {
  let bySession = topics.get(supabase);
  if (!bySession) topics.set(supabase, (bySession = new Map()));
  let topic = bySession.get(sessionId);
  if (!topic) bySession.set(sessionId, (topic = new CallTopic(supabase, sessionId)));
  return topic;
}

/**
 * Calls `listener` with the users present in a call once that is known, and on every change;
 * `null` says it is not known (refused, reconnecting, or a session of this client holds the
 * topic). Returns the function that stops watching.
 */
export function watchCallPresence(supabase: SupabaseClient, sessionId: string, listener: (present: PresentUsers) => void): () => void {
  const topic = topicOf(supabase, sessionId);
  topic.watchers.add(listener);
  if (topic.present || topic.claims) listener(topic.present);
  void topic.settle();
  return () => {
    if (topic.watchers.delete(listener)) void topic.settle();
  };
}

/**
 * Takes the topic `call:<session_id>` for a joining session: resolves once no watch channel holds
 * it. Returns the function that gives it back.
 */
export async function claimCallTopic(supabase: SupabaseClient, sessionId: string): Promise<() => Promise<void>> {
  const topic = topicOf(supabase, sessionId);
  topic.claims++;
  await topic.settle();
  let released = false;
  return () => {
    if (released) return Promise.resolve();
    released = true;
    topic.claims--;
    return topic.settle();
  };
}
