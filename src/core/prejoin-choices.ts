/**
 * What a person chose on the pre-join screen, remembered for their next call: which camera,
 * microphone and speaker, whether the mic and camera start on, and the name they typed. Kept in
 * `localStorage` under PREJOIN_STORAGE_KEY as JSON. Storage is the page's, shared with other
 * scripts and older versions: anything that is not what we wrote reads as "nothing chosen", and a
 * device that has gone since is the browser's default again (see `usable`).
 */

/** The `localStorage` key (documented in the README): `{ v: 1, camera?, microphone?, speaker?, mic, cam, name?, userId? }`. */
export const PREJOIN_STORAGE_KEY = 'supabase-call-widgets:prejoin';

export interface PrejoinChoices {
  /** `deviceId`s; undefined: the browser's default. */
  camera?: string;
  microphone?: string;
  speaker?: string;
  /** Join with the microphone on / the camera on. */
  mic: boolean;
  cam: boolean;
  /** The name typed, and whose it is (on a shared computer another person's name is not offered). */
  name?: string;
  userId?: string;
}

export const DEFAULT_CHOICES: PrejoinChoices = { mic: true, cam: true };

type StorageLike = Pick<Storage, 'getItem' | 'setItem'>;

function storage(): StorageLike | undefined {
  try {
    return typeof localStorage === 'undefined' ? undefined : localStorage;
  } catch {
    // Storage blocked (third-party frame with cookies off): nothing is remembered.
    return undefined;
  }
}

const text = (value: unknown, max: number): string | undefined =>
  typeof value === 'string' && value.length > 0 && value.length <= max ? value : undefined;

/** The remembered choices, or the defaults when there are none or they are not ours. */
export function readChoices(store: StorageLike | undefined = storage()): PrejoinChoices {
  let parsed: unknown;
  try {
    parsed = JSON.parse(store?.getItem(PREJOIN_STORAGE_KEY) ?? 'null');
  } catch {
    return { ...DEFAULT_CHOICES };
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || (parsed as { v?: unknown }).v !== 1) return { ...DEFAULT_CHOICES };
  const saved = parsed as Record<string, unknown>;
  const choices: PrejoinChoices = {
    mic: typeof saved.mic === 'boolean' ? saved.mic : true,
    cam: typeof saved.cam === 'boolean' ? saved.cam : true,
  };
  // Device ids are opaque strings of the browser's (Chromium: 64 hex digits); a long one is not one.
  for (const key of ['camera', 'microphone', 'speaker'] as const) {
    const id = text(saved[key], 512);
    if (id) choices[key] = id;
  }
  const name = text(saved.name, 200)?.trim();
  const userId = text(saved.userId, 200);
  if (name && userId) Object.assign(choices, { name, userId });
  return choices;
}

/** Remembers the choices; a full or blocked storage only means they are not remembered. */
export function saveChoices(choices: PrejoinChoices, store: StorageLike | undefined = storage()): void {
  try {
    store?.setItem(PREJOIN_STORAGE_KEY, JSON.stringify({ v: 1, ...choices }));
  } catch {
    // QuotaExceededError or SecurityError: the next call starts from the defaults.
  }
}

/** The remembered device when it is still there, else undefined (the browser's default). */
export function usable(id: string | undefined, devices: Pick<MediaDeviceInfo, 'deviceId'>[]): string | undefined {
  return id && devices.some((device) => device.deviceId === id) ? id : undefined;
}
