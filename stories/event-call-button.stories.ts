import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { html } from 'lit';
import { CallError } from '../src/core/errors.ts';
import type { InviteStatus } from '../src/core/participant.ts';
import { FixtureClient, people, person, type ClientFixture } from './fixtures.ts';

interface Args {
  lang: 'en' | 'ru';
  startsAt: string;
  open: 'dialog' | 'inline' | 'event';
  fixture: ClientFixture;
}

const inHours = (hours: number) => new Date(Date.now() + hours * 3600_000).toISOString();

const meta: Meta<Args> = {
  title: 'Elements/event-call-button',
  component: 'event-call-button',
  args: { lang: 'en', startsAt: '', open: 'dialog' },
  argTypes: {
    lang: { control: 'inline-radio', options: ['en', 'ru'] },
    open: { control: 'inline-radio', options: ['dialog', 'inline', 'event'] },
    fixture: { table: { disable: true } },
  },
  render: ({ lang, startsAt, open, fixture }) =>
    html`<event-call-button
      lang=${lang}
      event-id="evt-1"
      title="Acme — product demo"
      starts-at=${startsAt}
      open=${open}
      .client=${new FixtureClient(fixture)}
    ></event-call-button>`,
};
export default meta;
type Story = StoryObj<Args>;

const guest = { host_id: 'someone-else' };

export const Loading: Story = { args: { fixture: { pending: true } } };
export const SignedOut: Story = { args: { fixture: { signedOut: true } } };
export const SetUp: Story = { name: 'No call yet, meeting tomorrow (set up)', args: { startsAt: inHours(26), fixture: { session: null } } };
export const StartNow: Story = { name: 'No call yet, meeting now (join now)', args: { fixture: { session: null } } };
export const Scheduled: Story = {
  name: 'Scheduled (a guest’s view)',
  args: { startsAt: inHours(3), fixture: { session: guest, participants: [person(0, { presence: 'offline', isLocal: false }), person(1, { presence: 'offline', isLocal: true })] } },
};
export const JoinNow: Story = { args: { fixture: { session: guest, participants: [person(0, { presence: 'offline' })] } } };
export const InProgress: Story = { name: 'In progress, 3 people', args: { fixture: { session: { ...guest, status: 'active' }, participants: people(3, { 0: { isLocal: false } }) } } };
export const Ended: Story = { args: { fixture: { session: { ...guest, status: 'ended' } } } };
export const NotInvited: Story = {
  name: 'Not invited (after pressing)',
  args: { fixture: { session: null, notInvited: true } },
  play: async ({ canvasElement }) => {
    const button = canvasElement.querySelector('event-call-button')!;
    await button.updateComplete;
    await new Promise((resolve) => setTimeout(resolve, 50));
    button.shadowRoot!.querySelector<HTMLButtonElement>('[part~="button"]')!.click();
  },
};
export const Failed: Story = { args: { fixture: { failure: 'the server did not answer' } } };
export const HostWithInvitations: Story = {
  name: 'Host, invitations panel open',
  args: { startsAt: inHours(2), fixture: { session: {}, participants: [person(0, { presence: 'offline' }), person(1, { presence: 'offline', inviteStatus: 'tentative' }), person(2, { presence: 'offline', inviteStatus: 'invited' })] } },
  play: async ({ canvasElement }) => {
    const button = canvasElement.querySelector('event-call-button')!;
    for (let i = 0; i < 40 && !button.shadowRoot!.querySelector('[part~="manage"]'); i++) await new Promise((resolve) => setTimeout(resolve, 25));
    button.shadowRoot!.querySelector<HTMLButtonElement>('[part~="manage"]')?.click();
  },
};
export const Minimised: Story = {
  name: 'In the call, dialog minimised (call bar)',
  args: { fixture: { session: { status: 'active' }, participants: people(2) } },
  play: async ({ canvasElement }) => {
    const button = canvasElement.querySelector('event-call-button')!;
    const inside = (selector: string) => button.shadowRoot!.querySelector<HTMLElement>(selector);
    const until = async (check: () => unknown) => {
      for (let i = 0; i < 80 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
    };
    await until(() => button.state === 'live');
    inside('[part~="button"]')!.click();
    await until(() => inside('dialog[open] video-call-room'));
    inside('[part~="minimise"]')!.click();
  },
};
export const Russian: Story = { args: { lang: 'ru', fixture: { session: { ...guest, status: 'active' }, participants: people(2, { 0: { isLocal: false } }) } } };
export const RussianSetUp: Story = { args: { lang: 'ru', startsAt: inHours(30), fixture: { session: null } } };
export const DarkHostWithInvitations: Story = { ...HostWithInvitations, name: 'Dark, host, invitations panel open', globals: { scheme: 'dark' } };
export const DarkEnded: Story = { ...Ended, name: 'Dark, ended', globals: { scheme: 'dark' } };
export const DarkRussianSetUp: Story = { ...RussianSetUp, name: 'Dark, Russian, set up', globals: { scheme: 'dark' } };

/** The call as an invitee sees it before it starts: the host and them, with their answer so far. */
const invitee = (inviteStatus: InviteStatus, extra: Partial<ClientFixture> = {}): ClientFixture => ({
  session: guest,
  participants: [person(0, { presence: 'offline', isLocal: false }), person(1, { presence: 'offline', isLocal: true, inviteStatus })],
  ...extra,
});
/** Presses one of Yes / Maybe / No once the buttons are there. */
const press = (status: string) => async ({ canvasElement }: { canvasElement: HTMLElement }) => {
  const button = canvasElement.querySelector('event-call-button')!;
  const option = () => button.shadowRoot!.querySelector<HTMLButtonElement>(`[part~="answer-${status}"]`);
  for (let i = 0; i < 80 && !option(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
  option()?.click();
};

export const InviteeUnanswered: Story = { name: 'Invitee, not answered yet (Yes / Maybe / No)', args: { startsAt: inHours(3), fixture: invitee('invited') } };
export const InviteeMaybe: Story = { name: 'Invitee answered Maybe', args: { startsAt: inHours(3), fixture: invitee('tentative') } };
export const InviteeDeclined: Story = { name: 'Invitee answered No (can still join)', args: { fixture: invitee('declined') } };
export const InviteeAnswering: Story = { name: 'Invitee, answer being saved', args: { startsAt: inHours(3), fixture: invitee('invited', { answer: 'pending' }) }, play: press('accepted') };
export const InviteeAnswerFailed: Story = {
  name: 'Invitee, answer not saved',
  args: { startsAt: inHours(3), fixture: invitee('tentative', { answer: new CallError('failed', 'the server did not answer') }) },
  play: press('declined'),
};
export const RussianInvitee: Story = { name: 'Russian, invitee answered Yes', args: { lang: 'ru', startsAt: inHours(3), fixture: invitee('accepted') } };
export const DarkInviteeMaybe: Story = { ...InviteeMaybe, name: 'Dark, invitee answered Maybe', globals: { scheme: 'dark' } };
