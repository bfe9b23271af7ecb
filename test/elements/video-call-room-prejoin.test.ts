/**
 * The pre-join screen of <video-call-room> (issue 16): the preview, the states the browser can
 * put it in (refused, no devices, one camera), remembered choices, and Join handing the chosen
 * microphone state, tracks and name to a real session on the local stack. The browser's refusals
 * are reproduced by answering getUserMedia as the browser would (a NotAllowedError DOMException).
 */
import { expect, fixture, html } from '@open-wc/testing';
import { setViewport } from '@web/test-runner-commands';
import '../../src/define.ts';
import { PREJOIN_STORAGE_KEY } from '../../src/core/prejoin-choices.ts';
import type { VideoCallRoom } from '../../src/elements/video-call-room/video-call-room.ts';
import { FixtureSession, people } from '../../stories/fixtures.ts';
import { newCall, nextEvent, signUp, until } from './support.ts';

type Devices = MediaDevices & { getUserMedia: MediaDevices['getUserMedia']; enumerateDevices: MediaDevices['enumerateDevices'] };
const devices = navigator.mediaDevices as Devices;
const realGetUserMedia = devices.getUserMedia.bind(devices);
const realEnumerate = devices.enumerateDevices.bind(devices);
/** Every getUserMedia the page made (the constraints), and what the browser answers next. */
let asked: MediaStreamConstraints[] = [];

const $ = <T extends Element = HTMLElement>(el: VideoCallRoom, selector: string) => el.shadowRoot!.querySelector<T>(selector);
const text = (el: VideoCallRoom) => el.shadowRoot!.textContent!.replace(/\s+/g, ' ');
const previewVideo = (el: VideoCallRoom) => $<HTMLVideoElement>(el, '[part~="prejoin-preview"] video');
const toggle = (el: VideoCallRoom, name: string) =>
  [...el.shadowRoot!.querySelectorAll<HTMLButtonElement>('[part~="prejoin-toggle"]')].find((b) => b.textContent!.trim() === name)!;
const settled = (el: VideoCallRoom) => until(() => !/Starting the camera|Включаем камеру/.test(text(el)), 'the preview to settle');

function answer(getUserMedia: (constraints: MediaStreamConstraints) => Promise<MediaStream>, enumerate?: () => Promise<MediaDeviceInfo[]>): void {
  devices.getUserMedia = (constraints?: MediaStreamConstraints) => {
    asked.push(constraints ?? {});
    return getUserMedia(constraints ?? {});
  };
  if (enumerate) devices.enumerateDevices = enumerate;
}

const refuse = (name: string) => () => Promise.reject(new DOMException(`the browser says ${name}`, name));

