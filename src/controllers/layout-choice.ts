/**
 * Who is large in `<video-call-room>`: the grid (everyone the same size) or the speaker view (one
 * tile large, the others in a strip). No Lit and no DOM here, so the choice is tested on its own
 * (test/core/layout-choice.test.ts); layout-controller.ts renders it.
 */

export type LayoutMode = 'grid' | 'speaker';

/** What the choice needs of a participant. */
export interface LayoutPerson {
  id: string;
  isLocal: boolean;
  speaking: boolean;
  mic: boolean;
}

export interface LayoutChoice {
  mode: LayoutMode;
  /** The large tile in the speaker view (none in the grid, or while a screen share is large). */
  large: string | undefined;
  /** The others, in the order given: the speaker view's strip, or the whole grid. */
  rest: string[];
}

/**
 * The layout for these people: a pinned person wins, then the active speaker, then the first
 * other person (yourself only when alone). A screen share keeps the large place as it always
 * has: in the speaker view every tile goes to the strip under it.
 */
export function chooseLayout(options: {
  mode: LayoutMode;
  people: readonly LayoutPerson[];
  pinned: string | undefined;
  speaker: string | undefined;
  screen: boolean;
}): LayoutChoice {
  const { people, pinned, speaker } = options;
  const ids = people.map((person) => person.id);
  // Alone there is no one to show large: your tile fills the room as in the grid.
  if (options.mode === 'grid' || (people.length < 2 && !options.screen)) return { mode: 'grid', large: undefined, rest: ids };
  if (options.screen) return { mode: 'speaker', large: undefined, rest: ids };
  const large =
    (pinned && ids.includes(pinned) ? pinned : undefined) ??
    (speaker && ids.includes(speaker) ? speaker : undefined) ??
    people.find((person) => !person.isLocal)?.id ??
    ids[0];
  return { mode: 'speaker', large, rest: ids.filter((id) => id !== large) };
}

export interface SpeakerTrackerOptions {
  /** How long someone must speak before they take the large place (default 800 ms): a cough does not. */
  attackMs?: number;
  /** How long the speaker keeps the place at least, once they took it (default 3 s). */
  holdMs?: number;
  now?(): number;
}

/**
 * The active speaker from the participants' `speaking` flags (a level meter with its own
 * release): someone else who speaks on for `attackMs` takes over, but not before the current
 * speaker has had `holdMs` and is quiet. You are never your own active speaker.
 */
export class SpeakerTracker {
  #speaker: string | undefined;
  #since = 0;
  /** When each person now speaking started to. */
  readonly #started = new Map<string, number>();
  readonly #attackMs: number;
  readonly #holdMs: number;
  readonly #now: () => number;

  constructor(options: SpeakerTrackerOptions = {}) {
    this.#attackMs = options.attackMs ?? 800;
    this.#holdMs = options.holdMs ?? 3000;
    this.#now = options.now ?? (() => Date.now());
  }

  get speaker(): string | undefined {
    return this.#speaker;
  }

  /**
   * Takes the flags now; returns the active speaker and, when the answer could change with time
   * alone (someone speaking, not long enough yet), how long until it is worth asking again.
   */
  update(people: readonly LayoutPerson[]): { speaker: string | undefined; recheckMs: number | undefined } {
    const now = this.#now();
    const speaking = people.filter((person) => !person.isLocal && person.speaking && person.mic);
    for (const id of this.#started.keys()) if (!speaking.some((person) => person.id === id)) this.#started.delete(id);
    for (const person of speaking) if (!this.#started.has(person.id)) this.#started.set(person.id, now);
    if (this.#speaker && !people.some((person) => person.id === this.#speaker)) this.#speaker = undefined;
    const currentSpeaks = speaking.some((person) => person.id === this.#speaker);
    let recheckMs: number | undefined;
    if (!currentSpeaks) {
      // The longest speaking of the others, once they spoke long enough and the hold is over.
      const [candidate] = speaking
        .filter((person) => person.id !== this.#speaker)
        .sort((a, b) => this.#started.get(a.id)! - this.#started.get(b.id)!);
      if (candidate) {
        const ready = Math.max(this.#started.get(candidate.id)! + this.#attackMs, this.#speaker ? this.#since + this.#holdMs : 0);
        if (now >= ready) {
          this.#speaker = candidate.id;
          this.#since = now;
        } else recheckMs = ready - now;
      }
    }
    return { speaker: this.#speaker, recheckMs };
  }
}
