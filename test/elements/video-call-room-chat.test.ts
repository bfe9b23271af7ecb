import { expect, fixture, html } from '@open-wc/testing';
import { emulateMedia, sendKeys, setViewport } from '@web/test-runner-commands';
import type { RealtimeChannel } from '@supabase/supabase-js';
import '../../src/define.ts';
import type { CallChatElement } from '../../src/elements/call-chat/call-chat.ts';
import type { CallParticipants } from '../../src/elements/call-participants/call-participants.ts';
import type { VideoCallRoom } from '../../src/elements/video-call-room/video-call-room.ts';
import { newCall, nextEvent, signUp, until, type BrowserUser } from './support.ts';

const part = <T extends Element = HTMLElement>(el: Element, name: string) => el.shadowRoot!.querySelector<T>(`[part~="${name}"]`);
const live = (el: VideoCallRoom) => el.shadowRoot!.querySelector('[role="status"][aria-live="polite"]')!.textContent!.trim();
/** The element focus is in, through shadow roots. */
const deepActive = () => {
  let active = document.activeElement;
  while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
  return active;
};
const tileOf = (el: VideoCallRoom, name: string) =>
  [...el.shadowRoot!.querySelectorAll<HTMLElement>('[part~="tile"]')].find((tile) => tile.querySelector('[part~="name"]')?.textContent?.includes(name));

/** Anna in a call through the room, Boris invited (his own chat and channel, no room). */
async function annaInCall(lang = 'en', style = 'height:560px') {
  const anna = await signUp('Anna');
  const boris = await signUp('Boris');
  const sessionId = await newCall(anna, [boris]);
  const el = await fixture<VideoCallRoom>(html`<video-call-room lang=${lang} style=${style} autojoin session-id=${sessionId} .client=${anna.callClient}></video-call-room>`);
  await nextEvent(el, 'call-joined');
  await el.updateComplete;
  return { anna, boris, sessionId, el };
}

/** Boris in the call's presence the way a page is, with `hand` as given; his channel to send on. */
async function borisPresent(boris: BrowserUser, sessionId: string, hand?: number): Promise<RealtimeChannel> {
  const { error } = await boris.supabase.rpc('join_video_call', { p_session_id: sessionId });
  if (error) throw new Error(error.message);
  await boris.supabase.realtime.setAuth();
  const channel = boris.supabase.channel(`call:${sessionId}`, { config: { private: true, presence: { key: boris.id } } });
  channel.on('presence', { event: 'sync' }, () => undefined);
  await new Promise<void>((resolve, reject) => channel.subscribe((status) => (status === 'SUBSCRIBED' ? resolve() : status === 'CHANNEL_ERROR' ? reject(new Error(status)) : undefined)));
  await channel.track({ name: 'Boris', avatar_url: null, mic: false, cam: false, screen: false, speaking: false, ...(hand ? { hand } : {}) });
  return channel;
}

/** Asks for reduced motion where the browser can be told (Chromium's CDP; Firefox over BiDi cannot). */
async function reduceMotion(reduce: boolean): Promise<void> {
  if (navigator.userAgent.includes('Firefox')) return;
  try {
    await emulateMedia({ reducedMotion: reduce ? 'reduce' : 'no-preference' });
  } catch {
    // The test then checks the animation against what the browser does prefer.
  }
}

