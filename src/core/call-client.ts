/**
 * The entry point of the core: wraps the host's SupabaseClient (or builds one from a URL and anon
 * key), knows who is signed in, and creates, finds, joins and leaves call sessions.
 */
import { createClient, type SupabaseClient, type SupabaseClientOptions } from '@supabase/supabase-js';
import { CallSession, type CallSessionOptions, type CallSessionView } from './call-session.ts';
import { CallChat, type CallChatView } from './chat.ts';
import { readCallHistory, type CallHistoryRecord } from './call-history.ts';
import { CallError, toCallError, type CallErrorCode } from './errors.ts';
import { answerInvitation, notifyInvitations, readInvitations, type InvitationAnswer, type InvitationNotice } from './invitations.ts';
import type { ParticipantRecord } from './participant.ts';
import { CallPush, type EnablePushOptions, type PushState, type PushStateOptions } from './push.ts';
import { ParticipantRoster } from './participant-roster.ts';
import { RosterRegistry, type RosterLease } from './roster-leases.ts';
import { TypedEventTarget } from './typed-events.ts';

export interface CallUser {
  id: string;
  email: string | null;
  name: string;
  avatarUrl: string | null;
}

/** A row of `video_call_sessions`. */
export interface CallSessionRecord {
  id: string;
  title: string;
  host_id: string;
  event_id: string | null;
  crm_entity_type: string | null;
  crm_entity_id: string | null;
  status: 'scheduled' | 'active' | 'ended';
  scheduled_at: string | null;
  started_at: string | null;
  ended_at: string | null;
  last_activity_at: string;
  created_at: string;
  settings: Record<string, unknown>;
}

export interface NewCallSession {
  title?: string;
  eventId?: string;
  crmEntityType?: string;
  crmEntityId?: string;
  scheduledAt?: string | Date;
  settings?: Record<string, unknown>;
}

/** A calendar event as the event call button knows it. */
export interface CalendarEventCall {
  eventId: string;
  title?: string;
  startsAt?: string | Date;
  crmEntityType?: string;
  crmEntityId?: string;
  /** People to invite when the call is created: user ids or e-mail addresses. */
  attendees?: string[];
}

export interface InviteOptions {
  /**
   * Send the new invitations by Web Push and e-mail (default true). The promise does not wait for
   * them: the client's `invitations-notified` event tells what each channel did.
   */
  notify?: boolean;
}

/** The client's errors are `CallError`s (errors.ts); this name stays for hosts that used it. */
export const CallClientError = CallError;
/** The client's errors are `CallError`s (errors.ts); this name stays for hosts that used it. */
export type CallClientError = CallError;
/** `CallErrorCode` under the client's old name. */
export type CallClientErrorCode = CallErrorCode;

/** A roster as the elements use it. */
export type RosterView = Pick<ParticipantRoster, 'sessionId' | 'participants' | 'status' | 'error' | 'on' | 'start' | 'stop' | 'reload'>;

/**
 * What the elements call on a client: a CallClient, or anything shaped like one (Storybook
 * fixtures, a host's own wrapper).
 */
export interface CallClientView
  extends Pick<CallClient, 'currentUser' | 'findSessionByEvent' | 'openEventCall' | 'invite' | 'uninvite' | 'getSession' | 'on'>,
    // Optional, so a host's own wrapper written before them still fits: without
    // answerInvitation the event button shows no Yes / Maybe / No, without notifyInvitations the
    // panel leaves notifying to invite().
    Partial<Pick<CallClient, 'answerInvitation' | 'notifyInvitations' | 'setDisplayName'>> {
  roster(sessionId: string): Promise<RosterView>;
  /** The session's chat (`<call-chat>`); optional, so wrappers written before it still fit. */
  chat?(sessionId: string): Promise<CallChatView>;
  /** The calls of a CRM entity (`<call-history>`); optional, so wrappers written before it still fit. */
  history?(entityType: string, entityId: string): Promise<CallHistoryRecord[]>;
  session(sessionId: string, options?: CallSessionOptions): Promise<CallSessionView>;
  /**
   * The session object the client already has for an id, if any: an element that replaces
   * another (a host page re-rendering) attaches to the call in progress through it. Optional.
   */
  sessionObject?(sessionId: string): CallSessionView | undefined;
}

