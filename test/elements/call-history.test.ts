/**
 * <call-history> against the real local stack: a deal's calls after real joins and leaves, with
 * who came and for how long behind each call's disclosure button; an outsider's empty list; the
 * signed-out state that fills in once someone signs in; a refused read with Try again; the CSV of
 * what is shown (quoted, formula-safe); a call of the page ending refreshes the list; Russian
 * plurals; 360 px cards; axe in English and Russian.
 */
import { expect, fixture, html } from '@open-wc/testing';
import { sendKeys, setViewport } from '@web/test-runner-commands';
import { createClient } from '@supabase/supabase-js';
import '../../src/define.ts';
import { CallClient, type CallClientView } from '../../src/core/call-client.ts';
import type { CallSession } from '../../src/core/call-session.ts';
import type { CallHistory, CallHistoryExportDetail } from '../../src/elements/call-history/call-history.ts';
import { localStack, nextEvent, signUp, until, type BrowserUser } from './support.ts';

const text = (el: Element) => el.shadowRoot!.textContent!.replace(/\s+/g, ' ').trim();
const callRows = (el: CallHistory) => [...el.shadowRoot!.querySelectorAll<HTMLTableRowElement>('[part~="call"]')];
const cells = (row: HTMLTableRowElement) => [...row.querySelectorAll('td')].map((td) => td.textContent!.replace(/\s+/g, ' ').trim());
const toggles = (el: CallHistory) => [...el.shadowRoot!.querySelectorAll<HTMLButtonElement>('[part~="toggle"]')];
/** Each person of an open call as "name | answer | attendance". */
const attendees = (el: CallHistory, index: number) =>
  [...el.shadowRoot!.querySelectorAll('tbody.call')[index].querySelectorAll('[part~="attendee"]')].map((li) =>
    [...li.children].map((span) => span.textContent!.replace(/\s+/g, ' ').trim()).join(' | '),
  );

/** A call of `deal` hosted by `host` with `guests` invited (no notifications sent). */
async function dealCall(host: BrowserUser, deal: string, title: string, guests: BrowserUser[] = []): Promise<string> {
  const session = await host.callClient.createSession({ title, crmEntityType: 'deal', crmEntityId: deal });
  for (const guest of guests) await host.callClient.invite(session.id, guest.id, { notify: false });
  return session.id;
}

