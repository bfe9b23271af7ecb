import { expect, fixture, html } from '@open-wc/testing';
import { emulateMedia, sendKeys } from '@web/test-runner-commands';
import '../../src/define.ts';
import type { CallInvitePanel } from '../../src/elements/call-invite-panel/call-invite-panel.ts';
import type { CallParticipants } from '../../src/elements/call-participants/call-participants.ts';
import { localStack, newCall, nextEvent, signUp, until } from './support.ts';

const inside = <T extends Element = HTMLElement>(el: CallInvitePanel, selector: string) => el.shadowRoot!.querySelector<T>(selector);
const field = (el: CallInvitePanel) => inside<HTMLInputElement>(el, '#invitee');
const message = (el: CallInvitePanel) => inside(el, '[part~="message"]')?.textContent!.trim() ?? '';
const notice = (el: CallInvitePanel) => inside(el, '[part~="notice"]')?.textContent!.trim() ?? '';
const list = (el: CallInvitePanel) => inside<CallParticipants>(el, 'call-participants');
const names = (el: CallInvitePanel) => [...(list(el)?.shadowRoot?.querySelectorAll('[part~="name"]') ?? [])].map((name) => name.textContent!.trim());

describe('<call-invite-panel>', () => {
  it('lets the host of a session invite from the keyboard, on its own, with the list of invitees', async () => {
    const anna = await signUp('Anna');
    const sessionId = await newCall(anna);
    const el = await fixture<CallInvitePanel>(html`<call-invite-panel lang="en" session-id=${sessionId} event-id="evt-7" .client=${anna.callClient}></call-invite-panel>`);
    await until(() => el.state === 'empty', 'the empty state');
    await el.updateComplete;
    expect(notice(el)).to.equal('Nobody is invited yet. Invite people by e-mail or user id.');
    expect(inside(el, '[part~="base"]')!.getAttribute('role')).to.equal('group');
    expect(inside(el, '[part~="base"]')!.getAttribute('aria-label')).to.equal('Invitations');
    expect(inside(el, '[part~="message"]')!.getAttribute('aria-live')).to.equal('polite');
    await until(() => names(el).length === 1, 'the host listed');
    await expect(el).to.be.accessible();

    el.focus();
    expect(el.shadowRoot!.activeElement).to.equal(field(el));
    await sendKeys({ press: 'Enter' });
    await until(() => message(el) === 'Enter a user id or an e-mail address', 'the empty-field message');
    const invited = nextEvent<{ eventId: string; sessionId: string; invitee: string }>(el, 'call-invite');
    await sendKeys({ type: 'maria@acme.test' });
    await sendKeys({ press: 'Enter' });
    expect((await invited).detail).to.deep.equal({ eventId: 'evt-7', sessionId, invitee: 'maria@acme.test' });
    // No account behind the address: nothing to push to; the invitation goes by e-mail alone.
    await until(() => message(el) === 'maria@acme.test is invited. The e-mail was sent.', 'the invitation and its e-mail’s fate');
    await until(() => el.state === 'ready' && names(el).includes('maria'), 'the invitee listed');
    expect(notice(el), 'no "nobody invited" once someone is').to.equal('');
    await until(() => el.shadowRoot!.activeElement === field(el) && !field(el)!.disabled, 'focus back in the field');

    // Withdrawn from the list: the panel is empty again.
    const row = [...list(el)!.shadowRoot!.querySelectorAll<HTMLElement>('[part~="item"]')].find((item) => item.textContent!.includes('maria'))!;
    row.querySelector<HTMLButtonElement>('[part~="remove"]')!.click();
    await until(() => el.state === 'empty' && !names(el).includes('maria'), 'the invitation withdrawn');
  });

  it('is busy while an invitation is on its way, then says why it failed, and keeps what was typed', async () => {
    const anna = await signUp('Anna');
    const sessionId = await newCall(anna);
    const el = await fixture<CallInvitePanel>(html`<call-invite-panel lang="en" session-id=${sessionId} .client=${anna.callClient}></call-invite-panel>`);
    await until(() => Boolean(field(el)), 'the form');
    field(el)!.value = 'nobody';
    const failed = nextEvent<{ code: string; sessionId: string }>(el, 'call-error');
    inside<HTMLButtonElement>(el, '[part~="submit"]')!.click();
    await el.updateComplete;
    expect(field(el)!.disabled).to.equal(true);
    expect(inside<HTMLButtonElement>(el, '[part~="submit"]')!.disabled).to.equal(true);
    expect(inside(el, '[part~="base"]')!.getAttribute('aria-busy')).to.equal('true');
    expect(message(el)).to.equal('Inviting nobody…');
    const { detail } = await failed;
    expect([detail.code, detail.sessionId]).to.deep.equal(['invalid_input', sessionId]);
    await until(() => /^Could not invite: /.test(message(el)) && !field(el)!.disabled, 'the failure');
    expect(inside(el, '[part~="message"]')!.classList.contains('error')).to.equal(true);
    expect(field(el)!.value).to.equal('nobody');
    expect(inside(el, '[part~="base"]')!.getAttribute('aria-busy')).to.equal('false');
  });

  it('says the invitation is on its way, then how it went on each channel, in its polite live region', async () => {
    const anna = await signUp('Anna');
    const boris = await signUp('Boris');
    const sessionId = await newCall(anna);
    const el = await fixture<CallInvitePanel>(html`<call-invite-panel lang="en" session-id=${sessionId} .client=${anna.callClient}></call-invite-panel>`);
    await until(() => Boolean(field(el)), 'the form');
    const said: string[] = [];
    const live = inside(el, '[part~="message"]')!;
    new MutationObserver(() => said.push(live.textContent!.trim())).observe(live, { childList: true, subtree: true, characterData: true });
    field(el)!.value = boris.id;
    inside<HTMLButtonElement>(el, '[part~="submit"]')!.click();
    // Boris has no browser subscribed: push reaches nobody and says nothing; the e-mail goes.
    await until(() => message(el) === `${boris.id} is invited. The e-mail was sent.`, 'the outcome');
    expect(said).to.include(`${boris.id} is invited. Sending the invitation…`);
    expect(live.classList.contains('partial')).to.equal(false);

    // An address the database takes but the mail server refuses (501): invited all the same.
    await until(() => !field(el)!.disabled, 'the field free again');
    field(el)!.value = 'bad..dots@acme.test';
    inside<HTMLButtonElement>(el, '[part~="submit"]')!.click();
    await until(() => message(el) === 'bad..dots@acme.test is invited. The e-mail could not be sent.', 'the refused e-mail');
    expect(live.classList.contains('partial'), 'invited, but not every channel went out').to.equal(true);
    expect(live.classList.contains('error')).to.equal(false);
    await expect(el).to.be.accessible();
  });

  it('says the notification outcome in Russian', async () => {
    const anna = await signUp('Anna');
    const sessionId = await newCall(anna);
    const el = await fixture<CallInvitePanel>(html`<call-invite-panel lang="ru" session-id=${sessionId} .client=${anna.callClient}></call-invite-panel>`);
    await until(() => Boolean(field(el)), 'the form');
    field(el)!.value = 'vera@acme.test';
    inside<HTMLButtonElement>(el, '[part~="submit"]')!.click();
    await until(() => message(el) === 'vera@acme.test: приглашение создано. Письмо отправлено.', 'the outcome in Russian');
    await expect(el).to.be.accessible();
  });

  it('shows the invitees’ answers live, in the order accepted, maybe, no answer, declined', async () => {
    const anna = await signUp('Anna');
    const [boris, vera, gleb] = await Promise.all([signUp('Boris'), signUp('Vera'), signUp('Gleb')]);
    const sessionId = await newCall(anna, [boris, vera, gleb]);
    const el = await fixture<CallInvitePanel>(html`<call-invite-panel lang="en" session-id=${sessionId} .client=${anna.callClient}></call-invite-panel>`);
    await until(() => names(el).length === 4, 'everyone listed');
    const statuses = () => [...(list(el)?.shadowRoot?.querySelectorAll('[part~="item"]') ?? [])].map((item) => `${item.querySelector('[part~="name"]')!.textContent!.trim()}: ${item.querySelector('.summary')!.textContent!.trim()}`);
    await gleb.callClient.answerInvitation(sessionId, 'declined');
    await vera.callClient.answerInvitation(sessionId, 'tentative');
    const answered = performance.now();
    await until(() => statuses()[1] === 'Vera: Maybe · Not in the call', 'Vera’s Maybe shown', 1000);
    expect(performance.now() - answered).to.be.below(1000);
    expect(statuses()).to.deep.equal([
      'Anna (you): Host · Not in the call',
      'Vera: Maybe · Not in the call',
      'Boris: Invited, no answer yet · Not in the call',
      'Gleb: Declined · Not in the call',
    ]);
    await boris.callClient.answerInvitation(sessionId, 'accepted');
    await until(() => statuses()[1] === 'Boris: Accepted · Not in the call', 'Boris’s Yes shown first among the guests', 1000);
  });

  it('tells a guest that only the host invites, and still lists the people', async () => {
    const anna = await signUp('Anna');
    const boris = await signUp('Boris');
    const sessionId = await newCall(anna, [boris]);
    const el = await fixture<CallInvitePanel>(html`<call-invite-panel lang="en" session-id=${sessionId} .client=${boris.callClient}></call-invite-panel>`);
    await until(() => el.state === 'not-host', 'the not-host state');
    await el.updateComplete;
    expect(notice(el)).to.equal('Only the host of the call can invite people.');
    expect(field(el), 'no form for a guest').to.equal(null);
    await until(() => names(el).length === 2, 'both people listed');
    expect(list(el)!.shadowRoot!.querySelector('[part~="remove"]'), 'nothing to withdraw').to.equal(null);
    await expect(el).to.be.accessible();
  });

  it('shows loading, and errors in Russian: without a backend, and with one (supabase-url, supabase-anon-key) that refuses a visitor', async () => {
    const failed = nextEvent<{ code: string }>(document, 'call-error');
    const el = await fixture<CallInvitePanel>(html`<call-invite-panel lang="ru" session-id=${crypto.randomUUID()}></call-invite-panel>`);
    expect((await failed).detail.code).to.equal('no_backend');
    await el.updateComplete;
    expect(el.state).to.equal('error');
    expect(inside(el, '[role="alert"]')!.textContent).to.match(/^Не удалось загрузить приглашения: /);

    const { url, anonKey } = await localStack();
    const byAttributes = await fixture<CallInvitePanel>(html`<call-invite-panel lang="ru" session-id=${crypto.randomUUID()} supabase-url=${url} supabase-anon-key=${anonKey}></call-invite-panel>`);
    expect(byAttributes.state).to.equal('loading');
    await byAttributes.updateComplete;
    expect(inside(byAttributes, '[part~="notice"]')!.getAttribute('role')).to.equal('status');
    expect(notice(byAttributes)).to.equal('Загружаем приглашения…');
    // Nobody is signed in on that client: the rows are not theirs to read, and there is no form.
    await until(() => byAttributes.state === 'error', 'the refusal');
    await byAttributes.updateComplete;
    expect(inside(byAttributes, '[role="alert"]')!.textContent).to.match(/^Не удалось загрузить приглашения: .+/);
    expect(field(byAttributes)).to.equal(null);
  });

  it('follows the page’s colour scheme, with its custom properties on top', async () => {
    const anna = await signUp('Anna');
    const sessionId = await newCall(anna);
    const el = await fixture<CallInvitePanel>(html`<call-invite-panel lang="en" session-id=${sessionId} .client=${anna.callClient}></call-invite-panel>`);
    await until(() => Boolean(field(el)), 'the form');
    const colours = () => [getComputedStyle(el).backgroundColor, getComputedStyle(el).color];
    try {
      await emulateMedia({ colorScheme: 'light' });
      expect(colours()).to.deep.equal(['rgb(255, 255, 255)', 'rgb(15, 23, 42)']);
      await emulateMedia({ colorScheme: 'dark' });
      expect(colours()).to.deep.equal(['rgb(30, 41, 59)', 'rgb(241, 245, 249)']);
      await expect(el).to.be.accessible();
      el.style.setProperty('--call-surface-background', 'rgb(1, 2, 3)');
      expect(colours()[0]).to.equal('rgb(1, 2, 3)');
    } finally {
      await emulateMedia({ colorScheme: 'light' });
    }
  });
});
