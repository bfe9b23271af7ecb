-- Host controls (issue 16): a lobby, removal and ending a call for everyone, enforced by the
-- database so that no page can talk its way past them.
--  * `settings.lobby` (boolean): guests wait until the host admits them. A waiting guest sees the
--    session and their own participant row, nothing else: the call channel, the signals and the
--    roster stay closed until `admitted_at` is set. Without a lobby an invitee counts as admitted.
--  * `removed_at`: out for good. A removed user loses the channel, the signals and the roster
--    (they still see their own row, which is how their page learns of it) and cannot join,
--    answer or be invited again.
--  * `knocked_at`: a waiting guest said they are there (knock_video_call), for the host's list.
-- Every change that can take someone off a call's channel (removal, a withdrawn invitation, the
-- lobby turned on or off, the call ended or deleted) NOTIFYs `realtime_reauthorize` with the topic: the local stack's Realtime re-checks the joined private channels of that topic and closes
-- the refused ones. Hosted Realtime re-checks on a token refresh only; the NOTIFY costs nothing there.

alter table public.video_call_participants
  add column admitted_at timestamptz,
  add column removed_at timestamptz,
  add column knocked_at timestamptz;

-- Everyone already invited was in a call without a lobby: admitted.
update public.video_call_participants set admitted_at = coalesce(joined_at, created_at) where admitted_at is null;

-- ---- settings.lobby ------------------------------------------------------------------------

create function public.video_call_sessions_check_lobby_settings()
returns trigger
language plpgsql set search_path = ''
as $$
declare
  lobby jsonb := new.settings->'lobby';
begin
  if lobby is not null and lobby <> 'null'::jsonb and jsonb_typeof(lobby) <> 'boolean' then
    raise exception 'settings.lobby must be true or false, not %', left(lobby::text, 40)
      using errcode = '22023';
  end if;
  return new;
end
$$;
create trigger video_call_sessions_check_lobby_settings
  before insert or update of settings on public.video_call_sessions
  for each row execute function public.video_call_sessions_check_lobby_settings();

-- An invitation names its invitee only (20261126000100): admission, removal and knocks are the
-- server's.
create function public.video_call_participants_check_lobby_columns()
returns trigger
language plpgsql set search_path = ''
as $$
begin
  if current_user in ('anon', 'authenticated')
    and (new.admitted_at is not null or new.removed_at is not null or new.knocked_at is not null) then
    raise exception 'admitted_at, removed_at and knocked_at are set by the host''s calls, not by an invitation'
      using errcode = '42501';
  end if;
  return new;
end
$$;
create trigger video_call_participants_check_lobby_columns
  before insert on public.video_call_participants
  for each row execute function public.video_call_participants_check_lobby_columns();

-- ---- Standing ------------------------------------------------------------------------------

-- Where a user stands in a session: 'host', 'admitted', 'waiting' (a lobby, not admitted yet),
-- 'removed', or null (not invited, or no such session). Their row by user id, else an unclaimed
-- invitation to their confirmed address; a removed row wins over any other. Users may ask about
-- themselves, and members about anyone of their session (they see the rows anyway); other
-- questions are answered null. Without a user (the service role, SQL) every question is answered.
create function public.video_call_standing(p_session_id uuid, p_user_id uuid default auth.uid())
returns text
language plpgsql stable security definer set search_path = ''
as $$
declare
  caller uuid := auth.uid();
  session public.video_call_sessions;
  participant public.video_call_participants;
  user_email text;
begin
  if p_session_id is null or p_user_id is null then
    return null;
  end if;
  if caller is not null and caller <> p_user_id
    and coalesce(public.video_call_standing(p_session_id, caller), '') not in ('host', 'admitted') then
    return null;
  end if;
  select * into session from public.video_call_sessions s where s.id = p_session_id;
  if not found then
    return null;
  end if;
  if session.host_id = p_user_id then
    return 'host';
  end if;
  select lower(u.email) into user_email from auth.users u where u.id = p_user_id and u.email_confirmed_at is not null;
  select * into participant from public.video_call_participants p
  where p.session_id = p_session_id
    and (p.user_id = p_user_id or (p.user_id is null and lower(p.email) = user_email))
  order by p.removed_at is not null desc, p.user_id is not null desc
  limit 1;
  if not found then
    return null;
  end if;
  if participant.removed_at is not null then
    return 'removed';
  end if;
  if participant.admitted_at is not null or participant.role = 'host'
    or coalesce(session.settings->'lobby', 'false'::jsonb) <> 'true'::jsonb then
    return 'admitted';
  end if;
  return 'waiting';
