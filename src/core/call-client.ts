/**
 * The entry point of the core: wraps the host's SupabaseClient (or builds one from a URL and anon
 * key), knows who is signed in, and creates, finds, joins and leaves call sessions.
 */
import { createClient, type SupabaseClient, type SupabaseClientOptions } from '@supabase/supabase-js';
import { CallSession, type CallSessionOptions, type CallSessionView } from './call-session.ts';
import { CallError, toCallError, type CallErrorCode } from './errors.ts';
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
  extends Pick<CallClient, 'currentUser' | 'findSessionByEvent' | 'openEventCall' | 'invite' | 'uninvite' | 'getSession' | 'on'> {
  roster(sessionId: string): Promise<RosterView>;
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
}

export class CallClient extends TypedEventTarget<CallClientEvents> {
  readonly supabase: SupabaseClient;
  #user: CallUser | null | undefined;
  /** The newest CallSession object made for each session id. */
  readonly #sessions = new Map<string, CallSession>();
  readonly #rosters = new RosterRegistry((sessionId, userId) => new ParticipantRoster(this.supabase, sessionId, userId), this);
  readonly #push: CallPush;

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
   * call of their own or of an attendee's that invites them gets a new one.
   */
  async openEventCall(event: CalendarEventCall): Promise<CallSessionRecord> {
    await this.requireUser();
    const { data, error } = await this.supabase.rpc('event_video_call', {
      p_event_id: event.eventId,
      p_title: event.title ?? null,
      p_scheduled_at: event.startsAt instanceof Date ? event.startsAt.toISOString() : (event.startsAt ?? null),
      p_crm_entity_type: event.crmEntityType ?? null,
      p_crm_entity_id: event.crmEntityId ?? null,
      p_attendees: event.attendees ?? [],
    });
    if (error) throw toCallError(error, { refused: 'not_participant' });
    return data as CallSessionRecord;
  }

  /** Invites someone by user id or e-mail address (hosts only). Returns their participant row. */
  async invite(sessionId: string, invitee: string): Promise<ParticipantRecord> {
    await this.requireUser();
    const { data, error } = await this.supabase.rpc('invite_to_video_call', { p_session_id: sessionId, p_invitee: invitee });
    if (error) throw toCallError(error, { refused: 'not_host' });
    return data as ParticipantRecord;
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
   * The session object for `sessionId`: the one this client already has, unless that one has
   * left (then a new one, not joined yet). One call, one object per client: a second element
   * for the same call shows the same session (its `options` then do not apply).
   */
  async session(sessionId: string, options: CallSessionOptions = {}): Promise<CallSession> {
    const user = await this.requireUser();
    const existing = this.#sessions.get(sessionId);
    if (existing && existing.state !== 'left' && existing.userId === user.id) return existing;
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
