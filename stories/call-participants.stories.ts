import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { html } from 'lit';
import type { Participant } from '../src/core/call-session.ts';
import { FixtureClient, people, person } from './fixtures.ts';

interface Args {
  lang: 'en' | 'ru';
  width: string;
  manage: boolean;
  list?: () => Participant[];
  client?: () => FixtureClient;
}

const meta: Meta<Args> = {
  title: 'Elements/call-participants',
  component: 'call-participants',
  args: { lang: 'en', width: '360px', manage: false },
  argTypes: { lang: { control: 'inline-radio', options: ['en', 'ru'] }, list: { table: { disable: true } }, client: { table: { disable: true } } },
  render: ({ lang, width, manage, list, client }) =>
    client
      ? html`<call-participants style="width:${width}" lang=${lang} ?manage=${manage} session-id="fixture-session" .client=${client()}></call-participants>`
      : html`<call-participants style="width:${width}" lang=${lang} ?manage=${manage} .participants=${list?.() ?? []}></call-participants>`,
};
export default meta;
type Story = StoryObj<Args>;

const invitations = () => [
  person(0, { presence: 'offline' }),
  person(1, { presence: 'offline', inviteStatus: 'accepted' }),
  person(2, { presence: 'offline', inviteStatus: 'tentative' }),
  person(3, { presence: 'offline', inviteStatus: 'invited', name: 'client@acme.test' }),
  person(4, { presence: 'offline', inviteStatus: 'declined' }),
];

export const BeforeTheCall: Story = { name: 'Before the call (invitations)', args: { list: invitations } };
export const InTheCall: Story = {
  args: { list: () => [...people(3, { 2: { mic: false, cam: false } }), person(3, { presence: 'joining' }), person(4, { presence: 'left' }), person(5, { presence: 'offline', inviteStatus: 'invited' })] },
};
export const HostManaging: Story = { name: 'Host managing invitations', args: { manage: true, client: () => new FixtureClient({ participants: invitations() }) } };
export const Empty: Story = { args: { list: () => [] } };
export const Loading: Story = { args: { client: () => new FixtureClient({ pending: true }) } };
export const Russian: Story = { args: { lang: 'ru', list: () => [...people(2), person(2, { presence: 'offline', inviteStatus: 'declined', name: 'Мария Чен' })] } };
export const Narrow: Story = { name: 'Narrow (280 px)', args: { width: '280px', list: () => people(4) } };
export const Dark: Story = { name: 'Dark, before the call', args: { list: invitations }, globals: { scheme: 'dark' } };
export const DarkInTheCall: Story = { name: 'Dark, Russian, in the call', args: { lang: 'ru', list: () => [...people(3, { 2: { mic: false, cam: false } }), person(3, { presence: 'offline', inviteStatus: 'declined' })] }, globals: { scheme: 'dark' } };
