-- Call e-mail (issue 14): what the video-call-email function and the reminders run need from the
-- database. Everything here is the service role's alone: it holds addresses and languages that
-- members of a call may not read (an invitation by user id never shows that user's address).
--
-- - video_call_calendar_sequences: the iCalendar SEQUENCE of each session's event. Calendars
--   follow the message with the highest SEQUENCE for a UID, so it grows when the time changes
--   and when the call is cancelled.
-- - video_call_mail_snapshot(session): the session, its sequence and its participants with their
--   resolved addresses and languages, in one read, as the mail code renders them.
-- - video_call_mail_outbox: mail the database itself decides on, filled by triggers on sessions:
--   a new time for a scheduled call (an updated invitation), a scheduled call ended or deleted
--   (a cancellation). A deleted session's participants are gone by the time anything drains the
--   outbox, so each row carries the snapshot taken when it was queued.
--   claim_video_call_mail / finish_video_call_mail hand rows out once each.

create table public.video_call_calendar_sequences (
  session_id uuid primary key references public.video_call_sessions (id) on delete cascade,
  sequence integer not null default 0 check (sequence >= 0),
  updated_at timestamptz not null default now()
);

create table public.video_call_mail_outbox (
  id bigint generated always as identity primary key,
  -- No foreign key: a cancellation outlives its deleted session.
  session_id uuid not null,
  -- 'update': the invitation again with the new time (METHOD:REQUEST); 'cancel': METHOD:CANCEL.
  kind text not null check (kind in ('update', 'cancel')),
  snapshot jsonb not null check (jsonb_typeof(snapshot) = 'object'),
  state text not null default 'queued' check (state in ('queued', 'sending', 'sent', 'superseded', 'expired')),
  attempts integer not null default 0 check (attempts >= 0),
  created_at timestamptz not null default now(),
  claimed_at timestamptz,
  finished_at timestamptz,
  sent integer,
  failed integer
);
create index video_call_mail_outbox_pending_idx on public.video_call_mail_outbox (id) where state in ('queued', 'sending');
create index video_call_mail_outbox_session_idx on public.video_call_mail_outbox (session_id, id);

alter table public.video_call_calendar_sequences enable row level security;
alter table public.video_call_mail_outbox enable row level security;
-- No policies and no grants: only the service role (which bypasses RLS) and the functions below.
revoke all on public.video_call_calendar_sequences, public.video_call_mail_outbox from public, anon, authenticated;
grant all on public.video_call_calendar_sequences, public.video_call_mail_outbox to service_role;

-- The language a person's mail is written in, as far as anything says: their profile's `lang` or
-- `locale` (OAuth providers fill `locale`), else the language of the browser they last subscribed
-- to pushes from. Null when nothing is known; the mail code picks ru or en from it.
create function public.video_call_mail_language(p_user_id uuid)
returns text
language sql stable security definer set search_path = ''
as $$
  select coalesce(
    (select left(nullif(btrim(coalesce(nullif(btrim(u.raw_user_meta_data ->> 'lang'), ''), u.raw_user_meta_data ->> 'locale')), ''), 35)
       from auth.users u where u.id = p_user_id),
    (select s.lang from public.video_call_push_subscriptions s
       where s.user_id = p_user_id and s.lang is not null
       order by s.created_at desc limit 1)
  )
$$;

-- Everything a call e-mail says, read at once. `email` is where that participant's mail goes:
-- the address the host invited, else the account's address (invitations by user id keep none);
-- null for accounts without one (anonymous sign-ins). `invited_email` is the invitation's own
-- address only: a request naming `emails` is matched against it, so a host cannot test whether
-- an address belongs to someone they invited by user id.
create function public.video_call_mail_snapshot(p_session_id uuid)
returns jsonb
language sql stable security definer set search_path = ''
as $$
  select jsonb_build_object(
    'session', jsonb_build_object(
      'id', s.id,
      'title', s.title,
      'event_id', s.event_id,
      'status', s.status,
      'scheduled_at', s.scheduled_at,
      'host_id', s.host_id,
      'duration_minutes', s.settings -> 'duration_minutes',
      'tz', s.settings -> 'tz'
    ),
    'sequence', coalesce((select q.sequence from public.video_call_calendar_sequences q where q.session_id = s.id), 0),
    'participants', coalesce((
      select jsonb_agg(jsonb_build_object(
          'user_id', p.user_id,
          'email', coalesce(p.email, u.email),
          'invited_email', p.email,
          'name', p.display_name,
          'role', p.role,
          'invite_status', p.invite_status,
          'lang', case when p.user_id is null then null else public.video_call_mail_language(p.user_id) end
        ) order by p.created_at, p.id)
      from public.video_call_participants p
      left join auth.users u on u.id = p.user_id
      where p.session_id = s.id
    ), '[]'::jsonb)
  )
  from public.video_call_sessions s
  where s.id = p_session_id
$$;

-- The next SEQUENCE of a session's calendar event, stored.
create function public.next_video_call_calendar_sequence(p_session_id uuid)
returns integer
language sql security definer set search_path = ''
as $$
  insert into public.video_call_calendar_sequences as q (session_id, sequence)
  values (p_session_id, 1)
  on conflict (session_id) do update set sequence = q.sequence + 1, updated_at = now()
  returning q.sequence
$$;

-- Queues what a change to a scheduled session means for its invitees' calendars. Only guests who
-- have not declined are written to; nothing is queued when there are none.
create function public.video_call_sessions_queue_mail()
returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  queued_kind text;
  snapshot jsonb;
  next_sequence integer;
begin
  if tg_op = 'DELETE' then
    if old.status <> 'scheduled' then
      return old;
    end if;
    queued_kind := 'cancel';
  elsif old.status = 'scheduled' and new.status = 'ended' then
    queued_kind := 'cancel';
  elsif old.status = 'scheduled' and new.status = 'scheduled'
    and new.scheduled_at is distinct from old.scheduled_at and new.scheduled_at is not null then
    -- A time removed altogether sends nothing: the call still stands, only without a time.
    queued_kind := 'update';
  else
    return new;
  end if;

  if tg_op = 'DELETE' then
    -- The session's rows cascade away after this trigger; the sequence need not be stored.
    next_sequence := coalesce((select q.sequence from public.video_call_calendar_sequences q where q.session_id = old.id), 0) + 1;
  else
    -- Raised even when nobody is written to now: an invitation sent later must still outrank
    -- whatever an invitee's calendar holds from before.
    next_sequence := public.next_video_call_calendar_sequence(old.id);
  end if;

  if not exists (
    select 1 from public.video_call_participants p
    where p.session_id = old.id and p.role = 'guest' and p.invite_status <> 'declined'
  ) then
    return case when tg_op = 'DELETE' then old else new end;
  end if;
  -- Inside a BEFORE DELETE trigger the row and its participants are still there to read.
  snapshot := public.video_call_mail_snapshot(old.id);
  snapshot := jsonb_set(snapshot, '{sequence}', to_jsonb(next_sequence));
  insert into public.video_call_mail_outbox (session_id, kind, snapshot) values (old.id, queued_kind, snapshot);
  return case when tg_op = 'DELETE' then old else new end;
end
$$;
-- BEFORE DELETE: the participants' cascade runs as an AFTER trigger, so they are still readable.
create trigger video_call_sessions_queue_mail_on_delete
  before delete on public.video_call_sessions
  for each row execute function public.video_call_sessions_queue_mail();
create trigger video_call_sessions_queue_mail_on_update
  after update of status, scheduled_at on public.video_call_sessions
  for each row execute function public.video_call_sessions_queue_mail();

-- Hands out queued mail, each row to one drain: rows are locked with SKIP LOCKED and marked
-- 'sending' in the same statement, so two drains running at once never get the same row.
-- Before that: a row with a newer one for the same session is superseded (the newer one carries
-- the later time, or the cancellation); rows nobody sent within two days expire (mail was not
-- configured, and news that old helps nobody); rows finished a week ago are deleted, addresses
-- and all. A drain that died mid-send leaves its rows 'sending': after 30 minutes they are handed
-- out again, at most three times in all — a calendar takes the same UID and SEQUENCE twice as one.
create function public.claim_video_call_mail(p_limit integer default 20)
returns setof public.video_call_mail_outbox
language plpgsql security definer set search_path = ''
as $$
begin
  -- The housekeeping below updates many rows; two drains doing it at once could deadlock on them.
  -- Claims are short (the sending happens after this transaction), so they simply take turns.
  perform pg_advisory_xact_lock(hashtext('public.video_call_mail_outbox'));
  update public.video_call_mail_outbox o
  set state = 'superseded', finished_at = now()
  where o.state = 'queued'
    and exists (select 1 from public.video_call_mail_outbox n where n.session_id = o.session_id and n.id > o.id);
  update public.video_call_mail_outbox o
  set state = 'expired', finished_at = now()
  where o.state = 'queued' and o.created_at < now() - interval '2 days';
  delete from public.video_call_mail_outbox o
  where o.finished_at < now() - interval '7 days';

  return query
  update public.video_call_mail_outbox o
  set state = 'sending', claimed_at = now(), attempts = o.attempts + 1
  where o.id in (
    select c.id from public.video_call_mail_outbox c
    where c.state = 'queued'
       or (c.state = 'sending' and c.claimed_at < now() - interval '30 minutes' and c.attempts < 3)
    order by c.id
    limit greatest(1, least(coalesce(p_limit, 20), 100))
    for update skip locked
  )
  returning o.*;
end
$$;

-- What a drain did with a claimed row.
create function public.finish_video_call_mail(p_id bigint, p_sent integer, p_failed integer)
returns void
language sql security definer set search_path = ''
as $$
  update public.video_call_mail_outbox
  set state = 'sent', finished_at = now(), sent = greatest(0, p_sent), failed = greatest(0, p_failed)
  where id = p_id and state = 'sending'
$$;

revoke execute on function public.video_call_mail_language(uuid) from public, anon, authenticated;
revoke execute on function public.video_call_mail_snapshot(uuid) from public, anon, authenticated;
revoke execute on function public.next_video_call_calendar_sequence(uuid) from public, anon, authenticated;
revoke execute on function public.claim_video_call_mail(integer) from public, anon, authenticated;
revoke execute on function public.finish_video_call_mail(bigint, integer, integer) from public, anon, authenticated;
revoke execute on function public.video_call_sessions_queue_mail() from public, anon, authenticated;
grant execute on function public.video_call_mail_language(uuid) to service_role;
grant execute on function public.video_call_mail_snapshot(uuid) to service_role;
grant execute on function public.next_video_call_calendar_sequence(uuid) to service_role;
grant execute on function public.claim_video_call_mail(integer) to service_role;
grant execute on function public.finish_video_call_mail(bigint, integer, integer) to service_role;
