/**
 * The room's layout choice (who is large, pinning, the active speaker's hold) and the receiver's
 * "show me your camera smaller" requests (tile size → scale, debounced, told again to a new link).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseLayout, SpeakerTracker, type LayoutPerson } from '../../src/controllers/layout-choice.ts';
import { scaleForTile, ViewRequests, type ViewScale } from '../../src/core/view-requests.ts';
import { validateSignal } from '../../src/core/signal.ts';

const you: LayoutPerson = { id: 'you', isLocal: true, speaking: false, mic: true };
const anna: LayoutPerson = { id: 'anna', isLocal: false, speaking: false, mic: true };
const boris: LayoutPerson = { id: 'boris', isLocal: false, speaking: false, mic: true };
const vera: LayoutPerson = { id: 'vera', isLocal: false, speaking: false, mic: true };
const everyone = [you, anna, boris, vera];
const speaks = (person: LayoutPerson, speaking = true): LayoutPerson => ({ ...person, speaking });

describe('layout choice', () => {
  it('keeps everyone in the grid, in order, in grid view', () => {
    assert.deepEqual(chooseLayout({ mode: 'grid', people: everyone, pinned: 'boris', speaker: 'anna', screen: false }), {
      mode: 'grid',
      large: undefined,
      rest: ['you', 'anna', 'boris', 'vera'],
    });
  });

  it('shows the pinned person large before the active speaker, the others in the strip', () => {
    const choice = chooseLayout({ mode: 'speaker', people: everyone, pinned: 'vera', speaker: 'anna', screen: false });
    assert.equal(choice.large, 'vera');
    assert.deepEqual(choice.rest, ['you', 'anna', 'boris']);
  });

  it('shows the active speaker large when nobody is pinned, else the first other person — never yourself while others are there', () => {
    assert.equal(chooseLayout({ mode: 'speaker', people: everyone, pinned: undefined, speaker: 'boris', screen: false }).large, 'boris');
    assert.equal(chooseLayout({ mode: 'speaker', people: everyone, pinned: undefined, speaker: undefined, screen: false }).large, 'anna');
  });

  it('ignores a pin or a speaker who is no longer in the call', () => {
    assert.equal(chooseLayout({ mode: 'speaker', people: [you, boris], pinned: 'anna', speaker: 'vera', screen: false }).large, 'boris');
  });

  it('gives the large place to a screen share: every tile goes to the strip', () => {
    assert.deepEqual(chooseLayout({ mode: 'speaker', people: everyone, pinned: 'anna', speaker: undefined, screen: true }), {
      mode: 'speaker',
      large: undefined,
      rest: ['you', 'anna', 'boris', 'vera'],
    });
  });

  it('shows you as in the grid when you are alone, not as a strip under an empty stage', () => {
    assert.deepEqual(chooseLayout({ mode: 'speaker', people: [you], pinned: 'you', speaker: undefined, screen: false }), { mode: 'grid', large: undefined, rest: ['you'] });
    assert.equal(chooseLayout({ mode: 'speaker', people: [you], pinned: undefined, speaker: undefined, screen: true }).mode, 'speaker', 'under your own screen share, the strip');
  });
});

describe('active speaker', () => {
  function tracker() {
    let now = 0;
    const speakers = new SpeakerTracker({ attackMs: 800, holdMs: 3000, now: () => now });
    return { speakers, at: (ms: number) => (now = ms) };
  }

  it('takes someone who speaks on, not a cough', () => {
    const { speakers, at } = tracker();
    at(0);
    assert.deepEqual(speakers.update([you, speaks(anna), boris]), { speaker: undefined, recheckMs: 800 });
    at(300);
    assert.equal(speakers.update([you, anna, boris]).speaker, undefined, 'a 300 ms cough');
    at(1000);
    speakers.update([you, speaks(anna), boris]);
    at(1799);
    assert.equal(speakers.update([you, speaks(anna), boris]).speaker, undefined);
    at(1800);
    assert.equal(speakers.update([you, speaks(anna), boris]).speaker, 'anna');
  });

  it('keeps the speaker for the hold time, and while they speak', () => {
    const { speakers, at } = tracker();
    at(0);
    speakers.update([speaks(anna)]);
    at(800);
    assert.equal(speakers.update([speaks(anna)]).speaker, 'anna');
    // Boris starts while Anna speaks on: she keeps the place.
    at(1000);
    speakers.update([speaks(anna), speaks(boris)]);
    at(5000);
    assert.equal(speakers.update([speaks(anna), speaks(boris)]).speaker, 'anna');
    // Anna pauses: Boris, speaking long enough, takes over.
    at(5100);
    assert.equal(speakers.update([anna, speaks(boris)]).speaker, 'boris');
    // Anna answers at once: Boris keeps it for his hold time, then she has it.
    at(5200);
    const early = speakers.update([speaks(anna), boris]);
    assert.equal(early.speaker, 'boris');
    assert.equal(early.recheckMs, 5100 + 3000 - 5200);
    at(8100);
    assert.equal(speakers.update([speaks(anna), boris]).speaker, 'anna');
  });

  it('stays with the last speaker through silence, and lets go of someone who left', () => {
    const { speakers, at } = tracker();
    at(0);
    speakers.update([speaks(anna), boris]);
    at(900);
    speakers.update([speaks(anna), boris]);
    at(20_000);
    assert.equal(speakers.update([anna, boris]).speaker, 'anna');
    assert.equal(speakers.update([boris]).speaker, undefined);
  });

  it('never takes yourself, nor someone speaking with the microphone off', () => {
    const { speakers, at } = tracker();
    at(0);
    speakers.update([speaks(you), { ...speaks(anna), mic: false }]);
    at(5000);
    assert.deepEqual(speakers.update([speaks(you), { ...speaks(anna), mic: false }]), { speaker: undefined, recheckMs: undefined });
  });
});

describe('tile size → sending scale', () => {
  it('maps a tile’s device pixels to full, half or a quarter', () => {
    assert.equal(scaleForTile(1280), 1);
    assert.equal(scaleForTile(560), 1);
    assert.equal(scaleForTile(559), 2);
    assert.equal(scaleForTile(400), 2);
    assert.equal(scaleForTile(260), 2);
    assert.equal(scaleForTile(259), 4);
    assert.equal(scaleForTile(180), 4);
    // A strip tile on a 3× phone is as sharp as a medium tile.
    assert.equal(scaleForTile(132 * 3), 2);
    assert.equal(scaleForTile(Number.NaN), 1, 'nothing measured: no reason to send less');
  });
});

describe('view requests', () => {
  const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  function requests() {
    const sent: [string, ViewScale][] = [];
    const views = new ViewRequests({ send: (peer, scale) => sent.push([peer, scale]), debounceMs: 30 });
    return { views, sent };
  }

  it('sends once the wanted scale held for the debounce, once, however often it is asked', async () => {
    const { views, sent } = requests();
    for (let i = 0; i < 5; i++) {
      views.want('anna', 4);
      await wait(10);
    }
    await wait(40);
    assert.deepEqual(sent, [['anna', 4]]);
    views.want('anna', 4);
    await wait(40);
    assert.deepEqual(sent, [['anna', 4]], 'told already');
  });

  it('sends nothing for a change that goes back within the debounce, and full size when the tile grows again', async () => {
    const { views, sent } = requests();
    views.want('anna', 2);
    await wait(10);
    views.want('anna', 1);
    await wait(40);
    assert.deepEqual(sent, [], 'a new link is full size already');
    views.want('boris', 4);
    await wait(40);
    views.want('boris', 1);
    await wait(40);
    assert.deepEqual(sent, [['boris', 4], ['boris', 1]]);
  });

  it('tells a new link again what the old one was told', async () => {
    const { views, sent } = requests();
    views.want('anna', 4);
    views.flush('anna');
    views.forget('anna');
    views.flush('anna');
    assert.deepEqual(sent, [['anna', 4], ['anna', 4]]);
    views.drop('anna');
    views.flush('anna');
    assert.equal(sent.length, 2, 'gone for good: nothing more');
    views.close();
  });

  it('is a signal of its own, to one peer, with a scale of 1, 2 or 4 only', () => {
    assert.equal(validateSignal({ from: 'a', to: 'b', kind: 'view', payload: { scale: 4 } }).kind, 'view');
    assert.throws(() => validateSignal({ from: 'a', to: 'b', kind: 'view', payload: { scale: 3 } }), /scale of 1, 2 or 4/);
    assert.throws(() => validateSignal({ from: 'a', to: 'b', kind: 'view', payload: {} }), /scale/);
    assert.throws(() => validateSignal({ from: 'a', to: null, kind: 'view', payload: { scale: 2 } }), /one peer/);
  });
});
