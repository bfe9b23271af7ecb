-- Hardening of the call schema against ordinary signed-in users (issue 10, items 11-15):
--  * a host writes invitations, nothing more: answers, presence, signal keys, names and timestamps
--    belong to the invitee or to the server (the broadcast signatures rest on only a row's own
--    user writing its signal_key);
--  * invitations never tell the host more than they already knew: an e-mail address is not
--    resolved to an account, a user id does not reveal an e-mail address;
--  * a calendar event's call is scoped by its host, so nobody can claim an event id for others;
--  * names and avatars copied from auth metadata are cleaned and bounded, so odd metadata never
--    breaks an insert;
--  * last_seen_at, created_at and the like are stamped by the server, never taken from a client.
-- Applies to hosted Supabase, the embedded local stack and a plain PostgreSQL 15 alike.

-- ---- Names and avatars from auth metadata --------------------------------------------------

-- A name as people may see it: control and invisible formatting characters (bidi overrides,
-- zero-width spaces) dropped, whitespace collapsed, at most 200 characters; null when nothing is
-- left.
create function public.video_call_clean_name(p_name text)
returns text
language sql immutable set search_path = ''
as $$
  select nullif(btrim(left(btrim(regexp_replace(regexp_replace(regexp_replace(
      coalesce(p_name, ''),
      '[\u0001-\u001f\u007f-\u009f]', ' ', 'g'),
      '[\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]', '', 'g'),
      '[[:space:]]+', ' ', 'g')), 200)), '')
$$;

-- An avatar is an http(s) URL of at most 2000 characters, or nothing.
create function public.video_call_clean_avatar_url(p_url text)
returns text
language sql immutable set search_path = ''
as $$
  select case when char_length(url) <= 2000 and url ~* '^https?://[^[:space:][:cntrl:]]+$' then url end
  from (select btrim(p_url) as url) given
$$;

-- The name a user chose in their metadata (display_name, full_name, name: the first usable string).
create function public.video_call_metadata_name(p_meta jsonb)
returns text
language sql immutable set search_path = ''
as $$
  select coalesce(
    public.video_call_clean_name(case when jsonb_typeof(p_meta -> 'display_name') = 'string' then p_meta ->> 'display_name' end),
    public.video_call_clean_name(case when jsonb_typeof(p_meta -> 'full_name') = 'string' then p_meta ->> 'full_name' end),
    public.video_call_clean_name(case when jsonb_typeof(p_meta -> 'name') = 'string' then p_meta ->> 'name' end)
  )
$$;

-- What a user shows in calls they are part of: their chosen name (else their address's local
-- part) and avatar, cleaned. Used for the host's own row and when someone joins or claims an
-- invitation, i.e. only once the person is in the call themselves.
create or replace function public.video_call_user_profile(p_user_id uuid, out display_name text, out avatar_url text)
language sql stable security definer set search_path = ''
as $$
  select
    coalesce(
      public.video_call_metadata_name(u.raw_user_meta_data),
      public.video_call_clean_name(split_part(u.email, '@', 1))
    ),
    public.video_call_clean_avatar_url(
      case when jsonb_typeof(u.raw_user_meta_data -> 'avatar_url') = 'string' then u.raw_user_meta_data ->> 'avatar_url' end
    )
  from auth.users u
  where u.id = p_user_id
$$;

revoke execute on function public.video_call_clean_name(text), public.video_call_clean_avatar_url(text),
  public.video_call_metadata_name(jsonb) from public, anon, authenticated;

-- ---- Who the caller is ---------------------------------------------------------------------

-- The caller's e-mail address as the auth server holds it now, and only once confirmed: a token
-- minted before an address change, or an address nobody proved to own, claims no invitation.
create function public.video_call_caller_email()
returns text
language sql stable security definer set search_path = ''
as $$
  select lower(u.email) from auth.users u where u.id = auth.uid() and u.email_confirmed_at is not null
$$;
revoke execute on function public.video_call_caller_email() from public, anon;
grant execute on function public.video_call_caller_email() to authenticated;