export type CallClientInit =
  | { client: SupabaseClient }
  | { url: string; anonKey: string; options?: SupabaseClientOptions<'public'> };

export interface CallClientEvents {
  /** The signed-in user changed (signed in, out, or token refreshed for another user). */
  user: CallUser | null;
  /** This client made a CallSession object (so rosters of that session can follow it live). */
  session: CallSession;
  /** Invitations were sent by push and e-mail (`invite()`, a call created from an event): what each channel did. */
  'invitations-notified': InvitationNotice;
}

export class CallClient extends TypedEventTarget<CallClientEvents> {
  readonly supabase: SupabaseClient;
  #user: CallUser | null | undefined;
  /** The newest CallSession object made for each session id. */
  readonly #sessions = new Map<string, CallSession>();
  readonly #rosters = new RosterRegistry((sessionId, userId) => new ParticipantRoster(this.supabase, sessionId, userId), this);
  readonly #push: CallPush;
  /** One chat per signed-in user and session, shared by reference (`chat()`). */
  readonly #chats = new Map<string, CallChat>();

  constructor(init: CallClientInit) {
    super();
    if ('client' in init) this.supabase = init.client;
    else {
      if (!init.url || !init.anonKey) throw new Error('CallClient needs a Supabase URL and anon key, or a client');
      this.supabase = createClient(init.url, init.anonKey, init.options);
    }
    this.supabase.auth.onAuthStateChange((_event, session) => {
      const next = session?.user ? toCallUser(session.user) : null;
      if (next?.id !== this.#user?.id) {
        this.#user = next;
        this.emit('user', next);
      }
    });
    this.#push = new CallPush(this.supabase);
  }

  /**
   * Call notifications on this browser for the signed-in user: asks for permission (when not
   * yet given), subscribes with `vapidPublicKey`, stores the subscription, and hands the
   * service worker the access token (again on every refresh) so Decline works without a page.
   * Throws `push_unsupported`, `push_denied`, `not_signed_in` or `invalid_input` `CallError`s.
   */
  enablePush(options: EnablePushOptions): Promise<PushState> {
    return this.#push.enable(options);
  }

  /** Turns call notifications off on this browser: the stored subscription is deleted and the browser unsubscribed. */
  disablePush(options?: PushStateOptions): Promise<void> {
    return this.#push.disable(options);
  }

  /**
   * Where push stands on this browser for the signed-in user (see `PushState`). When
   * `subscribed`, the worker is handed the current token from then on, so call this at start.
   */
  pushState(options?: PushStateOptions): Promise<PushState> {
    return this.#push.state(options);
  }

  /** The signed-in user, or null. */
  async currentUser(): Promise<CallUser | null> {
    const { data } = await this.supabase.auth.getSession();
    this.#user = data.session?.user ? toCallUser(data.session.user) : null;
    return this.#user;
  }

  async requireUser(): Promise<CallUser> {
    const user = await this.currentUser();
    if (!user) throw new CallError('not_signed_in', 'sign in to use video calls');
    return user;
  }

  /** Creates a session hosted by the signed-in user. */
  async createSession(input: NewCallSession = {}): Promise<CallSessionRecord> {
    await this.requireUser();
    const { data, error } = await this.supabase
      .from('video_call_sessions')
      .insert({
        title: input.title ?? '',
        event_id: input.eventId ?? null,
        crm_entity_type: input.crmEntityType ?? null,
        crm_entity_id: input.crmEntityId ?? null,
        scheduled_at: input.scheduledAt instanceof Date ? input.scheduledAt.toISOString() : (input.scheduledAt ?? null),
        settings: input.settings ?? {},
      })
      .select()
      .single();
    if (error) throw toCallError(error, { action: 'could not create the call', refused: 'failed' });
    return data as CallSessionRecord;
  }

  async getSession(id: string): Promise<CallSessionRecord | null> {
    const { data, error } = await this.supabase.from('video_call_sessions').select().eq('id', id).maybeSingle();
    if (error) throw toCallError(error, { action: 'could not read the call' });
    return data as CallSessionRecord | null;
  }

