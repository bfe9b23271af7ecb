-- Answering an invitation (issue 14): Yes / Maybe / No from the event card, the call's page or a
-- notification's Decline action (the service worker calls this with the access token the page
-- handed it). One function, so an invitation sent to the caller's confirmed e-mail address is
-- claimed the same way join_video_call claims it, and the host's own row is never "answered".

create function public.answer_video_call_invitation(p_session_id uuid, p_status text)
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
revoke execute on function public.answer_video_call_invitation(uuid, text) from public, anon;
grant execute on function public.answer_video_call_invitation(uuid, text) to authenticated;
