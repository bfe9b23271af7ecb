/**
 * A call's chat (`video_call_messages`, migration 20261203000200): the latest messages on start,
 * older ones on demand, new ones live through postgres_changes, and sending with a client-picked
 * id, shown at once and stored once however often it is retried.
 *
 * One CallChat per session and signed-in user per CallClient (`CallClient.chat()`), reference
 * counted: every element showing that chat shares the channel and the messages; `release()` gives
 * one reference back, and the last one closes the channel after a short grace.
 */
import type { RealtimeChannel, SupabaseClient } from '@supabase/supabase-js';
import { CallError, toCallError } from './errors.ts';
import { RELEASE_GRACE_MS } from './session-holds.ts';
import { TypedEventTarget } from './typed-events.ts';

/** At most this many characters (code points) in a message, as the table counts them. */
export const CHAT_MESSAGE_LIMIT = 4000;
/** Messages read at a time: on start and by each `loadOlder()`. */
export const CHAT_PAGE_SIZE = 50;

/** A message row as the table stores it. */
export interface ChatMessageRecord {
  id: string;
  session_id: string;
  user_id: string | null;
  display_name: string | null;
  body: string;
  created_at: string;
  /** Storage order (identity column). */
  seq: number;
}

export type ChatMessageState = 'sent' | 'sending' | 'failed';

/** A message as the chat shows it. */
export interface ChatMessage {
  id: string;
  sessionId: string;
  /** The sender; null once their account is gone. */
  userId: string | null;
  /** The sender's name when they wrote. */
  displayName: string | null;
  body: string;
  /** ISO time; for a message still sending, when it was written here. */
  createdAt: string;
  /** Written by the signed-in user. */
  own: boolean;
  /** Storage order; 0 while not stored. */
  seq: number;
  state: ChatMessageState;
  /** Why a `failed` message did not go. */
  error?: CallError;
}

export type ChatStatus = 'loading' | 'ready' | 'error';

export interface CallChatEvents {
  /** The list changed (loaded, a message came, one was sent or failed). */
  messages: ChatMessage[];
  /** A new message arrived live or was stored for this user: shown for the first time as sent. */
  message: { message: ChatMessage };
  status: { status: ChatStatus; error?: CallError };
  /** The count of others' messages since `markRead()`. */
  unread: number;
}

/** What a chat body becomes before it is sent: trimmed, and checked as the table checks it. */
export function checkChatBody(body: string): string {
  const trimmed = String(body ?? '').replace(/^[\s\u200b\ufeff]+|[\s\u200b\ufeff]+$/g, '');
  if (!trimmed) throw new CallError('message_empty', 'a chat message cannot be empty');
  const length = [...trimmed].length;
  if (length > CHAT_MESSAGE_LIMIT) {
    throw new CallError('message_too_long', `a chat message can have at most ${CHAT_MESSAGE_LIMIT} characters (this one has ${length})`);
  }
  return trimmed;
}

const COLUMNS = 'id, session_id, user_id, display_name, body, created_at, seq';

