-- Calls started from calendar events. An event has at most one open call; event_video_call finds
-- it or creates it, hosted by the caller, with the event's attendees invited — in one transaction,
-- so two people pressing the event's call button at once get the same call.
create unique index video_call_sessions_open_event_key
  on public.video_call_sessions (event_id)
  where event_id is not null and status <> 'ended';

-- Who an invitation names: a user id (which must exist) or an e-mail address (resolved to the
-- account when one exists, so the invitee's name shows at once). Anything else is refused.
create function public.video_call_invitee(p_invitee text, out user_id uuid, out email text)
language plpgsql stable security definer set search_path = ''
as $$
declare
  invitee text := btrim(coalesce(p_invitee, ''));
begin
  if invitee ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    select u.id, u.email into user_id, email from auth.users u where u.id = invitee::uuid;
    if user_id is null then
      raise exception 'no user has the id %', invitee using errcode = '22023';
    end if;
  elsif invitee ~ '^[^@[:space:]]+@[^@[:space:]]+$' then
    email := invitee;
    select u.id into user_id from auth.users u where lower(u.email) = lower(invitee);
  else
    raise exception 'invitee "%" is neither a user id nor an e-mail address', invitee using errcode = '22023';
  end if;
end
$$;
revoke execute on function public.video_call_invitee(text) from public, anon, authenticated;

create function public.event_video_call(
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
  caller_email text := lower(auth.jwt() ->> 'email');
  session public.video_call_sessions;
  attendee text;
  attendee_id uuid;
  attendee_email text;
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
  -- Serializes the find-or-create per event; the unique index above is the backstop.
  perform pg_advisory_xact_lock(hashtextextended('video_call_event:' || p_event_id, 0));

  select * into session from public.video_call_sessions s
  where s.event_id = p_event_id and s.status <> 'ended'
  order by s.created_at desc
  limit 1;
  if found then
    if session.host_id <> caller and not public.is_video_call_member(session.id) then
      raise exception 'the call of event % exists and you are not invited to it', p_event_id
        using errcode = '42501';
    end if;
    return session;
  end if;

  insert into public.video_call_sessions (title, host_id, event_id, scheduled_at, crm_entity_type, crm_entity_id)
  values (coalesce(p_title, ''), caller, p_event_id, p_scheduled_at, p_crm_entity_type, p_crm_entity_id)
  returning * into session;

  foreach attendee in array coalesce(p_attendees, '{}') loop
    select r.user_id, r.email into attendee_id, attendee_email from public.video_call_invitee(attendee) r;
    continue when attendee_id = caller or lower(attendee_email) = caller_email;
    continue when exists (
      select 1 from public.video_call_participants p
      where p.session_id = session.id
        and (p.user_id = attendee_id or lower(p.email) = lower(attendee_email))
    );
    insert into public.video_call_participants (session_id, user_id, email)
    values (session.id, attendee_id, attendee_email);
  end loop;
  return session;
end
$$;

revoke execute on function public.event_video_call(text, text, timestamptz, text, text, text[]) from public, anon;
grant execute on function public.event_video_call(text, text, timestamptz, text, text, text[]) to authenticated;

-- A host invites one more person, by user id or e-mail address, from the event card.
create function public.invite_to_video_call(p_session_id uuid, p_invitee text)
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

revoke execute on function public.invite_to_video_call(uuid, text) from public, anon;
grant execute on function public.invite_to_video_call(uuid, text) to authenticated;