create or replace function public.is_video_call_member(p_session_id uuid)
returns boolean
language sql stable security definer set search_path = ''
as $$
  select exists (
      select 1 from public.video_call_sessions s
      where s.id = p_session_id and s.host_id = auth.uid()
    )
    or exists (
      select 1 from public.video_call_participants p
      where p.session_id = p_session_id
        and (
          p.user_id = auth.uid()
          or (p.user_id is null and lower(p.email) = public.video_call_caller_email())
        )
    )
$$;

drop policy "invitees answer their own invitation" on public.video_call_participants;
create policy "invitees answer their own invitation" on public.video_call_participants
  for update to authenticated
  using (
    user_id = auth.uid()
    or (user_id is null and lower(email) = public.video_call_caller_email())
  )
  -- Claiming an e-mail invitation may only set user_id to oneself.
  with check (user_id = auth.uid());

-- ---- Sessions ------------------------------------------------------------------------------

-- A client creates a scheduled call; joining starts it, the host or the cleanup ends it, and the
-- server keeps the clock (a last_activity_at in 2999 would keep a call from ever being cleaned up).
create function public.video_call_sessions_check_new()
returns trigger
language plpgsql set search_path = ''
as $$
begin
  -- The server's own functions (security definer) and the service role are trusted.
  if current_user not in ('anon', 'authenticated') then
    return new;
  end if;
  if new.status in ('active', 'ended') then
    raise exception 'a new video call starts scheduled: joining starts it' using errcode = '22023';
  end if;
  if new.started_at is not null or new.ended_at is not null then
    raise exception 'started_at and ended_at are set by the server' using errcode = '42501';
  end if;
  new.created_at := now();
  new.last_activity_at := now();
  return new;
end
$$;
create trigger video_call_sessions_check_new
  before insert on public.video_call_sessions
  for each row execute function public.video_call_sessions_check_new();

-- Settings are a handful of options, not storage. NOT VALID: enforced on every write from now on
-- without failing the migration on rows written before it.
alter table public.video_call_sessions
  add constraint video_call_sessions_settings_size check (octet_length(settings::text) <= 16384) not valid;

-- An event's open call is unique per host, not per event id: anyone may use any event id, and
-- a call only ever reaches the people its host invited.
drop index if exists public.video_call_sessions_open_event_key;
create unique index video_call_sessions_open_event_host_key
  on public.video_call_sessions (event_id, host_id)
  where event_id is not null and status <> 'ended';

-- ---- Participants --------------------------------------------------------------------------

-- A host's insert is an invitation: who (a user id or an e-mail address) and nothing else. The
-- invitee answers, joins and publishes their signal key themselves; the server stamps the rest.
-- Named to sort before video_call_participants_fill_profile: triggers fire in name order and
-- this one must see what the client sent, not the filled-in profile.
create function public.video_call_participants_check_invitation()
returns trigger
language plpgsql set search_path = ''
as $$
begin
  -- The host's own row (added by the session trigger), the RPCs and the service role are trusted.
  if current_user not in ('anon', 'authenticated') then
    return new;
  end if;
  if new.role is distinct from 'guest' then
    raise exception 'a video call has one host: invitations are for guests' using errcode = '42501';
  end if;
  if (new.user_id is null) = (new.email is null) then
    raise exception 'an invitation names either a user id or an e-mail address' using errcode = '22023';
  end if;
  if new.email is not null then
    new.email := btrim(new.email);
    if new.email !~ '^[^@[:space:]]+@[^@[:space:]]+$' then
      raise exception 'invitee "%" is not an e-mail address', left(new.email, 100) using errcode = '22023';
    end if;
  end if;
  if new.invite_status is distinct from 'invited' or new.presence_status is distinct from 'offline'
    or new.signal_key is not null or new.mic_on or new.cam_on
    or new.joined_at is not null or new.left_at is not null or new.last_seen_at is not null
    or new.display_name is not null or new.avatar_url is not null then
    raise exception 'an invitation names its invitee only: answers, presence, signal keys, names and timestamps are set by the invitee or the server'
      using errcode = '42501';
  end if;
  if exists (select 1 from public.video_call_sessions s where s.id = new.session_id and s.status = 'ended') then
    raise exception 'the call has ended' using errcode = 'PT409';
  end if;
  new.created_at := now();
  return new;
