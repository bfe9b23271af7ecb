import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { html } from 'lit';
import type { CallChatEvents, CallChatView, ChatMessage, ChatStatus } from '../src/core/chat.ts';
import { CallError, type CallErrorCode } from '../src/core/errors.ts';
import { TypedEventTarget } from '../src/core/typed-events.ts';

const ME = 'user-me';

interface ChatFixture {
  status?: ChatStatus;
  /** Loading never ends. */
  pending?: boolean;
  messages?: Partial<ChatMessage>[];
  hasOlder?: boolean;
  signedOut?: boolean;
  /** Sending fails with this code. */
  sendFailure?: CallErrorCode;
  error?: string;
}

/** A chat shaped like CallChat, answering from fixture state, with no backend. */
class FixtureChat extends TypedEventTarget<CallChatEvents> implements CallChatView {
  readonly sessionId = 'session-fixture';
  readonly userId: string | null;
  status: ChatStatus;
  error: CallError | undefined;
  hasOlder: boolean;
  unread = 0;
  #messages: ChatMessage[];

  constructor(
    private readonly fixture: ChatFixture,
    lang: Args['lang'] = 'en',
  ) {
    super();
    this.userId = fixture.signedOut ? null : ME;
    this.status = fixture.status ?? 'ready';
    this.error = fixture.error ? new CallError('failed', fixture.error) : undefined;
    this.hasOlder = fixture.hasOlder ?? false;
    this.#messages = (fixture.messages ?? []).map((m, i) => message(i, m)).map((m) => (lang === 'ru' ? { ...m, body: inRussian(m.body), displayName: m.displayName && inRussian(m.displayName) } : m));
  }

