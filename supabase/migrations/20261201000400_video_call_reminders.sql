-- Reminders before a scheduled call (issue 14): `settings.reminder_minutes` says how many minutes
-- before `scheduled_at` each reminder goes out (default [10], [] = none); the video-call-reminders
-- function runs every minute and sends a push and an e-mail to every participant who has not
-- declined, the host too. Exactly once per participant and offset: a run claims each reminder
-- here (insert … on conflict do nothing) before it sends anything, so overlapping runs, retries
-- and restarts never send twice. A crash between claim and send loses that one reminder rather
-- than sending it twice.

-- ---- reminder_minutes, checked where every writer passes ---------------------------------------

-- The offsets a session's settings ask for, as the reminders run reads them: absent or JSON null
-- is the default [10]; duplicates count once. Entries the check below would refuse (rows written
-- before it) are left out rather than failing the whole run.
create function public.video_call_reminder_offsets(p_settings jsonb)
returns setof integer
language sql immutable set search_path = ''
as $$
  select distinct (value::text)::numeric::integer
    from jsonb_array_elements(
      case when p_settings->'reminder_minutes' is null or p_settings->'reminder_minutes' = 'null'::jsonb then '[10]'::jsonb
           when jsonb_typeof(p_settings->'reminder_minutes') = 'array' then p_settings->'reminder_minutes'
           else '[]'::jsonb end)
   where jsonb_typeof(value) = 'number'
     and (value::text)::numeric between 0 and 10080
     and (value::text)::numeric = trunc((value::text)::numeric)
$$;

-- A week ahead at most (10080 minutes), ten offsets at most: what a calendar offers, and what
-- keeps the run's due query a bounded range scan. Refused with 22023 (REST 400), for the service
-- role too, so the reminders run never meets a value it cannot read.
create function public.video_call_sessions_check_reminder_minutes()
returns trigger
language plpgsql set search_path = ''
as $$
declare
  minutes jsonb := new.settings->'reminder_minutes';
  entry jsonb;
begin
  if minutes is null or minutes = 'null'::jsonb then
    return new;
  end if;
  if jsonb_typeof(minutes) <> 'array' then
    raise exception 'settings.reminder_minutes must be an array of whole minutes before the call, such as [60, 10] ([] for no reminders)'
      using errcode = '22023';
  end if;
  if jsonb_array_length(minutes) > 10 then
    raise exception 'settings.reminder_minutes has at most 10 entries (it has %)', jsonb_array_length(minutes)
      using errcode = '22023';
  end if;
  for entry in select value from jsonb_array_elements(minutes) loop
    if jsonb_typeof(entry) <> 'number' or (entry::text)::numeric <> trunc((entry::text)::numeric)
       or (entry::text)::numeric < 0 or (entry::text)::numeric > 10080 then
      raise exception 'settings.reminder_minutes entries are whole minutes from 0 to 10080 (a week); % is not one', left(entry::text, 40)
        using errcode = '22023';
    end if;
  end loop;
  return new;
end
$$;
create trigger video_call_sessions_check_reminder_minutes
  before insert or update of settings on public.video_call_sessions
  for each row execute function public.video_call_sessions_check_reminder_minutes();

-- ---- The once-only bookkeeping --------------------------------------------------------------

-- One row per reminder taken on: participant, offset, and the meeting time it was for. Keyed on
-- the time too, so a call moved to another time gets its reminders again for the new time, with
-- no trigger racing a run that is sending; moving it back to a time already reminded about sends
-- nothing again. Rows for meetings over a day past are purged by the run.
create table public.video_call_reminder_claims (
  session_id uuid not null references public.video_call_sessions (id) on delete cascade,
  participant_id uuid not null references public.video_call_participants (id) on delete cascade,
  offset_minutes integer not null check (offset_minutes between 0 and 10080),
  scheduled_at timestamptz not null,
  claimed_at timestamptz not null default now(),
  primary key (session_id, participant_id, offset_minutes, scheduled_at)
);
create index video_call_reminder_claims_participant_id_idx on public.video_call_reminder_claims (participant_id);
create index video_call_reminder_claims_scheduled_at_idx on public.video_call_reminder_claims (scheduled_at);

-- The service role's alone: RLS on and no policy, and no privilege for the users' roles.
alter table public.video_call_reminder_claims enable row level security;
revoke all on public.video_call_reminder_claims from anon, authenticated;