end
$$;
create trigger video_call_participants_check_invitation
  before insert on public.video_call_participants
  for each row execute function public.video_call_participants_check_invitation();

-- An invitation by user id shows the name that user chose to show (a user id is not guessable:
-- whoever has one got it from the host system or from a call they share), never their e-mail
-- address, nor its local part, nor an avatar (a Gravatar URL is a hash of the address). An
-- invitation by e-mail shows the address's local part, which the host typed.
create or replace function public.video_call_participants_fill_profile()
returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if new.display_name is null and new.user_id is not null then
    new.display_name := (select public.video_call_metadata_name(u.raw_user_meta_data) from auth.users u where u.id = new.user_id);
  end if;
  if new.display_name is null and new.email is not null then
    new.display_name := public.video_call_clean_name(split_part(new.email, '@', 1));
  end if;
  return new;
end
$$;

-- Once someone claims an invitation (joining, or answering one sent to their address) or joins
-- without a name shown, the row shows what they show in the call: their profile.
create function public.video_call_participants_claim_profile()
returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  profile record;
begin
  if new.user_id is not null and (old.user_id is null or new.display_name is null) then
    select * into profile from public.video_call_user_profile(new.user_id);
    new.display_name := coalesce(profile.display_name, new.display_name);
    new.avatar_url := coalesce(new.avatar_url, profile.avatar_url);
  end if;
  return new;
end
$$;
create trigger video_call_participants_claim_profile
  before update of user_id on public.video_call_participants
  for each row execute function public.video_call_participants_claim_profile();

-- last_seen_at is the heartbeat the cleanup trusts: only touch_video_call and join/leave set it.
revoke update (last_seen_at) on public.video_call_participants from authenticated;

-- Rows written before this migration: a guest invited by user id carried that user's e-mail
-- address, readable by every member. The invitation keeps working through user_id.
update public.video_call_participants set email = null where role = 'guest' and user_id is not null and email is not null;

-- ---- Signals -------------------------------------------------------------------------------

-- A signal's time is when the server got it (the cleanup purges by it).
create function public.video_call_signals_stamp()
returns trigger
language plpgsql set search_path = ''
as $$
begin
  if current_user in ('anon', 'authenticated') then
    new.created_at := now();
  end if;
  return new;
end
$$;
create trigger video_call_signals_stamp
  before insert on public.video_call_signals
  for each row execute function public.video_call_signals_stamp();

-- ---- Joining -------------------------------------------------------------------------------

-- As before (20261125000200), with the invitation claimed by the caller's confirmed address and
-- a second, e-mail invitation of the same person folded into their own row.
create or replace function public.join_video_call(p_session_id uuid, p_signal_key jsonb default null)
returns public.video_call_participants
language plpgsql security definer set search_path = ''
as $$
declare
  caller uuid := auth.uid();
  caller_email text := public.video_call_caller_email();
  session public.video_call_sessions;
  participant public.video_call_participants;
begin
  if caller is null then
    raise exception 'sign in to join a video call' using errcode = '42501';
  end if;
  select * into session from public.video_call_sessions where id = p_session_id for update;
  if not found then
    raise exception 'video call % does not exist', p_session_id using errcode = 'PT404';
  end if;
  if session.status = 'ended' then
    raise exception 'video call % has ended', p_session_id using errcode = 'PT409';
  end if;
  -- Their own row, else an invitation sent to their e-mail address, which joining claims.
  select * into participant from public.video_call_participants p
  where p.session_id = p_session_id and p.user_id = caller;
  if not found then
    select * into participant from public.video_call_participants p
    where p.session_id = p_session_id and p.user_id is null and lower(p.email) = caller_email
    limit 1;
  end if;
  if participant.id is null then
    raise exception 'you are not a participant of video call %', p_session_id using errcode = '42501';
  end if;
  -- Invited both by id and by address: the person is one participant.
  delete from public.video_call_participants p
  where p.session_id = p_session_id and p.user_id is null and lower(p.email) = caller_email
    and p.id <> participant.id and p.role = 'guest';
  update public.video_call_participants p
  set user_id = caller,
      presence_status = 'connected',
      invite_status = 'accepted',
      joined_at = now(),
      left_at = null,
      last_seen_at = now(),
      signal_key = coalesce(p_signal_key, p.signal_key)
  where p.id = participant.id
  returning * into participant;
  update public.video_call_sessions
  set status = 'active', last_activity_at = now()
  where id = p_session_id;
  return participant;