  /**
   * The call of a calendar event for the signed-in user, as `openEventCall` would pick it, without
   * creating one: their own open call of the event, else the earliest open one hosted by one of
   * `attendees` (user ids or e-mail addresses) that they are invited to. Someone else's call for
   * the same event id never counts, even one the user was invited to; without `attendees`, any
   * call of the event the user is invited to does. With `includeEnded` and no open call, the
   * newest ended one (so a card can say the call is over).
   */
  async findSessionByEvent(eventId: string, options: { includeEnded?: boolean; attendees?: string[] } = {}): Promise<CallSessionRecord | null> {
    const { data, error } = await this.supabase.rpc('find_event_video_call', {
      p_event_id: eventId,
      p_attendees: options.attendees ?? [],
      p_include_ended: options.includeEnded ?? false,
    });
    if (error) throw toCallError(error, { action: "could not look up the event's call" });
    return ((data as CallSessionRecord[] | null) ?? [])[0] ?? null;
  }

  /**
   * The open call of a calendar event: found as `findSessionByEvent` finds it, or created with the
   * caller as host and the event's attendees invited. Two attendees opening the same event at once
   * get the same call. Nobody is kept out by another's call of the same event id: whoever has no
   * call of their own or of an attendee's that invites them gets a new one. A call this creates
   * has its invitations sent by push and e-mail (`options.notify`, as for `invite()`).
   */
  async openEventCall(event: CalendarEventCall, options: InviteOptions = {}): Promise<CallSessionRecord> {
    const user = await this.requireUser();
    // event_video_call does not say whether it created the call, and only a new call's
    // invitations are news. Its own lookup, made first, tells: the same answer it would give.
    const found = await this.findSessionByEvent(event.eventId, { attendees: event.attendees });
    if (found) return found;
    const { data, error } = await this.supabase.rpc('event_video_call', {
      p_event_id: event.eventId,
      p_title: event.title ?? null,
      p_scheduled_at: event.startsAt instanceof Date ? event.startsAt.toISOString() : (event.startsAt ?? null),
      p_crm_entity_type: event.crmEntityType ?? null,
      p_crm_entity_id: event.crmEntityId ?? null,
      p_attendees: event.attendees ?? [],
    });
    if (error) throw toCallError(error, { refused: 'not_participant' });
    const session = data as CallSessionRecord;
    // Someone else's call found under the lock (two attendees at once) was not created here.
    if (session.host_id === user.id && event.attendees?.length && options.notify !== false) {
      void readInvitations(this.supabase, session.id).then(
        (rows) => (rows.length ? this.notifyInvitations(session.id, rows) : undefined),
        // Not even the invitations could be read back: neither channel went out, and the host is told so.
        (error: CallError) => this.emit('invitations-notified', { sessionId: session.id, participants: [], push: { status: 'failed', error }, email: { status: 'failed', error } }),
      );
    }
    return session;
  }

  /**
   * Invites someone by user id or e-mail address (hosts only). Returns their participant row as
   * soon as it exists; the invitation is then sent by push and e-mail (see `InviteOptions`).
   */
  async invite(sessionId: string, invitee: string, options: InviteOptions = {}): Promise<ParticipantRecord> {
    await this.requireUser();
    const { data, error } = await this.supabase.rpc('invite_to_video_call', { p_session_id: sessionId, p_invitee: invitee });
    if (error) throw toCallError(error, { refused: 'not_host' });
    const row = data as ParticipantRecord;
    if (options.notify !== false) void this.notifyInvitations(sessionId, [row]);
    return row;
  }

  /**
   * Sends invitations by Web Push (`webpush-send`) and e-mail (`video-call-email`): one request
   * per channel for all of `participants`, side by side (hosts only; the host's own row is left
   * out). Never rejects: a channel that is not deployed, not configured or fails is reported in
   * the notice, and the invitations stay. Emits `invitations-notified` with the same notice.
   */
  async notifyInvitations(sessionId: string, participants: ParticipantRecord[]): Promise<InvitationNotice> {
    const notice = await notifyInvitations(this.supabase, sessionId, participants);
    this.emit('invitations-notified', notice);
    return notice;
  }

  /**
   * The signed-in user's answer to their invitation: `accepted` (Yes), `tentative` (Maybe) or
   * `declined` (No); they may change it, and a declined invitee can still join. Returns their
   * participant row. Refusals: `not_signed_in`, `not_participant` (not invited),
   * `session_not_found`, `session_ended`, `invalid_input` (another answer, or the host answering).
   */
  async answerInvitation(sessionId: string, status: InvitationAnswer): Promise<ParticipantRecord> {
    await this.requireUser();
    return answerInvitation(this.supabase, sessionId, status);
  }

