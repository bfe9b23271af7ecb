/**
 * What the local person publishes in the call channel's presence (contract: keyed by user id,
 * `{ name, avatar_url, mic, cam, screen, speaking, hand }`): at once, or once for a burst of
 * changes 150 ms later (Realtime counts presence messages against its quotas).
 */
import type { RealtimeChannel } from '@supabase/supabase-js';
import type { PresenceMeta } from './participant.ts';

export interface PresencePublisherOptions {
  channel(): RealtimeChannel | undefined;
  /** Whether we may be seen yet. */
  ready(): boolean;
  meta(): PresenceMeta;
  log(message: string): void;
}

export class PresencePublisher {
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly options: PresencePublisherOptions) {}

  /** Publishes soon, once for the changes until then. */
  soon(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.now();
    }, 150);
  }

  async now(): Promise<void> {
    const channel = this.options.channel();
    if (!channel || channel.state !== 'joined' || !this.options.ready()) return;
    const result = await channel.track(this.options.meta());
    if (result !== 'ok') this.options.log(`presence track: ${result}`);
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
