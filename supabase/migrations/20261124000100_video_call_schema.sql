-- Video calls: sessions, their participants and the durable signaling log, all behind RLS.
-- Applies unchanged to hosted Supabase, the embedded local stack (PGlite) and a plain Postgres 15.

create table public.video_call_sessions (
  id uuid primary key default gen_random_uuid(),
  title text not null default '' check (char_length(title) <= 200),
  host_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  event_id text check (char_length(event_id) <= 200),
  crm_entity_type text check (char_length(crm_entity_type) <= 100),
  crm_entity_id text check (char_length(crm_entity_id) <= 200),
  status text not null default 'scheduled' check (status in ('scheduled', 'active', 'ended')),
  scheduled_at timestamptz,
  started_at timestamptz,
  ended_at timestamptz,
  last_activity_at timestamptz not null default now(),
  created_at timestamptz not null default now(),
  settings jsonb not null default '{}'::jsonb check (jsonb_typeof(settings) = 'object')
);
create index video_call_sessions_event_id_idx on public.video_call_sessions (event_id);
create index video_call_sessions_host_id_idx on public.video_call_sessions (host_id);
create index video_call_sessions_status_activity_idx on public.video_call_sessions (status, last_activity_at);

create table public.video_call_participants (
  id uuid primary key default gen_random_uuid(),
  session_id uuid not null references public.video_call_sessions (id) on delete cascade,
  user_id uuid references auth.users (id) on delete cascade,
  email text check (email is null or (char_length(email) <= 320 and email like '%_@_%')),
  display_name text check (char_length(display_name) <= 200),
  avatar_url text check (char_length(avatar_url) <= 2000),
  role text not null default 'guest' check (role in ('host', 'guest')),
  invite_status text not null default 'invited'
    check (invite_status in ('invited', 'accepted', 'declined', 'tentative')),
  presence_status text not null default 'offline'
    check (presence_status in ('offline', 'joining', 'connected', 'left')),
  mic_on boolean not null default false,
  cam_on boolean not null default false,
  joined_at timestamptz,
  left_at timestamptz,
  last_seen_at timestamptz,
  created_at timestamptz not null default now(),
  -- An invitation names a user, an e-mail address (someone without an account yet), or both.
  constraint video_call_participants_invitee check (user_id is not null or email is not null)
);
create unique index video_call_participants_session_user_key
  on public.video_call_participants (session_id, user_id) where user_id is not null;
create unique index video_call_participants_session_email_key
  on public.video_call_participants (session_id, lower(email)) where email is not null;
create index video_call_participants_user_id_idx on public.video_call_participants (user_id);

create table public.video_call_signals (
  id bigint generated always as identity primary key,
  session_id uuid not null references public.video_call_sessions (id) on delete cascade,
  from_user uuid not null default auth.uid() references auth.users (id) on delete cascade,
  -- null: addressed to everyone in the session
  to_user uuid references auth.users (id) on delete cascade,
  kind text not null check (kind in ('offer', 'answer', 'ice', 'bye', 'restart')),
  payload jsonb not null default '{}'::jsonb check (octet_length(payload::text) <= 65536),
  created_at timestamptz not null default now()
);
create index video_call_signals_session_created_idx on public.video_call_signals (session_id, created_at);
create index video_call_signals_to_user_idx on public.video_call_signals (to_user);

-- Membership is checked in a security-definer function: a policy on participants that read
-- participants directly would recurse.
create function public.is_video_call_member(p_session_id uuid)
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
          or (p.user_id is null and lower(p.email) = lower(auth.jwt() ->> 'email'))
        )
    )
$$;

create function public.is_video_call_host(p_session_id uuid)
returns boolean
language sql stable security definer set search_path = ''
as $$
  select exists (
    select 1 from public.video_call_sessions s where s.id = p_session_id and s.host_id = auth.uid()
  )
$$;

-- The display name and avatar people chose in their profile (auth user metadata), which invitees
-- cannot read from auth.users themselves.
create function public.video_call_user_profile(p_user_id uuid, out display_name text, out avatar_url text)
language sql stable security definer set search_path = ''
as $$
  select
    coalesce(
      nullif(u.raw_user_meta_data ->> 'display_name', ''),
      nullif(u.raw_user_meta_data ->> 'full_name', ''),
      nullif(u.raw_user_meta_data ->> 'name', ''),
      split_part(u.email, '@', 1)
    ),
    nullif(u.raw_user_meta_data ->> 'avatar_url', '')
  from auth.users u
  where u.id = p_user_id
$$;
revoke execute on function public.video_call_user_profile(uuid) from public, anon, authenticated;