describe('<call-history>', () => {
  const calls: CallSession[] = [];
  afterEach(async () => {
    for (const call of calls.splice(0)) await call.leave();
  });
  const join = async (user: BrowserUser, sessionId: string) => {
    const call = (await user.callClient.join(sessionId, { media: false })) as CallSession;
    calls.push(call);
    return call;
  };

  it('lists a deal’s two calls, newest first, with who came after real joins and leaves, accessibly', async () => {
    const [anna, boris, vera] = await Promise.all([signUp('Anna'), signUp('Boris'), signUp('Vera')]);
    const deal = `D-${crypto.randomUUID()}`;
    const kickoff = await dealCall(anna, deal, 'Kick-off', [boris]);
    const demo = await dealCall(anna, deal, 'Product demo', [boris, vera]);
    await dealCall(anna, `D-${crypto.randomUUID()}`, 'Another deal', [boris]);

    // Kick-off: both came and left. Then the demo: Anna and Boris came, Vera did not; one message.
    for (const call of [await join(anna, kickoff), await join(boris, kickoff)]) await call.leave();
    const annaInDemo = await join(anna, demo);
    const borisInDemo = await join(boris, demo);
    const sent = await boris.supabase.from('video_call_messages').insert({ session_id: demo, body: 'Hello' });
    expect(sent.error).to.equal(null);
    await borisInDemo.leave();
    await annaInDemo.endForAll!();

    const el = await fixture<CallHistory>(html`<call-history lang="en" entity-type="deal" entity-id=${deal} .client=${anna.callClient}></call-history>`);
    await until(() => el.state === 'ready', 'the list');
    expect(el.shadowRoot!.querySelector('h3')!.textContent).to.equal('Calls (2)');
    const [latest, first] = callRows(el).map(cells);
    expect(latest.slice(1, 6)).to.deep.equal(['Product demo', latest[2], 'Anna', '2 of 3 came', '1 message']);
    expect(latest[2]).to.match(/^\d+ s$/, 'the demo ended: its duration');
    expect(first.slice(1, 6)).to.deep.equal(['Kick-off', 'In progress', 'Anna', '2 of 2 came', 'No messages']);
    expect(latest[0]).to.equal(new Intl.DateTimeFormat('en', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' }).format(new Date(el.calls[0].started_at!)));
    expect(el.shadowRoot!.querySelector('[part~="attendance"]'), 'closed at first').to.equal(null);

    const [demoToggle] = toggles(el);
    expect(demoToggle.getAttribute('aria-expanded')).to.equal('false');
    expect(demoToggle.getAttribute('aria-label')).to.match(/^Who came: Product demo, /);
    demoToggle.click();
    await el.updateComplete;
    expect(demoToggle.getAttribute('aria-expanded')).to.equal('true');
    expect(el.shadowRoot!.getElementById(demoToggle.getAttribute('aria-controls')!)!.hidden).to.equal(false);
    const people = attendees(el, 0);
    expect(people[0]).to.match(/^Anna \(Host\) \| {2}\| In the call for \d+ s$/);
    expect(people[1]).to.match(/^Boris \| Accepted \| In the call for \d+ s$/);
    expect(people[2]).to.equal('Vera | Invited, no answer yet | Did not join');
    await expect(el).to.be.accessible();

    // Boris sees the same two calls (he was in both).
    const his = await fixture<CallHistory>(html`<call-history lang="en" entity-type="deal" entity-id=${deal} .client=${boris.callClient}></call-history>`);
    await until(() => his.state === 'ready', 'Boris’s list');
    expect(his.calls.map((call) => call.title)).to.deep.equal(['Product demo', 'Kick-off']);
  });

  it('shows an outsider the empty state, not an error', async () => {
    const [anna, stranger] = await Promise.all([signUp('Anna'), signUp('Stranger')]);
    const deal = `D-${crypto.randomUUID()}`;
    await dealCall(anna, deal, 'Private');
    let failed = false;
    const el = await fixture<CallHistory>(html`<call-history lang="en" entity-type="deal" entity-id=${deal} .client=${stranger.callClient} @call-error=${() => (failed = true)}></call-history>`);
    await until(() => el.state === 'empty', 'the empty state');
    expect(text(el)).to.equal('Calls (0) No calls yet.');
    expect(el.shadowRoot!.querySelector('[role="alert"]')).to.equal(null);
    expect(el.shadowRoot!.querySelector('[part~="export"]'), 'nothing to export').to.equal(null);
    expect(failed).to.equal(false);
    await expect(el).to.be.accessible();
  });

  it('says to sign in when nobody is, and lists the calls once someone signs in', async () => {
    const anna = await signUp('Anna');
    const deal = `D-${crypto.randomUUID()}`;
    await dealCall(anna, deal, 'Signed in only');
    const { url, anonKey } = await localStack();
    const email = `later-${crypto.randomUUID()}@example.test`;
    const supabase = createClient(url, anonKey, { auth: { persistSession: false, storageKey: email } });
    const client = new CallClient({ client: supabase });
    const el = await fixture<CallHistory>(html`<call-history lang="ru" entity-type="deal" entity-id=${deal} .client=${client}></call-history>`);
    await until(() => el.state === 'signed-out', 'signed out');
    expect(text(el)).to.contain('Войдите, чтобы увидеть звонки.');
    await expect(el).to.be.accessible();

    // The anon key is refused by the database itself, as signed out too.
    const anon = new CallClient({ client: createClient(url, anonKey, { auth: { persistSession: false, storageKey: `anon-${email}` } }) });
    const refused = await anon.history('deal', deal).then(() => null, (error: { code: string }) => error.code);
    expect(refused).to.equal('not_signed_in');
    const rpc = await anon.supabase.rpc('video_call_history', { p_entity_type: 'deal', p_entity_id: deal });
    expect(rpc.error?.code).to.equal('42501');

    // Signing in on that client: the element reads again by itself (an outsider: empty).
    const { error } = await supabase.auth.signUp({ email, password: 'secret-password', options: { data: { display_name: 'Later' } } });
    expect(error).to.equal(null);
    await until(() => el.state === 'empty', 'read again after signing in');
  });

  it('shows a refused read as an error with Try again, which reads again from the keyboard', async () => {
    const anna = await signUp('Anna');
    const deal = `D-${crypto.randomUUID()}`;
    await dealCall(anna, deal, 'Retry me');
    // The first read asks the database with an id over its 200 characters: a real refusal (22023).
    let reads = 0;
    const flaky: CallClientView = {
      ...Object.fromEntries(['currentUser', 'findSessionByEvent', 'openEventCall', 'invite', 'uninvite', 'getSession', 'roster', 'session'].map((name) => [name, (...args: unknown[]) => (anna.callClient as never as Record<string, (...a: unknown[]) => unknown>)[name](...args)])),
      on: anna.callClient.on.bind(anna.callClient),
      history: (type: string, id: string) => anna.callClient.history(type, reads++ === 0 ? 'x'.repeat(201) : id),
    } as CallClientView;
    const errors: string[] = [];
    const el = await fixture<CallHistory>(html`<call-history lang="en" entity-type="deal" entity-id=${deal} .client=${flaky} @call-error=${(event: CustomEvent<{ code: string }>) => errors.push(event.detail.code)}></call-history>`);
    await until(() => el.state === 'error', 'the error');
    const alert = el.shadowRoot!.querySelector('[role="alert"]')!;
    expect(alert.textContent).to.match(/^Could not load the calls: could not read the call history: p_entity_id must be 1 to 200 characters$/);
    expect(errors).to.deep.equal(['invalid_input']);
    await expect(el).to.be.accessible();

    const retry = el.shadowRoot!.querySelector<HTMLButtonElement>('[part~="retry"]')!;
    expect(retry.textContent!.trim()).to.equal('Try again');
    retry.focus();
    await sendKeys({ press: 'Enter' });
    await until(() => el.state === 'ready', 'the list after Try again');
    expect(el.calls.map((call) => call.title)).to.deep.equal(['Retry me']);
    await el.updateComplete;
    expect(el.shadowRoot!.activeElement, 'focus stays in the element').to.equal(el.shadowRoot!.querySelector('[part~="base"]'));
  });

  it('exports the rows shown as CSV: a header, one quoted line per participant per call, formulas defused', async () => {
    const [anna, boris] = await Promise.all([signUp('Anna'), signUp('=Boris')]);
    const deal = `D-${crypto.randomUUID()}`;
    const sessionId = await dealCall(anna, deal, '=HYPERLINK("http://evil.test","x")', [boris]);
    const call = await join(anna, sessionId);
    await call.leave();
    const el = await fixture<CallHistory>(html`<call-history lang="en" entity-type="deal" entity-id=${deal} .client=${anna.callClient}></call-history>`);
    await until(() => el.state === 'ready' && /In the call for/.test(text(el)) === false, 'the list');
    const exported = nextEvent<CallHistoryExportDetail>(el, 'call-history-export');
    el.addEventListener('call-history-export', (event) => event.preventDefault(), { once: true });
    el.shadowRoot!.querySelector<HTMLButtonElement>('[part~="export"]')!.click();
    const { detail } = await exported;
    expect(detail.filename).to.equal(`calls-deal-${deal}.csv`);
    const lines = detail.csv.split('\r\n');
    expect(lines.at(-1), 'ends with a line break').to.equal('');
    expect(lines[0]).to.equal('"Call id","Call","Started (UTC)","Ended (UTC)","Duration (s)","Host","Chat messages","Participant","User id","Invitation","Last joined (UTC)","Last left (UTC)","Time in the call (s)"');
    expect(lines.length).to.equal(4, 'header, Anna, Boris');
    const row = el.calls[0];
    const [host, guest] = row.participants;
    expect(lines[1]).to.equal(
      `"${sessionId}","'=HYPERLINK(""http://evil.test"",""x"")","${row.started_at}","","","Anna","0","Anna","${anna.id}","Accepted","${host.joined_at}","${host.left_at}","${host.attended_s}"`,
    );
    expect(lines[2]).to.equal(`"${sessionId}","'=HYPERLINK(""http://evil.test"",""x"")","${row.started_at}","","","Anna","0","'=Boris","${boris.id}","Invited, no answer yet","","",""`);
    expect(guest.joined_at).to.equal(null);
    expect(el.csv()).to.equal(detail.csv);
  });

  it('reads again when a call of its client starts and ends on the page', async () => {
    const [anna, boris] = await Promise.all([signUp('Anna'), signUp('Boris')]);
    const deal = `D-${crypto.randomUUID()}`;
    const sessionId = await dealCall(anna, deal, 'Live', [boris]);
    const el = await fixture<CallHistory>(html`<call-history lang="en" entity-type="deal" entity-id=${deal} .client=${anna.callClient}></call-history>`);
    await until(() => el.state === 'ready', 'the list');
    expect(el.calls[0].participants[0].joined_at).to.equal(null);
    const call = await join(anna, sessionId);
    await until(() => Boolean(el.calls[0]?.participants[0].joined_at), 'Anna in the call');
    toggles(el)[0].click();
    await until(() => attendees(el, 0)[0]?.endsWith('In the call now'), 'in the call now');
    await call.endForAll!();
    await until(() => Boolean(el.calls[0].ended_at) && /^Anna \(Host\) \| {2}\| In the call for \d+ s$/.test(attendees(el, 0)[0] ?? ''), 'the ended call');
    expect(el.shadowRoot!.querySelector('[role="status"][aria-live]')!.textContent).to.equal('Call history updated: 1 call.');
  });

  it('speaks Russian with its plural forms, and passes axe in Russian', async () => {
    const anna = await signUp('Анна');
    const deal = `D-${crypto.randomUUID()}`;
    const sessionId = await dealCall(anna, deal, 'Созвон');
    const call = await join(anna, sessionId);
    for (let i = 0; i < 5; i++) expect((await anna.supabase.from('video_call_messages').insert({ session_id: sessionId, body: `№${i}` })).error).to.equal(null);
    await call.endForAll!();
    const el = await fixture<CallHistory>(html`<call-history lang="ru" entity-type="deal" entity-id=${deal} .client=${anna.callClient}></call-history>`);
    await until(() => el.state === 'ready', 'the list');
    const [row] = callRows(el).map(cells);
    expect(row.slice(1)).to.deep.equal(['Созвон', row[2], 'Анна', 'Были 1 из 1', '5 сообщений', 'Кто был']);
    expect(text(el)).to.contain('Звонки (1)');
    expect(text(el)).to.contain('Выгрузить CSV');
    toggles(el)[0].focus();
    await sendKeys({ press: 'Enter' });
    await el.updateComplete;
    expect(toggles(el)[0].getAttribute('aria-expanded')).to.equal('true');
    expect(attendees(el, 0)[0]).to.match(/^Анна \(Организатор\) \| {2}\| В звонке: \d+ с$/);
    await expect(el).to.be.accessible();
    await sendKeys({ press: 'Space' });
    await el.updateComplete;
    expect(toggles(el)[0].getAttribute('aria-expanded'), 'closed again').to.equal('false');
  });

  it('turns into cards on a 360 px phone: no horizontal scroll, 44 px buttons', async () => {
    const [anna, boris] = await Promise.all([signUp('Anna'), signUp('Boris')]);
    expect((await boris.supabase.auth.updateUser({ data: { display_name: 'Boris Konstantinovich Rozhdestvensky-Wolkonsky' } })).error).to.equal(null);
    const deal = `D-${crypto.randomUUID()}`;
    await dealCall(anna, deal, 'A rather long call title about the quarterly renewal of the enterprise plan', [boris]);
    await setViewport({ width: 360, height: 740 });
    try {
      const el = await fixture<CallHistory>(html`<call-history lang="ru" entity-type="deal" entity-id=${deal} .client=${anna.callClient}></call-history>`);
      await until(() => el.state === 'ready', 'the list');
      toggles(el)[0].click();
      await el.updateComplete;
      expect(getComputedStyle(el.shadowRoot!.querySelector('thead')!).position, 'the column headings only for screen readers').to.equal('absolute');
      expect(el.scrollWidth).to.be.at.most(el.clientWidth + 1);
      expect(document.documentElement.scrollWidth).to.be.at.most(360);
      for (const button of el.shadowRoot!.querySelectorAll('button')) expect(button.getBoundingClientRect().height).to.be.at.least(44);
      await expect(el).to.be.accessible();
    } finally {
      await setViewport({ width: 800, height: 600 });
    }
  });
});
