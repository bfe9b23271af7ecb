import { expect, fixture, html } from '@open-wc/testing';
import { createClient } from '@supabase/supabase-js';
import { sendKeys, setViewport } from '@web/test-runner-commands';
import '../../src/define.ts';
import { CallClient } from '../../src/core/call-client.ts';
import { RELEASE_GRACE_MS } from '../../src/core/session-holds.ts';
import type { CallInvitePanel } from '../../src/elements/call-invite-panel/call-invite-panel.ts';
import type { EventCallButton } from '../../src/elements/event-call-button/event-call-button.ts';
import type { VideoCallRoom } from '../../src/elements/video-call-room/video-call-room.ts';
import { localStack, nextEvent, signUp, until, type BrowserUser } from './support.ts';

const main = (el: EventCallButton) => el.shadowRoot!.querySelector<HTMLButtonElement>('[part~="button"]')!;
const bar = (el: EventCallButton) => el.shadowRoot!.querySelector<HTMLElement>('[part~="call-bar"]');
const hint = (el: EventCallButton) => el.shadowRoot!.querySelector<HTMLElement>('[part~="hint"]')!;
/** The host's invitations panel, a `<call-invite-panel>` inside the button. */
const panel = (el: EventCallButton) => el.shadowRoot!.querySelector<CallInvitePanel>('call-invite-panel');
/**
 * `user` in the call the way a browser window is, but with a window that can be closed without
 * leaving: the row says "connected" and the user is in the call's presence until the socket goes.
 */
async function windowInCall(user: BrowserUser, sessionId: string): Promise<{ close(): void }> {
  const { error } = await user.supabase.rpc('join_video_call', { p_session_id: sessionId });
  if (error) throw new Error(error.message);
  await user.supabase.realtime.setAuth();
  const channel = user.supabase.channel(`call:${sessionId}`, { config: { private: true, presence: { key: user.id } } });
  await new Promise<void>((resolve, reject) => channel.subscribe((status) => (status === 'SUBSCRIBED' ? resolve() : status === 'CHANNEL_ERROR' ? reject(new Error(status)) : undefined)));
  await channel.track({ name: user.name, avatar_url: null, mic: false, cam: false, screen: false, speaking: false, hand: false });
  return { close: () => user.supabase.realtime.disconnect() };
}
/** The invitee's Yes / Maybe / No: each button's text and whether it is pressed. */
const answers = (el: EventCallButton) =>
  [...el.shadowRoot!.querySelectorAll<HTMLButtonElement>('[part~="answer-option"]')].map((button) => `${button.textContent!.trim()}${button.getAttribute('aria-pressed') === 'true' ? ' ✓' : ''}`);
const option = (el: EventCallButton, status: string) => el.shadowRoot!.querySelector<HTMLButtonElement>(`[part~="answer-${status}"]`)!;
const liveRegion = (el: EventCallButton) => el.shadowRoot!.querySelector('[role="status"][aria-live="polite"]')!.textContent!.trim();
const newEventId = () => `evt-${crypto.randomUUID()}`;
const tomorrow = () => new Date(Date.now() + 24 * 3600_000).toISOString();
const settled = async (el: EventCallButton) => {
  await until(() => el.state !== 'loading', 'the button to load');
  await el.updateComplete;
};

