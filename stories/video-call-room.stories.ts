import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { html } from 'lit';
import { CallError } from '../src/core/errors.ts';
import type { SessionFixture } from './fixtures.ts';
import { FixtureSession, people } from './fixtures.ts';

interface Args {
  lang: 'en' | 'ru';
  width: string;
  fixture: () => SessionFixture;
}

const meta: Meta<Args> = {
  title: 'Elements/video-call-room',
  component: 'video-call-room',
  args: { lang: 'en', width: '100%' },
  argTypes: { lang: { control: 'inline-radio', options: ['en', 'ru'] }, width: { control: 'text' }, fixture: { table: { disable: true } } },
  render: ({ lang, width, fixture }) =>
    html`<div style="width:${width};max-width:100%"><video-call-room lang=${lang} style="height:560px" .session=${new FixtureSession(fixture())}></video-call-room></div>`,
};
export default meta;
type Story = StoryObj<Args>;

export const Idle: Story = { args: { fixture: () => ({ state: 'idle' }) } };
export const Joining: Story = { args: { fixture: () => ({ state: 'joining' }) } };
export const WaitingForOthers: Story = { name: 'Connected, alone (1 tile)', args: { fixture: () => ({ participants: people(1) }) } };
export const TwoPeople: Story = { name: 'Connected, 2 tiles', args: { fixture: () => ({ participants: people(2) }) } };
export const FourPeople: Story = { name: 'Connected, 4 tiles', args: { fixture: () => ({ participants: people(4, { 3: { cam: false } }) }) } };
export const SixPeople: Story = { name: 'Connected, 6 tiles', args: { fixture: () => ({ participants: people(6, { 2: { mic: false }, 4: { cam: false } }) }) } };
export const Muted: Story = {
  name: 'Muted (you and someone else)',
  args: { fixture: () => ({ participants: people(3, { 0: { mic: false }, 2: { mic: false } }), media: { mic: false } }) },
};
export const ScreenShare: Story = { args: { fixture: () => ({ participants: people(3, { 1: { screen: true } }) }) } };
export const Reconnecting: Story = { args: { fixture: () => ({ state: 'reconnecting', participants: people(2) }) } };
export const Failed: Story = {
  args: { fixture: () => ({ state: 'failed', error: new CallError('not_participant', 'you are not invited to this call') }) },
};
export const PermissionDenied: Story = {
  args: { fixture: () => ({ participants: people(2, { 0: { mic: false, cam: false, stream: false } }), media: { status: 'denied', mic: false, cam: false } }) },
};
export const AudioOnly: Story = {
  args: { fixture: () => ({ participants: people(2, { 0: { cam: false, stream: false } }), media: { status: 'audio-only', cam: false } }) },
};
export const Russian: Story = { args: { lang: 'ru', fixture: () => ({ participants: people(4, { 2: { mic: false } }) }) } };
export const RussianReconnecting: Story = { args: { lang: 'ru', fixture: () => ({ state: 'reconnecting', participants: people(2) }) } };
export const Narrow: Story = { name: 'Narrow (360 px)', args: { width: '360px', fixture: () => ({ participants: people(4) }) } };
export const Dark: Story = { name: 'Dark page, 2 tiles', args: { fixture: () => ({ participants: people(2) }) }, globals: { scheme: 'dark' } };
