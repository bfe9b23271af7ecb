/**
 * The entry point of the core: wraps the host's SupabaseClient (or builds one from a URL and anon
 * key), knows who is signed in, and creates, finds, joins and leaves call sessions.
 */
import { createClient, type SupabaseClient, type SupabaseClientOptions } from '@supabase/supabase-js';
import { CallSession, type CallSessionOptions } from './call-session.ts';
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

export type CallClientInit =
  | { client: SupabaseClient }
  | { url: string; anonKey: string; options?: SupabaseClientOptions<'public'> };

export interface CallClientEvents {
  /** The signed-in user changed (signed in, out, or token refreshed for another user). */
  user: CallUser | null;
}

export class CallClient extends TypedEventTarget<CallClientEvents> {
  readonly supabase: SupabaseClient;
  #user: CallUser | null | undefined;

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
  }

  /** The signed-in user, or null. */
  async currentUser(): Promise<CallUser | null> {
    const { data } = await this.supabase.auth.getSession();
    this.#user = data.session?.user ? toCallUser(data.session.user) : null;
    return this.#user;
  }

  async requireUser(): Promise<CallUser> {
    const user = await this.currentUser();
    if (!user) throw Object.assign(new Error('sign in to use video calls'), { code: 'not_signed_in' });
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
    if (error) throw Object.assign(new Error(`could not create the call: ${error.message}`), { code: error.code });
    return data as CallSessionRecord;
  }

  async getSession(id: string): Promise<CallSessionRecord | null> {
    const { data, error } = await this.supabase.from('video_call_sessions').select().eq('id', id).maybeSingle();
    if (error) throw Object.assign(new Error(`could not read the call: ${error.message}`), { code: error.code });
    return data as CallSessionRecord | null;
  }

  /** The newest session of a calendar event that has not ended, if the user may see one. */
  async findSessionByEvent(eventId: string): Promise<CallSessionRecord | null> {
    const { data, error } = await this.supabase
      .from('video_call_sessions')
      .select()
      .eq('event_id', eventId)
      .neq('status', 'ended')
      .order('created_at', { ascending: false })
      .limit(1)
      .maybeSingle();
    if (error) throw Object.assign(new Error(`could not look up the event's call: ${error.message}`), { code: error.code });
    return data as CallSessionRecord | null;
  }

  /** A session object for `sessionId`, not joined yet. */
  async session(sessionId: string, options: CallSessionOptions = {}): Promise<CallSession> {
    const user = await this.requireUser();
    return new CallSession(this.supabase, sessionId, user.id, options);
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
