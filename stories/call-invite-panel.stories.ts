import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { html } from 'lit';
import { CallError } from '../src/core/errors.ts';
import { FixtureClient, person, type ClientFixture } from './fixtures.ts';

interface Args {
  lang: 'en' | 'ru';
  width: string;
  fixture: ClientFixture;
}

const meta: Meta<Args> = {
  title: 'Elements/call-invite-panel',
  component: 'call-invite-panel',
  args: { lang: 'en', width: '420px' },
  argTypes: { lang: { control: 'inline-radio', options: ['en', 'ru'] }, width: { control: 'text' }, fixture: { table: { disable: true } } },
  render: ({ lang, width, fixture }) =>
    html`<call-invite-panel style="width:${width};max-width:100%" lang=${lang} session-id="fixture-session" event-id="evt-1" .client=${new FixtureClient(fixture)}></call-invite-panel>`,
};
export default meta;
type Story = StoryObj<Args>;

const host = () => person(0, { presence: 'offline' });
const invited = () => [host(), person(1, { presence: 'offline' }), person(2, { presence: 'offline', inviteStatus: 'tentative' }), person(3, { presence: 'offline', inviteStatus: 'invited', name: 'client@acme.test' })];
const dark = { globals: { scheme: 'dark' } };

/** Types into the field and submits, once the form is there. */
const invite = (who: string) => async ({ canvasElement }: { canvasElement: HTMLElement }) => {
  const panel = canvasElement.querySelector('call-invite-panel')!;
  const field = () => panel.shadowRoot!.querySelector<HTMLInputElement>('#invitee');
  for (let i = 0; i < 80 && !field(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
  field()!.value = who;
  panel.shadowRoot!.querySelector<HTMLButtonElement>('[part~="submit"]')!.click();
};

export const Loading: Story = { args: { fixture: { pending: true } } };
export const Ready: Story = { name: 'Ready, three invited', args: { fixture: { participants: invited() } } };
export const Empty: Story = { name: 'Nobody invited yet', args: { fixture: { participants: [host()] } } };
export const Busy: Story = { name: 'Busy (inviting)', args: { fixture: { participants: invited(), invitePending: true } }, play: invite('maria@acme.test') };
export const InviteFailed: Story = { name: 'Invitation refused', args: { fixture: { participants: invited() } }, play: invite('nobody') };
export const NotHost: Story = {
  name: 'Not the host',
  args: { fixture: { participants: [person(0, { presence: 'offline', isLocal: false }), person(1, { presence: 'offline', isLocal: true })] } },
};
export const Failed: Story = { name: 'Error (people not loaded)', args: { fixture: { rosterFailure: 'the server did not answer' } } };
export const Russian: Story = { args: { lang: 'ru', fixture: { participants: invited() } } };
export const RussianEmpty: Story = { args: { lang: 'ru', fixture: { participants: [host()] } } };
export const Narrow: Story = { name: 'Narrow (300 px)', args: { width: '300px', fixture: { participants: invited() } } };
export const Dark: Story = { name: 'Dark, three invited', args: { fixture: { participants: invited() } }, ...dark };
export const DarkRussianFailed: Story = { name: 'Dark, Russian, invitation refused', args: { lang: 'ru', fixture: { participants: invited() } }, play: invite('nobody'), ...dark };

const sent = (sent = 1) => ({ status: 'sent' as const, sent, failed: 0 });
const unavailable = { status: 'failed' as const, error: new CallError('unavailable', 'video-call-email answered 503') };
export const InvitedAndNotified: Story = {
  name: 'Invited, e-mail and push sent',
  args: { fixture: { participants: invited(), notified: { push: sent(), email: sent() } } },
  play: invite('maria@acme.test'),
};
export const InvitedEmailFailed: Story = {
  name: 'Invited, e-mail could not be sent',
  args: { fixture: { participants: invited(), notified: { push: sent(0), email: unavailable } } },
  play: invite('maria@acme.test'),
};
export const RussianInvitedEmailFailed: Story = {
  name: 'Russian, invited, e-mail could not be sent',
  args: { lang: 'ru', fixture: { participants: invited(), notified: { push: sent(), email: unavailable } } },
  play: invite('maria@acme.test'),
};