export class CallChat extends TypedEventTarget<CallChatEvents> {
  readonly sessionId: string;
  readonly userId: string | null;
  status: ChatStatus = 'loading';
  error: CallError | undefined;
  /** Whether older messages than the first shown may exist (`loadOlder()`). */
  hasOlder = false;
  #messages: ChatMessage[] = [];
  #unread = 0;
  #channel: RealtimeChannel | undefined;
  #started: Promise<void> | undefined;
  #older: Promise<void> | undefined;
  #references = 0;
  #releaseTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly supabase: SupabaseClient,
    sessionId: string,
    userId: string | null,
    private readonly onClosed: (chat: CallChat) => void = () => undefined,
  ) {
    super();
    this.sessionId = sessionId;
    this.userId = userId;
  }

  /** Oldest first: the stored ones, then those still sending or failed. */
  get messages(): ChatMessage[] {
    return [...this.#messages];
  }

  /** Others' messages that came since `markRead()`. */
  get unread(): number {
    return this.#unread;
  }

  /** Loads the latest messages and follows new ones; once, however often it is called. */
  start(): Promise<void> {
    this.#started ??= this.#start();
    return this.#started;
  }

  async #start(): Promise<void> {
    const channel = this.supabase
      .channel(`chat:${this.sessionId}:${Math.random().toString(36).slice(2, 10)}`)
      .on(
        'postgres_changes',
        { event: 'INSERT', schema: 'public', table: 'video_call_messages', filter: `session_id=eq.${this.sessionId}` },
        (change) => this.#arrived(change.new as ChatMessageRecord),
      );
    this.#channel = channel;
    let subscribed!: () => void;
    const ready = new Promise<void>((resolve) => {
      subscribed = resolve;
      // A Realtime that never answers must not keep the history from showing.
      setTimeout(resolve, 3000);
    });
    channel.subscribe((status) => {
      if (status !== 'SUBSCRIBED') return;
      subscribed();
      // After a drop, messages may have come unseen.
      if (this.status === 'ready') void this.#catchUp();
    });
    await ready;
    await this.reload();
  }

  /** Reads the latest page again (after an error, or to start over). */
  async reload(): Promise<void> {
    const { data, error } = await this.supabase
      .from('video_call_messages')
      .select(COLUMNS)
      .eq('session_id', this.sessionId)
      .order('seq', { ascending: false })
      .limit(CHAT_PAGE_SIZE);
    if (error) {
      this.#setStatus('error', toCallError(error, { action: 'could not read the chat' }));
      return;
    }
    const rows = (data ?? []) as ChatMessageRecord[];
    this.hasOlder = rows.length === CHAT_PAGE_SIZE;
    if (this.hasOlder) {
      // Live arrivals older than this page (Realtime delivering the backlog late) wait for loadOlder().
      const first = Math.min(...rows.map((row) => Number(row.seq)));
      this.#messages = this.#messages.filter((m) => m.state !== 'sent' || m.seq >= first);
    }
    this.#merge(rows.map((row) => this.#fromRecord(row)));
    this.#setStatus('ready');
  }

  /** Reads the page before the oldest message shown; resolves once it is in `messages`. */
  loadOlder(): Promise<void> {
    this.#older ??= this.#loadOlder().finally(() => (this.#older = undefined));
    return this.#older;
  }

  async #loadOlder(): Promise<void> {
    const oldest = this.#messages.find((message) => message.state === 'sent');
    if (!oldest || !this.hasOlder) return;
    const { data, error } = await this.supabase
      .from('video_call_messages')
      .select(COLUMNS)
      .eq('session_id', this.sessionId)
      .lt('seq', oldest.seq)
      .order('seq', { ascending: false })
      .limit(CHAT_PAGE_SIZE);
    if (error) throw toCallError(error, { action: 'could not read older messages' });
    const rows = (data ?? []) as ChatMessageRecord[];
    this.hasOlder = rows.length === CHAT_PAGE_SIZE;
    this.#merge(rows.map((row) => this.#fromRecord(row)));
  }

  /**
   * Sends `body` as the signed-in user. The message shows at once (`sending`), then as stored, or
   * `failed` with its error (and the promise rejects with it); `retry(id)` sends it again with the
   * same id, so a send that did arrive is not stored twice.
   */
  async send(body: string): Promise<ChatMessage> {
    const text = checkChatBody(body);
    if (!this.userId) throw new CallError('not_signed_in', 'sign in to write in the chat');
    const message: ChatMessage = {
      id: crypto.randomUUID(),
      sessionId: this.sessionId,
      userId: this.userId,
      displayName: null,
      body: text,
      createdAt: new Date().toISOString(),
      own: true,
      seq: 0,
      state: 'sending',
    };
    this.#merge([message]);
    return this.#deliver(message);
  }

  /** Sends a failed message again, with its own id. */
  async retry(id: string): Promise<ChatMessage> {
    const message = this.#messages.find((m) => m.id === id);
    if (!message || message.state !== 'failed') throw new CallError('invalid_input', 'only a message that failed can be sent again');
    const again = { ...message, state: 'sending' as const, error: undefined };
    this.#merge([again]);
    return this.#deliver(again);
  }

  /** Takes a failed message off the list. */
  discard(id: string): void {
    const before = this.#messages.length;
    this.#messages = this.#messages.filter((m) => !(m.id === id && m.state === 'failed'));
    if (this.#messages.length !== before) this.emit('messages', this.messages);
  }

  /** Everything shown counts as read. */
  markRead(): void {
    if (!this.#unread) return;
    this.#unread = 0;
    this.emit('unread', 0);
  }

  async #deliver(message: ChatMessage): Promise<ChatMessage> {
    const { data, error } = await this.supabase
      .from('video_call_messages')
      .upsert({ id: message.id, session_id: this.sessionId, body: message.body }, { onConflict: 'id', ignoreDuplicates: true })
      .select(COLUMNS);
    let row = (data as ChatMessageRecord[] | null)?.[0];
    // Nothing came back: the id is stored already (an earlier try did arrive), or an error hid it.
    if (!row) row = await this.#stored(message.id);
    if (!row || row.user_id !== this.userId) {
      // Its live copy may have come meanwhile: then it is stored, whatever the answers said.
      const live = this.#messages.find((m) => m.id === message.id && m.state === 'sent' && m.own);
      if (live) return live;
      const failure = error
        ? toCallError(error, { action: 'could not send the message', ended: 'call_ended' })
        : new CallError('failed', 'could not send the message');
      this.#merge([{ ...message, state: 'failed', error: failure }]);
      throw failure;
    }
    const sent = this.#fromRecord(row);
    this.#announce(sent);
    return sent;
  }

  async #stored(id: string): Promise<ChatMessageRecord | undefined> {
    const { data } = await this.supabase.from('video_call_messages').select(COLUMNS).eq('id', id).maybeSingle();
    return (data as ChatMessageRecord | null) ?? undefined;
  }

  /** Messages newer than the newest shown (after a channel drop). */
  async #catchUp(): Promise<void> {
    const newest = [...this.#messages].reverse().find((m) => m.state === 'sent');
    let query = this.supabase.from('video_call_messages').select(COLUMNS).eq('session_id', this.sessionId);
    if (newest) query = query.gt('seq', newest.seq);
    const { data } = await query.order('seq').limit(CHAT_PAGE_SIZE);
    for (const row of (data ?? []) as ChatMessageRecord[]) this.#arrived(row);
  }

  #arrived(row: ChatMessageRecord): void {
    if (!row?.id || row.session_id !== this.sessionId) return;
    const known = this.#messages.find((m) => m.id === row.id);
    if (known?.state === 'sent') return;
    // A change from before the page shown (Realtime may deliver it late): loadOlder() brings it,
    // in its place, rather than a lone old message above a gap.
    const oldest = this.#messages.find((m) => m.state === 'sent');
    if (this.hasOlder && oldest && Number(row.seq) < oldest.seq) return;
    const message = this.#fromRecord(row);
    if (!message.own) {
      this.#unread++;
      this.emit('unread', this.#unread);
    }
    this.#announce(message);
  }

  /** A message stored (ours) or arrived (anyone's): into the list, and told once. */
  #announce(message: ChatMessage): void {
    const wasSent = this.#messages.some((m) => m.id === message.id && m.state === 'sent');
    this.#merge([message]);
    if (!wasSent) this.emit('message', { message });
  }

  #fromRecord(row: ChatMessageRecord): ChatMessage {
    return {
      id: row.id,
      sessionId: row.session_id,
      userId: row.user_id,
      displayName: row.display_name,
      body: row.body,
      createdAt: row.created_at,
      own: row.user_id !== null && row.user_id === this.userId,
      seq: Number(row.seq),
      state: 'sent',
    };
  }

  /** Puts messages in by id (a newer copy wins), stored ones by time, unsent ones last. */
  #merge(incoming: ChatMessage[]): void {
    const byId = new Map(this.#messages.map((m) => [m.id, m]));
    for (const message of incoming) byId.set(message.id, message);
    const all = [...byId.values()];
    const sent = all.filter((m) => m.state === 'sent').sort((a, b) => a.seq - b.seq);
    const unsent = all.filter((m) => m.state !== 'sent');
    this.#messages = [...sent, ...unsent];
    this.emit('messages', this.messages);
  }

  #setStatus(status: ChatStatus, error?: CallError): void {
    this.status = status;
    this.error = error;
    this.emit('status', { status, error });
  }

  /** Takes a reference (CallClient.chat() does). */
  retain(): this {
    this.#references++;
    clearTimeout(this.#releaseTimer);
    return this;
  }

  /** Gives a reference back; the last one closes the chat after a short grace. */
  release(): void {
    if (this.#references === 0) return;
    if (--this.#references) return;
    this.#releaseTimer = setTimeout(() => {
      if (!this.#references) void this.close();
    }, RELEASE_GRACE_MS);
  }

  /** Stops following the chat at once. */
  async close(): Promise<void> {
    clearTimeout(this.#releaseTimer);
    this.onClosed(this);
    const channel = this.#channel;
    this.#channel = undefined;
    this.#started = undefined;
    if (channel) await this.supabase.removeChannel(channel).catch(() => undefined);
  }
}

/** What the elements use of a chat: a CallChat, or a fixture shaped like one. */
export type CallChatView = Pick<
  CallChat,
  'sessionId' | 'userId' | 'status' | 'error' | 'hasOlder' | 'messages' | 'unread' | 'on' | 'start' | 'reload' | 'loadOlder' | 'send' | 'retry' | 'discard' | 'markRead' | 'release'
>;