-- The due query's range: open sessions by start time.
create index video_call_sessions_open_scheduled_at_idx
  on public.video_call_sessions (scheduled_at)
  where status <> 'ended' and scheduled_at is not null;

-- Claims the reminders that are due, for at most p_max_participants people, and returns them one
-- row per participant with the offsets claimed. Due: the session is not ended and starts in the
-- future, the offset's moment (scheduled_at - offset) has come, the participant has not declined,
-- and no claim exists for that participant, offset and time. A moment passed long ago still
-- counts while the meeting is ahead (a call set up 3 minutes before with [10] gets one reminder
-- now); several offsets due at once come back together, so the run sends one reminder for them.
-- Concurrent runs: the insert's unique key makes a second run skip whatever the first took.
create function public.claim_video_call_reminders(p_max_participants integer default 200)
returns table (
  session_id uuid,
  participant_id uuid,
  user_id uuid,
  email text,
  present boolean,
  offset_minutes integer[],
  scheduled_at timestamptz
)
language plpgsql security definer set search_path = ''
as $$
#variable_conflict use_column
begin
  if p_max_participants is null or p_max_participants < 1 or p_max_participants > 5000 then
    raise exception 'p_max_participants must be from 1 to 5000' using errcode = '22023';
  end if;
  delete from public.video_call_reminder_claims c where c.scheduled_at < now() - interval '1 day';
  return query
  with due as (
    select s.id as session_id, p.id as participant_id, o.offset_minutes, s.scheduled_at
      from public.video_call_sessions s
      cross join lateral public.video_call_reminder_offsets(s.settings) as o(offset_minutes)
      join public.video_call_participants p on p.session_id = s.id
     where s.status <> 'ended'
       and s.scheduled_at > now()
       and s.scheduled_at <= now() + interval '10080 minutes'
       and s.scheduled_at - make_interval(mins => o.offset_minutes) <= now()
       and p.invite_status <> 'declined'
       and not exists (
         select 1 from public.video_call_reminder_claims c
          where c.session_id = s.id and c.participant_id = p.id
            and c.offset_minutes = o.offset_minutes and c.scheduled_at = s.scheduled_at)
  ),
  chosen as (
    -- The soonest meetings first; whole people, so one person's offsets are never split by the limit.
    select d.participant_id from due d
     group by d.participant_id
     order by min(d.scheduled_at), d.participant_id
     limit p_max_participants
  ),
  claimed as (
    insert into public.video_call_reminder_claims as c (session_id, participant_id, offset_minutes, scheduled_at)
    select d.session_id, d.participant_id, d.offset_minutes, d.scheduled_at
      from due d join chosen using (participant_id)
    on conflict do nothing
    returning c.session_id, c.participant_id, c.offset_minutes, c.scheduled_at
  )
  select k.session_id, k.participant_id, p.user_id, p.email,
         p.presence_status in ('joining', 'connected'),
         array_agg(k.offset_minutes order by k.offset_minutes desc),
         k.scheduled_at
    from claimed k join public.video_call_participants p on p.id = k.participant_id
   group by k.session_id, k.participant_id, p.user_id, p.email, p.presence_status, k.scheduled_at
   -- Soonest meetings first: a run out of time gives back the later ones.
   order by k.scheduled_at, k.session_id, k.participant_id;
end
$$;
revoke execute on function public.claim_video_call_reminders(integer) from public, anon, authenticated;
grant execute on function public.claim_video_call_reminders(integer) to service_role;

-- Gives back claims a run took but never started sending (it ran out of time), so the next run
-- takes them: (participant, offset) pairs for one session and meeting time. Returns how many.
create function public.release_video_call_reminders(
  p_session_id uuid,
  p_scheduled_at timestamptz,
  p_participant_ids uuid[],
  p_offsets integer[]
)
returns integer
language sql security definer set search_path = ''
as $$
  with released as (
    delete from public.video_call_reminder_claims c
     using unnest(p_participant_ids, p_offsets) as r(participant_id, offset_minutes)
     where c.session_id = p_session_id and c.scheduled_at = p_scheduled_at
       and c.participant_id = r.participant_id and c.offset_minutes = r.offset_minutes
    returning 1
  )
  select count(*)::integer from released
$$;
revoke execute on function public.release_video_call_reminders(uuid, timestamptz, uuid[], integer[]) from public, anon, authenticated;
grant execute on function public.release_video_call_reminders(uuid, timestamptz, uuid[], integer[]) to service_role;
