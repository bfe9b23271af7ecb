/**
 * The room's layouts (issue 16): the Speaker view toggle from the keyboard, pinning and unpinning a
 * tile (announced, focus kept on its button), picture-in-picture only where the browser has it,
 * the size each peer is asked to send, and axe in ru and en. On the stories' fixture session.
 */
import { expect, fixture, html } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../src/define.ts';
import { LAYOUT_STORAGE_KEY } from '../../src/controllers/layout-controller.ts';
import type { VideoCallRoom } from '../../src/elements/video-call-room/video-call-room.ts';
import type { ViewScale } from '../../src/core/view-requests.ts';
import { FixtureSession, people } from '../../stories/fixtures.ts';
import { until } from './support.ts';

/** A fixture session that records what the room asks each peer to send. */
class SizingSession extends FixtureSession {
  readonly asked = new Map<string, ViewScale>();
  showPeerAt = (peerId: string, scale: ViewScale): void => void this.asked.set(peerId, scale);
  /** Someone leaves the call. */
  drop(peerId: string): void {
    this.participants = this.participants.filter((p) => p.id !== peerId);
    this.emit('participants', this.participants);
  }
}

async function room(lang = 'en', count = 4) {
  const session = new SizingSession({ participants: people(count) });
  const el = await fixture<VideoCallRoom>(html`<video-call-room lang=${lang} style="display: block; width: 1000px; height: 640px" .session=${session}></video-call-room>`);
  const root = el.shadowRoot!;
  const q = <E extends Element = HTMLElement>(selector: string) => root.querySelector<E & HTMLElement>(selector);
  return { el, session, root, q, toggle: () => q<HTMLButtonElement>('[part~="layout-toggle"]')! };
}

/** Tabs from the start of the room until `target` has focus (keyboard only, no clicks). */
async function tabTo(root: ShadowRoot, target: HTMLElement): Promise<void> {
  for (let i = 0; i < 40 && root.activeElement !== target; i++) await sendKeys({ press: 'Tab' });
  expect(root.activeElement, 'reached by Tab').to.equal(target);
}

