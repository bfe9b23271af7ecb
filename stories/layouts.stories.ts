/**
 * Layouts of <video-call-room> (issue 16): the speaker view (the first other person large, the
 * others in a strip) and a pinned tile, from fixtures. Each story presses the room's own buttons
 * and then forgets the choice, so the other stories still open in the grid.
 */
import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { html } from 'lit';
import { LAYOUT_STORAGE_KEY } from '../src/controllers/layout-controller.ts';
import { FixtureSession, people, type SessionFixture } from './fixtures.ts';

interface Args {
  lang: 'en' | 'ru';
  width: string;
  fixture: () => SessionFixture;
  /** What to press once the room shows: the layout toggle, or the pin of a participant. */
  press: string;
}

/** Clicks the room's button found by `selector` once it is there. */
async function press(canvasElement: HTMLElement, selector: string): Promise<void> {
  const room = canvasElement.querySelector('video-call-room')!;
  for (let i = 0; i < 50; i++) {
    const button = room.shadowRoot?.querySelector<HTMLButtonElement>(selector);
    if (button) {
      button.click();
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  localStorage.removeItem(LAYOUT_STORAGE_KEY);
}

const meta: Meta<Args> = {
  title: 'Elements/Layouts',
  tags: ['autodocs'],
  args: { lang: 'en', width: '100%' },
  argTypes: { lang: { control: 'inline-radio', options: ['en', 'ru'] }, width: { control: 'text' }, fixture: { table: { disable: true } }, press: { table: { disable: true } } },
  render: ({ lang, width, fixture }) =>
    html`<div style="width:${width};max-width:100%"><video-call-room lang=${lang} style="height:560px" .session=${new FixtureSession(fixture())}></video-call-room></div>`,
  play: async ({ canvasElement, args }) => press(canvasElement, args.press),
};
export default meta;
type Story = StoryObj<Args>;

export const Speaker: Story = {
  name: 'Speaker view, 5 people',
  args: { press: '[part~="layout-toggle"]', fixture: () => ({ participants: people(5, { 3: { cam: false }, 4: { mic: false } }) }) },
};
export const Pinned: Story = {
  name: 'Pinned tile',
  args: { press: '[data-peer="user-2"] [part~="pin"]', fixture: () => ({ participants: people(4, { 2: { mic: false } }) }) },
};
export const PinnedRussian: Story = {
  name: 'Pinned tile (ru)',
  args: { lang: 'ru', press: '[data-peer="user-2"] [part~="pin"]', fixture: () => ({ participants: people(4, { 2: { mic: false } }) }) },
};