  get messages(): ChatMessage[] {
    return [...this.#messages];
  }

  async start(): Promise<void> {
    if (this.fixture.pending) await new Promise(() => undefined);
  }
  async reload(): Promise<void> {}
  async loadOlder(): Promise<void> {}
  async send(body: string): Promise<ChatMessage> {
    const sent = message(this.#messages.length, { body, userId: ME, state: 'sending' });
    this.#set([...this.#messages, sent]);
    if (!this.fixture.sendFailure) return new Promise(() => undefined);
    const error = new CallError(this.fixture.sendFailure, 'refused');
    this.#set(this.#messages.map((m) => (m.id === sent.id ? { ...m, state: 'failed', error } : m)));
    throw error;
  }
  async retry(id: string): Promise<ChatMessage> {
    return this.#messages.find((m) => m.id === id)!;
  }
  discard(id: string): void {
    this.#set(this.#messages.filter((m) => m.id !== id));
  }
  markRead(): void {}
  release(): void {}

  #set(messages: ChatMessage[]): void {
    this.#messages = messages;
    this.emit('messages', this.messages);
  }
}

const start = Date.UTC(2026, 11, 2, 9, 30);
function message(index: number, m: Partial<ChatMessage>): ChatMessage {
  const userId = m.userId === undefined ? 'user-anna' : m.userId;
  return {
    id: `message-${index}`,
    sessionId: 'session-fixture',
    userId,
    displayName: userId === ME ? 'Me' : 'Anna Petrova',
    body: '',
    createdAt: new Date(start + index * 60_000).toISOString(),
    own: userId === ME,
    seq: index + 1,
    state: 'sent',
    ...m,
  };
}

const conversation: Partial<ChatMessage>[] = [
  { body: 'Good morning! The deal notes are here: https://crm.example.com/deals/42.', createdAt: new Date(start - 86_400_000).toISOString() },
  { body: 'Thanks, I will read them before the call.', userId: ME },
  { body: '<b>Not bold</b> <script>alert(1)</script> — markup stays text.', displayName: 'Boris Ivanov', userId: 'user-boris' },
  { body: 'مرحبا بالجميع، سأنضم بعد دقيقة 👋', displayName: 'Layla Haddad', userId: 'user-layla' },
  { body: 'Great 👍🏽\nSee you in a minute.', userId: ME },
];
const russian: Partial<ChatMessage>[] = [
  { body: 'Добрый день! Повестка: https://crm.example.com/встреча', displayName: 'Анна Петрова' },
  { body: 'Спасибо, посмотрю до звонка.', userId: ME },
];

/**
 * The English fixture's lines and names in Russian: a story switched to Russian (the lang
 * control, and the Russian screenshots of test/e2e/story-screenshots.ts) reads Russian throughout.
 */
const RUSSIAN: Record<string, string> = {
  'Anna Petrova': 'Анна Петрова',
  'Boris Ivanov': 'Борис Иванов',
  'Layla Haddad': 'Лейла Хаддад',
  'Good morning! The deal notes are here: https://crm.example.com/deals/42.': 'Доброе утро! Заметки по сделке здесь: https://crm.example.com/deals/42.',
  'Thanks, I will read them before the call.': 'Спасибо, прочитаю до звонка.',
  '<b>Not bold</b> <script>alert(1)</script> — markup stays text.': '<b>Не жирный</b> <script>alert(1)</script> — разметка остаётся текстом.',
  'Great 👍🏽\nSee you in a minute.': 'Отлично 👍🏽\nДо встречи через минуту.',
  'On my way': 'Уже иду',
  'One more thing': 'И ещё одно',
  'Too late': 'Поздно',
};
const inRussian = (text: string): string => RUSSIAN[text] ?? text;

interface Args {
  lang: 'en' | 'ru';
  width: string;
  fixture: ChatFixture;
}

const meta: Meta<Args> = {
  title: 'Elements/call-chat',
  component: 'call-chat',
  args: { lang: 'en', width: '420px' },
  argTypes: { lang: { control: 'inline-radio', options: ['en', 'ru'] }, width: { control: 'text' }, fixture: { table: { disable: true } } },
  render: ({ lang, width, fixture }) =>
    html`<div style="width:${width};max-width:100%"><call-chat lang=${lang} session-id="session-fixture" .chat=${new FixtureChat(fixture, lang)}></call-chat></div>`,
};
export default meta;
type Story = StoryObj<Args>;

/** Types `text` in the chat's field and presses Send, once the field is there. */
const typeAndSend =
  (text: string, send = true) =>
  async ({ canvasElement, args }: { canvasElement: HTMLElement; args: Args }) => {
    const chat = canvasElement.querySelector('call-chat')!;
    let field: HTMLTextAreaElement | null = null;
    for (let i = 0; i < 80 && !field; i++) {
      field = chat.shadowRoot!.querySelector('textarea');
      if (!field) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    field!.value = args.lang === 'ru' ? inRussian(text) : text;
    field!.dispatchEvent(new Event('input'));
    if (send) chat.shadowRoot!.querySelector<HTMLButtonElement>('[part~="send"]')!.click();
  };
const dark = { globals: { scheme: 'dark' } };

export const Loading: Story = { args: { fixture: { pending: true, status: 'loading' } } };
export const Empty: Story = { name: 'No messages yet', args: { fixture: { messages: [] } } };
export const Conversation: Story = { name: 'Conversation (links, markup as text, right-to-left, two days)', args: { fixture: { messages: conversation } } };
export const Older: Story = { name: 'Earlier messages to show', args: { fixture: { messages: conversation.slice(1), hasOlder: true } } };
export const Sending: Story = { args: { fixture: { messages: conversation.slice(0, 2) } }, play: typeAndSend('On my way') };
export const Failed: Story = { name: 'Failed, with Send again', args: { fixture: { messages: conversation.slice(0, 2), sendFailure: 'rate_limited' } }, play: typeAndSend('One more thing') };
export const Ended: Story = { name: 'Call ended: read-only', args: { fixture: { messages: conversation.slice(0, 2), sendFailure: 'call_ended' } }, play: typeAndSend('Too late') };
export const NearLimit: Story = { name: 'Near the limit: the counter', args: { fixture: { messages: [] } }, play: typeAndSend('x'.repeat(3950), false) };
export const SignedOut: Story = { name: 'Signed out: read only', args: { fixture: { messages: conversation.slice(0, 2), signedOut: true } } };
export const LoadFailed: Story = { name: 'Could not load', args: { fixture: { status: 'error', error: 'the network is down' } } };
export const Russian: Story = { name: 'Russian conversation', args: { lang: 'ru', fixture: { messages: russian } } };
export const Narrow: Story = { name: 'Phone (360 px)', args: { width: '360px', fixture: { messages: conversation } } };
export const Dark: Story = { name: 'Dark', args: { fixture: { messages: conversation } }, ...dark };
export const DarkRussianFailed: Story = { name: 'Dark, Russian, failed', args: { lang: 'ru', fixture: { messages: russian, sendFailure: 'rate_limited' } }, play: typeAndSend('Ещё одно'), ...dark };
