/**
 * Host controls (issue 16): the lobby's waiting screen, removed and ended by the host, the
 * host's "asks you to unmute", End for everyone and its confirmation in <video-call-room>, and
 * the host's Waiting section and per-person buttons in <call-participants>. From fixtures.
 */
import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { html, type TemplateResult } from 'lit';
import type { CallSessionEvents } from '../src/core/call-session.ts';
import type { ModerationMessage, WaitingGuest } from '../src/core/moderation.ts';
import { FixtureSession, people, type SessionFixture } from './fixtures.ts';

interface HostFixture extends SessionFixture {
  /** Whether the local person (user-0) hosts the call. */
  hosting?: boolean;
  waiting?: WaitingGuest[];
  /** A moderation message from the host, delivered once the room listens. */
  message?: ModerationMessage;
  /** Left because the person joined the call from another tab or device. */
  movedAway?: boolean;
}

/** A fixture session with host controls: a host id, a waiting list, and the host's calls. */
class HostFixtureSession extends FixtureSession {
  readonly hostId: string;
  waiting: WaitingGuest[];
  readonly movedAway: boolean;
  readonly #message: ModerationMessage | undefined;

  constructor(fixture: HostFixture) {
    super(fixture);
    this.movedAway = fixture.movedAway ?? false;
    this.hostId = fixture.hosting ? this.userId : 'user-1';
    this.waiting = fixture.waiting ?? [];
    this.#message = fixture.message;
  }

  override on<K extends keyof CallSessionEvents & string>(type: K, listener: (detail: CallSessionEvents[K]) => void, options?: AddEventListenerOptions): () => void {
    const off = super.on(type, listener, options);
    const message = this.#message;
    if (type === 'moderation' && message) setTimeout(() => this.emit('moderation', message), 50);
    return off;
  }

  admit = async (userId: string) => {
    this.waiting = this.waiting.filter((guest) => guest.userId !== userId);
    this.emit('waiting', this.waiting);
  };
  remove = async (userId: string) => {
    this.waiting = this.waiting.filter((guest) => guest.userId !== userId);
    this.participants = this.participants.filter((p) => p.id !== userId);
    this.emit('waiting', this.waiting);
    this.emit('participants', this.participants);
  };
  endForAll = async () => undefined;
  mute = async () => undefined;
  askToUnmute = async () => undefined;
}

const guests = (): WaitingGuest[] => [
  { userId: 'guest-1', name: 'Dmitri Sokolov', email: 'dmitri@example.com', avatarUrl: null, knockedAt: '2026-12-03T10:00:00Z' },
  { userId: 'guest-2', name: 'Elena Kuznetsova', email: 'elena@example.com', avatarUrl: null, knockedAt: '2026-12-03T10:00:05Z' },
];

interface Args {
  lang: 'en' | 'ru';
  width: string;
  element: 'room' | 'list';
  fixture: () => HostFixture;
}

const meta: Meta<Args> = {
  title: 'Elements/Host controls',
  args: { lang: 'en', width: '100%', element: 'room' },
  argTypes: { lang: { control: 'inline-radio', options: ['en', 'ru'] }, fixture: { table: { disable: true } } },
  render: ({ lang, width, element, fixture }): TemplateResult => {
    const session = new HostFixtureSession(fixture());
    return element === 'list'
      ? html`<call-participants style="width:${width}" lang=${lang} .session=${session}></call-participants>`
      : html`<div style="width:${width};max-width:100%"><video-call-room lang=${lang} style="height:560px" .session=${session}></video-call-room></div>`;
  },
};
export default meta;
type Story = StoryObj<Args>;

export const LobbyWaiting: Story = { name: 'Waiting in the lobby', args: { fixture: () => ({ state: 'waiting' }) } };
export const LobbyWaitingRussian: Story = { name: 'Waiting in the lobby (ru)', args: { lang: 'ru', fixture: () => ({ state: 'waiting' }) } };
export const Removed: Story = { name: 'Removed by the host', args: { fixture: () => ({ state: 'removed' }) } };
export const MovedAway: Story = { name: 'Joined from another tab or device', args: { fixture: () => ({ state: 'left', movedAway: true }) } };
export const MovedAwayRussian: Story = { name: 'Joined from another tab or device (ru)', args: { lang: 'ru', fixture: () => ({ state: 'left', movedAway: true }) } };
export const EndedRussian: Story = { name: 'Ended by the host (ru)', args: { lang: 'ru', fixture: () => ({ state: 'ended' }) } };
export const AskedToUnmute: Story = {
  name: 'The host asks to unmute',
  args: { fixture: () => ({ participants: people(2, { 0: { mic: false, role: 'guest' }, 1: { role: 'host' } }), media: { mic: false }, message: { action: 'mute-request', to: 'user-0' } }) },
};
export const HostInTheCall: Story = { name: 'Host: End for everyone', args: { fixture: () => ({ hosting: true, participants: people(3) }) } };
export const HostConfirmingEnd: Story = {
  name: 'Host: confirming End for everyone (ru)',
  args: { lang: 'ru', fixture: () => ({ hosting: true, participants: people(3) }) },
  play: async ({ canvasElement }) => {
    const room = canvasElement.querySelector('video-call-room')!;
    await (room as HTMLElement & { updateComplete: Promise<unknown> }).updateComplete;
    room.shadowRoot!.querySelector<HTMLButtonElement>('[part~="end-for-all"]')!.click();
  },
};
export const HostConfirmingEndPhone: Story = {
  name: 'Host: confirming End for everyone on a phone (360 px)',
  args: { width: '360px', fixture: () => ({ hosting: true, participants: people(2) }) },
  play: HostConfirmingEnd.play,
};
export const HostList: Story = {
  name: 'Host list: waiting guests and controls',
  args: { element: 'list', width: '420px', fixture: () => ({ hosting: true, waiting: guests(), participants: people(3, { 2: { mic: false } }) }) },
};
export const HostListRussianPhone: Story = {
  name: 'Host list on a phone (ru, 360 px)',
  args: { element: 'list', lang: 'ru', width: '360px', fixture: () => ({ hosting: true, waiting: guests(), participants: people(3, { 2: { mic: false } }) }) },
};
