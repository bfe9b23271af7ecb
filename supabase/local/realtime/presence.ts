/** Presence: what each channel tracks on its topic, the full state at join and diffs after. */
import { reply, send, type Channel, type ChannelRegistry } from './channels.ts';
import type { Frame } from './protocol.ts';

type PresenceState = Record<string, { metas: Record<string, unknown>[] }>;

/** Where a channel's presence lives: a private topic and its public twin are apart. */
const place = (channel: Channel) => `${channel.isPrivate ? 'private' : 'public'}:${channel.topic}`;

export class Presence {
  /** place → presence key → phx_ref → meta */
  readonly #tracked = new Map<string, Map<string, Map<string, Record<string, unknown>>>>();
  #refs = 0;

  constructor(
    private readonly channels: ChannelRegistry,
    /** Largest tracked meta in bytes of JSON. */
    private readonly limit: number,
  ) {}

  /** Everyone tracked on the channel's topic, as `presence_state` carries it. */
  state(channel: Channel): PresenceState {
    const state: PresenceState = {};
    for (const [key, metas] of this.#tracked.get(place(channel)) ?? []) {
      state[key] = { metas: [...metas.entries()].map(([ref, meta]) => ({ ...meta, phx_ref: ref })) };
    }
    return state;
  }

  /** A `presence` push (track / untrack) on a joined channel. */
  onPush(channel: Channel, frame: Frame): void {
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
      if (Buffer.byteLength(JSON.stringify(meta)) > this.limit) {
        reply(channel.socket, frame, 'error', { reason: `Payload too large: presence over ${this.limit} bytes` });
        return;
      }
      this.track(channel, meta as Record<string, unknown>);
    } else if (payload.event === 'untrack') this.untrack(channel);
    else {
      reply(channel.socket, frame, 'error', { reason: `unknown presence event "${payload.event}"` });
      return;
    }
    reply(channel.socket, frame, 'ok');
  }

  track(channel: Channel, meta: Record<string, unknown>): void {
    const byKey = this.#tracked.get(place(channel)) ?? new Map<string, Map<string, Record<string, unknown>>>();
    this.#tracked.set(place(channel), byKey);
    const metas = byKey.get(channel.presenceKey) ?? new Map<string, Record<string, unknown>>();
    byKey.set(channel.presenceKey, metas);
    const previous = channel.presenceRef;
    const ref = `${Date.now().toString(36)}${(++this.#refs).toString(36)}`;
    const leaves: Record<string, unknown> = {};
    if (previous && metas.has(previous)) {
      leaves[channel.presenceKey] = { metas: [{ ...metas.get(previous), phx_ref: previous }] };
      metas.delete(previous);
    }
    metas.set(ref, meta);
    channel.presenceRef = ref;
    const joined = { ...meta, phx_ref: ref, ...(previous ? { phx_ref_prev: previous } : {}) };
    this.#diff(channel, { [channel.presenceKey]: { metas: [joined] } }, leaves);
  }

  /** Drops what the channel tracked, if anything; called on untrack and when a channel leaves. */
  untrack(channel: Channel): void {
    const ref = channel.presenceRef;
    if (!ref) return;
    channel.presenceRef = undefined;
    const byKey = this.#tracked.get(place(channel));
    const metas = byKey?.get(channel.presenceKey);
    const meta = metas?.get(ref);
    if (!byKey || !metas || !meta) return;
    metas.delete(ref);
    if (!metas.size) byKey.delete(channel.presenceKey);
    if (!byKey.size) this.#tracked.delete(place(channel));
    this.#diff(channel, {}, { [channel.presenceKey]: { metas: [{ ...meta, phx_ref: ref }] } });
  }

  #diff(source: Channel, joins: Record<string, unknown>, leaves: Record<string, unknown>): void {
    for (const channel of this.channels.on(source.topic, source.isPrivate)) {
      if (!channel.presenceEnabled || !channel.can.readPresence) continue;
      send(channel.socket, { joinRef: channel.joinRef, ref: null, topic: channel.topic, event: 'presence_diff', payload: { joins, leaves } });
    }
  }
}