  /**
   * The name the others see for us in one call (a pre-join screen's name field): our own
   * participant row's `display_name`, which the roster and our presence read when we join. RLS
   * lets each user change only their own row. Trimmed; 1–200 characters, else `invalid_input`.
   */
  async setDisplayName(sessionId: string, name: string): Promise<void> {
    const user = await this.requireUser();
    const trimmed = name.trim();
    if (!trimmed || trimmed.length > 200) throw new CallError('invalid_input', 'a display name has 1 to 200 characters');
    const { error } = await this.supabase.from('video_call_participants').update({ display_name: trimmed }).eq('session_id', sessionId).eq('user_id', user.id);
    if (error) throw toCallError(error, { refused: 'not_participant' });
  }

  /** Withdraws an invitation (hosts only; the host's own row stays). */
  async uninvite(participantId: string): Promise<void> {
    await this.requireUser();
    const { data, error } = await this.supabase.from('video_call_participants').delete().eq('id', participantId).select('id');
    if (error) throw toCallError(error, { refused: 'not_host' });
    if (!data?.length) throw new CallError('not_host', 'only the host can withdraw an invitation, and not their own');
  }

  /**
   * The people of a session, live, without joining: invitations and answers from the rows, who
   * is in the call from its presence, and mic/camera and speaking once this client has joined the
   * session. Call `start()`, and `stop()` when done. Everything on the page that asks for the same
   * session shares one roster underneath (one channel, one read per change).
   */
  async roster(sessionId: string): Promise<RosterLease> {
    const user = await this.currentUser();
    return this.#rosters.lease(sessionId, user?.id ?? null);
  }

  /**
   * The session's chat as the signed-in user sees it: call `start()` on it, and `release()` when
   * done. Everything on the page that asks for the same session's chat shares one object (one
   * channel, one list); the last `release()` closes it.
   */
  async chat(sessionId: string): Promise<CallChat> {
    const user = await this.currentUser();
    const key = `${user?.id ?? ''}:${sessionId}`;
    let chat = this.#chats.get(key);
    if (!chat) {
      chat = new CallChat(this.supabase, sessionId, user?.id ?? null, (closed) => {
        if (this.#chats.get(key) === closed) this.#chats.delete(key);
      });
      this.#chats.set(key, chat);
    }
    return chat.retain();
  }

  /** The signed-in user's calls linked to a CRM entity, newest first (call-history.ts). */
  async history(entityType: string, entityId: string): Promise<CallHistoryRecord[]> {
    await this.requireUser();
    return readCallHistory(this.supabase, entityType, entityId);
  }

  /**
   * The session object for `sessionId`: the one this client already has, unless that one has
   * left (then a new one, not joined yet). One call, one object per client: a second element
   * for the same call shows the same session (its `options` then do not apply).
   */
  async session(sessionId: string, options: CallSessionOptions = {}): Promise<CallSession> {
    const user = await this.requireUser();
    const existing = this.#sessions.get(sessionId);
    // A left, removed or ended one is over: a new object asks the database afresh.
    if (existing && !['left', 'removed', 'ended'].includes(existing.state) && existing.userId === user.id) return existing;
    const session = new CallSession(this.supabase, sessionId, user.id, options);
    this.#sessions.set(sessionId, session);
    this.emit('session', session);
    return session;
  }

  /** The newest CallSession object this client made for a session id, joined or not. */
  sessionObject(sessionId: string): CallSession | undefined {
    return this.#sessions.get(sessionId);
  }

  /** Creates the session object and joins it. */
  async join(sessionId: string, options: CallSessionOptions = {}): Promise<CallSession> {
    const session = await this.session(sessionId, options);
    await session.join();
    return session;
  }
}

function toCallUser(user: { id: string; email?: string | null; user_metadata?: Record<string, unknown> }): CallUser {
  const meta = user.user_metadata ?? {};
  const name = [meta.display_name, meta.full_name, meta.name].find((value) => typeof value === 'string' && value) as string | undefined;
  return {
    id: user.id,
    email: user.email ?? null,
    name: name ?? user.email?.split('@')[0] ?? user.id.slice(0, 8),
    avatarUrl: typeof meta.avatar_url === 'string' ? meta.avatar_url : null,
  };
}