-- Keeps timestamps honest whatever the client sends: ending a call stamps ended_at, reopening is
-- refused.
create function public.video_call_sessions_before_write()
returns trigger
language plpgsql set search_path = ''
as $$
begin
  if tg_op = 'UPDATE' and old.status = 'ended' and new.status <> 'ended' then
    raise exception 'an ended video call cannot be reopened' using errcode = 'PT409';
  end if;
  if new.status = 'active' and new.started_at is null then
    new.started_at := now();
  end if;
  if new.status = 'ended' and new.ended_at is null then
    new.ended_at := now();
  end if;
  return new;
end
$$;
create trigger video_call_sessions_before_write
  before insert or update on public.video_call_sessions
  for each row execute function public.video_call_sessions_before_write();

-- The host is a participant of their own session from the start.
create function public.video_call_sessions_add_host()
returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  profile record;
begin
  select * into profile from public.video_call_user_profile(new.host_id);
  insert into public.video_call_participants
    (session_id, user_id, email, display_name, avatar_url, role, invite_status)
  select new.id, new.host_id, u.email, profile.display_name, profile.avatar_url, 'host', 'accepted'
  from auth.users u where u.id = new.host_id;
  return null;
end
$$;
create trigger video_call_sessions_add_host
  after insert on public.video_call_sessions
  for each row execute function public.video_call_sessions_add_host();

-- An invitation by user id gets that user's name and avatar unless the host gave others.
create function public.video_call_participants_fill_profile()
returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  profile record;
begin
  if new.user_id is not null and (new.display_name is null or new.avatar_url is null) then
    select * into profile from public.video_call_user_profile(new.user_id);
    new.display_name := coalesce(new.display_name, profile.display_name);
    new.avatar_url := coalesce(new.avatar_url, profile.avatar_url);
  end if;
  if new.display_name is null and new.email is not null then
    new.display_name := split_part(new.email, '@', 1);
  end if;
  return new;
end
$$;
create trigger video_call_participants_fill_profile
  before insert on public.video_call_participants
  for each row execute function public.video_call_participants_fill_profile();

alter table public.video_call_sessions enable row level security;
alter table public.video_call_participants enable row level security;
alter table public.video_call_signals enable row level security;

-- Nothing here is for signed-out visitors; RLS then decides row by row for signed-in users.
revoke all on public.video_call_sessions, public.video_call_participants, public.video_call_signals from anon;
-- Column-level grants: a host edits what the call is about, never who hosts it or its timestamps;
-- an invitee edits their own answer and display, never their role or session.
revoke update on public.video_call_sessions from authenticated;
grant update (title, event_id, crm_entity_type, crm_entity_id, status, scheduled_at, settings)
  on public.video_call_sessions to authenticated;
revoke update on public.video_call_participants from authenticated;
grant update (user_id, invite_status, display_name, avatar_url, mic_on, cam_on, last_seen_at)
  on public.video_call_participants to authenticated;
revoke update, delete on public.video_call_signals from authenticated;

create policy "members read their sessions" on public.video_call_sessions
  for select to authenticated
  using (host_id = auth.uid() or public.is_video_call_member(id));
create policy "users create sessions they host" on public.video_call_sessions
  for insert to authenticated
  with check (host_id = auth.uid());
create policy "hosts edit their sessions" on public.video_call_sessions
  for update to authenticated
  using (host_id = auth.uid())
  with check (host_id = auth.uid());
create policy "hosts delete their sessions" on public.video_call_sessions
  for delete to authenticated
  using (host_id = auth.uid());

create policy "members see who is invited" on public.video_call_participants
  for select to authenticated
  using (public.is_video_call_member(session_id));
create policy "hosts invite guests" on public.video_call_participants
  for insert to authenticated
  with check (role = 'guest' and public.is_video_call_host(session_id));
create policy "invitees answer their own invitation" on public.video_call_participants
  for update to authenticated
  using (
    user_id = auth.uid()
    or (user_id is null and lower(email) = lower(auth.jwt() ->> 'email'))
  )
  -- Claiming an e-mail invitation may only set user_id to oneself.
  with check (user_id = auth.uid());
create policy "hosts withdraw invitations" on public.video_call_participants
  for delete to authenticated
  using (role = 'guest' and public.is_video_call_host(session_id));

create policy "members send signals as themselves" on public.video_call_signals
  for insert to authenticated
  with check (
    from_user = auth.uid()
    and public.is_video_call_member(session_id)
    and exists (
      select 1 from public.video_call_sessions s where s.id = session_id and s.status <> 'ended'
    )
    and (
      to_user is null
      or exists (
        select 1 from public.video_call_participants p
        where p.session_id = video_call_signals.session_id and p.user_id = to_user
      )
    )
  );