describe('<video-call-room> chat, hands and reactions', () => {
  afterEach(async () => {
    await setViewport({ width: 800, height: 600 });
    await reduceMotion(false);
  });

  it('counts unread messages on the Chat button, opens the chat beside the tiles with focus in the field, marks read and closes with Esc', async () => {
    const { anna, boris, sessionId, el } = await annaInCall();
    el.style.width = '1100px';
    const toggle = part<HTMLButtonElement>(el, 'chat-toggle')!;
    expect(toggle.getAttribute('aria-label')).to.equal('Chat');
    expect(toggle.getAttribute('aria-expanded')).to.equal('false');
    expect(part(el, 'chat-badge')).to.equal(null);

    const borisChat = await boris.callClient.chat(sessionId);
    await borisChat.start();
    await borisChat.send('Hello from Boris');
    await borisChat.send('Second one');
    await until(() => toggle.getAttribute('aria-label') === 'Chat, 2 unread', 'the unread count on the button');
    expect(part(el, 'chat-badge')!.textContent!.trim()).to.equal('2');
    expect(part(el, 'chat-panel'), 'nothing is marked read while closed').to.equal(null);
    await expect(el).to.be.accessible();

    const before = part(el, 'grid')!.getBoundingClientRect().width;
    toggle.focus();
    await sendKeys({ press: 'Enter' });
    const panel = part(el, 'chat-panel')!;
    expect(panel).to.not.equal(null);
    await until(() => deepActive()?.tagName === 'TEXTAREA', 'focus in the chat field');
    const chat = el.shadowRoot!.querySelector<CallChatElement>('call-chat')!;
    await until(() => chat.shadowRoot!.textContent!.includes('Second one'), 'the messages in the panel');
    await until(() => toggle.getAttribute('aria-label') === 'Chat', 'reading marks read');
    expect(part(el, 'chat-badge')).to.equal(null);
    expect(toggle.getAttribute('aria-expanded')).to.equal('true');
    // Beside the tiles: they shrink and nothing covers them.
    const grid = part(el, 'grid')!.getBoundingClientRect();
    const side = panel.getBoundingClientRect();
    expect(grid.width).to.be.below(before - 200);
    expect(side.left).to.be.at.least(grid.right);
    // One chat per session on the client: the panel shows the client's, not a second.
    const shared = await anna.callClient.chat(sessionId);
    expect(chat.chat).to.equal(shared);
    shared.release();
    await expect(el).to.be.accessible();

    await sendKeys({ press: 'Escape' });
    await el.updateComplete;
    expect(part(el, 'chat-panel')).to.equal(null);
    expect(el.shadowRoot!.activeElement).to.equal(toggle);
    expect(toggle.getAttribute('aria-expanded')).to.equal('false');
    borisChat.release();
    await el.leave();
  });

  it('keeps the call and the transcript when the host page re-renders the room with the chat open', async () => {
    const { boris, sessionId, el } = await annaInCall();
    el.style.width = '1100px';
    const borisChat = await boris.callClient.chat(sessionId);
    await borisChat.start();
    await borisChat.send('Before the re-render');
    part<HTMLButtonElement>(el, 'chat-toggle')!.click();
    await el.updateComplete;
    const firstChat = el.shadowRoot!.querySelector<CallChatElement>('call-chat')!;
    await until(() => firstChat.shadowRoot!.textContent!.includes('Before the re-render'), 'the message in the panel');
    const session = el.session!;
    let left = 0;
    el.addEventListener('call-left', () => left++);

    // The host page's framework throws the card away and draws a new one, with a new room.
    const parent = el.parentElement!;
    el.remove();
    await borisChat.send('While the page re-rendered');
    const again = document.createElement('video-call-room');
    again.style.width = '1100px';
    again.sessionId = sessionId;
    again.client = el.client;
    parent.append(again);
    await again.updateComplete;
    expect(again.session, 'the same call, no rejoin').to.equal(session);
    expect(session.state).to.equal('connected');
    expect(left).to.equal(0);
    // The message that came meanwhile counts as unread on the new room's Chat button, and both are in its chat.
    const toggle = part<HTMLButtonElement>(again, 'chat-toggle')!;
    await until(() => /unread/.test(toggle.getAttribute('aria-label')!), 'the unread count on the new room');
    toggle.click();
    await again.updateComplete;
    const chat = again.shadowRoot!.querySelector<CallChatElement>('call-chat')!;
    await until(() => chat.shadowRoot!.textContent!.includes('While the page re-rendered'), 'the message sent meanwhile');
    expect(chat.shadowRoot!.textContent).to.contain('Before the re-render');
    expect(chat.shadowRoot!.querySelectorAll('[part~="message"]').length, 'each message once').to.equal(2);
    borisChat.release();
    await again.leave();
  });

  it('opens the chat as a full-width bottom sheet with a close button on a phone, in Russian', async () => {
    await setViewport({ width: 360, height: 740 });
    const { el } = await annaInCall('ru', 'height:100vh;width:100vw;border-radius:0');
    const toggle = part<HTMLButtonElement>(el, 'chat-toggle')!;
    expect(toggle.getAttribute('aria-label')).to.equal('Чат');
    await expect(el).to.be.accessible();
    toggle.click();
    await until(() => deepActive()?.tagName === 'TEXTAREA', 'focus in the chat field');
    const sheet = part(el, 'chat-panel')!.getBoundingClientRect();
    const room = el.getBoundingClientRect();
    expect(sheet.width).to.equal(room.width);
    expect(Math.round(sheet.bottom)).to.equal(Math.round(room.bottom));
    expect(sheet.height).to.be.below(room.height);
    const close = part<HTMLButtonElement>(el, 'chat-close')!;
    expect(close.getAttribute('aria-label')).to.equal('Закрыть чат');
    // The toolbar's buttons stay on the screen (two rows).
    for (const button of el.shadowRoot!.querySelectorAll<HTMLElement>('.controls > button, .controls > .reactions > button')) {
      expect(button.getBoundingClientRect().right, button.getAttribute('aria-label')!).to.be.at.most(360);
    }
    await expect(el).to.be.accessible();
    close.click();
    await until(() => part(el, 'chat-panel') === null, 'the sheet to close');
    await until(() => el.shadowRoot!.activeElement === toggle, 'focus back on the Chat button');

    // Sideways on a short screen: the sheet takes the whole room, the close button in it.
    await setViewport({ width: 740, height: 360 });
    toggle.click();
    await until(() => deepActive()?.tagName === 'TEXTAREA', 'focus in the chat field, sideways');
    const sideways = part(el, 'chat-panel')!.getBoundingClientRect();
    const roomSideways = el.getBoundingClientRect();
    expect([sideways.width, sideways.height]).to.deep.equal([roomSideways.width, roomSideways.height]);
    expect(part(el, 'chat-close')!.getBoundingClientRect().bottom).to.be.at.most(360);
    await sendKeys({ press: 'Escape' });
    await until(() => part(el, 'chat-panel') === null && el.shadowRoot!.activeElement === toggle, 'Esc to close the sheet, sideways');
    await el.leave();
  });

  it('raises and lowers the hand, shows and announces others\' hands, and lists raised hands first by who raised first', async () => {
    const { boris, sessionId, el } = await annaInCall();
    const people = await fixture<CallParticipants>(html`<call-participants lang="en" .session=${el.session}></call-participants>`);
    const channel = await borisPresent(boris, sessionId);
    await until(() => Boolean(tileOf(el, 'Boris')), 'Boris’s tile');
    await channel.track({ name: 'Boris', avatar_url: null, mic: false, cam: false, screen: false, speaking: false, hand: Date.now() - 5000 });
    await until(() => Boolean(tileOf(el, 'Boris')?.querySelector('[part~="hand-raised"]')), 'Boris’s hand on his tile');
    expect(tileOf(el, 'Boris')!.getAttribute('aria-label')).to.contain('Hand raised');
    await until(() => live(el) === 'Boris raised their hand', 'the announcement');

    const hand = part<HTMLButtonElement>(el, 'hand-toggle')!;
    expect(hand.getAttribute('aria-pressed')).to.equal('false');
    expect(hand.getAttribute('aria-label')).to.equal('Raise hand');
    hand.click();
    await el.updateComplete;
    expect(hand.getAttribute('aria-pressed')).to.equal('true');
    expect(hand.getAttribute('aria-label')).to.equal('Lower hand');
    expect(tileOf(el, 'Anna')!.querySelector('[part~="hand-raised"]')).to.not.equal(null);
    // Presence carries the time it went up.
    await until(() => typeof (channel.presenceState()[el.session!.userId]?.[0] as { hand?: unknown })?.hand === 'number', 'Anna’s hand in presence');
    await people.updateComplete;
    await until(() => people.people.map((p) => p.name).join(', ') === 'Boris, Anna', 'Boris (raised first) before Anna');
    await expect(el).to.be.accessible();
    await expect(people).to.be.accessible();

    hand.click();
    await until(() => !('hand' in (channel.presenceState()[el.session!.userId]?.[0] ?? {})), 'no hand in presence once lowered');
    expect(hand.getAttribute('aria-pressed')).to.equal('false');
    expect(tileOf(el, 'Anna')!.querySelector('[part~="hand-raised"]')).to.equal(null);
    await boris.supabase.removeChannel(channel);
    await el.leave();
  });

  it('picks a reaction from the keyboard, floats reactions over the sender\'s tile for 3 s, announces others\' and drops unknown ones', async () => {
    await reduceMotion(true);
    const { boris, sessionId, el } = await annaInCall('ru');
    const channel = await borisPresent(boris, sessionId);
    await until(() => Boolean(tileOf(el, 'Boris')), 'Boris’s tile');
    const got: unknown[] = [];
    channel.on('broadcast', { event: 'reaction' }, ({ payload }) => got.push(payload));

    const react = part<HTMLButtonElement>(el, 'react')!;
    expect(react.getAttribute('aria-label')).to.equal('Реакции');
    react.focus();
    await sendKeys({ press: 'Enter' });
    await until(() => Boolean(part(el, 'reactions-menu')), 'the menu');
    expect(react.getAttribute('aria-expanded')).to.equal('true');
    await until(() => el.shadowRoot!.activeElement?.getAttribute('aria-label') === 'Нравится', 'focus on the first reaction');
    await expect(el).to.be.accessible();
    await sendKeys({ press: 'ArrowRight' });
    await sendKeys({ press: 'ArrowRight' });
    expect(el.shadowRoot!.activeElement?.getAttribute('aria-label')).to.equal('Смешно');
    await sendKeys({ press: 'ArrowLeft' });
    await sendKeys({ press: 'ArrowLeft' });
    await sendKeys({ press: 'ArrowLeft' });
    expect(el.shadowRoot!.activeElement?.getAttribute('aria-label'), 'wraps around').to.equal('Удивление');
    await sendKeys({ press: 'Home' });
    await sendKeys({ press: 'ArrowRight' });
    await sendKeys({ press: 'ArrowRight' });
    await sendKeys({ press: 'Enter' });
    await until(() => got.length === 1, 'Boris to get the reaction');
    expect(got[0]).to.deep.equal({ emoji: '😂', from: el.session!.userId });
    expect(part(el, 'reactions-menu')).to.equal(null);
    await until(() => el.shadowRoot!.activeElement === react, 'focus back on the button');
    const own = tileOf(el, 'Anna')!.querySelector<HTMLElement>('[part~="reaction"]')!;
    expect(own.textContent!.trim()).to.equal('😂');
    const reduced = matchMedia('(prefers-reduced-motion: reduce)').matches;
    expect(getComputedStyle(own).animationName, 'no motion when reduced motion is asked for').to.equal(reduced ? 'none' : 'float-up');

    // Again at once: refused here, and said so.
    await sendKeys({ press: 'Enter' });
    await until(() => Boolean(part(el, 'reactions-menu')), 'the menu again');
    await sendKeys({ press: 'Enter' });
    await until(() => live(el) === 'Не чаще одной реакции в секунду: попробуйте чуть позже.', 'the rate limit said');
    expect(got.length).to.equal(1);

    // Esc closes the menu and focus goes back.
    await sendKeys({ press: 'Enter' });
    await until(() => Boolean(part(el, 'reactions-menu')), 'the menu a third time');
    await sendKeys({ press: 'Escape' });
    await until(() => part(el, 'reactions-menu') === null && el.shadowRoot!.activeElement === react, 'Esc to close the menu');

    // Boris's: one not in the set shows nothing; a good one floats over his tile and is announced.
    await channel.send({ type: 'broadcast', event: 'reaction', payload: { emoji: '💩', from: boris.id } });
    await channel.send({ type: 'broadcast', event: 'reaction', payload: { emoji: '🎉', from: boris.id } });
    await until(() => tileOf(el, 'Boris')!.querySelector('[part~="reaction"]')?.textContent?.trim() === '🎉', 'Boris’s reaction on his tile');
    await until(() => live(el) === 'Реакция от Boris: 🎉', 'the announcement');
    const shownAt = Date.now();
    await until(() => !tileOf(el, 'Boris')!.querySelector('[part~="reaction"]'), 'the reaction to go', 6000);
    expect(Date.now() - shownAt).to.be.within(2000, 4000);
    await boris.supabase.removeChannel(channel);
    await el.leave();
  });
});