describe('<video-call-room> layouts', () => {
  beforeEach(() => localStorage.removeItem(LAYOUT_STORAGE_KEY));
  after(() => localStorage.removeItem(LAYOUT_STORAGE_KEY));

  it('switches between the grid and the speaker view from the keyboard, says so, and remembers it', async () => {
    const { el, q, root, toggle } = await room();
    expect(toggle().getAttribute('aria-pressed')).to.equal('false');
    expect(q('[part~="speaker"]'), 'the grid: nobody large').to.equal(null);
    expect(root.querySelectorAll('[part~="grid"] > [part~="tile"]').length).to.equal(4);

    await tabTo(root, toggle());
    await sendKeys({ press: 'Enter' });
    await el.updateComplete;
    expect(toggle().getAttribute('aria-pressed')).to.equal('true');
    // Boris speaks in the fixture, but not for long enough yet: the first other person is large.
    const large = q('[part~="speaker"] [part~="tile"]')!;
    expect(large.dataset.peer).to.equal('user-1');
    const strip = q('[part~="strip"]')!;
    expect(strip.getAttribute('aria-label')).to.equal('Other participants');
    expect([...strip.querySelectorAll<HTMLElement>('[part~="tile"]')].map((tile) => tile.dataset.peer)).to.deep.equal(['user-0', 'user-2', 'user-3']);
    expect(large.getBoundingClientRect().width).to.be.greaterThan(strip.querySelector('[part~="tile"]')!.getBoundingClientRect().width * 2);
    await until(() => q('[role="status"]')!.textContent === 'Speaker view: the speaker is shown large', 'announced');
    expect(localStorage.getItem(LAYOUT_STORAGE_KEY)).to.equal('speaker');

    // A new room on this browser starts in the speaker view.
    const again = await room();
    expect(again.toggle().getAttribute('aria-pressed')).to.equal('true');
    expect(again.q('[part~="speaker"]')).to.not.equal(null);

    await sendKeys({ press: 'Space' });
    await el.updateComplete;
    expect(toggle().getAttribute('aria-pressed')).to.equal('false');
    expect(q('[part~="speaker"]')).to.equal(null);
    await until(() => q('[role="status"]')!.textContent === 'Grid view: everyone is shown the same size', 'announced');
    expect(localStorage.getItem(LAYOUT_STORAGE_KEY)).to.equal('grid');
  });

  it('pins a tile from the keyboard (switching to the speaker view) and unpins it, with focus kept on its button', async () => {
    const { el, q, root, toggle } = await room();
    const pin = () => q<HTMLButtonElement>('[data-peer="user-3"] [part~="pin"]')!;
    expect(pin().getAttribute('aria-label')).to.equal('Pin Dmitry Sokolov');
    expect(pin().getAttribute('aria-pressed')).to.equal('false');
    await tabTo(root, pin());
    await sendKeys({ press: 'Enter' });
    await until(() => root.activeElement === pin(), 'focus follows the tile to the large place');
    expect(q('[part~="speaker"] [part~="tile"]')!.dataset.peer).to.equal('user-3');
    expect(pin().getAttribute('aria-pressed')).to.equal('true');
    expect(pin().getAttribute('aria-label')).to.equal('Unpin Dmitry Sokolov');
    expect(toggle().getAttribute('aria-pressed')).to.equal('true');
    await until(() => q('[role="status"]')!.textContent === 'Dmitry Sokolov is pinned and shown large', 'announced');

    // Someone else speaking does not move a pinned tile.
    await sendKeys({ press: 'Enter' });
    await until(() => root.activeElement === pin(), 'focus follows the tile back to the strip');
    expect(pin().getAttribute('aria-pressed')).to.equal('false');
    expect(q('[part~="strip"] [data-peer="user-3"]')).to.not.equal(null);
    expect(q('[part~="speaker"] [part~="tile"]')!.dataset.peer, 'back to the first other person').to.equal('user-1');
    await until(() => q('[role="status"]')!.textContent === 'Dmitry Sokolov is no longer pinned', 'announced');
    expect(toggle().getAttribute('aria-pressed'), 'unpinning keeps the speaker view').to.equal('true');

    // Pinned and then gone from the call: the pin goes with them.
    pin().click();
    await el.updateComplete;
    const session = el.session as SizingSession;
    session.drop('user-3');
    await el.updateComplete;
    expect(q('[part~="speaker"] [part~="tile"]')!.dataset.peer).to.equal('user-1');
  });

  it('offers picture-in-picture only where the browser has it', async () => {
    const { q } = await room();
    const pip = q<HTMLButtonElement>('[part~="pip"]');
    if (document.pictureInPictureEnabled) {
      expect(pip, 'Chromium has picture-in-picture').to.not.equal(null);
      expect(pip!.getAttribute('aria-label')).to.equal('Picture in picture');
      expect(pip!.getAttribute('aria-pressed')).to.equal('false');
      // Its video is on the page only once asked for (nothing decodes for a window not open).
      expect(q('video.pip-source')).to.equal(null);
    } else {
      expect(pip, 'no picture-in-picture (Firefox): no button').to.equal(null);
      expect(q('video.pip-source')).to.equal(null);
    }
  });

  // Chromium only (web-test-runner.firefox.config.mjs): Firefox has no picture-in-picture for pages.
  it('follows the large person in picture-in-picture, and says so when the browser refuses it', async () => {
    const { el, q, session } = await room();
    const source = () => q<HTMLVideoElement>('video.pip-source');
    const pip = () => q<HTMLButtonElement>('[part~="pip"]')!;
    const prototype = HTMLVideoElement.prototype;
    const original = prototype.requestPictureInPicture;
    let opened: HTMLVideoElement | null = null;
    Object.defineProperty(document, 'pictureInPictureElement', { configurable: true, get: () => opened });
    try {
      // Refused (no user gesture, a policy): the room says why, nothing is open.
      prototype.requestPictureInPicture = () => Promise.reject(new DOMException('not allowed', 'NotAllowedError'));
      pip().click();
      await until(() => q('[role="status"]')!.textContent === 'Picture in picture did not open: not allowed', 'the refusal said');
      expect(pip().getAttribute('aria-pressed')).to.equal('false');

      prototype.requestPictureInPicture = function (this: HTMLVideoElement) {
        opened = this;
        this.dispatchEvent(new Event('enterpictureinpicture'));
        return Promise.resolve({} as PictureInPictureWindow);
      };
      expect(source(), 'gone again after the refusal').to.equal(null);
      pip().click();
      await until(() => pip().getAttribute('aria-pressed') === 'true', 'open');
      expect(opened).to.equal(source());
      // The first other person (no one has spoken long enough yet): their camera.
      expect(source()!.srcObject).to.equal(session.participants[1].camera);
      expect(pip().getAttribute('aria-label')).to.equal('Close picture in picture');
      // Pinning someone else: the open window shows them (the same video, a new stream).
      q<HTMLButtonElement>('[data-peer="user-3"] [part~="pin"]')!.click();
      await el.updateComplete;
      expect(source()!.srcObject).to.equal(session.participants[3].camera);
      expect(opened, 'the same window').to.equal(source());
      // Closed from the window's own button: the video goes.
      opened = null;
      source()!.dispatchEvent(new Event('leavepictureinpicture'));
      await until(() => source() === null, 'the video gone with the window');
      expect(pip().getAttribute('aria-pressed')).to.equal('false');
    } finally {
      prototype.requestPictureInPicture = original;
      delete (document as { pictureInPictureElement?: unknown }).pictureInPictureElement;
    }
  });

  it('keeps a phone’s page from scrolling sideways in the speaker view: the strip scrolls inside the room', async () => {
    const session = new SizingSession({ participants: people(6) });
    const el = await fixture<VideoCallRoom>(html`<div style="width: 360px"><video-call-room lang="ru" style="display: block; height: 640px" .session=${session}></video-call-room></div>`);
    const room = el.querySelector('video-call-room')!;
    room.shadowRoot!.querySelector<HTMLButtonElement>('[part~="layout-toggle"]')!.click();
    await room.updateComplete;
    const strip = room.shadowRoot!.querySelector<HTMLElement>('[part~="strip"]')!;
    expect(strip.scrollWidth, 'five tiles do not fit: the strip scrolls').to.be.greaterThan(strip.clientWidth);
    expect(room.getBoundingClientRect().width).to.equal(360);
    expect(room.scrollWidth, 'nothing wider than the room').to.be.at.most(360);
    const section = room.shadowRoot!.querySelector<HTMLElement>('.room')!;
    expect(section.scrollWidth).to.be.at.most(section.clientWidth);
    await expect(room).to.be.accessible();
  });

  it('asks each peer for a smaller picture where their tile is small, and for full size where it is large', async () => {
    const { el, session, toggle } = await room('en', 3);
    await until(() => session.asked.size === 2, 'a size for each remote tile');
    expect(session.asked.has('user-0'), 'nothing asked of yourself').to.equal(false);
    const inGrid = session.asked.get('user-2')!;
    toggle().click();
    await el.updateComplete;
    await until(() => session.asked.get('user-1') === 1, 'the large tile at full size');
    await until(() => session.asked.get('user-2') === 4, 'a strip tile at a quarter');
    expect(inGrid, 'in the grid, larger than in the strip').to.be.lessThan(4);
  });

  for (const lang of ['en', 'ru']) {
    it(`passes axe in the speaker view with a pinned tile (${lang})`, async () => {
      const { el, q } = await room(lang);
      q<HTMLButtonElement>('[data-peer="user-2"] [part~="pin"]')!.click();
      await el.updateComplete;
      if (lang === 'ru') {
        expect(q('[part~="layout-toggle"]')!.getAttribute('aria-label')).to.equal('Режим докладчика');
        expect(q('[data-peer="user-2"] [part~="pin"]')!.getAttribute('aria-label')).to.match(/^Открепить: /);
      }
      await expect(el).to.be.accessible();
    });
  }
});