create policy "members read signals addressed to them" on public.video_call_signals
  for select to authenticated
  using (
    (to_user is null or to_user = auth.uid())
    and public.is_video_call_member(session_id)
  );

-- Joining and leaving go through these functions so presence and session state change together.
create function public.join_video_call(p_session_id uuid)
returns public.video_call_participants
language plpgsql security definer set search_path = ''
as $$
declare
  caller uuid := auth.uid();
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
    where p.session_id = p_session_id and p.user_id is null
      and lower(p.email) = lower(auth.jwt() ->> 'email')
    limit 1;
  end if;
  if participant.id is null then
    raise exception 'you are not a participant of video call %', p_session_id using errcode = '42501';
  end if;
  update public.video_call_participants p
  set user_id = caller,
      presence_status = 'connected',
      invite_status = 'accepted',
      joined_at = now(),
      left_at = null,
      last_seen_at = now()
  where p.id = participant.id
  returning * into participant;
  update public.video_call_sessions
  set status = 'active', last_activity_at = now()
  where id = p_session_id;
  return participant;
end
$$;

create function public.leave_video_call(p_session_id uuid)
returns public.video_call_participants
language plpgsql security definer set search_path = ''
as $$
declare
  participant public.video_call_participants;
begin
  if auth.uid() is null then
    raise exception 'sign in to leave a video call' using errcode = '42501';
  end if;
  if not exists (select 1 from public.video_call_sessions where id = p_session_id) then
    raise exception 'video call % does not exist', p_session_id using errcode = 'PT404';
  end if;
  update public.video_call_participants p
  set presence_status = 'left', left_at = now(), last_seen_at = now()
  where p.session_id = p_session_id and p.user_id = auth.uid()
  returning * into participant;
  if not found then
    raise exception 'you are not a participant of video call %', p_session_id using errcode = '42501';
  end if;
  update public.video_call_sessions set last_activity_at = now() where id = p_session_id;
  return participant;
end
$$;

-- Called by clients while in a call so the cleanup can tell the living from the abandoned.
create function public.touch_video_call(p_session_id uuid)
returns timestamptz
language plpgsql security definer set search_path = ''
as $$
begin
  update public.video_call_participants p
  set last_seen_at = now()
  where p.session_id = p_session_id and p.user_id = auth.uid() and p.presence_status = 'connected';
  if not found then
    raise exception 'you are not in video call %', p_session_id using errcode = '42501';
  end if;
  update public.video_call_sessions set last_activity_at = now() where id = p_session_id;
  return now();
end
$$;

revoke execute on function public.join_video_call(uuid), public.leave_video_call(uuid),
  public.touch_video_call(uuid) from public, anon;
grant execute on function public.join_video_call(uuid), public.leave_video_call(uuid),
  public.touch_video_call(uuid) to authenticated;

-- The cleanup: participants not seen for `p_stale_after` have left; active sessions where nobody
-- has been seen for `p_abandon_after` end; signals older than `p_signal_ttl` (and all signals of
-- ended sessions) go. Idempotent: running it twice changes nothing the second time.
create function public.cleanup_video_calls(
  p_stale_after interval default interval '2 minutes',
  p_abandon_after interval default interval '10 minutes',
  p_signal_ttl interval default interval '1 hour'
)
returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  participants_left integer;
  sessions_ended integer;
  signals_purged integer;
begin
  update public.video_call_participants
  set presence_status = 'left', left_at = now()
  where presence_status in ('joining', 'connected')
    and coalesce(last_seen_at, joined_at, created_at) < now() - p_stale_after;
  get diagnostics participants_left = row_count;

  update public.video_call_sessions s
  set status = 'ended'
  where s.status = 'active'
    and s.last_activity_at < now() - p_abandon_after
    and not exists (
      select 1 from public.video_call_participants p
      where p.session_id = s.id
        and p.presence_status in ('joining', 'connected')
        and p.last_seen_at >= now() - p_abandon_after
    );
  get diagnostics sessions_ended = row_count;

  delete from public.video_call_signals g
  where g.created_at < now() - p_signal_ttl
     or exists (select 1 from public.video_call_sessions s where s.id = g.session_id and s.status = 'ended');
  get diagnostics signals_purged = row_count;

  return jsonb_build_object(
    'participants_left', participants_left,
    'sessions_ended', sessions_ended,
    'signals_purged', signals_purged
  );
end
$$;
revoke execute on function public.cleanup_video_calls(interval, interval, interval) from public, anon, authenticated;
grant execute on function public.cleanup_video_calls(interval, interval, interval) to service_role;
