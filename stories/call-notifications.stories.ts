import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { html } from 'lit';
import type { PushState } from '../src/core/push.ts';
import { CallError } from '../src/core/errors.ts';
import { FixtureClient } from './fixtures.ts';

interface PushFixture {
  /** What `pushState()` answers; without it, the client has no push methods (the unsupported bell). */
  state?: PushState;
  signedOut?: boolean;
  /** Turning on never finishes (the working state). */
  pending?: boolean;
  /** Turning on fails with this message. */
  failure?: string;
}

/** A fixture client with the core's push methods, answering from fixture state. */
class PushFixtureClient extends FixtureClient {
  constructor(private readonly push: PushFixture) {
    super({ signedOut: push.signedOut });
  }

  async pushState(): Promise<PushState> {
    return this.push.state!;
  }

  async enablePush(): Promise<PushState> {
    if (this.push.pending) await new Promise(() => undefined);
    if (this.push.failure) throw new CallError('invalid_input', this.push.failure);
    return 'subscribed';
  }

  async disablePush(): Promise<void> {}
}

/** A worker registration for the fixtures: the client's fixture methods never touch it. */
const registration = { pushManager: { getSubscription: async () => null, subscribe: async () => null as never }, active: null, waiting: null, installing: null };

interface Args {
  lang: 'en' | 'ru';
  width: string;
  compact: boolean;
  fixture: PushFixture;
}

const meta: Meta<Args> = {
  title: 'Elements/call-notifications',
  component: 'call-notifications',
  args: { lang: 'en', width: '640px', compact: false },
  argTypes: { lang: { control: 'inline-radio', options: ['en', 'ru'] }, width: { control: 'text' }, compact: { control: 'boolean' }, fixture: { table: { disable: true } } },
  render: ({ lang, width, compact, fixture }) => {
    const client = fixture.state || fixture.signedOut ? new PushFixtureClient(fixture) : new FixtureClient({});
    // The panel hangs under the bell: room for it below, the bell at the right as in a page header.
    return html`<div style="width:${width};max-width:100%;min-height:240px;display:flex;justify-content:flex-end;align-items:flex-start">
      <call-notifications lang=${lang} ?compact=${compact} vapid-public-key="BFixtureKeyForStorybookOnly" .client=${client} .registration=${registration}></call-notifications>
    </div>`;
  },
};
export default meta;
type Story = StoryObj<Args>;

/** Presses the bell once it has read its state. */
const press = async ({ canvasElement }: { canvasElement: HTMLElement }) => {
  const bell = canvasElement.querySelector('call-notifications')! as HTMLElement & { state: string };
  for (let i = 0; i < 80 && bell.state === 'loading'; i++) await new Promise((resolve) => setTimeout(resolve, 25));
  bell.shadowRoot!.querySelector<HTMLButtonElement>('[part~="button"]')!.click();
};
const dark = { globals: { scheme: 'dark' } };

export const Unsupported: Story = { name: 'Unsupported (explained on a press)', args: { fixture: {} }, play: press };
export const SignedOut: Story = { name: 'Signed out', args: { fixture: { signedOut: true, state: 'prompt' } }, play: press };
export const Prompt: Story = { name: 'Not asked yet', args: { fixture: { state: 'prompt' } } };
export const Denied: Story = { name: 'Blocked, with how to allow', args: { fixture: { state: 'denied' } }, play: press };
export const Unsubscribed: Story = { name: 'Allowed, off', args: { fixture: { state: 'unsubscribed' } } };
export const Subscribed: Story = { name: 'On', args: { fixture: { state: 'subscribed' } } };
export const Working: Story = { name: 'Turning on', args: { fixture: { state: 'unsubscribed', pending: true } }, play: press };
export const Failed: Story = { name: 'Turning on failed', args: { fixture: { state: 'unsubscribed', failure: 'push endpoint is refused' } }, play: press };
export const RussianDenied: Story = { name: 'Russian, blocked', args: { lang: 'ru', fixture: { state: 'denied' } }, play: press };
export const RussianSubscribed: Story = { name: 'Russian, on (turned on)', args: { lang: 'ru', fixture: { state: 'unsubscribed' } }, play: press };
export const Narrow: Story = { name: 'Phone (360 px), compact, blocked', args: { width: '360px', compact: true, fixture: { state: 'denied' } }, play: press };
export const Dark: Story = { name: 'Dark, on', args: { fixture: { state: 'subscribed' } }, ...dark };
export const DarkRussianDenied: Story = { name: 'Dark, Russian, blocked', args: { lang: 'ru', fixture: { state: 'denied' } }, play: press, ...dark };