end
$$;
revoke execute on function public.video_call_standing(uuid, uuid) from public, anon;
grant execute on function public.video_call_standing(uuid, uuid) to authenticated, service_role;

-- Members are the host and admitted guests: what the policies on the call tables, the signals and
-- realtime.messages ask.
create or replace function public.is_video_call_member(p_session_id uuid)
returns boolean
language sql stable security definer set search_path = ''
as $$
  select coalesce(public.video_call_standing(p_session_id, auth.uid()) in ('host', 'admitted'), false)
$$;

-- Invitees are members and waiting guests: they see the session (its title, its settings) and
-- find it from its event.
create function public.is_video_call_invitee(p_session_id uuid)
returns boolean
language sql stable security definer set search_path = ''
as $$
  select coalesce(public.video_call_standing(p_session_id, auth.uid()) in ('host', 'admitted', 'waiting'), false)
$$;
revoke execute on function public.is_video_call_invitee(uuid) from public, anon;
grant execute on function public.is_video_call_invitee(uuid) to authenticated;

drop policy "members read their sessions" on public.video_call_sessions;
create policy "invitees read their sessions" on public.video_call_sessions
  for select to authenticated
  using (host_id = auth.uid() or public.is_video_call_invitee(id));

-- A waiting or removed user sees their own row only (a removed one learns of it from there).
drop policy "members see who is invited" on public.video_call_participants;
create policy "members see who is invited" on public.video_call_participants
  for select to authenticated
  using (
    public.is_video_call_member(session_id)
    or user_id = auth.uid()
    or (user_id is null and lower(email) = public.video_call_caller_email())
  );

-- A removed user's row is the host's last word: they no longer answer or change it.
drop policy "invitees answer their own invitation" on public.video_call_participants;
create policy "invitees answer their own invitation" on public.video_call_participants
  for update to authenticated
  using (
    removed_at is null
    and (user_id = auth.uid() or (user_id is null and lower(email) = public.video_call_caller_email()))
  )
  with check (user_id = auth.uid() and removed_at is null);

-- ---- Telling Realtime ----------------------------------------------------------------------

-- Admission is not among them: nobody waiting holds a channel (the join is refused), and joining
-- stamps admitted_at, so a NOTIFY on it would re-check every channel of a call at every first join.

create function public.video_call_notify_reauthorize(p_session_id uuid)
returns void
language sql volatile set search_path = ''
as $$
  select pg_catalog.pg_notify('realtime_reauthorize', 'call:' || p_session_id::text)
$$;
revoke execute on function public.video_call_notify_reauthorize(uuid) from public, anon, authenticated;

create function public.video_call_participants_reauthorize()
returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op = 'DELETE' then
    perform public.video_call_notify_reauthorize(old.session_id);
  elsif new.removed_at is distinct from old.removed_at then
    perform public.video_call_notify_reauthorize(new.session_id);
  end if;
  return null;
end
$$;
create trigger video_call_participants_reauthorize
  after update of removed_at or delete on public.video_call_participants
  for each row execute function public.video_call_participants_reauthorize();

create function public.video_call_sessions_reauthorize()
returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op = 'DELETE' then
    perform public.video_call_notify_reauthorize(old.id);
  elsif (new.status = 'ended' and old.status <> 'ended')
    or new.settings->'lobby' is distinct from old.settings->'lobby' then
    perform public.video_call_notify_reauthorize(new.id);
  end if;
  return null;
end
$$;
create trigger video_call_sessions_reauthorize
  after update of status, settings or delete on public.video_call_sessions
  for each row execute function public.video_call_sessions_reauthorize();

-- ---- Joining, knocking, answering ----------------------------------------------------------

-- As before (20261126000100), and: a removed user is refused (42501); a waiting guest gets
-- PT423 (HTTP 423) `waiting_for_host` and nothing changes, so the page knocks and waits; joining
-- a call without a lobby admits, so turning the lobby on later keeps who is already in.
create or replace function public.join_video_call(p_session_id uuid, p_signal_key jsonb default null)
returns public.video_call_participants
language plpgsql security definer set search_path = ''
as $$
declare
  caller uuid := auth.uid();
  caller_email text := public.video_call_caller_email();
  session public.video_call_sessions;
  participant public.video_call_participants;
  standing text;
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
  standing := public.video_call_standing(p_session_id, caller);
  if standing = 'removed' then
    raise exception 'you were removed from video call %', p_session_id using errcode = '42501';
  end if;
  if standing = 'waiting' then
    raise exception 'waiting_for_host'
      using errcode = 'PT423', detail = 'the host of this video call has not admitted you yet: knock and wait';
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
      admitted_at = coalesce(p.admitted_at, now()),
      signal_key = coalesce(p_signal_key, p.signal_key)
  where p.id = participant.id
  returning * into participant;
  update public.video_call_sessions
  set status = 'active', last_activity_at = now()
  where id = p_session_id;
  return participant;
