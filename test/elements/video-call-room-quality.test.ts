/**
 * Connection quality in <video-call-room> (issue 16, item 5), from fixture qualities on the
 * stories' look-alike session: the badges' names and bars, the details opened by keyboard and
 * closed by Esc, the close button or a click outside (focus back on the badge), axe in English
 * and Russian, and the local user's "Your connection is poor" banner (debounced, announced once,
 * gone when it recovers).
 */
import { expect, fixture, html } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../src/define.ts';
import type { Participant } from '../../src/core/participant.ts';
import { NOTICE_DELAY_MS } from '../../src/controllers/quality-controller.ts';
import type { VideoCallRoom } from '../../src/elements/video-call-room/video-call-room.ts';
import { FixtureSession, person, QUALITY } from '../../stories/fixtures.ts';
import { until } from './support.ts';

/** A fixture session whose people change as the sampler's would. */
class SampledSession extends FixtureSession {
  update(participants: Participant[]): void {
    this.participants = participants;
    this.emit('participants', participants);
  }
}

const badges = (el: VideoCallRoom) => [...el.shadowRoot!.querySelectorAll<HTMLButtonElement>('[part~="quality"]')];
const details = (el: VideoCallRoom) => el.shadowRoot!.querySelector<HTMLElement>('[part~="quality-details"]');
const notice = (el: VideoCallRoom) => el.shadowRoot!.querySelector<HTMLElement>('[part~="quality-notice"]');
const live = (el: VideoCallRoom) => el.shadowRoot!.querySelector('[role="status"]')!.textContent!.trim();
/** The details' rows as "Term: value". */
const rows = (el: VideoCallRoom) => [...details(el)!.querySelectorAll('dl > div')].map((row) => `${row.querySelector('dt')!.textContent!.trim()}: ${row.querySelector('dd')!.textContent!.trim()}`);
const lit = (badge: Element) => badge.querySelectorAll('rect.lit').length;

function callOf(local: Partial<Participant> = {}) {
  return new SampledSession({
    participants: [
      { ...person(0), ...local },
      { ...person(1), quality: QUALITY.good },
      { ...person(2), quality: QUALITY.fair },
      { ...person(3), quality: QUALITY.poor },
      // Not sampled yet (just connected): no badge rather than a guess.
      person(4),
    ],
  });
}

const room = (session: FixtureSession, lang = 'en') =>
  fixture<VideoCallRoom>(html`<video-call-room lang=${lang} style="height: 640px; width: 1000px" .session=${session}></video-call-room>`);