end
$$;

-- ---- Invitations ---------------------------------------------------------------------------

-- Who an invitation names, exactly as the host gave it: a user id, which must exist (ids are
-- random and unguessable, so "no such id" tells nothing a host could enumerate), or an e-mail
-- address, taken as is and never looked up: whether an address has an account shows nowhere.
create or replace function public.video_call_invitee(p_invitee text, out user_id uuid, out email text)
language plpgsql stable security definer set search_path = ''
as $$
declare
  invitee text := btrim(coalesce(p_invitee, ''));
begin
  if invitee ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    if not exists (select 1 from auth.users u where u.id = invitee::uuid) then
      raise exception 'no user has the id %', invitee using errcode = '22023';
    end if;
    user_id := invitee::uuid;
  elsif invitee ~ '^[^@[:space:]]+@[^@[:space:]]+$' and char_length(invitee) <= 320 then
    email := invitee;
  else
    raise exception 'invitee "%" is neither a user id nor an e-mail address', left(invitee, 100) using errcode = '22023';
  end if;
end
$$;

-- Returns the new participant row, which holds what the host passed (the id or the address), the
-- row's id, the defaults, and a name: the one the user chose to show (by id) or the address's
-- local part (by e-mail). Nothing else about the invitee.
create or replace function public.invite_to_video_call(p_session_id uuid, p_invitee text)
returns public.video_call_participants
language plpgsql security definer set search_path = ''
as $$
declare
  invitee_id uuid;
  invitee_email text;
  row public.video_call_participants;
begin
  if auth.uid() is null then
    raise exception 'sign in to invite people' using errcode = '42501';
  end if;
  if not public.is_video_call_host(p_session_id) then
    raise exception 'only the host of the call can invite people' using errcode = '42501';
  end if;
  if exists (select 1 from public.video_call_sessions s where s.id = p_session_id and s.status = 'ended') then
    raise exception 'the call has ended' using errcode = 'PT409';
  end if;
  select r.user_id, r.email into invitee_id, invitee_email from public.video_call_invitee(p_invitee) r;
  if exists (
    select 1 from public.video_call_participants p
    where p.session_id = p_session_id
      and (p.user_id = invitee_id or lower(p.email) = lower(invitee_email))
  ) then
    raise exception '% is already invited', btrim(p_invitee) using errcode = 'PT409';
  end if;
  insert into public.video_call_participants (session_id, user_id, email)
  values (p_session_id, invitee_id, invitee_email)
  returning * into row;
  return row;
end
$$;

-- ---- Calls of calendar events --------------------------------------------------------------

-- The call of a calendar event for the caller, as event_video_call would pick it, without creating
-- one. An event id is the host system's and anyone may use any event id; what scopes it is who
-- hosts the call. With the event's attendees given (user ids or e-mail addresses), the caller's
-- call is the open call of that event hosted by the caller, else the earliest one hosted by one of
-- the attendees that the caller is invited to. A stranger's call for the same event id never
-- counts, even when the stranger invited the caller. Without attendees, any call of the event the
-- caller hosts or is invited to counts (pass the attendees to be protected). With
-- p_include_ended, and no open call, the newest ended one. At most one row.
create function public.find_event_video_call(
  p_event_id text,
  p_attendees text[] default '{}',
  p_include_ended boolean default false
)
returns setof public.video_call_sessions
language plpgsql stable security definer set search_path = ''
as $$
declare
  caller uuid := auth.uid();
  scoped boolean := false;
  host_ids uuid[] := '{}';
  host_emails text[] := '{}';
  attendee text;