end
$$;

-- A waiting guest says they are there: knocked_at is stamped (again on every knock, so the host
-- sees a fresh one) and an invitation to their address is claimed, so the host sees who it is.
-- Someone already admitted gets their row unchanged (they may join). 42501 not invited or
-- removed, PT404 unknown, PT409 ended.
create function public.knock_video_call(p_session_id uuid)
returns public.video_call_participants
language plpgsql security definer set search_path = ''
as $$
declare
  caller uuid := auth.uid();
  caller_email text := public.video_call_caller_email();
  session public.video_call_sessions;
  participant public.video_call_participants;
  standing text;
begin
  if caller is null then
    raise exception 'sign in to knock' using errcode = '42501';
  end if;
  select * into session from public.video_call_sessions where id = p_session_id;
  if not found then
    raise exception 'video call % does not exist', p_session_id using errcode = 'PT404';
  end if;
  standing := public.video_call_standing(p_session_id, caller);
  if standing is null or standing = 'removed' then
    raise exception 'you are not a participant of video call %', p_session_id using errcode = '42501';
  end if;
  if session.status = 'ended' then
    raise exception 'video call % has ended', p_session_id using errcode = 'PT409';
  end if;
  select * into participant from public.video_call_participants p
  where p.session_id = p_session_id and p.user_id = caller;
  if not found then
    select * into participant from public.video_call_participants p
    where p.session_id = p_session_id and p.user_id is null and lower(p.email) = caller_email
    limit 1;
  end if;
  if standing = 'waiting' then
    update public.video_call_participants p
    set user_id = caller, knocked_at = now()
    where p.id = participant.id
    returning * into participant;
  end if;
  return participant;
end
$$;

-- As before (20261201000200), and a removed user no longer answers (42501).
create or replace function public.answer_video_call_invitation(p_session_id uuid, p_status text)
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
    raise exception 'sign in to answer an invitation' using errcode = '42501';
  end if;
  if p_status is null or p_status not in ('accepted', 'tentative', 'declined') then
    raise exception 'an answer is accepted, tentative or declined, not "%"', left(coalesce(p_status, 'null'), 40)
      using errcode = '22023';
  end if;
  select * into session from public.video_call_sessions where id = p_session_id;
  if not found then
    raise exception 'video call % does not exist', p_session_id using errcode = 'PT404';
  end if;
  if public.video_call_standing(p_session_id, caller) = 'removed' then
    raise exception 'you were removed from video call %', p_session_id using errcode = '42501';
  end if;
  select * into participant from public.video_call_participants p
  where p.session_id = p_session_id and p.user_id = caller;
  if not found then
    select * into participant from public.video_call_participants p
    where p.session_id = p_session_id and p.user_id is null and lower(p.email) = caller_email
    limit 1;
  end if;
  if participant.id is null then
    raise exception 'you are not invited to video call %', p_session_id using errcode = '42501';
  end if;
  if session.status = 'ended' then
    raise exception 'video call % has ended', p_session_id using errcode = 'PT409';
  end if;
  if participant.role = 'host' then
    raise exception 'the host of a video call does not answer its invitation' using errcode = '22023';
  end if;
  update public.video_call_participants p
  set user_id = caller, invite_status = p_status
  where p.id = participant.id
  returning * into participant;
  return participant;
end
$$;

-- ---- The host's calls ----------------------------------------------------------------------

-- The session for one of the host's calls, locked: PT404 unknown, 42501 for anyone but its host.
create function public.video_call_hosted_session(p_session_id uuid)
returns public.video_call_sessions
language plpgsql volatile security definer set search_path = ''
as $$
declare
  session public.video_call_sessions;
begin
  if auth.uid() is null then
    raise exception 'sign in to manage a video call' using errcode = '42501';
  end if;
  select * into session from public.video_call_sessions s where s.id = p_session_id for update;
  if not found then
    raise exception 'video call % does not exist', p_session_id using errcode = 'PT404';
  end if;
  if session.host_id <> auth.uid() then
    raise exception 'only the host of the call can do this' using errcode = '42501';
  end if;
  return session;
end
$$;
revoke execute on function public.video_call_hosted_session(uuid) from public, anon, authenticated;

