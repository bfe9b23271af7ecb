-- CRM audit (issue 17): the calls linked to a CRM entity (a deal, a task, …). Sessions already
-- carry that link (crm_entity_type, crm_entity_id, set on insert or by event_video_call); this
-- adds the index to find them, the stretches each participant was in, and the one read the
-- audit needs.
create index video_call_sessions_crm_entity_idx
  on public.video_call_sessions (crm_entity_type, crm_entity_id)
  where crm_entity_id is not null;

-- A participant row keeps one joined_at/left_at, overwritten by a rejoin; the time someone was
-- in a call is the sum of their stretches, kept here by trigger. Nobody reads or writes this but
-- the security-definer functions (and the service role).
create table public.video_call_attendance (
  id bigint generated always as identity primary key,
  participant_id uuid not null references public.video_call_participants (id) on delete cascade,
  joined_at timestamptz not null,
  left_at timestamptz,
  check (left_at is null or left_at >= joined_at)
);
create index video_call_attendance_participant_idx on public.video_call_attendance (participant_id, joined_at);
alter table public.video_call_attendance enable row level security;
revoke all on public.video_call_attendance from public, anon, authenticated;
grant all on public.video_call_attendance to service_role;

-- The calls joined before this migration: their last stretch is all that is known.
insert into public.video_call_attendance (participant_id, joined_at, left_at)
select p.id, p.joined_at, case when p.left_at >= p.joined_at then p.left_at end
from public.video_call_participants p
where p.joined_at is not null;

-- A new joined_at opens a stretch (closing one still open, as a reload rejoins without leaving,
-- at the participant's last heartbeat); a new left_at closes the open one.
create function public.video_call_participants_track_attendance()
returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if new.joined_at is not null and new.joined_at is distinct from old.joined_at then
    update public.video_call_attendance a
    set left_at = least(new.joined_at, greatest(a.joined_at, coalesce(old.last_seen_at, new.joined_at)))
    where a.participant_id = new.id and a.left_at is null and a.joined_at <= new.joined_at;
    insert into public.video_call_attendance (participant_id, joined_at) values (new.id, new.joined_at);
  end if;
  if new.left_at is not null and new.left_at is distinct from old.left_at then
    update public.video_call_attendance a
    set left_at = new.left_at
    where a.participant_id = new.id and a.left_at is null and a.joined_at <= new.left_at;
  end if;
  return null;
end
$$;
revoke execute on function public.video_call_participants_track_attendance() from public, anon, authenticated;
create trigger video_call_participants_track_attendance
  after update of joined_at, left_at on public.video_call_participants
  for each row execute function public.video_call_participants_track_attendance();

-- The entity's calls the caller is a member of (host or admitted guest; a removed guest no
-- longer is), newest first, at most 500. Anyone else gets no rows, not an error: the entity may
-- well have calls, just none of theirs. Signed out: 42501.
-- attended_s: the sum of their stretches in the call, a stretch still open counting until the
-- call's end (or now); null for someone who never joined.
create function public.video_call_history(p_entity_type text, p_entity_id text)
returns table (
  session_id uuid,
  title text,
  started_at timestamptz,
  ended_at timestamptz,
  duration_s integer,
  host_name text,
  participants jsonb,
  message_count integer
)
language plpgsql stable security definer set search_path = ''
as $$
begin
  if auth.uid() is null then
    raise exception 'sign in to read call history' using errcode = '42501';
  end if;
  if p_entity_type is null or btrim(p_entity_type) = '' or char_length(p_entity_type) > 100 then
    raise exception 'p_entity_type must be 1 to 100 characters' using errcode = '22023';
  end if;
  if p_entity_id is null or btrim(p_entity_id) = '' or char_length(p_entity_id) > 200 then
    raise exception 'p_entity_id must be 1 to 200 characters' using errcode = '22023';
  end if;
  return query
  select
    s.id,
    s.title,
    s.started_at,
    s.ended_at,
    case when s.started_at is not null and s.ended_at is not null
      then greatest(0, extract(epoch from s.ended_at - s.started_at))::integer end,
    coalesce(
      (select p.display_name from public.video_call_participants p
       where p.session_id = s.id and p.user_id = s.host_id limit 1),
      (select prof.display_name from public.video_call_user_profile(s.host_id) prof)
    ),
    coalesce((
      select jsonb_agg(jsonb_build_object(
          'user_id', p.user_id,
          'display_name', p.display_name,
          'invite_status', p.invite_status,
          'joined_at', p.joined_at,
          'left_at', p.left_at,
          'attended_s', (
            select round(sum(greatest(0, extract(epoch from
              least(coalesce(a.left_at, s.ended_at, now()), coalesce(s.ended_at, 'infinity'::timestamptz)) - a.joined_at))))::integer
            from public.video_call_attendance a where a.participant_id = p.id
          )
        ) order by p.role = 'host' desc, p.created_at, p.id)
      from public.video_call_participants p
      where p.session_id = s.id
    ), '[]'::jsonb),
    (select count(*)::integer from public.video_call_messages msg where msg.session_id = s.id)
  from public.video_call_sessions s
  where s.crm_entity_type = p_entity_type
    and s.crm_entity_id = p_entity_id
    and public.is_video_call_member(s.id)
  order by coalesce(s.started_at, s.scheduled_at, s.created_at) desc, s.id
  limit 500;
end
$$;
revoke execute on function public.video_call_history(text, text) from public, anon;
grant execute on function public.video_call_history(text, text) to authenticated;