begin
  if caller is null then
    raise exception 'sign in to use video calls' using errcode = '42501';
  end if;
  if cardinality(p_attendees) > 100 then
    raise exception 'at most 100 attendees can be given' using errcode = '22023';
  end if;
  foreach attendee in array coalesce(p_attendees, '{}') loop
    attendee := btrim(coalesce(attendee, ''));
    continue when attendee = '';
    -- Anything given scopes the search, even an entry that is neither an id nor an address.
    scoped := true;
    if attendee ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
      host_ids := host_ids || attendee::uuid;
    elsif attendee like '%_@_%' then
      host_emails := host_emails || lower(attendee);
    end if;
  end loop;
  return query
    select s.* from public.video_call_sessions s
    where s.event_id = p_event_id
      and (p_include_ended or s.status <> 'ended')
      and (
        s.host_id = caller
        or (
          public.is_video_call_member(s.id)
          and (
            not scoped
            or s.host_id = any (host_ids)
            or exists (select 1 from auth.users u where u.id = s.host_id and lower(u.email) = any (host_emails))
          )
        )
      )
    order by s.status = 'ended', s.host_id = caller desc,
      case when s.status <> 'ended' then s.created_at end, s.created_at desc
    limit 1;
end
$$;

revoke execute on function public.find_event_video_call(text, text[], boolean) from public, anon;
grant execute on function public.find_event_video_call(text, text[], boolean) to authenticated;

-- Finds the caller's call of the event (find_event_video_call) or creates it, hosted by the caller,
-- with the attendees invited, in one transaction serialized per event id, so two attendees
-- opening the event at once get the same call. Never refuses someone for a call that exists:
-- whoever is not in one gets their own. A title longer than the 200 characters a call allows is
-- cut (calendar titles are not the caller's to shorten).
create or replace function public.event_video_call(
  p_event_id text,
  p_title text default null,
  p_scheduled_at timestamptz default null,
  p_crm_entity_type text default null,
  p_crm_entity_id text default null,
  p_attendees text[] default '{}'
)
returns public.video_call_sessions
language plpgsql security definer set search_path = ''
as $$
declare
  caller uuid := auth.uid();
  caller_email text := (select lower(u.email) from auth.users u where u.id = auth.uid());
  session public.video_call_sessions;
  attendee text;
  invitee record;
  invitees jsonb := '[]';
begin
  if caller is null then
    raise exception 'sign in to start a video call' using errcode = '42501';
  end if;
  if p_event_id is null or btrim(p_event_id) = '' then
    raise exception 'an event id is required' using errcode = '22023';
  end if;
  if cardinality(p_attendees) > 100 then
    raise exception 'at most 100 attendees can be invited at once' using errcode = '22023';
  end if;
  -- Every attendee is checked before anything is written.
  foreach attendee in array coalesce(p_attendees, '{}') loop
    select r.user_id, r.email into invitee from public.video_call_invitee(attendee) r;
    invitees := invitees || jsonb_build_object('user_id', invitee.user_id, 'email', invitee.email);
  end loop;
  -- Serializes the find-or-create per event; the unique index on (event_id, host_id) is the backstop.
  perform pg_advisory_xact_lock(hashtextextended('video_call_event:' || p_event_id, 0));

  select * into session from public.find_event_video_call(p_event_id, p_attendees, false);
  if found then
    return session;
  end if;

  insert into public.video_call_sessions (title, host_id, event_id, scheduled_at, crm_entity_type, crm_entity_id)
  values (left(btrim(coalesce(p_title, '')), 200), caller, p_event_id, p_scheduled_at, p_crm_entity_type, p_crm_entity_id)
  returning * into session;

  for invitee in
    select (i ->> 'user_id')::uuid as user_id, i ->> 'email' as email from jsonb_array_elements(invitees) i
  loop
    continue when invitee.user_id = caller or lower(invitee.email) = caller_email;
    continue when exists (
      select 1 from public.video_call_participants p
      where p.session_id = session.id
        and (p.user_id = invitee.user_id or lower(p.email) = lower(invitee.email))
    );
    insert into public.video_call_participants (session_id, user_id, email)
    values (session.id, invitee.user_id, invitee.email);
  end loop;
  return session;
end
$$;