-- A guest of the host's session by user id, locked: 22023 no user given or the host, PT404 not a
-- participant.
create function public.video_call_hosted_guest(p_session public.video_call_sessions, p_user_id uuid)
returns public.video_call_participants
language plpgsql volatile security definer set search_path = ''
as $$
declare
  participant public.video_call_participants;
begin
  if p_user_id is null then
    raise exception 'name the participant by their user id' using errcode = '22023';
  end if;
  if p_user_id = p_session.host_id then
    raise exception 'the host of a video call is always in it' using errcode = '22023';
  end if;
  select * into participant from public.video_call_participants p
  where p.session_id = p_session.id and p.user_id = p_user_id
  for update;
  if not found then
    raise exception 'user % is not a participant of video call %', p_user_id, p_session.id using errcode = 'PT404';
  end if;
  return participant;
end
$$;
revoke execute on function public.video_call_hosted_guest(public.video_call_sessions, uuid) from public, anon, authenticated;

-- Lets a waiting guest in (admitting someone already admitted changes nothing). PT409 when the
-- call has ended or the guest was removed: removal is final.
create function public.admit_video_call_participant(p_session_id uuid, p_user_id uuid)
returns public.video_call_participants
language plpgsql security definer set search_path = ''
as $$
declare
  session public.video_call_sessions := public.video_call_hosted_session(p_session_id);
  participant public.video_call_participants := public.video_call_hosted_guest(session, p_user_id);
begin
  if session.status = 'ended' then
    raise exception 'video call % has ended', p_session_id using errcode = 'PT409';
  end if;
  if participant.removed_at is not null then
    raise exception 'user % was removed from this call and cannot be admitted', p_user_id using errcode = 'PT409';
  end if;
  if participant.admitted_at is null then
    update public.video_call_participants p set admitted_at = now()
    where p.id = participant.id
    returning * into participant;
  end if;
  return participant;
end
$$;

-- Removes a participant for good, or declines a waiting one: removed_at, the invitation declined
-- (no more reminders or pushes), out of the call, their signing key cleared. Their channel closes
-- (local stack) and every policy refuses them from now on. Removing twice changes nothing;
-- allowed after the call ended too (a removed user loses what members keep).
create function public.remove_video_call_participant(p_session_id uuid, p_user_id uuid)
returns public.video_call_participants
language plpgsql security definer set search_path = ''
as $$
declare
  session public.video_call_sessions := public.video_call_hosted_session(p_session_id);
  participant public.video_call_participants := public.video_call_hosted_guest(session, p_user_id);
begin
  if participant.removed_at is null then
    update public.video_call_participants p
    set removed_at = now(),
        invite_status = 'declined',
        signal_key = null,
        presence_status = case when p.presence_status in ('joining', 'connected') then 'left' else p.presence_status end,
        left_at = case when p.presence_status in ('joining', 'connected') then now() else p.left_at end
    where p.id = participant.id
    returning * into participant;
    update public.video_call_sessions set last_activity_at = now() where id = p_session_id;
  end if;
  return participant;
end
$$;

-- Ends the call for everyone: the session ended (as the host's own update or the cleanup ends
-- it: the trigger stamps ended_at, the mail trigger queues nothing for an unscheduled call), and
-- everyone in it has left. Ending an ended call changes nothing.
create function public.end_video_call(p_session_id uuid)
returns public.video_call_sessions
language plpgsql security definer set search_path = ''
as $$
declare
  session public.video_call_sessions := public.video_call_hosted_session(p_session_id);
begin
  if session.status <> 'ended' then
    update public.video_call_participants p
    set presence_status = 'left', left_at = now()
    where p.session_id = p_session_id and p.presence_status in ('joining', 'connected');
    update public.video_call_sessions s
    set status = 'ended', last_activity_at = now()
    where s.id = p_session_id
    returning * into session;
  end if;
  return session;
end
$$;

revoke execute on function public.knock_video_call(uuid), public.admit_video_call_participant(uuid, uuid),
  public.remove_video_call_participant(uuid, uuid), public.end_video_call(uuid) from public, anon;
grant execute on function public.knock_video_call(uuid), public.admit_video_call_participant(uuid, uuid),
  public.remove_video_call_participant(uuid, uuid), public.end_video_call(uuid) to authenticated;

-- ---- Calls of calendar events --------------------------------------------------------------

-- As before (20261126000100), with invitees (waiting guests too) finding their call: a waiting
-- guest who pressed the event's button must reach the lobby of the host's call, not get a call of
-- their own. A removed user no longer finds it.
create or replace function public.find_event_video_call(
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
          public.is_video_call_invitee(s.id)
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