describe('<video-call-room> connection quality', () => {
  it('names each remote tile’s badge by its level, with one, two or three bars lit', async () => {
    const el = await room(callOf({ quality: QUALITY.good }));
    const all = badges(el);
    expect(all.map((b) => b.getAttribute('aria-label'))).to.deep.equal(['Connection: good', 'Connection: fair', 'Connection: poor']);
    expect(all.map(lit), 'the shape tells the level, not the colour alone').to.deep.equal([3, 2, 1]);
    expect(all.map((b) => getComputedStyle(b.querySelector('rect.lit')!).fill)).to.have.lengthOf(3);
    expect(new Set(all.map((b) => getComputedStyle(b.querySelector('rect.lit')!).fill)).size, 'three colours').to.equal(3);
    // Your own tile has none (your own quality is the banner's), nor someone not sampled yet.
    expect(el.shadowRoot!.querySelector('[part~="tile"].local [part~="quality"]')).to.equal(null);
    const tiles = el.shadowRoot!.querySelectorAll('[part~="tile"]');
    expect(tiles[4]!.querySelector('[part~="quality"]')).to.equal(null);
    await expect(el).to.be.accessible();
  });

  it('says the levels in Russian', async () => {
    const el = await room(callOf(), 'ru');
    expect(badges(el).map((b) => b.getAttribute('aria-label'))).to.deep.equal(['Соединение: хорошее', 'Соединение: среднее', 'Соединение: плохое']);
    badges(el)[2]!.click();
    await until(() => Boolean(details(el)), 'the details');
    expect(details(el)!.getAttribute('aria-label')).to.equal('Подробности соединения: Dmitry Sokolov');
    expect(rows(el)).to.deep.equal([
      'Кодек: H264',
      'Разрешение: 320 × 180',
      'Частота кадров: 4 кадр/с',
      'Скорость: 90 кбит/с',
      'Задержка (туда и обратно): 720 мс',
      'Потери пакетов: 11,5 %',
      'Маршрут: Через сервер-ретранслятор',
    ]);
    await expect(el).to.be.accessible();
  });

  it('opens the details from the keyboard and closes them with Esc, focus back on the badge', async () => {
    const el = await room(callOf());
    const badge = badges(el)[0]!;
    badge.focus();
    await sendKeys({ press: 'Enter' });
    await until(() => Boolean(details(el)), 'the details');
    await el.updateComplete;
    expect(badge.getAttribute('aria-expanded')).to.equal('true');
    expect(el.shadowRoot!.activeElement, 'focus in the details').to.equal(details(el));
    expect(details(el)!.getAttribute('role')).to.equal('dialog');
    expect(details(el)!.getAttribute('aria-label')).to.equal('Connection details: Boris Ivanov');
    expect(rows(el)).to.deep.equal(['Codec: VP8', 'Resolution: 1280 × 720', 'Frame rate: 30 fps', 'Bitrate: 1,450 kbit/s', 'Round trip: 24 ms', 'Packet loss: 0 %', 'Route: Direct']);
    await expect(el).to.be.accessible();

    await sendKeys({ press: 'Escape' });
    await until(() => !details(el), 'the details closed');
    expect(badge.getAttribute('aria-expanded')).to.equal('false');
    expect(el.shadowRoot!.activeElement).to.equal(badge);

    // Space works as well, and Tab reaches the close button, which closes them too.
    await sendKeys({ press: 'Space' });
    await until(() => Boolean(details(el)), 'the details again');
    await el.updateComplete;
    await sendKeys({ press: 'Tab' });
    expect(el.shadowRoot!.activeElement?.getAttribute('aria-label')).to.equal('Close the connection details');
    await sendKeys({ press: 'Enter' });
    await until(() => !details(el), 'closed by its button');
    expect(el.shadowRoot!.activeElement).to.equal(badge);
  });

  it('closes the details on a click outside them, and on the badge again', async () => {
    const el = await room(callOf());
    const [first, second] = badges(el);
    first!.click();
    await until(() => Boolean(details(el)), 'the details');
    // A click inside keeps them open.
    details(el)!.querySelector('dl')!.click();
    await el.updateComplete;
    expect(details(el)).to.not.equal(null);
    document.body.click();
    await until(() => !details(el), 'closed by the click outside');
    expect(first!.getAttribute('aria-expanded')).to.equal('false');
    // Another tile's badge opens that tile's details instead.
    first!.click();
    await until(() => Boolean(details(el)), 'open again');
    second!.click();
    await until(() => details(el)?.id === 'quality-user-2', 'the second tile’s details');
    expect(el.shadowRoot!.querySelectorAll('[part~="quality-details"]')).to.have.lengthOf(1);
    second!.click();
    await until(() => !details(el), 'closed by its badge');
  });

  it('says what is not known yet, and closes the details of someone who left', async () => {
    const session = callOf();
    const el = await room(session);
    session.update([session.participants[0]!, { ...person(1), quality: { level: 'fair', rttMs: 350 } }]);
    await el.updateComplete;
    badges(el)[0]!.click();
    await until(() => Boolean(details(el)), 'the details');
    expect(rows(el)).to.include.members(['Codec: not known yet', 'Route: not known yet', 'Round trip: 350 ms', 'Packet loss: not known yet']);
    session.update([session.participants[0]!]);
    await el.updateComplete;
    await el.updateComplete;
    expect(details(el), 'no details of nobody').to.equal(null);
    expect(badges(el)).to.have.lengthOf(0);
  });

  for (const lang of ['en', 'ru']) {
    it(`tells the local user their connection is poor once it holds, once, and not after it recovers (${lang})`, async () => {
      const session = callOf();
      const el = await room(session, lang);
      const expected = lang === 'ru' ? 'У вас плохое соединение' : 'Your connection is poor';
      const poor = () => session.update([{ ...session.participants[0]!, quality: QUALITY.poor }, ...session.participants.slice(1)]);
      const good = () => session.update([{ ...session.participants[0]!, quality: QUALITY.good }, ...session.participants.slice(1)]);
      poor();
      await el.updateComplete;
      expect(notice(el), 'not for a moment of poor').to.equal(null);
      // Samples go on arriving (every 2 s): the banner does not wait longer for each.
      await new Promise((resolve) => setTimeout(resolve, NOTICE_DELAY_MS / 2));
      poor();
      await until(() => Boolean(notice(el)), 'the banner', NOTICE_DELAY_MS + 2000);
      expect(notice(el)!.textContent).to.contain(expected);
      await until(() => live(el).includes(expected), 'the announcement');
      await expect(el).to.be.accessible();
      // Further poor samples neither repeat the announcement nor move the banner.
      (el.shadowRoot!.querySelector('[role="status"]') as HTMLElement).textContent = '';
      poor();
      await el.updateComplete;
      await new Promise((resolve) => setTimeout(resolve, NOTICE_DELAY_MS + 300));
      expect(live(el)).to.not.contain(expected);
      expect(notice(el)).to.not.equal(null);
      good();
      await el.updateComplete;
      expect(notice(el), 'gone when it recovers').to.equal(null);
      // A poor sample right after the recovery does not bring it straight back.
      poor();
      await el.updateComplete;
      expect(notice(el)).to.equal(null);
      good();
      await new Promise((resolve) => setTimeout(resolve, NOTICE_DELAY_MS + 300));
      expect(notice(el), 'the pending banner was called off').to.equal(null);
    });
  }
});
