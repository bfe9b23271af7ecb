import { expect, fixture, html } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../src/define.ts';
import type { CallChatElement } from '../../src/elements/call-chat/call-chat.ts';
import type { ChatMessage } from '../../src/core/chat.ts';
import { messageParts } from '../../src/elements/call-chat/message-links.ts';
import { newCall, nextEvent, signUp, until, type BrowserUser } from './support.ts';

const inside = <T extends Element = HTMLElement>(el: CallChatElement, selector: string) => el.shadowRoot!.querySelector<T>(selector);
const all = <T extends Element = HTMLElement>(el: CallChatElement, selector: string) => [...el.shadowRoot!.querySelectorAll<T>(selector)];
const notice = (el: CallChatElement) => inside(el, '[part~="notice"]')?.textContent!.trim() ?? '';
const bodies = (el: CallChatElement) => all(el, '[part~="body"]').map((body) => body.textContent!);
const field = (el: CallChatElement) => inside<HTMLTextAreaElement>(el, 'textarea')!;
const announcement = (el: CallChatElement) => inside(el, '[aria-live="polite"]')!.textContent!.trim();
const write = (user: BrowserUser, sessionId: string, body: string) =>
  user.supabase.from('video_call_messages').insert({ session_id: sessionId, body }).then(({ error }) => {
    if (error) throw new Error(error.message);
  });

