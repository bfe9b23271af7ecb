/**
 * The signals a CallSession has handed to its transport and not yet seen sent: leaving waits a
 * moment for them (a `bye` should get out), never long (1.5 s), and a send that fails is logged,
 * not thrown — the peer connection's own timers notice what did not arrive.
 */
import type { Signal } from './signal.ts';
import type { SignalingTransport } from './signaling.ts';

export class PendingSends {
  readonly #pending = new Set<Promise<unknown>>();

  constructor(
    private readonly transport: () => SignalingTransport | undefined,
    private readonly log: (message: string) => void,
  ) {}

  send(signal: Omit<Signal, 'from'>): void {
    const transport = this.transport();
    if (!transport) return;
    const sending = transport.send(signal).catch((error: Error) => this.log(`could not send ${signal.kind}: ${error.message}`));
    this.#pending.add(sending);
    void sending.finally(() => this.#pending.delete(sending));
  }

  /** Resolves once everything handed over is sent, or after `ms`. */
  async flush(ms = 1500): Promise<void> {
    if (!this.#pending.size) return;
    await Promise.race([Promise.all(this.#pending), new Promise((resolve) => setTimeout(resolve, ms))]);
  }
}
