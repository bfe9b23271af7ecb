/**
 * Answering an invitation between two CRM pages that embed the script-tag bundle: the invitee
 * answers Maybe, then No, on the event's card (`<event-call-button>`), and the host's people list
 * and invitations panel show each answer live, in the answers' order. The host's panel then says
 * how a new invitation's notifications went, and the e-mail with its calendar invitation is in the
 * stack's mail catcher.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startLocalStack, type LocalStack } from '../../supabase/local/server.ts';
import { Inbox } from '../support/mail.ts';
import { serveCrmPage, type EnterPage } from './invitation-page.ts';
import { CHROMIUM, CHROMIUM_ARGS, signUp } from './support.ts';

/** Each person of a list as "name | status line", from inside its shadow root (and a panel's). */
const peopleOf = (p: Page, selector: string) =>
  p.evaluate((selector) => {
    let root: Element | ShadowRoot | null = document.body;
    for (const part of selector.split(' >> ')) root = (root instanceof ShadowRoot || root instanceof Element ? root.querySelector(part) : null)?.shadowRoot ?? null;
    return [...(root?.querySelectorAll('[part~="item"]') ?? [])].map(
      (item) => `${item.querySelector('[part~="name"]')!.textContent!.trim()} | ${item.querySelector('.summary')!.textContent!.trim()}`,
    );
  }, selector);

/** Polls `read` until `check` holds; returns how long it took. */
async function until<T>(read: () => Promise<T>, check: (value: T) => boolean, what: string, ms = 10_000): Promise<number> {
  const started = performance.now();
  let last: T | undefined;
  while (performance.now() - started < ms) {
    last = await read();
    if (check(last)) return performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}; last ${JSON.stringify(last)}`);
}

describe('answering invitations across two pages', () => {
  let stack: LocalStack;
  let crm: { url: string; close(): Promise<void> };
  let browser: Browser;

  before(async () => {
    stack = await startLocalStack({ port: 0, memory: true, scheduler: false, log: () => undefined, env: {}, mail: { port: 0, smtpPort: 0 } });
    crm = await serveCrmPage(stack);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });
  after(async () => {
    await browser?.close();
    await crm?.close();
    await stack?.close();
  });

  it('shows the host the invitee’s Maybe, then No, live in the people list and the invitations panel', async () => {
    const anna = await signUp(stack.url, stack.anonKey, 'Anna');
    const boris = await signUp(stack.url, stack.anonKey, 'Boris');
    const vera = await signUp(stack.url, stack.anonKey, 'Vera');
    const eventId = `crm-${Math.random().toString(36).slice(2)}`;
    await anna.client.auth.signInWithPassword({ email: anna.email, password: anna.password });
    // Two hours ahead: a call with a time, so its invitations carry a calendar REQUEST.
    const startsAt = new Date(Date.now() + 2 * 3600_000).toISOString();
    const { data: session, error } = await anna.client.rpc('event_video_call', {
      p_event_id: eventId,
      p_title: 'ACME renewal',
      p_scheduled_at: startsAt,
      p_attendees: [boris.id, vera.id],
    });
    assert.ifError(error);
    // Vera said yes earlier: Boris's answers move him around her.
    await vera.client.auth.signInWithPassword({ email: vera.email, password: vera.password });
    assert.ifError((await vera.client.rpc('answer_video_call_invitation', { p_session_id: session.id, p_status: 'accepted' })).error);

    const host = await (await browser.newContext()).newPage();
    const invitee = await (await browser.newContext()).newPage();
    await Promise.all([host.goto(crm.url), invitee.goto(crm.url)]);
    await host.evaluate(
      ([email, password, id]) => (window as never as EnterPage).enter(email, password, `<call-participants session-id="${id}"></call-participants><call-invite-panel session-id="${id}"></call-invite-panel>`),
      [anna.email, anna.password, session.id],
    );
    await invitee.evaluate(
      ([email, password, event, hostId]) => (window as never as EnterPage).enter(email, password, `<event-call-button event-id="${event}" attendees="${hostId}" open="event"></event-call-button>`),
      [boris.email, boris.password, eventId, anna.id],
    );

    const list = () => peopleOf(host, 'call-participants');
    const panelList = () => peopleOf(host, 'call-invite-panel >> call-participants');
    const expectBoth = async (rows: string[], what: string) => {
      const ms = await until(list, (people) => people.join() === rows.join(), `${what} in the people list`);
      await until(panelList, (people) => people.join() === rows.join(), `${what} in the panel`);
      return ms;
    };
    await expectBoth(['Anna (you) | Host · Not in the call', 'Vera | Accepted · Not in the call', 'Boris | Invited, no answer yet · Not in the call'], 'the invitations');

    const card = invitee.locator('event-call-button');
    const maybe = card.getByRole('button', { name: 'Maybe', exact: true });
    await maybe.waitFor();
    assert.equal(await card.getByRole('group', { name: 'Will you attend?' }).count(), 1);
    await maybe.click();
    const maybeMs = await expectBoth(
      ['Anna (you) | Host · Not in the call', 'Vera | Accepted · Not in the call', 'Boris | Maybe · Not in the call'],
      'Boris’s Maybe',
    );
    assert.equal(await maybe.getAttribute('aria-pressed'), 'true');

    // From the keyboard this time.
    await card.getByRole('button', { name: 'No', exact: true }).focus();
    await invitee.keyboard.press('Enter');
    const noMs = await expectBoth(
      ['Anna (you) | Host · Not in the call', 'Vera | Accepted · Not in the call', 'Boris | Declined · Not in the call'],
      'Boris’s No',
    );
    assert.equal(await card.getByRole('button', { name: 'No', exact: true }).getAttribute('aria-pressed'), 'true');
    assert.equal(await card.getByRole('button', { name: /Join/ }).isEnabled(), true, 'a declined invitee may still join');
    // From the click's end to the host's list showing it (polled every 25 ms); a figure, not a
    // check here — the element and core tests hold the one-second promise.
    console.log(`answer → host's list: Maybe ${Math.round(maybeMs)} ms, No ${Math.round(noMs)} ms`);

    // The host invites someone new from the panel and is told how the notifications went.
    const panel = host.locator('call-invite-panel');
    await panel.getByLabel('User id or e-mail').fill('dana@acme.test');
    await panel.getByRole('button', { name: 'Invite' }).click();
    await until(
      () => panel.locator('[part~="message"]').textContent(),
      (text) => text?.trim() === 'dana@acme.test is invited. The e-mail was sent.',
      'the notification outcome',
    );
    const inbox = new Inbox(stack.mailUrl!);
    const mail = await inbox.only('dana@acme.test');
    assert.match(mail.Subject, /Acme|invit/i);
    const calendar = await inbox.calendar(mail);
    assert.equal(calendar?.get('METHOD')?.value, 'REQUEST', 'a calendar invitation rides with the e-mail');
    assert.equal(calendar!.get('UID')?.value, `${session.id}@supabase-call-widgets`);
  });
});
