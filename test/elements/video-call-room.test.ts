import { expect, fixture, html } from '@open-wc/testing';
import { sendKeys, sendMouse } from '@web/test-runner-commands';
import '../../src/define.ts';
import { RELEASE_GRACE_MS } from '../../src/core/session-holds.ts';
import { SHARE_NOTICE_MS, type VideoCallRoom } from '../../src/elements/video-call-room/video-call-room.ts';
import * as support from './support.ts';
import { newCall, nextEvent, signUp, until } from './support.ts';

const shadowText = (el: VideoCallRoom) => el.shadowRoot!.textContent!.replace(/\s+/g, ' ');
const button = (el: VideoCallRoom, label: string | RegExp) =>
  [...el.shadowRoot!.querySelectorAll<HTMLButtonElement>('button')].find((b) => {
    const name = b.getAttribute('aria-label') ?? b.textContent!.trim();
    return typeof label === 'string' ? name === label : label.test(name);
  });

describe('<video-call-room>', () => {
  it('joins on click, shows the local tile and waits for others, accessibly', async () => {
    const anna = await signUp('Anna');
    const sessionId = await newCall(anna);
    const el = await fixture<VideoCallRoom>(html`<video-call-room lang="en" session-id=${sessionId} .client=${anna.callClient}></video-call-room>`);
    expect(shadowText(el)).to.contain('Ready to join?');
    const joined = nextEvent<{ sessionId: string; userId: string }>(el, 'call-joined');
    button(el, 'Join call')!.click();
    const { detail } = await joined;
    expect(detail).to.deep.equal({ sessionId, userId: anna.id });
    await el.updateComplete;
    expect(shadowText(el)).to.contain('Waiting for others to join');
    const tiles = el.shadowRoot!.querySelectorAll('[part~="tile"]');
    expect(tiles.length).to.equal(1);
    expect(tiles[0].getAttribute('aria-label')).to.contain('Anna (you)');
    const video = tiles[0].querySelector('video')!;
    // A front camera (or one the browser says nothing about, as Chromium's fake) shows as in a
    // mirror; Firefox's fake camera says it faces the world, and a back camera is not mirrored.
    const facing = video.srcObject instanceof MediaStream ? video.srcObject.getVideoTracks()[0]?.getSettings().facingMode : undefined;
    expect(getComputedStyle(video).transform, 'your own front camera is mirrored, as in a mirror').to.equal(
      facing === 'environment' ? 'none' : 'matrix(-1, 0, 0, 1, 0, 0)',
    );
    expect(getComputedStyle(tiles[0].querySelector('[part~="name"]')!).transform, 'your name is not').to.equal('none');
    // The attribute, which is what iOS reads: Firefox has no playsInline property at all.
    expect(video.hasAttribute('playsinline')).to.equal(true);
    expect(video.muted, 'your own video never plays your own voice').to.equal(true);
    await expect(el).to.be.accessible();
    await el.leave();
  });

  it('toggles the microphone from the keyboard, with aria-pressed and an announcement', async () => {
    const anna = await signUp('Anna');
    const sessionId = await newCall(anna);
    const el = await fixture<VideoCallRoom>(html`<video-call-room lang="en" autojoin session-id=${sessionId} .client=${anna.callClient}></video-call-room>`);
    await nextEvent(el, 'call-joined');
    await el.updateComplete;
    const mic = button(el, 'Mute microphone')!;
    expect(mic.getAttribute('aria-pressed')).to.equal('true');
    mic.focus();
    await sendKeys({ press: 'Enter' });
    await el.updateComplete;
    expect(mic.getAttribute('aria-pressed')).to.equal('false');
    expect(mic.getAttribute('aria-label')).to.equal('Unmute microphone');
    await until(() => el.shadowRoot!.querySelector('[role="status"]')!.textContent === 'Microphone off', 'the announcement');
    expect(el.session!.media.camera!.getAudioTracks()[0].enabled).to.equal(false);
    await sendKeys({ press: 'Space' });
    await el.updateComplete;
    expect(mic.getAttribute('aria-pressed')).to.equal('true');
    await el.leave();
  });

  it('shows the other person, and tells the host when they join and leave', async () => {
    const anna = await signUp('Anna');
    const boris = await signUp('Boris');
    const sessionId = await newCall(anna, [boris]);
    const host = await fixture<VideoCallRoom>(html`<video-call-room lang="en" autojoin session-id=${sessionId} .client=${anna.callClient}></video-call-room>`);
    await nextEvent(host, 'call-joined');
    const joinedEvent = nextEvent<{ participant: { name: string } }>(host, 'call-participant-joined');
    const guest = await fixture<VideoCallRoom>(html`<video-call-room lang="en" autojoin session-id=${sessionId} .client=${boris.callClient}></video-call-room>`);
    expect((await joinedEvent).detail.participant.name).to.equal('Boris');
    await until(() => {
      const video = [...host.shadowRoot!.querySelectorAll<HTMLVideoElement>('[part~="tile"]:not(.local) video')][0];
      return Boolean(video && video.videoWidth > 0);
    }, 'Boris’s video in Anna’s room');
    expect(host.shadowRoot!.querySelectorAll('[part~="tile"]').length).to.equal(2);
    const remoteVideo = host.shadowRoot!.querySelector<HTMLVideoElement>('[part~="tile"]:not(.local) video')!;
    expect(remoteVideo.muted, 'remote voices are heard').to.equal(false);

    const leftEvent = nextEvent<{ participant: { name: string } }>(host, 'call-participant-left');
    const left = nextEvent(guest, 'call-left');
    button(guest, 'Leave call')!.click();
    await left;
    expect((await leftEvent).detail.participant.name).to.equal('Boris');
    await host.updateComplete;
    expect(host.shadowRoot!.querySelectorAll('[part~="tile"]').length).to.equal(1);
    expect(shadowText(guest)).to.contain('You left the call');
    await host.leave();
  });

  it('refuses someone who is not invited, in Russian, with a way to retry', async () => {
    const anna = await signUp('Anna');
    const eve = await signUp('Eve');
    const sessionId = await newCall(anna);
    const el = await fixture<VideoCallRoom>(html`<video-call-room lang="ru" session-id=${sessionId} .client=${eve.callClient}></video-call-room>`);
    const failed = nextEvent<{ code: string }>(el, 'call-error');
    el.autojoin = true;
    expect((await failed).detail.code).to.equal('not_participant');
    await el.updateComplete;
    expect(el.shadowRoot!.querySelector('[role="alert"]')!.textContent).to.equal('Вас не приглашали в этот звонок.');
    expect(button(el, 'Попробовать снова')).to.exist;
    await expect(el).to.be.accessible();
  });

  it('explains what is missing when no backend is configured', async () => {
    const el = await fixture<VideoCallRoom>(html`<video-call-room lang="en" session-id="00000000-0000-4000-8000-000000000000"></video-call-room>`);
    const failed = nextEvent<{ code: string; message: string }>(el, 'call-error');
    button(el, 'Join call')!.click();
    expect((await failed).detail.message).to.contain('supabase-url');
    await el.updateComplete;
    expect(shadowText(el)).to.contain('CallWidgets.configure()');
  });

  it('fits a 360 px wide phone screen with thumb-sized controls', async () => {
    const anna = await signUp('Anna');
    const sessionId = await newCall(anna);
    const el = await fixture<VideoCallRoom>(html`<video-call-room style="width: 360px" lang="ru" autojoin session-id=${sessionId} .client=${anna.callClient}></video-call-room>`);
    await nextEvent(el, 'call-joined');
    await el.updateComplete;
    const controls = el.shadowRoot!.querySelector<HTMLElement>('[part="controls"]')!;
    expect(controls.scrollWidth).to.be.at.most(controls.clientWidth);
    for (const control of el.shadowRoot!.querySelectorAll<HTMLElement>('[part~="control"]')) {
      const box = control.getBoundingClientRect();
      expect(box.width, control.getAttribute('aria-label') ?? '').to.be.at.least(44);
      expect(box.height).to.be.at.least(44);
      expect(box.right).to.be.at.most(el.getBoundingClientRect().right + 0.5);
    }
    await el.leave();
  });

  it('stays in the call when the page replaces it with a new room for the same call, and leaves once nothing shows it', async () => {
    const anna = await signUp('Anna');
    const sessionId = await newCall(anna);
    const first = await fixture<VideoCallRoom>(html`<video-call-room lang="en" autojoin session-id=${sessionId} .client=${anna.callClient}></video-call-room>`);
    await nextEvent(first, 'call-joined');
    const session = first.session!;
    const parent = first.parentElement!;

    // A host page re-rendering: the old element goes, a new one for the same call comes.
    first.remove();
    const second = document.createElement('video-call-room');
    second.lang = 'en';
    second.client = anna.callClient;
    second.sessionId = sessionId;
    second.autojoin = true;
    parent.append(second);
    expect(second.session, 'the new room shows the call the client has').to.equal(session);
    await new Promise((resolve) => setTimeout(resolve, RELEASE_GRACE_MS + 500));
    expect(session.state).to.equal('connected');
    await second.updateComplete;
    expect(second.shadowRoot!.querySelectorAll('[part~="tile"]').length).to.equal(1);

    // Removed for good: out of the call after the grace, so the camera goes off.
    second.remove();
    await until(() => session.state === 'left' && !session.media.camera, 'the call left and the camera off');
  });

  describe('fallback', () => {
    /** A call of the host's with these settings (force_relay, fallback_url), the guests invited. */
    const callWith = async (host: Awaited<ReturnType<typeof signUp>>, settings: Record<string, unknown>, guests: Awaited<ReturnType<typeof signUp>>[] = []) => {
      const session = await host.callClient.createSession({ title: 'Fallback', settings });
      for (const guest of guests) {
        const { error } = await host.supabase.from('video_call_participants').insert({ session_id: session.id, user_id: guest.id });
        if (error) throw new Error(error.message);
      }
      return session.id;
    };

    it('tells a browser without WebRTC to use another one, in Russian, with the external meeting a real link to a new tab', async () => {
      const anna = await signUp('Anna');
      const sessionId = await callWith(anna, { fallback_url: 'https://meet.example.com/weekly' });
      const original = window.RTCPeerConnection;
      (window as { RTCPeerConnection?: unknown }).RTCPeerConnection = undefined;
      try {
        const el = await fixture<VideoCallRoom>(html`<video-call-room lang="ru" session-id=${sessionId} .client=${anna.callClient}></video-call-room>`);
        const fallback = nextEvent<{ reason: string; step: string; url?: string }>(el, 'call-fallback');
        const error = nextEvent<{ code: string }>(el, 'call-error');
        button(el, 'Присоединиться')!.click();
        expect((await fallback).detail).to.deep.equal({ reason: 'webrtc-unsupported', step: 'external', url: 'https://meet.example.com/weekly' });
        expect((await error).detail.code).to.equal('webrtc_unsupported');
        await el.updateComplete;
        expect(shadowText(el)).to.contain('Этот браузер не умеет видеозвонки');
        const link = el.shadowRoot!.querySelector<HTMLAnchorElement>('[part~="fallback-link"]')!;
        expect(link.href).to.equal('https://meet.example.com/weekly');
        expect(link.target).to.equal('_blank');
        expect(link.rel).to.contain('noopener');
        expect(link.textContent).to.contain('Открыть внешнюю встречу');
        await until(() => el.shadowRoot!.querySelector('[role="status"]')!.textContent!.includes('Этот браузер не умеет видеозвонки'), 'the polite announcement');
        await expect(el).to.be.accessible();
        // Nobody saw Anna "in" a call she could not take part in.
        const { data } = await anna.supabase.from('video_call_participants').select('presence_status').eq('session_id', sessionId).eq('user_id', anna.id).single();
        expect(data!.presence_status).not.to.equal('connected');
      } finally {
        window.RTCPeerConnection = original;
      }
    });

    it('ends a relay-only call whose TURN server does not answer at the external meeting, and names who could not be reached with a retry', async () => {
      const anna = await signUp('Anna');
      const boris = await signUp('Boris');
      const sessionId = await callWith(anna, { force_relay: true, fallback_url: 'http://127.0.0.1:9/meet' }, [boris]);
      // A TURN server nobody runs: relay-only links get no candidates at all.
      // A port nobody listens on (Firefox refuses well-known ones such as 9 outright).
      const iceServers = [{ urls: 'turn:127.0.0.1:49999?transport=udp', username: '1:x', credential: 'x' }];
      const host = await fixture<VideoCallRoom>(html`<video-call-room lang="en" autojoin session-id=${sessionId} .client=${anna.callClient} .iceServers=${iceServers}></video-call-room>`);
      await nextEvent(host, 'call-joined');
      const fallback = nextEvent<{ reason: string; step: string; url?: string; peerId?: string }>(host, 'call-fallback', 28_000);
      const guest = await fixture<VideoCallRoom>(html`<video-call-room lang="en" autojoin session-id=${sessionId} .client=${boris.callClient} .iceServers=${iceServers}></video-call-room>`);
      const { detail } = await fallback;
      expect(detail).to.deep.equal({ reason: 'relay-failed', step: 'external', url: 'http://127.0.0.1:9/meet', peerId: boris.id });
      await host.updateComplete;
      expect(shadowText(host)).to.contain('Could not connect to Boris, not even through the relay server.');
      expect(host.shadowRoot!.querySelector<HTMLAnchorElement>('[part~="fallback-link"]')!.href).to.equal('http://127.0.0.1:9/meet');
      const retry = button(host, 'Try connecting to Boris again')!;
      expect(retry, 'a retry for Boris').to.exist;
      await expect(host).to.be.accessible();
      retry.click();
      await host.updateComplete;
      expect(button(host, 'Try connecting to Boris again'), 'the retry starts over').to.equal(undefined);
      await Promise.all([host.leave(), guest.leave()]);
    });
  });

  describe('screen share refused', () => {
    /** Presses a button of the room as a person does: a real click, which getDisplayMedia needs. */
    async function press(target: HTMLElement, frame?: HTMLIFrameElement) {
      target.scrollIntoView({ block: 'center' });
      await new Promise((resolve) => requestAnimationFrame(resolve));
      const box = target.getBoundingClientRect();
      const offset = frame?.getBoundingClientRect() ?? { left: 0, top: 0 };
      await sendMouse({ type: 'click', position: [Math.round(offset.left + box.left + box.width / 2), Math.round(offset.top + box.top + box.height / 2)] });
    }

    const notice = (el: VideoCallRoom) => el.shadowRoot!.querySelector('.share-notice')?.textContent?.trim();
    const announced = (el: VideoCallRoom) => el.shadowRoot!.querySelector('[role="status"]')!.textContent;

    /**
     * A room joined inside a frame whose embedding forbids screen capture
     * (`allow="display-capture 'none'"`), as a host page may: the browser itself refuses
     * getDisplayMedia with NotAllowedError, the error a person's cancelled picker gives, in both
     * Chromium and Firefox (headless, neither has a picker to cancel).
     */
    async function joinedInFrameWithoutCapture(lang: string) {
      const host = await fixture<HTMLDivElement>(html`<div></div>`);
      const frame = document.createElement('iframe');
      frame.setAttribute('allow', "display-capture 'none'");
      frame.style.cssText = 'width: 800px; height: 600px; border: 0';
      frame.srcdoc = `<!doctype html><html lang="${lang}"><body><script type="module">import '/src/define.ts'; import * as support from '/test/elements/support.ts'; window.support = support;</script></body></html>`;
      host.append(frame);
      const inside = frame.contentWindow as Window & { support?: typeof support };
      await until(() => Boolean(inside.support && inside.customElements.get('video-call-room')), 'the frame to load the room');
      const anna = await inside.support!.signUp('Anna');
      const sessionId = await inside.support!.newCall(anna);
      const el = frame.contentDocument!.createElement('video-call-room');
      // Within the frame, so the controls are where a click can reach them.
      el.style.height = '540px';
      el.lang = lang;
      el.sessionId = sessionId;
      el.client = anna.callClient;
      const errors: Event[] = [];
      el.addEventListener('call-error', (event) => errors.push(event));
      const joined = nextEvent(el, 'call-joined');
      el.autojoin = true;
      frame.contentDocument!.body.append(el);
      await joined;
      await el.updateComplete;
      return { el, frame, errors };
    }

    for (const [lang, share, said] of [
      ['en', 'Share screen', 'Screen sharing was cancelled or is not allowed on this page.'],
      ['ru', 'Показать экран', 'Показ экрана отменён или запрещён на этой странице.'],
    ] as const) {
      it(`says politely (${lang}) that the screen share was cancelled, announces it, keeps the button off and lets the message go by itself`, async () => {
        const { el, frame, errors } = await joinedInFrameWithoutCapture(lang);
        const shareButton = button(el, share)!;
        expect(shareButton, 'the share button').to.exist;
        await press(shareButton, frame);
        await until(() => notice(el) === said, 'the message');
        await until(() => announced(el) === said, 'the announcement to screen readers');
        expect(shareButton.getAttribute('aria-pressed'), 'not sharing').to.equal('false');
        expect(shareButton.getAttribute('aria-label')).to.equal(share);
        expect(el.session!.media.state.screen).to.equal(false);
        expect(errors, 'a cancelled picker is no error for the host page').to.have.length(0);
        // It goes by itself, and the button still works (the browser refuses again, the message is back).
        await until(() => notice(el) === undefined, 'the message to go by itself', SHARE_NOTICE_MS + 5000);
        await press(button(el, share)!, frame);
        await until(() => notice(el) === said, 'the message again on a second refusal');
        await el.leave();
      });
    }

    it('shares the screen where the browser can, and says this browser cannot where it has nothing to capture (headless Firefox)', async () => {
      const anna = await signUp('Anna');
      const sessionId = await newCall(anna);
      const el = await fixture<VideoCallRoom>(html`<video-call-room style="height: 540px" lang="en" autojoin session-id=${sessionId} .client=${anna.callClient}></video-call-room>`);
      await nextEvent(el, 'call-joined');
      await el.updateComplete;
      const errors: CustomEvent<{ code: string }>[] = [];
      el.addEventListener('call-error', (event) => errors.push(event));
      await press(button(el, 'Share screen')!);
      if (navigator.userAgent.includes('Firefox')) {
        // Headless Firefox keeps getDisplayMedia but has no screen: NotFoundError.
        const said = 'This browser cannot share the screen.';
        await until(() => notice(el) === said, 'the message');
        await until(() => announced(el) === said, 'the announcement to screen readers');
        expect(button(el, 'Share screen')!.getAttribute('aria-pressed')).to.equal('false');
        expect(errors.map((event) => event.detail.code)).to.deep.equal(['media_unavailable']);
        await expect(el).to.be.accessible();
        await until(() => notice(el) === undefined, 'the message to go by itself', SHARE_NOTICE_MS + 5000);
      } else {
        // Chromium's fake capture shares at once: no message, the button pressed, then off again.
        await until(() => el.session!.media.state.screen, 'the screen shared');
        await el.updateComplete;
        expect(notice(el)).to.equal(undefined);
        const stop = button(el, 'Stop sharing screen')!;
        expect(stop.getAttribute('aria-pressed')).to.equal('true');
        await press(stop);
        await until(() => !el.session!.media.state.screen, 'the share stopped');
        expect(errors).to.have.length(0);
      }
      await el.leave();
    });
  });
});
