/**
 * One person on two pages of one call (a second tab, their phone beside the laptop), against the
 * real local stack: the page that joined last holds the call, the other says so and can take it
 * back with Continue here; the peers see that person once, connected, over the new page's link.
 */
import { expect, fixture, html } from '@open-wc/testing';
import '../../src/define.ts';
import type { CallSession } from '../../src/core/call-session.ts';
import type { VideoCallRoom } from '../../src/elements/video-call-room/video-call-room.ts';
import { anotherPage, newCall, nextEvent, signUp, until } from './support.ts';

const text = (el: Element) => el.shadowRoot!.textContent!.replace(/\s+/g, ' ');
const buttonOf = (el: Element, label: string) => [...el.shadowRoot!.querySelectorAll<HTMLButtonElement>('button')].find((b) => b.textContent!.trim() === label);

describe('<video-call-room> on two pages of one person', () => {
  const calls: CallSession[] = [];
  afterEach(async () => {
    for (const call of calls.splice(0)) await call.leave();
  });

  it('lets the page joined last hold the call, the other say so and take it back, the peer seeing one person', async () => {
    const anna = await signUp('Anna');
    const boris = await signUp('Boris');
    const sessionId = await newCall(anna, [boris]);
    const borisCall = (await boris.callClient.join(sessionId)) as CallSession;
    calls.push(borisCall);
    const laptop = await fixture<VideoCallRoom>(html`<video-call-room lang="en" autojoin session-id=${sessionId} .client=${anna.callClient}></video-call-room>`);
    await nextEvent(laptop, 'call-joined');
    const first = laptop.session as CallSession;
    calls.push(first);
    const annaSeen = () => borisCall.participants.filter((p) => p.id === anna.id);
    await until(() => annaSeen()[0]?.connection === 'connected', 'Boris connected to Anna’s laptop');

    // Anna opens the call on her phone too: the phone holds it, the laptop steps out.
    const phonePage = await anotherPage(anna);
    const phone = document.createElement('video-call-room');
    phone.lang = 'ru';
    phone.sessionId = sessionId;
    phone.client = phonePage.callClient;
    phone.autojoin = true;
    const phoneJoined = nextEvent(phone, 'call-joined');
    const laptopLeft = nextEvent(laptop, 'call-left');
    laptop.after(phone);
    await phoneJoined;
    calls.push(phone.session as CallSession);
    await laptopLeft;
    expect(first.state).to.equal('left');
    expect(first.movedAway).to.equal(true);
    await laptop.updateComplete;
    expect(text(laptop)).to.contain('You joined this call from another tab or device');
    expect(buttonOf(laptop, 'Continue here'), 'Continue here').to.not.equal(undefined);
    await expect(laptop).to.be.accessible();
    // Stepping out is not leaving: Anna's row still says she is in the call.
    const row = await anna.supabase.from('video_call_participants').select('presence_status').eq('session_id', sessionId).eq('user_id', anna.id).single();
    expect(row.data?.presence_status).to.equal('connected');
    // The phone's own link to Boris comes up (Boris answered it), and Boris sees Anna once.
    const linked = (room: VideoCallRoom) => (room.session as CallSession).participants.find((p) => p.id === boris.id)?.connection === 'connected';
    await until(() => linked(phone), 'the phone connected to Boris', 30_000);
    await until(() => annaSeen().length === 1 && annaSeen()[0]!.connection === 'connected' && annaSeen()[0]!.presence === 'connected', 'Boris connected to Anna');

    // Continue here on the laptop: it holds the call again, the phone says so, in Russian.
    const phoneLeft = nextEvent(phone, 'call-left');
    const laptopBack = nextEvent(laptop, 'call-joined');
    buttonOf(laptop, 'Continue here')!.click();
    await laptopBack;
    calls.push(laptop.session as CallSession);
    expect(laptop.session).to.not.equal(first, 'a new session object for the new join');
    await phoneLeft;
    await phone.updateComplete;
    expect(text(phone)).to.contain('Вы подключились к этому звонку в другой вкладке или на другом устройстве');
    expect(buttonOf(phone, 'Продолжить здесь')).to.not.equal(undefined);
    await until(() => linked(laptop), 'the laptop connected to Boris again', 30_000);
    expect(annaSeen()).to.have.length(1);
    phone.remove();
  });
});