describe('<video-call-room> pre-join screen', () => {
  beforeEach(() => {
    asked = [];
    localStorage.removeItem(PREJOIN_STORAGE_KEY);
    answer(realGetUserMedia);
  });
  afterEach(() => {
    delete (devices as Partial<Devices>).getUserMedia;
    delete (devices as Partial<Devices>).enumerateDevices;
    localStorage.removeItem(PREJOIN_STORAGE_KEY);
  });

  it('shows the camera mirrored, the name from the profile, a live microphone level, with the focus on the name (en, ru)', async () => {
    const anna = await signUp('Anna');
    const sessionId = await newCall(anna);
    const el = await fixture<VideoCallRoom>(html`<video-call-room lang="en" session-id=${sessionId} .client=${anna.callClient}></video-call-room>`);
    await until(() => Boolean(previewVideo(el)), 'the camera preview');
    const video = previewVideo(el)!;
    expect((video.srcObject as MediaStream).getVideoTracks()[0]!.readyState).to.equal('live');
    const facing = (video.srcObject as MediaStream).getVideoTracks()[0]!.getSettings().facingMode;
    expect(getComputedStyle(video).transform).to.equal(facing === 'environment' ? 'none' : 'matrix(-1, 0, 0, 1, 0, 0)');
    expect(video.muted, 'your own preview never plays your voice').to.equal(true);
    const name = $<HTMLInputElement>(el, '[part~="prejoin-name"]')!;
    await until(() => name.value === 'Anna', 'the name from the profile');
    expect(el.shadowRoot!.activeElement, 'the first control has the focus').to.equal(name);
    const meter = $(el, '[role="meter"]')!;
    expect(meter.getAttribute('aria-label')).to.equal('Microphone level');
    expect(meter.closest('[aria-live]'), 'the level is not announced').to.equal(null);
    if (navigator.userAgent.includes('Firefox')) {
      // Headless Firefox keeps every AudioContext suspended (measured: state 'suspended', RMS 0),
      // so its meter reads silence; the level is there, in range.
      const now = Number(meter.getAttribute('aria-valuenow'));
      expect(now).to.be.within(0, 100);
    } else {
      await until(() => Number(meter.getAttribute('aria-valuenow')) > 0, 'the fake microphone’s sound on the meter', 8000);
    }
    expect(toggle(el, 'Microphone').getAttribute('aria-pressed')).to.equal('true');
    expect(toggle(el, 'Camera').getAttribute('aria-pressed')).to.equal('true');
    for (const target of el.shadowRoot!.querySelectorAll<HTMLElement>('button, input, select')) {
      const box = target.getBoundingClientRect();
      expect(box.height, `${target.outerHTML.slice(0, 60)} is a 44 px target`).to.be.at.least(44);
    }
    await expect(el).to.be.accessible();
    el.lang = 'ru';
    await el.updateComplete;
    expect(text(el)).to.contain('Готовы войти?');
    expect(toggle(el, 'Микрофон')).to.exist;
    await expect(el).to.be.accessible();
    // Turning the camera off stops it (the light goes out) and shows the initials.
    const track = (video.srcObject as MediaStream).getVideoTracks()[0]!;
    toggle(el, 'Камера').click();
    await until(() => !previewVideo(el), 'the initials in place of the preview');
    expect(track.readyState).to.equal('ended');
    expect($(el, '[part~="prejoin-preview"] .initials')!.textContent).to.equal('A');
    el.remove();
  });

  it('says how to allow the camera when the browser refused, and Try again brings the preview back', async () => {
    answer(refuse('NotAllowedError'));
    const el = await fixture<VideoCallRoom>(html`<video-call-room lang="en" .session=${new FixtureSession({ state: 'idle' })}></video-call-room>`);
    await until(() => Boolean($(el, '[part~="prejoin-problem"]')), 'the permission help');
    expect($(el, '[part~="prejoin-problem"]')!.getAttribute('role')).to.equal('alert');
    expect(text(el)).to.contain('The browser blocked the camera and microphone');
    expect(text(el)).to.match(/address bar/);
    expect(text(el)).to.contain('You will join to watch and listen.');
    expect(el.shadowRoot!.querySelectorAll('[part~="prejoin-toggle"]').length, 'no toggles for devices it may not use').to.equal(0);
    expect($<HTMLButtonElement>(el, '[part~="prejoin-join"]')!.disabled).to.equal(false);
    expect(el.shadowRoot!.activeElement, 'Try again has the focus').to.equal($(el, '[part~="prejoin-retry"]'));
    await expect(el).to.be.accessible();
    el.lang = 'ru';
    await el.updateComplete;
    expect(text(el)).to.contain('Браузер запретил доступ к камере и микрофону');
    await expect(el).to.be.accessible();

    answer(realGetUserMedia);
    $<HTMLButtonElement>(el, '[part~="prejoin-retry"]')!.click();
    await until(() => Boolean(previewVideo(el)), 'the preview after Try again');
    expect($(el, '[part~="prejoin-problem"]')).to.equal(null);
    el.remove();
  });

  it('with no camera or microphone offers to join to watch and listen', async () => {
    answer(refuse('NotFoundError'), async () => []);
    const el = await fixture<VideoCallRoom>(html`<video-call-room lang="ru" .session=${new FixtureSession({ state: 'idle' })}></video-call-room>`);
    await until(() => Boolean($(el, '[part~="prejoin-problem"]')), 'the no-devices notice');
    expect(text(el)).to.contain('Камера и микрофон не найдены');
    expect(text(el)).to.contain('Вы войдёте, чтобы смотреть и слушать.');
    expect(el.shadowRoot!.querySelectorAll('select, [role="meter"], [part~="prejoin-toggle"]').length).to.equal(0);
    await expect(el).to.be.accessible();
    el.lang = 'en';
    await el.updateComplete;
    expect(text(el)).to.contain('No camera or microphone found');
    await expect(el).to.be.accessible();
    el.remove();
  });

  it('with one camera names it instead of offering a choice', async () => {
    answer(realGetUserMedia, async () => {
      const list = await realEnumerate();
      const camera = list.find((device) => device.kind === 'videoinput');
      return list.filter((device) => device.kind !== 'videoinput' || device === camera);
    });
    const el = await fixture<VideoCallRoom>(html`<video-call-room lang="en" .session=${new FixtureSession({ state: 'idle' })}></video-call-room>`);
    await until(() => Boolean(previewVideo(el)), 'the preview');
    await until(() => Boolean($(el, '.prejoin-device[data-kind="videoinput"]')), 'the camera named');
    expect($(el, 'select[data-kind="videoinput"]'), 'no camera picker').to.equal(null);
    expect($(el, '.prejoin-device[data-kind="videoinput"]')!.textContent).to.match(/^Camera: \S/);
    el.remove();
  });

  it('fits a phone upright (360 px) and sideways (740 × 360) without scrolling sideways, with 44 px targets', async () => {
    // The room as a phone page holds it: the whole width, no margin of the test page's around it.
    document.body.style.margin = '0';
    try {
      for (const [width, height] of [[360, 740], [740, 360]]) {
        await setViewport({ width, height });
        const el = await fixture<VideoCallRoom>(html`<video-call-room lang="ru" style="height: 100vh" .session=${new FixtureSession({ state: 'idle' })}></video-call-room>`);
        await until(() => Boolean(previewVideo(el)), 'the preview');
        await el.updateComplete;
        const prejoin = $(el, '[part~="prejoin"]')!;
        expect(prejoin.scrollWidth, `${width} × ${height}: no sideways scroll`).to.be.at.most(prejoin.clientWidth + 1);
        expect(document.documentElement.scrollWidth, `${width} × ${height}: the page neither`).to.be.at.most(width);
        for (const target of el.shadowRoot!.querySelectorAll<HTMLElement>('[part~="prejoin"] button, [part~="prejoin"] input, [part~="prejoin"] select')) {
          const box = target.getBoundingClientRect();
          expect(box.height, `${width} × ${height}: ${target.outerHTML.slice(0, 50)}`).to.be.at.least(44);
          expect(box.right, `${width} × ${height}: ${target.outerHTML.slice(0, 50)} on screen`).to.be.at.most(width + 0.5);
        }
        el.remove();
      }
    } finally {
      document.body.style.margin = '';
      await setViewport({ width: 800, height: 600 });
    }
  });

  it('ignores garbage in storage and a remembered device that is gone', async () => {
    for (const garbage of ['not json', '[1,2]', '{"v":2,"mic":false}', '{"v":1,"mic":"no","cam":0,"camera":42,"microphone":"gone-device"}']) {
      localStorage.setItem(PREJOIN_STORAGE_KEY, garbage);
      asked = [];
      const el = await fixture<VideoCallRoom>(html`<video-call-room lang="en" .session=${new FixtureSession({ state: 'idle' })}></video-call-room>`);
      await until(() => Boolean(previewVideo(el)), `the preview with ${garbage} in storage`);
      expect(toggle(el, 'Microphone').getAttribute('aria-pressed'), garbage).to.equal('true');
      expect(toggle(el, 'Camera').getAttribute('aria-pressed'), garbage).to.equal('true');
      el.remove();
    }
  });

  it('uses the remembered choices next time: camera and microphone off, the camera never opened', async () => {
    localStorage.setItem(PREJOIN_STORAGE_KEY, JSON.stringify({ v: 1, mic: false, cam: false }));
    const el = await fixture<VideoCallRoom>(html`<video-call-room lang="en" .session=${new FixtureSession({ state: 'idle' })}></video-call-room>`);
    await settled(el);
    expect(toggle(el, 'Microphone').getAttribute('aria-pressed')).to.equal('false');
    expect(toggle(el, 'Camera').getAttribute('aria-pressed')).to.equal('false');
    expect(previewVideo(el)).to.equal(null);
    expect(asked.every((constraints) => !constraints.video), 'the camera was not asked for').to.equal(true);
    expect($(el, '[role="meter"]'), 'no level while muted').to.equal(null);
    el.remove();
  });

  it('joins with the microphone off and the typed name: the session gets the preview’s own tracks, muted', async () => {
    const anna = await signUp('Anna');
    const sessionId = await newCall(anna);
    const el = await fixture<VideoCallRoom>(html`<video-call-room lang="en" session-id=${sessionId} .client=${anna.callClient}></video-call-room>`);
    await until(() => Boolean(previewVideo(el)), 'the preview');
    const previewTrack = (previewVideo(el)!.srcObject as MediaStream).getVideoTracks()[0]!;
    toggle(el, 'Microphone').click();
    await el.updateComplete;
    expect(toggle(el, 'Microphone').getAttribute('aria-pressed')).to.equal('false');
    const name = $<HTMLInputElement>(el, '[part~="prejoin-name"]')!;
    await until(() => name.value === 'Anna', 'the profile name');
    name.value = 'Anna P.';
    name.dispatchEvent(new InputEvent('input'));
    const joined = nextEvent(el, 'call-joined');
    $<HTMLButtonElement>(el, '[part~="prejoin-join"]')!.click();
    await joined;
    const session = el.session!;
    expect(session.media.state.mic, 'joined muted').to.equal(false);
    expect(session.media.camera!.getAudioTracks()[0]!.enabled).to.equal(false);
    expect(session.media.camera!.getVideoTracks()[0], 'the same camera track, not a second camera').to.equal(previewTrack);
    expect(previewTrack.readyState).to.equal('live');
    await el.updateComplete;
    expect($(el, '[part~="prejoin"]')).to.equal(null);
    expect($(el, '[part~="tile"].local')!.getAttribute('aria-label')).to.contain('Anna P. (you)');
    const row = async () =>
      (await anna.supabase.from('video_call_participants').select('display_name, mic_on').eq('session_id', sessionId).eq('user_id', anna.id).single()).data;
    let saved: { display_name: string; mic_on: boolean } | null = null;
    await until(() => {
      void row().then((value) => (saved = value));
      return saved?.display_name === 'Anna P.' && saved.mic_on === false;
    }, 'the row with the name and the muted microphone');
    const remembered = JSON.parse(localStorage.getItem(PREJOIN_STORAGE_KEY)!);
    expect(remembered).to.include({ v: 1, mic: false, cam: true, name: 'Anna P.', userId: anna.id });
    await el.leave();
  });

  it('skips the screen with autojoin, and shows the call for a session already joined', async () => {
    const anna = await signUp('Anna');
    const sessionId = await newCall(anna);
    const auto = await fixture<VideoCallRoom>(html`<video-call-room lang="en" autojoin session-id=${sessionId} .client=${anna.callClient}></video-call-room>`);
    expect($(auto, '[part~="prejoin"]')).to.equal(null);
    await nextEvent(auto, 'call-joined');
    expect(asked.length, 'one getUserMedia: the call’s own').to.equal(1);
    await auto.leave();

    asked = [];
    const joined = new FixtureSession({ participants: people(2) });
    const room = await fixture<VideoCallRoom>(html`<video-call-room lang="en" .session=${joined}></video-call-room>`);
    await room.updateComplete;
    expect($(room, '[part~="prejoin"]')).to.equal(null);
    expect(room.shadowRoot!.querySelectorAll('[part~="tile"]').length).to.equal(2);
    expect(asked.length, 'no preview opened').to.equal(0);
  });
});