describe('<call-chat>', () => {
  it('loads, says there are no messages yet, and sends from the keyboard: Enter sends, Shift+Enter starts a line', async () => {
    const anna = await signUp('Anna');
    const sessionId = await newCall(anna);
    const el = await fixture<CallChatElement>(html`<call-chat lang="en" session-id=${sessionId} .client=${anna.callClient}></call-chat>`);
    expect(el.state).to.equal('loading');
    expect(notice(el)).to.equal('Loading messages…');
    await until(() => el.state === 'empty', 'the empty state');
    await el.updateComplete;
    expect(notice(el)).to.equal('No messages yet. Write the first one.');
    await expect(el).to.be.accessible();

    const shown: ChatMessage[] = [];
    el.addEventListener('call-chat-message', (event) => shown.push(event.detail.message));
    el.focus();
    expect(el.shadowRoot!.activeElement).to.equal(field(el));
    await sendKeys({ type: 'First line' });
    await sendKeys({ down: 'Shift' });
    await sendKeys({ press: 'Enter' });
    await sendKeys({ up: 'Shift' });
    await sendKeys({ type: 'second line' });
    await sendKeys({ press: 'Enter' });
    await until(() => bodies(el).length === 1, 'the message in the list');
    expect(field(el).value, 'the field is free for the next message').to.equal('');
    expect(bodies(el)).to.deep.equal(['First line\nsecond line']);
    await until(() => inside(el, '[part~="message"]')!.classList.contains('sent'), 'the message stored');
    const own = inside(el, '[part~="message"]')!;
    expect(own.classList.contains('own')).to.equal(true);
    expect(own.querySelector('[part~="author"]')!.textContent).to.equal('You');
    expect(announcement(el), 'one\'s own message is not announced').to.equal('');
    await until(() => shown.length === 1, 'call-chat-message for it');
    expect(shown[0].body).to.equal('First line\nsecond line');
    expect(el.state).to.equal('ready');
    await expect(el).to.be.accessible();
  });

  it('shows others\' messages live, announces them, and keeps HTML as text', async () => {
    const anna = await signUp('Anna');
    const boris = await signUp('Boris');
    const sessionId = await newCall(anna, [boris]);
    const el = await fixture<CallChatElement>(html`<call-chat lang="en" session-id=${sessionId} .client=${anna.callClient}></call-chat>`);
    await until(() => el.state === 'empty', 'the empty state');
    const event = nextEvent<{ message: ChatMessage }>(el, 'call-chat-message');
    const hostile = '<img src=x onerror="window.hacked=1"><b>bold</b><script>window.hacked=2</script>';
    await write(boris, sessionId, hostile);
    expect((await event).detail.message.body).to.equal(hostile);
    await until(() => bodies(el).length === 1, 'Boris\'s message');
    const body = inside(el, '[part~="body"]')!;
    expect(body.textContent).to.equal(hostile);
    expect(body.querySelector('img, b, script'), 'no markup from the message').to.equal(null);
    expect((window as { hacked?: number }).hacked).to.equal(undefined);
    const message = inside(el, '[part~="message"]')!;
    expect(message.classList.contains('own')).to.equal(false);
    expect(message.querySelector('[part~="author"]')!.textContent).to.equal('Boris');
    await until(() => announcement(el) === `Boris: ${hostile}`, 'the announcement');
  });

  it('makes http and https links clickable, opening safely in a new tab, and nothing else', async () => {
    const anna = await signUp('Anna');
    const sessionId = await newCall(anna);
    await write(anna, sessionId, 'Agenda: https://crm.example.com/deal?id=7&tab=notes, see also (www.example.org/wiki). Not javascript:alert(1) nor ftp://files.example.com nor https://user@evil.example');
    const el = await fixture<CallChatElement>(html`<call-chat lang="en" session-id=${sessionId} .client=${anna.callClient}></call-chat>`);
    await until(() => el.state === 'ready', 'the history');
    await el.updateComplete;
    const links = all<HTMLAnchorElement>(el, '[part~="link"]');
    expect(links.map((a) => [a.textContent, a.href])).to.deep.equal([
      ['https://crm.example.com/deal?id=7&tab=notes', 'https://crm.example.com/deal?id=7&tab=notes'],
      ['www.example.org/wiki', 'https://www.example.org/wiki'],
    ]);
    for (const link of links) {
      expect(link.target).to.equal('_blank');
      expect(link.rel).to.equal('noopener noreferrer nofollow');
      expect(link.getAttribute('aria-label')).to.match(/opens in a new tab/);
    }
    expect(bodies(el)[0]).to.contain('javascript:alert(1)');
    await expect(el).to.be.accessible();
  });

  it('splits a message into text and http(s) links, leaving a sentence\'s punctuation out of them', () => {
    const link = (text: string, href = text) => ({ kind: 'link', text, href });
    const text = (t: string) => ({ kind: 'text', text: t });
    expect(messageParts('no links here')).to.deep.equal([text('no links here')]);
    expect(messageParts('See https://a.example/x?y=1. Then (https://b.example/wiki_(page)) and «https://c.example/»!')).to.deep.equal([
      text('See '),
      link('https://a.example/x?y=1'),
      text('. Then ('),
      link('https://b.example/wiki_(page)'),
      text(') and «'),
      link('https://c.example/'),
      text('»!'),
    ]);
    expect(messageParts('www.example.org, http://127.0.0.1:8080/a')).to.deep.equal([
      link('www.example.org', 'https://www.example.org/'),
      text(', '),
      link('http://127.0.0.1:8080/a'),
    ]);
    for (const body of ['javascript:alert(1)', 'data:text/html,<b>x</b>', 'ftp://files.example', 'https://user:pw@evil.example', 'https://', 'file:///etc/passwd']) {
      expect(messageParts(body), body).to.deep.equal([text(body)]);
    }
    const joined = 'a https://x.example/ b <i>c</i>';
    expect(messageParts(joined).map((part) => part.text).join('')).to.equal(joined);
  });

  it('gives every message its own direction, right-to-left and emoji included', async () => {
    const anna = await signUp('Anna');
    const sessionId = await newCall(anna);
    await write(anna, sessionId, 'مرحبا بالجميع 👋');
    await write(anna, sessionId, '👍🏽👨‍👩‍👧 ok');
    const el = await fixture<CallChatElement>(html`<call-chat lang="en" session-id=${sessionId} .client=${anna.callClient}></call-chat>`);
    await until(() => bodies(el).length === 2, 'the history');
    expect(bodies(el)).to.deep.equal(['مرحبا بالجميع 👋', '👍🏽👨‍👩‍👧 ok']);
    const [rtl, ltr] = all(el, '[part~="body"]');
    expect(rtl.getAttribute('dir')).to.equal('auto');
    expect(getComputedStyle(rtl).direction).to.equal('rtl');
    expect(getComputedStyle(ltr).direction).to.equal('ltr');
    expect(field(el).getAttribute('dir')).to.equal('auto');
  });

  it('counts characters near the limit and keeps a message that is too long, with why', async () => {
    const anna = await signUp('Anna');
    const sessionId = await newCall(anna);
    const el = await fixture<CallChatElement>(html`<call-chat lang="en" session-id=${sessionId} .client=${anna.callClient}></call-chat>`);
    await until(() => el.state === 'empty', 'the empty state');
    const counter = () => inside(el, '[part~="counter"]')!;
    expect(counter().hidden).to.equal(true);
    const text = '😀'.repeat(4001);
    field(el).value = text;
    field(el).dispatchEvent(new Event('input'));
    await el.updateComplete;
    expect(counter().hidden).to.equal(false);
    expect(counter().textContent!.trim()).to.equal('4001 of 4000 characters');
    expect(field(el).getAttribute('aria-invalid')).to.equal('true');
    const failed = nextEvent<{ code: string }>(el, 'call-error');
    inside<HTMLButtonElement>(el, '[part~="send"]')!.click();
    expect((await failed).detail.code).to.equal('message_too_long');
    await el.updateComplete;
    expect(inside(el, '[part~="composer-error"]')!.textContent).to.equal('The message is too long: at most 4000 characters.');
    expect(field(el).value, 'what was typed stays').to.equal(text);
    expect(bodies(el)).to.deep.equal([]);
    field(el).value = '   ';
    field(el).dispatchEvent(new Event('input'));
    const empty = nextEvent<{ code: string }>(el, 'call-error');
    field(el).focus();
    await sendKeys({ press: 'Enter' });
    expect((await empty).detail.code).to.equal('message_empty');
    await el.updateComplete;
    expect(inside(el, '[part~="composer-error"]')!.textContent).to.equal('The message is empty.');
    const { data } = await anna.supabase.from('video_call_messages').select('id').eq('session_id', sessionId);
    expect(data).to.deep.equal([]);
  });

  it('marks a refused message failed with the reason, and an ended call read-only', async () => {
    const anna = await signUp('Anna');
    const mallory = await signUp('Mallory');
    const sessionId = await newCall(anna);
    const outsider = await fixture<CallChatElement>(html`<call-chat lang="en" session-id=${sessionId} .client=${mallory.callClient}></call-chat>`);
    await until(() => outsider.state === 'empty', 'an outsider sees nothing');
    field(outsider).value = 'let me in';
    field(outsider).dispatchEvent(new Event('input'));
    const refused = nextEvent<{ code: string }>(outsider, 'call-error');
    inside<HTMLButtonElement>(outsider, '[part~="send"]')!.click();
    expect((await refused).detail.code).to.equal('not_participant');
    await until(() => Boolean(inside(outsider, '.message.failed')), 'the failed message');
    expect(inside(outsider, '.message.failed .status')!.textContent).to.equal('Not sent: You are not a participant of this call.');
    await expect(outsider).to.be.accessible();
    inside<HTMLButtonElement>(outsider, '.message.failed [aria-label="Delete the unsent message"]')!.click();
    await until(() => outsider.state === 'empty', 'the failed message discarded');

    const el = await fixture<CallChatElement>(html`<call-chat lang="en" session-id=${sessionId} .client=${anna.callClient}></call-chat>`);
    await until(() => el.state === 'empty', 'the host\'s chat');
    await anna.supabase.from('video_call_sessions').update({ status: 'ended' }).eq('id', sessionId);
    field(el).value = 'after the end';
    field(el).dispatchEvent(new Event('input'));
    const ended = nextEvent<{ code: string }>(el, 'call-error');
    inside<HTMLButtonElement>(el, '[part~="send"]')!.click();
    expect((await ended).detail.code).to.equal('call_ended');
    await until(() => notice(el) === 'The call has ended: the chat can be read, not written.', 'the read-only notice');
    expect(inside(el, 'textarea')).to.equal(null);
  });

  it('keeps a message the rate limit refused, and Send again stores it once', async () => {
    const anna = await signUp('Anna');
    const sessionId = await newCall(anna);
    for (let i = 0; i < 20; i++) await write(anna, sessionId, `quick ${i + 1}`);
    const el = await fixture<CallChatElement>(html`<call-chat lang="en" session-id=${sessionId} .client=${anna.callClient}></call-chat>`);
    await until(() => el.state === 'ready' && bodies(el).length === 20, 'the history');
    field(el).value = 'one too many';
    field(el).dispatchEvent(new Event('input'));
    const refused = nextEvent<{ code: string }>(el, 'call-error');
    inside<HTMLButtonElement>(el, '[part~="send"]')!.click();
    expect(field(el).value, 'the field is cleared at once').to.equal('');
    expect((await refused).detail.code).to.equal('rate_limited');
    await until(() => Boolean(inside(el, '.message.failed')), 'the failed message');
    expect(inside(el, '.message.failed .status')!.textContent).to.equal('Not sent: Too many messages at once. Wait a few seconds and send again.');
    expect(announcement(el)).to.equal('Not sent: Too many messages at once. Wait a few seconds and send again.');
    const again = () => [...inside(el, '.message.failed')?.querySelectorAll('button') ?? []].find((b) => b.textContent === 'Send again');
    expect(again(), 'Send again').to.not.equal(undefined);
    // The 10-second window passes; each press sends the same message again.
    const deadline = Date.now() + 20000;
    while (inside(el, '.message.failed') && Date.now() < deadline) {
      again()?.click();
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    await until(() => !inside(el, '.message.failed') && bodies(el).at(-1) === 'one too many', 'the message stored');
    const { data } = await anna.supabase.from('video_call_messages').select('body').eq('session_id', sessionId).eq('body', 'one too many');
    expect(data!.length).to.equal(1);
  });

  it('shows the latest 50, and earlier ones on scrolling up with the view kept where it was', async () => {
    const people = await Promise.all(['Anna', 'Boris', 'Vera'].map((name) => signUp(name)));
    const sessionId = await newCall(people[0], people.slice(1));
    // Twenty each: the rate limit is per person.
    for (let i = 0; i < 60; i++) await write(people[Math.floor(i / 20)], sessionId, `message ${i + 1}`);
    const el = await fixture<CallChatElement>(html`<call-chat lang="en" session-id=${sessionId} .client=${people[0].callClient}></call-chat>`);
    await until(() => el.state === 'ready' && bodies(el).length === 50, 'the latest page');
    expect(bodies(el)[0]).to.equal('message 11');
    expect(bodies(el).at(-1)).to.equal('message 60');
    const log = inside(el, '[part~="log"]')!;
    await until(() => log.scrollTop > 0 && Math.abs(log.scrollHeight - log.clientHeight - log.scrollTop) < 2, 'the view at the bottom');
    expect(inside(el, '[part~="older"]')!.textContent!.trim()).to.equal('Show earlier messages');
    const anchor = all(el, '[part~="message"]')[0];
    log.scrollTop = 0;
    const before = anchor.getBoundingClientRect().top - log.getBoundingClientRect().top;
    await until(() => bodies(el).length === 60, 'the earlier messages');
    await el.updateComplete;
    expect(bodies(el)[0]).to.equal('message 1');
    expect(inside(el, '[part~="older"]'), 'nothing earlier').to.equal(null);
    const after = anchor.getBoundingClientRect().top - log.getBoundingClientRect().top;
    expect(Math.abs(after - before), 'message 11 stays where it was on screen').to.be.below(60);
    expect(all(el, '[part~="day"]').length).to.equal(1);
  });

  it('speaks Russian, and passes axe in Russian', async () => {
    const anna = await signUp('Анна');
    const boris = await signUp('Борис');
    const sessionId = await newCall(anna, [boris]);
    const el = await fixture<CallChatElement>(html`<call-chat lang="ru" session-id=${sessionId} .client=${anna.callClient}></call-chat>`);
    await until(() => el.state === 'empty', 'the empty state');
    await el.updateComplete;
    expect(notice(el)).to.equal('Сообщений пока нет. Напишите первым.');
    expect(inside(el, '[part~="send"]')!.textContent).to.equal('Отправить');
    await expect(el).to.be.accessible();
    await write(boris, sessionId, 'Привет! https://пример.рф/встреча');
    await until(() => announcement(el) === 'Борис: Привет! https://пример.рф/встреча', 'the announcement in Russian');
    expect(inside(el, '[part~="base"]')!.getAttribute('aria-label')).to.equal('Чат');
    expect(all(el, '[part~="link"]').length).to.equal(1);
    await expect(el).to.be.accessible();
  });

  it('says why the chat did not load and loads again on request', async () => {
    const anna = await signUp('Anna');
    const el = await fixture<CallChatElement>(html`<call-chat lang="en" session-id="not-a-call" .client=${anna.callClient}></call-chat>`);
    await until(() => el.state === 'error', 'the error state');
    await el.updateComplete;
    expect(notice(el)).to.match(/^Could not load the chat: /);
    expect(inside(el, '[role="alert"] button')!.textContent).to.equal('Try again');
    await expect(el).to.be.accessible();
    const sessionId = await newCall(anna);
    el.sessionId = sessionId;
    await until(() => el.state === 'empty', 'the chat of a real session');
  });
});
