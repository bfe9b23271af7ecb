/**
 * Mesh or SFU, and which simulcast layer to ask the SFU for.
 *
 * `settings.topology` of the session: `mesh`, `sfu`, or `auto` (the default, also for anything
 * else): the SFU once more than SFU_ABOVE people are invited or present, a mesh below. A mesh sends
 * every camera once per peer, so its cost grows with the square of the call; the SFU takes one
 * copy and forwards it.
 *
 * A call does not change topology while it runs: whoever joins follows the people already in
 * the call (their presence says `topology`), and only the first to join decides from the count.
 * So a sixth invitation during a 4-person mesh leaves it a mesh until everyone has left, and the
 * 4 remaining people of a 6-person SFU call stay on the SFU. The one change made mid-call is the
 * way down: when the SFU cannot be reached and the call is small enough, everyone lands on a mesh
 * (each page finds the SFU gone on its own, fallback reason `sfu-unreachable`).
 */
import type { ViewScale } from './view-requests.ts';

export type TopologySetting = 'mesh' | 'sfu' | 'auto';
export type Topology = 'mesh' | 'sfu';

/** `auto` uses the SFU for calls of more than this many people. */
export const SFU_ABOVE = 4;
/** The largest call a mesh is tried for when the SFU cannot be reached. */
export const MESH_AT_MOST = 6;

/** `settings.topology` of a session row; `auto` for anything missing or unknown. */
export function topologySetting(settings: unknown): TopologySetting {
  const value = typeof settings === 'object' && settings !== null ? (settings as Record<string, unknown>).topology : undefined;
  return value === 'mesh' || value === 'sfu' ? value : 'auto';
}

export interface TopologyInputs {
  setting: TopologySetting;
  /** Participant rows that are not removed (the host and every invitation). */
  invited: number;
  /** People present on the call's channel now, us included. */
  present: number;
  /** What the people already in the call use (from their presence), if anyone is in it. */
  others: readonly Topology[];
}

/** The topology to join with. Whether an SFU is configured is found out by asking (video-call-sfu). */
export function chooseTopology({ setting, invited, present, others }: TopologyInputs): Topology {
  if (setting !== 'auto') return setting;
  // Follow the call as it runs; if its people disagree (one page fell back), the SFU wins: a mesh
  // page can move to the SFU, an SFU call of many cannot move to a mesh.
  if (others.length > 0) return others.includes('sfu') ? 'sfu' : 'mesh';
  return Math.max(invited, present) > SFU_ABOVE ? 'sfu' : 'mesh';
}

/** Whether a call of `people` may go on as a mesh when the SFU cannot be reached. */
export function meshCanCarry(people: number): boolean {
  return people <= MESH_AT_MOST;
}

/**
 * Janus's simulcast substream for a tile shown at `scale` (view-requests.ts: 1 full, 2 half,
 * 4 a quarter): 2 the full layer, 1 half, 0 a quarter. `layers` is how many the sender has
 * (a browser sends fewer for a small camera); the answer never asks for one it lacks.
 */
export function layerForScale(scale: ViewScale, layers = 3): number {
  const wanted = scale === 1 ? 2 : scale === 2 ? 1 : 0;
  return Math.max(0, Math.min(wanted, layers - 1));
}

/**
 * The simulcast encodings we publish with, highest first as Janus expects (rids h, m, l): 640×480
 * → 640, 320 and 160 wide. Bitrates keep the three together under what one mesh link used to send.
 */
export const SIMULCAST_ENCODINGS: readonly RTCRtpEncodingParameters[] = [
  { rid: 'h', active: true, maxBitrate: 900_000 },
  { rid: 'm', active: true, maxBitrate: 300_000, scaleResolutionDownBy: 2 },
  { rid: 'l', active: true, maxBitrate: 100_000, scaleResolutionDownBy: 4 },
];
