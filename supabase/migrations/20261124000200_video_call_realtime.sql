-- Realtime for calls: the private channel `call:<session_id>` is open to the session's members
-- only (broadcast + presence), and row changes of the call tables are published for
-- postgres_changes (the durable signaling path and live participant lists).

create function public.video_call_session_from_topic(p_topic text)
returns uuid
language sql immutable
as $$
  select case
    when p_topic ~* '^call:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
      then substr(p_topic, 6)::uuid
  end
$$;

create policy "call members receive on their call channel" on realtime.messages
  for select to authenticated
  using (
    realtime.messages.extension in ('broadcast', 'presence')
    and public.is_video_call_member(public.video_call_session_from_topic(realtime.topic()))
  );

create policy "call members send on their live call channel" on realtime.messages
  for insert to authenticated
  with check (
    realtime.messages.extension in ('broadcast', 'presence')
    and public.is_video_call_member(public.video_call_session_from_topic(realtime.topic()))
    and exists (
      select 1 from public.video_call_sessions s
      where s.id = public.video_call_session_from_topic(realtime.topic()) and s.status <> 'ended'
    )
  );

alter publication supabase_realtime add table
  public.video_call_sessions, public.video_call_participants, public.video_call_signals;
