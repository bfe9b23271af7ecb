import { expect, fixture, html } from '@open-wc/testing';
import '../../src/define.ts';
import type { Participant } from '../../src/core/call-session.ts';
import type { CallParticipants } from '../../src/elements/call-participants/call-participants.ts';
import type { EventCallButton } from '../../src/elements/event-call-button/event-call-button.ts';
import type { VideoCallRoom } from '../../src/elements/video-call-room/video-call-room.ts';
import { signUp, until } from './support.ts';

const anna: Participant = { id: 'u1', userId: 'u1', name: 'Anna', email: null, avatarUrl: null, role: 'host', inviteStatus: 'accepted', presence: 'offline', isLocal: false, mic: false, cam: false, screen: false, speaking: false, hand: false };
const heading = (el: CallParticipants) => el.shadowRoot!.querySelector('h3')!.textContent!.trim();
const roomText = (el: VideoCallRoom) => el.shadowRoot!.textContent!.replace(/\s+/g, ' ');

describe('the page’s language', () => {
  const original = document.documentElement.lang;
  afterEach(() => {
    document.documentElement.lang = original;
  });

  it('is what elements without a lang of their own speak, and they follow it when it changes', async () => {
    document.documentElement.lang = 'ru';
    const list = await fixture<CallParticipants>(html`<call-participants .participants=${[anna]}></call-participants>`);
    const room = await fixture<VideoCallRoom>(html`<video-call-room session-id="00000000-0000-4000-8000-000000000000"></video-call-room>`);
    expect(heading(list)).to.equal('Участники (1)');
    expect(roomText(room)).to.contain('Присоединиться');
    expect(list.hasAttribute('lang'), 'no empty lang attribute of its own').to.equal(false);
    expect(room.hasAttribute('lang')).to.equal(false);

    document.documentElement.lang = 'en-GB';
    await until(() => heading(list) === 'People (1)', 'the list in English');
    await until(() => roomText(room).includes('Join call'), 'the room in English');
  });

  it('comes from the nearest ancestor with a lang, live, unless the element has its own', async () => {
    document.documentElement.lang = 'en';
    const wrapper = await fixture<HTMLDivElement>(html`<div lang="ru-RU">
      <section><call-participants .participants=${[anna]}></call-participants></section>
      <call-participants lang="en" .participants=${[anna]}></call-participants>
    </div>`);
    const [inherited, own] = wrapper.querySelectorAll('call-participants');
    await inherited.updateComplete;
    expect(heading(inherited)).to.equal('Участники (1)');
    expect(heading(own)).to.equal('People (1)');
    wrapper.setAttribute('lang', 'en');
    await until(() => heading(inherited) === 'People (1)', 'the list following its ancestor');
  });

  it('reaches inside the event button: its dates, its panel and its room', async () => {
    document.documentElement.lang = 'ru';
    const host = await signUp('Anna');
    const eventId = `evt-${crypto.randomUUID()}`;
    await host.callClient.openEventCall({ eventId });
    const el = await fixture<EventCallButton>(html`<event-call-button event-id=${eventId} starts-at=${new Date(Date.now() + 26 * 3600_000).toISOString()} .client=${host.callClient}></event-call-button>`);
    await until(() => el.state === 'scheduled', 'the call found');
    await el.updateComplete;
    const text = () => el.shadowRoot!.textContent!.replace(/\s+/g, ' ');
    expect(text()).to.contain('Присоединиться к видеозвонку');
    expect(text()).to.contain('Начало:');
    el.shadowRoot!.querySelector<HTMLButtonElement>('[part~="manage"]')!.click();
    await el.updateComplete;
    const panel = el.shadowRoot!.querySelector('call-invite-panel')!;
    await until(() => Boolean(panel.shadowRoot!.querySelector('call-participants')), 'the panel’s list');
    const list = panel.shadowRoot!.querySelector<CallParticipants>('call-participants')!;
    await until(() => list.shadowRoot!.textContent!.includes('Организатор'), 'the panel’s list in Russian');
    expect(panel.shadowRoot!.textContent).to.contain('ID пользователя или e-mail');
  });
});
