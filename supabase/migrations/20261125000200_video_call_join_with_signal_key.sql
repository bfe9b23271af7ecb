-- join_video_call takes the caller's signal key (see 20261125000100) as an optional second
-- argument, so a joining client stores its key in the same round trip that claims its place:
-- peers can verify its first offer without waiting for a second write. Calls with only
-- p_session_id keep working.
drop function public.join_video_call(uuid);

create function public.join_video_call(p_session_id uuid, p_signal_key jsonb default null)
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

revoke execute on function public.join_video_call(uuid, jsonb) from public, anon;
grant execute on function public.join_video_call(uuid, jsonb) to authenticated;
