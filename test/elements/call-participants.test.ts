import { expect, fixture, html } from '@open-wc/testing';
import { sendKeys, setViewport } from '@web/test-runner-commands';
import '../../src/define.ts';
import type { Participant } from '../../src/core/call-session.ts';
import type { CallParticipants } from '../../src/elements/call-participants/call-participants.ts';
import type { EventCallButton } from '../../src/elements/event-call-button/event-call-button.ts';
import { nextEvent, signUp, until } from './support.ts';

const items = (el: CallParticipants) => [...el.shadowRoot!.querySelectorAll<HTMLLIElement>('[part~="item"]')];
/** Each person as "name | status line" — what a sighted user reads. */
const rows = (el: CallParticipants) =>
  items(el).map((li) => `${li.querySelector('[part~="name"]')!.textContent!.trim()} | ${li.querySelector('[part~="status"] .summary')!.textContent!.trim()}`);

describe('<call-participants>', () => {
  it('lists the invitations of an event call before anyone joins, host first, accessibly', async () => {
    const anna = await signUp('Anna');
    const boris = await signUp('Boris');
    const session = await anna.callClient.openEventCall({ eventId: `evt-${crypto.randomUUID()}`, attendees: [boris.id, 'client@acme.test'] });
    const el = await fixture<CallParticipants>(html`<call-participants lang="en" session-id=${session.id} .client=${anna.callClient}></call-participants>`);
    await until(() => items(el).length === 3, 'three people');
    expect(rows(el)).to.deep.equal([
      'Anna (you) | Host · Not in the call',
      'Boris | Invited, no answer yet · Not in the call',
      'client | Invited, no answer yet · Not in the call',
    ]);
    expect(el.shadowRoot!.querySelector('ul')!.getAttribute('role')).to.equal('list');
    expect(el.shadowRoot!.querySelector('h3')!.textContent).to.contain('People (3)');
    expect(items(el)[0].querySelector('[part~="avatar"]')!.textContent!.trim()).to.equal('A');
    await expect(el).to.be.accessible();
  });

  it('loads in every place of a page that shows a meeting with a call in progress (one roster shared)', async () => {
    const anna = await signUp('Anna');
    const boris = await signUp('Boris');
    const eventId = `evt-${crypto.randomUUID()}`;
    const session = await anna.callClient.openEventCall({ eventId, attendees: [boris.id] });
    const call = await boris.callClient.join(session.id, { media: false });
    try {
      // The demo's card: the event's button (with the host's invitations panel) and the list beside it.
      const card = await fixture<HTMLElement>(html`<div>
        <event-call-button lang="en" event-id=${eventId} .client=${anna.callClient}></event-call-button>
        <call-participants lang="en" session-id=${session.id} .client=${anna.callClient}></call-participants>
      </div>`);
      const button = card.querySelector<EventCallButton>('event-call-button')!;
      const list = card.querySelector<CallParticipants>('call-participants')!;
      await until(() => button.state === 'live', 'the button’s count');
      button.shadowRoot!.querySelector<HTMLButtonElement>('[part~="manage"]')!.click();
      await button.updateComplete;
      const panel = button.shadowRoot!.querySelector('call-invite-panel')!;
      await until(() => Boolean(panel.shadowRoot!.querySelector('call-participants')), 'the panel’s list');
      const panelList = panel.shadowRoot!.querySelector<CallParticipants>('call-participants')!;
      for (const shown of [list, panelList]) {
        await until(() => rows(shown)[0] === 'Boris | Accepted · In the call', 'Boris in the call in each list');
        expect(shown.shadowRoot!.querySelector('[role="alert"]'), 'no error').to.equal(null);
      }
      const another = await fixture<CallParticipants>(html`<call-participants lang="en" session-id=${session.id} .client=${anna.callClient}></call-participants>`);
      await until(() => items(another).length === 2, 'a list added later, from the shared roster');
    } finally {
      await call.leave();
    }
  });

  it('follows answers, new invitations and who is in the call, live', async () => {
    const anna = await signUp('Anna');
    const boris = await signUp('Boris');
    const session = await anna.callClient.openEventCall({ eventId: `evt-${crypto.randomUUID()}`, attendees: [boris.id] });
    const el = await fixture<CallParticipants>(html`<call-participants lang="en" session-id=${session.id} .client=${anna.callClient}></call-participants>`);
    await until(() => items(el).length === 2, 'two people');

    await boris.supabase.from('video_call_participants').update({ invite_status: 'accepted' }).eq('session_id', session.id).eq('user_id', boris.id);
    await until(() => rows(el)[1] === 'Boris | Accepted · Not in the call', 'Boris’s answer');
    await anna.callClient.invite(session.id, 'vera@acme.test');
    await until(() => items(el).length === 3, 'the new invitation');

    const call = await boris.callClient.join(session.id, { media: false });
    await until(() => rows(el)[0] === 'Boris | Accepted · In the call', 'Boris in the call, listed first');
    expect(el.shadowRoot!.querySelector('h3')!.textContent).to.contain('1 in the call');
    await call.leave();
    await until(() => rows(el).some((row) => row === 'Boris | Accepted · Left the call'), 'Boris gone');

    // Moved elsewhere in the page, it keeps following.
    document.body.append(el);
    await boris.supabase.from('video_call_participants').update({ invite_status: 'tentative' }).eq('session_id', session.id).eq('user_id', boris.id);
    await until(() => rows(el).some((row) => row === 'Boris | Maybe · Left the call'), 'the answer after a move');
    el.remove();
  });

  it('re-renders an answer given on another client within a second, in the answers’ order, in Russian', async () => {
    const anna = await signUp('Anna');
    const [boris, vera] = await Promise.all([signUp('Boris'), signUp('Vera')]);
    const session = await anna.callClient.openEventCall({ eventId: `evt-${crypto.randomUUID()}`, attendees: [boris.id, vera.id] });
    const el = await fixture<CallParticipants>(html`<call-participants lang="ru" session-id=${session.id} .client=${anna.callClient}></call-participants>`);
    await until(() => items(el).length === 3, 'three people');
    expect(rows(el).slice(1)).to.deep.equal(['Boris | Приглашение отправлено, ответа нет · Не в звонке', 'Vera | Приглашение отправлено, ответа нет · Не в звонке']);
    for (const [who, answer, expected] of [
      [vera, 'tentative', ['Vera | Под вопросом · Не в звонке', 'Boris | Приглашение отправлено, ответа нет · Не в звонке']],
      [boris, 'declined', ['Vera | Под вопросом · Не в звонке', 'Boris | Отклонено · Не в звонке']],
      [vera, 'accepted', ['Vera | Принято · Не в звонке', 'Boris | Отклонено · Не в звонке']],
    ] as const) {
      const asked = performance.now();
      await who.callClient.answerInvitation(session.id, answer);
      await until(() => rows(el).slice(1).join() === expected.join(), `${who.name}: ${answer}`, 1000);
      expect(performance.now() - asked).to.be.below(1000);
    }
    expect(items(el)[2].classList.contains('invite-declined')).to.equal(true);
    await expect(el).to.be.accessible();
  });

  it('shows presence, mic and camera from a joined session', async () => {
    const anna = await signUp('Anna');
    const session = await anna.callClient.createSession({ title: 'Standup' });
    const call = await anna.callClient.join(session.id);
    try {
      const el = await fixture<CallParticipants>(html`<call-participants lang="en" .session=${call}></call-participants>`);
      expect(rows(el)).to.deep.equal(['Anna (you) | Host · In the call']);
      const indicators = items(el)[0].querySelector('[part~="indicators"]')!;
      expect(indicators.querySelectorAll('.on').length).to.equal(2, 'mic and camera on');
      call.setMic(false);
      await until(() => indicators.querySelectorAll('.off').length === 1, 'the mic shown off');
      expect(items(el)[0].textContent).to.contain('Microphone off');
    } finally {
      await call.leave();
    }
  });

  it('speaks Russian', async () => {
    const people: Participant[] = [
      { id: 'u1', userId: 'u1', name: 'Анна Петрова', email: null, avatarUrl: null, role: 'host', inviteStatus: 'accepted', presence: 'connected', isLocal: false, mic: true, cam: false, screen: false, speaking: true, hand: false },
      { id: 'u2', userId: 'u2', name: 'Борис', email: null, avatarUrl: null, role: 'guest', inviteStatus: 'declined', presence: 'offline', isLocal: false, mic: false, cam: false, screen: false, speaking: false, hand: false },
    ];
    const el = await fixture<CallParticipants>(html`<call-participants lang="ru" .participants=${people}></call-participants>`);
    expect(rows(el)).to.deep.equal(['Анна Петрова | Организатор · В звонке', 'Борис | Отклонено · Не в звонке']);
    expect(el.shadowRoot!.querySelector('h3')!.textContent).to.contain('Участники (2)');
    expect(items(el)[0].classList.contains('speaking')).to.equal(true);
    expect(items(el)[0].querySelector('[part~="avatar"]')!.textContent!.trim()).to.equal('АП');
    expect(items(el)[0].textContent).to.contain('Камера выключена');
  });

  it('puts raised hands first, the first raised first, with the hand shown and said, in Russian and English', async () => {
    const base = { email: null, avatarUrl: null, inviteStatus: 'accepted', presence: 'connected', isLocal: false, mic: true, cam: true, screen: false, speaking: false } as const;
    const people: Participant[] = [
      { ...base, id: 'u1', userId: 'u1', name: 'Анна', role: 'host', hand: false },
      { ...base, id: 'u2', userId: 'u2', name: 'Борис', role: 'guest', hand: true, handRaisedAt: 2_000 },
      { ...base, id: 'u3', userId: 'u3', name: 'Вера', role: 'guest', hand: true, handRaisedAt: 1_000 },
      { ...base, id: 'u4', userId: 'u4', name: 'Глеб', role: 'guest', hand: false },
    ];
    for (const [lang, said] of [
      ['ru', 'Поднята рука'],
      ['en', 'Hand raised'],
    ] as const) {
      const el = await fixture<CallParticipants>(html`<call-participants lang=${lang} .participants=${people}></call-participants>`);
      expect(items(el).map((li) => li.querySelector('[part~="name"]')!.textContent!.trim())).to.deep.equal(['Вера', 'Борис', 'Анна', 'Глеб']);
      expect(items(el).map((li) => Boolean(li.querySelector('[part~="hand-raised"]')))).to.deep.equal([true, true, false, false]);
      expect(items(el)[0].querySelector('.visually-hidden')!.textContent).to.contain(said);
      expect(items(el)[2].textContent).to.not.contain(said);
      await expect(el).to.be.accessible();
    }
  });

  it('lets the host withdraw an invitation from the keyboard; guests see no such button', async () => {
    const anna = await signUp('Anna');
    const boris = await signUp('Boris');
    const session = await anna.callClient.openEventCall({ eventId: `evt-${crypto.randomUUID()}`, attendees: [boris.id, 'client@acme.test'] });
    const el = await fixture<CallParticipants>(html`<call-participants manage lang="en" session-id=${session.id} .client=${anna.callClient}></call-participants>`);
    await until(() => items(el).length === 3, 'three people');
    const removes = [...el.shadowRoot!.querySelectorAll<HTMLButtonElement>('[part~="remove"]')];
    expect(removes.map((b) => b.getAttribute('aria-label'))).to.deep.equal(['Withdraw the invitation of Boris', 'Withdraw the invitation of client']);

    // A host page may take over: a cancelled event changes nothing.
    el.addEventListener('call-participant-remove', (event) => event.preventDefault(), { once: true });
    removes[1].click();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(items(el).length).to.equal(3);

    removes[1].focus();
    await sendKeys({ press: 'Enter' });
    await until(() => items(el).length === 2, 'the invitation gone');
    const { count } = await anna.supabase.from('video_call_participants').select('id', { count: 'exact', head: true }).eq('session_id', session.id);
    expect(count).to.equal(2);

    const guestView = await fixture<CallParticipants>(html`<call-participants manage lang="en" session-id=${session.id} .client=${boris.callClient}></call-participants>`);
    await until(() => items(guestView).length === 2, 'the guest’s list');
    expect(guestView.shadowRoot!.querySelectorAll('[part~="remove"]').length).to.equal(0);
  });

  it('says what went wrong without a backend, and for a call the user may not see', async () => {
    const errored = nextEvent<{ code: string }>(document, 'call-error');
    const el = await fixture<CallParticipants>(html`<call-participants lang="en" session-id="00000000-0000-4000-8000-000000000000"></call-participants>`);
    expect((await errored).detail.code).to.equal('no_backend');
    await el.updateComplete;
    expect(el.shadowRoot!.querySelector('[role="alert"]')!.textContent).to.contain('not configured');

    const stranger = await signUp('Stranger');
    const anna = await signUp('Anna');
    const session = await anna.callClient.createSession({ title: 'Private' });
    const hidden = await fixture<CallParticipants>(html`<call-participants lang="en" session-id=${session.id} .client=${stranger.callClient}></call-participants>`);
    await until(() => hidden.shadowRoot!.textContent!.includes('Nobody is invited yet'), 'an empty list (RLS shows a stranger nothing)');
  });

  describe('on a phone', () => {
    after(() => setViewport({ width: 800, height: 600 }));

    for (const phone of [{ name: 'upright', width: 360, height: 740 }, { name: 'sideways', width: 740, height: 360 }]) {
      it(`shows the host’s list in Russian whole on a phone held ${phone.name} (${phone.width} × ${phone.height}), withdraw buttons thumb-sized`, async () => {
        await setViewport({ width: phone.width, height: phone.height });
        // Russian names as the people gave them (an e-mail address is made from the sign-up name).
        const [anna, boris, vera] = await Promise.all(
          [['Anna', 'Анна Петрова'], ['Boris', 'Борис Иванов'], ['Vera', 'Вера']].map(async ([name, displayName]) => {
            const user = await signUp(name);
            const { error } = await user.supabase.auth.updateUser({ data: { display_name: displayName } });
            if (error) throw new Error(error.message);
            return user;
          }),
        );
        const session = await anna.callClient.openEventCall({ eventId: `evt-${crypto.randomUUID()}`, attendees: [boris.id, vera.id, 'client@acme.test'] });
        await vera.callClient.answerInvitation(session.id, 'tentative');
        const call = await boris.callClient.join(session.id, { media: false });
        try {
          const el = await fixture<CallParticipants>(html`<call-participants manage lang="ru" session-id=${session.id} .client=${anna.callClient}></call-participants>`);
          await until(() => rows(el)[0] === 'Борис Иванов | Принято · В звонке', 'Boris in the call, first');
          expect(rows(el)).to.deep.equal([
            'Борис Иванов | Принято · В звонке',
            'Анна Петрова (вы) | Организатор · Не в звонке',
            'Вера | Под вопросом · Не в звонке',
            'client | Приглашение отправлено, ответа нет · Не в звонке',
          ]);
          const found: string[] = [];
          const wide = (name: string, node: Element) => {
            if (node.scrollWidth > node.clientWidth + 1) found.push(`${name}: ${node.scrollWidth} px of content in ${node.clientWidth} px`);
          };
          wide('document', document.documentElement);
          wide('list', el);
          wide('heading', el.shadowRoot!.querySelector('h3')!);
          for (const item of items(el)) {
            const who = item.querySelector('[part~="name"]')!.textContent!.trim();
            wide(who, item);
            // An ellipsis counts as cut: the answer and the presence are what the list is for.
            wide(`${who}’s name`, item.querySelector('[part~="name"]')!);
            wide(`${who}’s status`, item.querySelector('[part~="status"]')!);
            const box = item.getBoundingClientRect();
            if (box.height < 44) found.push(`${who}: a row ${Math.round(box.height)} px high`);
            if (box.right > innerWidth + 0.5) found.push(`${who}: off the screen`);
          }
          const removes = [...el.shadowRoot!.querySelectorAll<HTMLButtonElement>('[part~="remove"]')];
          expect(removes.map((button) => button.getAttribute('aria-label'))).to.deep.equal([
            'Отозвать приглашение: Борис Иванов',
            'Отозвать приглашение: Вера',
            'Отозвать приглашение: client',
          ]);
          for (const remove of removes) {
            const box = remove.getBoundingClientRect();
            if (box.width < 44 || box.height < 44) found.push(`${remove.getAttribute('aria-label')}: ${Math.round(box.width)} × ${Math.round(box.height)} px`);
            if (box.right > innerWidth + 0.5) found.push(`${remove.getAttribute('aria-label')}: off the screen`);
          }
          expect(found).to.deep.equal([]);
          await expect(el).to.be.accessible();
        } finally {
          await call.leave();
        }
      });
    }
  });
});
