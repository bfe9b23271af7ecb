import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { html } from 'lit';
import { ref } from 'lit/directives/ref.js';
import type { CallHistoryAttendee, CallHistoryRecord } from '../src/core/call-history.ts';
import { CallError } from '../src/core/errors.ts';
import { FixtureClient } from './fixtures.ts';

type Lang = 'en' | 'ru';

interface HistoryFixture {
  calls?: (lang: Lang) => CallHistoryRecord[];
  /** The read never finishes (the loading state). */
  pending?: boolean;
  /** The read fails with this message. */
  failure?: string;
  signedOut?: boolean;
}

/** A client whose `history()` answers from fixture rows, with no backend. */
class HistoryClient extends FixtureClient {
  constructor(
    private readonly history_: HistoryFixture,
    private readonly lang: Lang,
  ) {
    super({ signedOut: history_.signedOut });
  }

  async history(): Promise<CallHistoryRecord[]> {
    if (this.history_.pending) await new Promise(() => undefined);
    if (this.history_.signedOut) throw new CallError('not_signed_in', 'sign in to read call history');
    if (this.history_.failure) throw new CallError('failed', this.history_.failure);
    return this.history_.calls?.(this.lang) ?? [];
  }
}

const NAMES = { en: ['Anna Petrova', 'Boris Ivanov', 'Maria Chen', 'Dmitry Sokolov'], ru: ['Анна Петрова', 'Борис Иванов', 'Мария Чен', 'Дмитрий Соколов'] };
const TITLES = { en: ['Acme — security review', 'Acme — product demo', 'Acme — kick-off'], ru: ['Acme — проверка безопасности', 'Acme — демо продукта', 'Acme — знакомство'] };

/** A time in 2026, UTC: `month` 1–12. */
const at = (month: number, day: number, hour: number, minute = 0) => new Date(Date.UTC(2026, month - 1, day, hour, minute)).toISOString();
const attendee = (lang: Lang, index: number, status: CallHistoryAttendee['invite_status'], stretch?: [string, string | null, number | null]): CallHistoryAttendee => ({
  user_id: `user-${index}`,
  display_name: NAMES[lang][index],
  invite_status: status,
  joined_at: stretch?.[0] ?? null,
  left_at: stretch?.[1] ?? null,
  attended_s: stretch?.[2] ?? null,
});

/** Three calls of the deal: one going on now, one an hour long, the first one short. */
const dealCalls = (lang: Lang): CallHistoryRecord[] => [
  {
    session_id: 'session-3',
    title: TITLES[lang][0],
    started_at: at(12, 2, 14, 30),
    ended_at: null,
    duration_s: null,
    host_name: NAMES[lang][1],
    participants: [attendee(lang, 1, 'accepted', [at(12, 2, 14, 30), null, 1200]), attendee(lang, 2, 'accepted', [at(12, 2, 14, 32), null, 1080]), attendee(lang, 3, 'tentative')],
    message_count: 2,
  },
  {
    session_id: 'session-2',
    title: TITLES[lang][1],
    started_at: at(12, 1, 10, 0),
    ended_at: at(12, 1, 11, 4),
    duration_s: 3840,
    host_name: NAMES[lang][0],
    participants: [
      attendee(lang, 0, 'accepted', [at(12, 1, 10, 0), at(12, 1, 11, 4), 3840]),
      attendee(lang, 1, 'accepted', [at(12, 1, 10, 3), at(12, 1, 11, 4), 3660]),
      attendee(lang, 2, 'accepted', [at(12, 1, 10, 20), at(12, 1, 10, 45), 1500]),
      attendee(lang, 3, 'declined'),
    ],
    message_count: 14,
  },
  {
    session_id: 'session-1',
    title: TITLES[lang][2],
    started_at: at(11, 24, 9, 0),
    ended_at: at(11, 24, 9, 22),
    duration_s: 1320,
    host_name: NAMES[lang][0],
    participants: [attendee(lang, 0, 'accepted', [at(11, 24, 9, 0), at(11, 24, 9, 22), 1320]), attendee(lang, 2, 'invited')],
    message_count: 1,
  },
];

interface Args {
  lang: Lang;
  width: string;
  fixture: HistoryFixture;
  /** Open the second call's attendance (the hour-long demo) once it is shown. */
  expanded?: boolean;
}

/** Presses the second call's disclosure button once the list is there, as a person would. */
const openDemo = (element?: Element) => {
  const press = () => {
    const toggle = element?.shadowRoot?.querySelectorAll<HTMLButtonElement>('[part~="toggle"]')[1];
    if (!element?.isConnected) return;
    if (toggle) {
      if (toggle.getAttribute('aria-expanded') !== 'true') toggle.click();
    } else requestAnimationFrame(press);
  };
  requestAnimationFrame(press);
};

const meta: Meta<Args> = {
  title: 'Elements/call-history',
  component: 'call-history',
  args: { lang: 'en', width: '760px', fixture: { calls: dealCalls } },
  argTypes: { lang: { control: 'inline-radio', options: ['en', 'ru'] }, fixture: { table: { disable: true } }, expanded: { table: { disable: true } } },
  render: ({ lang, width, fixture, expanded }) =>
    html`<call-history
      style="width:${width}"
      lang=${lang}
      entity-type="deal"
      entity-id="D-1042"
      .client=${new HistoryClient(fixture, lang)}
      ${expanded ? ref(openDemo) : ref(() => undefined)}
    ></call-history>`,
};
export default meta;
type Story = StoryObj<Args>;

export const List: Story = { name: 'A deal’s calls' };
export const Expanded: Story = { name: 'Who came, opened', args: { expanded: true } };
export const Empty: Story = { name: 'No calls (or none of yours)', args: { fixture: { calls: () => [] } } };
export const Loading: Story = { args: { fixture: { pending: true } } };
export const Failed: Story = { name: 'Could not load', args: { fixture: { failure: 'the connection failed' } } };
export const SignedOut: Story = { name: 'Signed out', args: { fixture: { signedOut: true } } };
export const Russian: Story = { args: { lang: 'ru', expanded: true } };
export const Phone: Story = { name: 'Phone (360 px), Russian', args: { lang: 'ru', width: '360px', expanded: true } };
export const Dark: Story = { name: 'Dark, opened', args: { expanded: true }, globals: { scheme: 'dark' } };