describe('<event-call-button>', () => {
  it('sets up the call of a future meeting with its attendees, then offers it to them', async () => {
    const anna = await signUp('Anna');
    const boris = await signUp('Boris');
    const eventId = newEventId();
    const el = await fixture<EventCallButton>(html`<event-call-button
      lang="en"
      event-id=${eventId}
      title="Demo for Acme"
      starts-at=${tomorrow()}
      crm-entity-type="deal"
      crm-entity-id="D-42"
      attendees=${`${boris.id}, client@acme.test`}
      open="event"
      .client=${anna.callClient}
    ></event-call-button>`);
    await settled(el);
    expect(el.state).to.equal('none');
    expect(main(el).textContent!.trim()).to.equal('Set up a video call');
    expect(hint(el).textContent).to.match(/^Starts /);
    expect(main(el).getAttribute('aria-describedby')).to.equal('hint');
    await expect(el).to.be.accessible();

    const created = nextEvent<{ eventId: string; sessionId: string; session: { title: string; crm_entity_id: string } }>(el, 'call-session-created');
    const opened = nextEvent<{ sessionId: string; mode: string }>(el, 'call-open');
    main(el).click();
    const { detail } = await created;
    expect(detail.eventId).to.equal(eventId);
    expect(detail.session.title).to.equal('Demo for Acme');
    expect(detail.session.crm_entity_id).to.equal('D-42');
    expect((await opened).detail).to.deep.equal({ eventId, sessionId: detail.sessionId, mode: 'event' });
    expect(el.shadowRoot!.querySelector('dialog'), 'open="event" leaves opening to the host').to.equal(null);
    await until(() => el.state === 'scheduled', 'the scheduled state');
    expect(main(el).textContent!.trim()).to.equal('Join the video call');
    // Boris has no browser subscribed (push reaches nobody, so says nothing); no video-call-email on this branch yet.
    const sentOut = () => el.shadowRoot!.querySelector('[part~="invitations-message"]')?.textContent;
    await until(() => sentOut() === 'Attendees invited: 2. The e-mail was sent.', 'how the invitations went out');
    expect(el.shadowRoot!.querySelector('[part~="invitations-message"]')!.getAttribute('role')).to.equal('status');
    await expect(el).to.be.accessible();

    const guest = await fixture<EventCallButton>(html`<event-call-button lang="en" event-id=${eventId} starts-at=${tomorrow()} .client=${boris.callClient}></event-call-button>`);
    await settled(guest);
    expect(guest.state).to.equal('scheduled');
    expect(guest.sessionId).to.equal(detail.sessionId);
    expect(guest.shadowRoot!.querySelector('[part~="manage"]'), 'only the host manages invitations').to.equal(null);
  });

  it('shows the call in progress with its number of people, live', async () => {
    const anna = await signUp('Anna');
    const boris = await signUp('Boris');
    const eventId = newEventId();
    const session = await anna.callClient.openEventCall({ eventId, attendees: [boris.id] });
    const el = await fixture<EventCallButton>(html`<event-call-button lang="en" event-id=${eventId} .client=${anna.callClient}></event-call-button>`);
    await settled(el);
    expect(main(el).textContent!.trim()).to.equal('Join now', 'no start time: the call is for now');
    const call = await boris.callClient.join(session.id, { media: false });
    try {
      await until(() => el.state === 'live', 'the live state');
      await el.updateComplete;
      expect(main(el).textContent!.trim()).to.equal('Join · 1 in the call');
    } finally {
      await call.leave();
    }
    await until(() => el.state === 'scheduled', 'back to scheduled when everyone left');
    await anna.supabase.from('video_call_sessions').update({ status: 'ended' }).eq('id', session.id);
    await el.refresh();
    expect(el.state).to.equal('ended');
    await el.updateComplete;
    expect(hint(el).textContent).to.equal('The call has ended');
    expect(main(el).textContent!.trim()).to.equal('Start a new call');
  });

  it('opens the room in a dialog; minimising keeps the call in a bar with Return and Leave; a host page can cancel the opening', async () => {
    const anna = await signUp('Anna');
    const el = await fixture<EventCallButton>(html`<event-call-button lang="en" event-id=${newEventId()} title="Quick sync" .client=${anna.callClient}></event-call-button>`);
    await settled(el);
    el.addEventListener('call-open', (event) => event.preventDefault(), { once: true });
    main(el).click();
    await until(() => el.state === 'scheduled', 'the call created');
    await el.updateComplete;
    expect(el.shadowRoot!.querySelector('dialog'), 'a cancelled call-open opens nothing').to.equal(null);

    const joined = nextEvent(el, 'call-joined');
    main(el).click();
    await joined;
    const dialog = el.shadowRoot!.querySelector('dialog')!;
    expect(dialog.matches(':modal')).to.equal(true);
    expect(dialog.getAttribute('aria-label')).to.equal('Video call: Quick sync');
    const room = dialog.querySelector<VideoCallRoom>('video-call-room')!;
    expect(room.session!.state).to.equal('connected');

    // Esc minimises: the call goes on, the page is usable again (the host reaches Invitations).
    await sendKeys({ press: 'Escape' });
    await until(() => Boolean(bar(el)), 'the call bar');
    await until(() => el.shadowRoot!.activeElement === bar(el)!.querySelector('[part~="call-bar-return"]'), 'focus on Return');
    expect(dialog.open).to.equal(false);
    expect(room.isConnected && room.session!.state).to.equal('connected');
    expect(bar(el)!.getAttribute('aria-label')).to.equal('In the call: Quick sync');
    expect(el.shadowRoot!.querySelector('[role="status"]')!.textContent).to.contain('The call goes on');
    expect(main(el).textContent!.trim()).to.equal('Return to the call');
    expect(el.shadowRoot!.querySelector('[part~="manage"]')!.matches(':modal *')).to.equal(false);
    await expect(el).to.be.accessible();

    await sendKeys({ press: 'Enter' });
    await until(() => dialog.matches(':modal') && !bar(el), 'back in the room');
    el.shadowRoot!.querySelector<HTMLButtonElement>('[part~="minimise"]')!.click();
    await until(() => Boolean(bar(el)) && !dialog.open, 'minimised by its button');
    expect(el.shadowRoot!.querySelector('[part~="minimise"]')!.getAttribute('aria-label')).to.equal('Minimise the call');

    const left = nextEvent(el, 'call-left');
    bar(el)!.querySelector<HTMLButtonElement>('[part~="call-bar-leave"]')!.click();
    await left;
    expect(room.session!.state).to.equal('left');
    await until(() => !el.shadowRoot!.querySelector('dialog') && !bar(el), 'the room and the bar gone');
    await until(() => el.shadowRoot!.activeElement === main(el), 'focus back on the button');
  });

  it('stays in the call when the page replaces the button (a re-render), as it was; leaves once nothing shows it', async () => {
    const anna = await signUp('Anna');
    const eventId = newEventId();
    const first = await fixture<EventCallButton>(html`<event-call-button lang="en" event-id=${eventId} title="Re-rendered" .client=${anna.callClient}></event-call-button>`);
    await settled(first);
    const joined = nextEvent(first, 'call-joined');
    main(first).click();
    await joined;
    const session = first.shadowRoot!.querySelector<VideoCallRoom>('video-call-room')!.session!;
    first.shadowRoot!.querySelector<HTMLButtonElement>('[part~="minimise"]')!.click();
    await until(() => Boolean(bar(first)), 'minimised');

    // What React, Vue or a CRM template does when the page's state changes: a new element.
    const parent = first.parentElement!;
    first.remove();
    const second = document.createElement('event-call-button');
    second.setAttribute('lang', 'en');
    second.setAttribute('event-id', eventId);
    second.setAttribute('title', 'Re-rendered');
    second.client = anna.callClient;
    parent.append(second);
    await settled(second);
    await until(() => Boolean(bar(second)), 'the new button shows the call, minimised as it was');
    await new Promise((resolve) => setTimeout(resolve, RELEASE_GRACE_MS + 500));
    const room = second.shadowRoot!.querySelector<VideoCallRoom>('video-call-room')!;
    expect(room.session, 'the same call, not a new one').to.equal(session);
    expect(session.state).to.equal('connected');
    bar(second)!.querySelector<HTMLButtonElement>('[part~="call-bar-return"]')!.click();
    await until(() => second.shadowRoot!.querySelector('dialog')!.matches(':modal'), 'the room back in its dialog');

    // The card closed for good: the call is left after the grace, the camera goes off.
    second.remove();
    await until(() => session.state === 'left' && !session.media.camera, 'the call left');
  });

  it('counts from the call’s presence: a window closed without leaving no longer counts within seconds', async () => {
    const anna = await signUp('Anna');
    const boris = await signUp('Boris');
    const eventId = newEventId();
    const session = await anna.callClient.openEventCall({ eventId, attendees: [boris.id] });
    const el = await fixture<EventCallButton>(html`<event-call-button lang="en" event-id=${eventId} .client=${anna.callClient}></event-call-button>`);
    await settled(el);
    const borisWindow = await windowInCall(boris, session.id);
    await until(() => main(el).textContent!.trim() === 'Join · 1 in the call', 'Boris counted');
    borisWindow.close();
    // His row still says "connected" (until the cleanup's stale window); presence knows better.
    await until(() => el.state === 'scheduled', 'Boris no longer counted', 10_000);
    expect(main(el).textContent!.trim()).to.equal('Join now');
    const { data } = await anna.supabase.from('video_call_participants').select('presence_status').eq('session_id', session.id).eq('user_id', boris.id).single();
    expect(data!.presence_status, 'the row catches up later').to.equal('connected');
  });

  it('lets the host invite by e-mail from the keyboard and see the list', async () => {
    const anna = await signUp('Anna');
    const eventId = newEventId();
    await anna.callClient.openEventCall({ eventId });
    const el = await fixture<EventCallButton>(html`<event-call-button lang="en" event-id=${eventId} .client=${anna.callClient}></event-call-button>`);
    await settled(el);
    const manage = el.shadowRoot!.querySelector<HTMLButtonElement>('[part~="manage"]')!;
    expect(manage.getAttribute('aria-expanded')).to.equal('false');
    manage.focus();
    await sendKeys({ press: 'Enter' });
    await el.updateComplete;
    expect(manage.getAttribute('aria-expanded')).to.equal('true');
    await until(() => Boolean(panel(el)?.shadowRoot?.querySelector('#invitee')), 'the invite field');
    const input = panel(el)!.shadowRoot!.querySelector<HTMLInputElement>('#invitee')!;
    await until(() => el.shadowRoot!.activeElement === panel(el) && panel(el)!.shadowRoot!.activeElement === input, 'focus in the invite field');

    const message = () => panel(el)!.shadowRoot!.querySelector('.invite-message')!.textContent!.trim();
    await sendKeys({ press: 'Enter' });
    await until(() => message() === 'Enter a user id or an e-mail address', 'the empty-field message');
    const invited = nextEvent<{ invitee: string }>(el, 'call-invite');
    await sendKeys({ type: 'new.client@acme.test' });
    await sendKeys({ press: 'Enter' });
    expect((await invited).detail.invitee).to.equal('new.client@acme.test');
    await until(() => message() === 'new.client@acme.test is invited. The e-mail was sent.', 'the confirmation and the e-mail’s fate');
    const list = panel(el)!.shadowRoot!.querySelector('call-participants')!;
    await until(() => list.shadowRoot!.textContent!.includes('new.client'), 'the invitee in the list');

    const invalid = nextEvent<{ code: string }>(el, 'call-error');
    await sendKeys({ type: 'nobody' });
    await sendKeys({ press: 'Enter' });
    expect((await invalid).detail.code).to.equal('invalid_input');
    await until(() => /^Could not invite: .*neither a user id nor an e-mail address/.test(message()), 'the invalid-invitee message');
    expect(input.value, 'what was typed stays for correcting').to.equal('nobody');
    input.select();
    await sendKeys({ press: 'Backspace' });

    const refused = nextEvent<{ code: string }>(el, 'call-error');
    await sendKeys({ type: 'new.client@acme.test' });
    await sendKeys({ press: 'Enter' });
    expect((await refused).detail.code).to.equal('already_invited');
    await until(() => message() === 'new.client@acme.test is already invited', 'the duplicate message');
    await sendKeys({ type: 'xx' });
    await sendKeys({ press: 'Escape' });
    await until(() => el.shadowRoot!.activeElement === manage && !el.shadowRoot!.querySelector('[part~="panel"]'), 'the panel closed, focus back');
  });

  it('gives someone not invited a call of their own, in Russian, and asks a signed-out visitor to sign in', async () => {
    const anna = await signUp('Anna');
    const outsider = await signUp('Outsider');
    const eventId = newEventId();
    const annas = await anna.callClient.openEventCall({ eventId });
    const el = await fixture<EventCallButton>(html`<event-call-button lang="ru" open="event" event-id=${eventId} .client=${outsider.callClient}></event-call-button>`);
    await settled(el);
    expect(el.state, 'Anna’s call of the event is not the outsider’s').to.equal('none');
    const created = nextEvent<{ sessionId: string; session: { host_id: string } }>(el, 'call-session-created');
    main(el).click();
    const { detail } = await created;
    expect(detail.sessionId, 'nobody is locked out of an event by another’s call').to.not.equal(annas.id);
    expect(detail.session.host_id).to.equal(outsider.id);
    await until(() => el.state === 'scheduled', 'the scheduled state');
    await el.updateComplete;
    expect(main(el).textContent!.trim()).to.equal('Присоединиться сейчас');

    const { url, anonKey } = await localStack();
    const visitor = new CallClient({ client: createClient(url, anonKey, { auth: { persistSession: false, storageKey: crypto.randomUUID() } }) });
    const signedOut = await fixture<EventCallButton>(html`<event-call-button lang="en" event-id=${eventId} .client=${visitor}></event-call-button>`);
    await settled(signedOut);
    expect(signedOut.state).to.equal('signed-out');
    expect(main(signedOut).textContent!.trim()).to.equal('Sign in to join the video call');
    await expect(signedOut).to.be.accessible();
  });

  it('lets an invitee answer Yes, Maybe or No from the keyboard, shows the answer, and still lets them join after No', async () => {
    const anna = await signUp('Anna');
    const boris = await signUp('Boris');
    const eventId = newEventId();
    const session = await anna.callClient.openEventCall({ eventId, attendees: [boris.id] });
    const el = await fixture<EventCallButton>(html`<event-call-button lang="en" event-id=${eventId} starts-at=${tomorrow()} .client=${boris.callClient}></event-call-button>`);
    await settled(el);
    await until(() => answers(el).length === 3, 'the answer buttons');
    const group = el.shadowRoot!.querySelector('[part~="answer"]')!;
    expect(group.getAttribute('role')).to.equal('group');
    expect(el.shadowRoot!.getElementById(group.getAttribute('aria-labelledby')!)!.textContent).to.equal('Will you attend?');
    expect(answers(el), 'no answer yet').to.deep.equal(['Yes', 'Maybe', 'No']);
    expect(el.invitationStatus).to.equal('invited');
    await expect(el).to.be.accessible();

    const events: { sessionId: string; status: string }[] = [];
    el.addEventListener('call-invitation-answer', (event) => events.push(event.detail));
    // What the group went through while saving (the key press's round trip may outlast the save).
    const seen: string[] = [];
    new MutationObserver(() => seen.push(`${group.getAttribute('aria-busy')} ${answers(el).join(',')}`)).observe(el.shadowRoot!, { attributes: true, subtree: true, attributeFilter: ['aria-busy', 'aria-pressed'] });
    option(el, 'tentative').focus();
    await sendKeys({ press: 'Enter' });
    await until(() => events.length === 1, 'the answer stored');
    expect(seen[0], 'busy, the choice shown at once').to.equal('true Yes,Maybe ✓,No');
    expect(events[0]).to.deep.equal({ sessionId: session.id, status: 'tentative' });
    await el.updateComplete;
    expect(group.getAttribute('aria-busy')).to.equal('false');
    expect(liveRegion(el)).to.equal('Your answer: Maybe');
    expect(el.shadowRoot!.activeElement, 'focus stays where it was').to.equal(option(el, 'tentative'));

    await sendKeys({ press: 'Tab' });
    expect(el.shadowRoot!.activeElement).to.equal(option(el, 'declined'));
    await sendKeys({ press: 'Space' });
    await until(() => events.length === 2, 'the second answer stored');
    expect(events[1].status).to.equal('declined');
    await el.updateComplete;
    expect(answers(el)).to.deep.equal(['Yes', 'Maybe', 'No ✓']);
    const { data } = await anna.supabase.from('video_call_participants').select('invite_status').eq('session_id', session.id).eq('user_id', boris.id).single();
    expect(data!.invite_status, 'what the host reads').to.equal('declined');
    expect(main(el).disabled, 'a declined invitee may still join').to.equal(false);
    expect(main(el).textContent!.trim()).to.equal('Join the video call');
    await expect(el).to.be.accessible();
  });

  it('answers in Russian, through answer() as a page handling an answer link would', async () => {
    const anna = await signUp('Anna');
    const boris = await signUp('Boris');
    const eventId = newEventId();
    await anna.callClient.openEventCall({ eventId, attendees: [boris.id] });
    const el = await fixture<EventCallButton>(html`<event-call-button lang="ru" event-id=${eventId} .client=${boris.callClient}></event-call-button>`);
    await settled(el);
    await until(() => answers(el).length === 3, 'the answer buttons');
    expect(answers(el)).to.deep.equal(['Да', 'Возможно', 'Нет']);
    expect(el.shadowRoot!.querySelector('#answer-label')!.textContent).to.equal('Вы придёте?');
    const answered = nextEvent<{ status: string }>(el, 'call-invitation-answer');
    await el.answer('accepted');
    expect((await answered).detail.status).to.equal('accepted');
    await el.updateComplete;
    expect(answers(el)).to.deep.equal(['Да ✓', 'Возможно', 'Нет']);
    expect(liveRegion(el)).to.equal('Ваш ответ: Да');
    await expect(el).to.be.accessible();
  });

  it('answers an invitation sent to the invitee’s e-mail address, claiming it', async () => {
    const anna = await signUp('Anna');
    const vera = await signUp('Vera');
    const { data: user } = await vera.supabase.auth.getUser();
    const eventId = newEventId();
    const session = await anna.callClient.openEventCall({ eventId, attendees: [user.user!.email!] });
    const el = await fixture<EventCallButton>(html`<event-call-button lang="en" event-id=${eventId} .client=${vera.callClient}></event-call-button>`);
    await settled(el);
    await until(() => answers(el).length === 3, 'the answer buttons for an invitation by address');
    await el.answer('tentative');
    const { data } = await anna.supabase.from('video_call_participants').select('user_id, invite_status').eq('session_id', session.id).eq('role', 'guest').single();
    expect(data).to.deep.equal({ user_id: vera.id, invite_status: 'tentative' });
    await until(() => el.invitationStatus === 'tentative', 'the claimed row followed');
  });

  it('says why an answer could not be saved and keeps the answer there was', async () => {
    const anna = await signUp('Anna');
    const boris = await signUp('Boris');
    const eventId = newEventId();
    const session = await anna.callClient.openEventCall({ eventId, attendees: [boris.id] });
    await boris.callClient.answerInvitation(session.id, 'accepted');
    const el = await fixture<EventCallButton>(html`<event-call-button lang="en" event-id=${eventId} .client=${boris.callClient}></event-call-button>`);
    await settled(el);
    await until(() => answers(el).join() === 'Yes ✓,Maybe,No', 'the stored answer shown');
    // The call ends while the card is open.
    await anna.supabase.from('video_call_sessions').update({ status: 'ended' }).eq('id', session.id);
    const failed = nextEvent<{ code: string; sessionId: string }>(el, 'call-error');
    option(el, 'declined').click();
    const { detail } = await failed;
    expect([detail.code, detail.sessionId]).to.deep.equal(['session_ended', session.id]);
    let refused: unknown;
    await el.answer('declined').catch((error) => (refused = error));
    expect((refused as { code: string }).code, 'answer() rejects with the CallError').to.equal('session_ended');
    // The button re-read the call and shows it ended: no answers any more, the reason said.
    await until(() => el.state === 'ended', 'the call shown as ended');
    await el.updateComplete;
    expect(answers(el), 'nothing to answer in an ended call').to.deep.equal([]);
    const alert = el.shadowRoot!.querySelector<HTMLElement>('[part~="answer-message"]')!;
    expect([alert.getAttribute('role'), alert.textContent]).to.deep.equal(['alert', 'Could not save your answer: The call has ended: it takes no more answers.']);
    const { data } = await anna.supabase.from('video_call_participants').select('invite_status').eq('session_id', session.id).eq('user_id', boris.id).single();
    expect(data!.invite_status).to.equal('accepted');
  });

  it('shows the host no answer buttons, and the page no answer() to call for a host', async () => {
    const anna = await signUp('Anna');
    const eventId = newEventId();
    await anna.callClient.openEventCall({ eventId });
    const el = await fixture<EventCallButton>(html`<event-call-button lang="en" event-id=${eventId} .client=${anna.callClient}></event-call-button>`);
    await settled(el);
    expect(answers(el)).to.deep.equal([]);
    expect(el.invitationStatus).to.equal(null);
  });

  describe('on a phone', () => {
    const PHONES = [
      { name: 'upright', width: 360, height: 740 },
      { name: 'sideways', width: 740, height: 360 },
    ];
    after(() => setViewport({ width: 800, height: 600 }));

    /**
     * What a thumb and an eye would find wrong: anything wider than its box (a horizontal scroll,
     * or text cut off with an ellipsis), a target under 44 × 44 px, something off the screen.
     */
    function problems(wide: Record<string, Element | null | undefined>, targets: Record<string, Element | null | undefined>): string[] {
      const found: string[] = [];
      for (const [name, node] of Object.entries(wide)) {
        if (!node) found.push(`${name}: missing`);
        else if (node.scrollWidth > node.clientWidth + 1) found.push(`${name}: ${node.scrollWidth} px of content in ${node.clientWidth} px`);
      }
      for (const [name, node] of Object.entries(targets)) {
        const box = node?.getBoundingClientRect();
        if (!box) found.push(`${name}: missing`);
        else if (box.width < 44 || box.height < 44) found.push(`${name}: ${Math.round(box.width)} × ${Math.round(box.height)} px`);
        else if (box.left < -0.5 || box.top < -0.5 || box.right > innerWidth + 0.5 || box.bottom > innerHeight + 0.5) found.push(`${name}: off the screen at ${Math.round(box.left)}, ${Math.round(box.top)}`);
      }
      return found;
    }

    for (const phone of PHONES) {
      it(`fits the room’s dialog and the call bar in Russian to a phone held ${phone.name} (${phone.width} × ${phone.height})`, async () => {
        await setViewport({ width: phone.width, height: phone.height });
        const anna = await signUp('Anna');
        const el = await fixture<EventCallButton>(html`<event-call-button lang="ru" event-id=${newEventId()} title="Демонстрация для Acme" .client=${anna.callClient}></event-call-button>`);
        await settled(el);
        expect(problems({ document: document.documentElement, 'the button': main(el) }, { 'the button': main(el) })).to.deep.equal([]);

        const joined = nextEvent(el, 'call-joined');
        main(el).click();
        await joined;
        const dialog = el.shadowRoot!.querySelector('dialog')!;
        const room = dialog.querySelector<VideoCallRoom>('video-call-room')!;
        await room.updateComplete;
        const box = dialog.getBoundingClientRect();
        expect([box.left, box.top, box.width, box.height], 'the dialog takes the whole screen').to.deep.equal([0, 0, innerWidth, innerHeight]);
        const roomBox = room.getBoundingClientRect();
        expect(roomBox.bottom, 'the room ends on the screen, its toolbar whole').to.be.at.most(innerHeight + 0.5);
        const controls = Object.fromEntries(
          [...room.shadowRoot!.querySelectorAll('[part~="control"]')].map((control) => [control.getAttribute('aria-label') ?? control.textContent!.trim(), control]),
        );
        expect(Object.keys(controls)).to.include.members(['Выключить микрофон', 'Камера: выключить', 'Выйти из звонка']);
        expect(
          problems(
            { document: document.documentElement, dialog, 'the title': dialog.querySelector('h2'), room, 'the toolbar': room.shadowRoot!.querySelector('[part="controls"]') },
            { 'Свернуть звонок': el.shadowRoot!.querySelector('[part~="minimise"]'), ...controls },
          ),
        ).to.deep.equal([]);

        el.shadowRoot!.querySelector<HTMLButtonElement>('[part~="minimise"]')!.click();
        await until(() => Boolean(bar(el)) && !dialog.open, 'the call bar');
        await el.updateComplete;
        expect(
          problems(
            { document: document.documentElement, 'the call bar': bar(el), 'its title': bar(el)!.querySelector('.call-bar-title'), 'Вернуться в звонок': bar(el)!.querySelector('[part~="call-bar-return"]') },
            { 'Вернуться в звонок': bar(el)!.querySelector('[part~="call-bar-return"]'), 'Выйти из звонка': bar(el)!.querySelector('[part~="call-bar-leave"]') },
          ),
        ).to.deep.equal([]);
        expect(bar(el)!.querySelector('.call-bar-title')!.textContent).to.equal('Вы в звонке: Демонстрация для Acme');
        const left = nextEvent(el, 'call-left');
        bar(el)!.querySelector<HTMLButtonElement>('[part~="call-bar-leave"]')!.click();
        await left;
        // Back on the card, now the call's host: the button and Invitations side by side or stacked, whole.
        await until(() => !bar(el) && Boolean(el.shadowRoot!.querySelector('[part~="manage"]')), 'the card with Invitations');
        const manage = el.shadowRoot!.querySelector('[part~="manage"]');
        expect(problems({ document: document.documentElement, 'the button': main(el), Приглашения: manage }, { 'the button': main(el), Приглашения: manage })).to.deep.equal([]);
      });
    }
  });
});
