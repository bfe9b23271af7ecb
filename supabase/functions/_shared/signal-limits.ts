/**
 * The signal kinds and the payload limit of the durable signaling path, in a module with no npm:
 * imports so that Node (the contract test, test/backend/signal-limits.test.ts) reads the very
 * values the function enforces. The core (src/core/signal.ts) and the database
 * (video_call_signals' check constraints, migration 20261127000100) hold the same; the test fails
 * when any of the three differs.
 */
export const SIGNAL_KINDS = ['offer', 'answer', 'ice', 'bye', 'restart', 'view'] as const;
export type SignalKind = (typeof SIGNAL_KINDS)[number];

/** 64 KiB of the payload's JSON text (JSON.stringify), counted in UTF-8 bytes. */
export const MAX_PAYLOAD_BYTES = 64 * 1024;

/** The payload's size as every layer counts it: UTF-8 bytes of its JSON text. */
export function payloadBytes(payload: unknown): number {
  return new TextEncoder().encode(JSON.stringify(payload)).length;
}
