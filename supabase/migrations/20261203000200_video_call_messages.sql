-- Chat in the call (issue 16): the session's messages, read by its members and kept with the
-- session for the CRM after the call ends.
--
-- - Members read (through is_video_call_member, so a later redefinition of membership — waiting
--   or removed people — applies here without touching this file).
-- - A member writes as themselves while the session is not ended; nobody updates or deletes a
--   message (no policies for either, the host included). The service role (cleanup, moderation
--   tools) bypasses RLS as everywhere.
-- - The body is trimmed and must be 1–4000 characters (code points, char_length) after that:
--   22023 with a clear message, nothing stored. An ended session: PT409. More than 20 messages in
--   10 s from one user: PT429.
-- - The client picks the id (a uuid) so a retry of the same send stores one row
--   (insert … on conflict (id) do nothing).
-- - seq orders the messages (history pages are keyed by it; created_at is for people).
-- - display_name is the sender's name at the time, filled by trigger from their participant row
--   (else their profile), so the history needs no join; user_id is set null when the account goes,
--   and the transcript stays.

create table public.video_call_messages (
  id uuid primary key default gen_random_uuid(),
  session_id uuid not null references public.video_call_sessions (id) on delete cascade,
  user_id uuid default auth.uid() references auth.users (id) on delete set null,
  display_name text check (char_length(display_name) <= 200),
  body text not null check (char_length(body) between 1 and 4000),
  created_at timestamptz not null default now(),
  -- The order messages were stored in: times tie (PGlite's clock has milliseconds), this does not,
  -- so pages of history are read by it.
  seq bigint generated always as identity
);
create index video_call_messages_session_seq_idx on public.video_call_messages (session_id, seq desc);
create index video_call_messages_user_created_idx on public.video_call_messages (user_id, created_at);

alter table public.video_call_messages enable row level security;

create function public.video_call_messages_before_insert()
returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  caller uuid := auth.uid();
  session_status text;
  recent integer;
begin
  -- A retry of a message already stored goes through untouched: the insert's
  -- `on conflict (id) do nothing` then keeps the one row, even if the call has ended meanwhile.
  if exists (
    select 1 from public.video_call_messages m
    where m.id = new.id and m.user_id is not distinct from new.user_id and m.session_id = new.session_id
  ) then
    return new;
  end if;

  new.body := btrim(coalesce(new.body, ''), E' \t\r\n\u00a0\u200b\ufeff');
  if char_length(new.body) = 0 then
    raise exception 'a chat message cannot be empty' using errcode = '22023';
  end if;
  if char_length(new.body) > 4000 then
    raise exception 'a chat message can have at most 4000 characters (this one has %)', char_length(new.body)
      using errcode = '22023';
  end if;
  -- clock_timestamp(): a burst inside one transaction still orders, and the rate limit's window
  -- is real time.
  new.created_at := clock_timestamp();

  if caller is not null then
    -- The membership check comes first, so an outsider learns nothing about the session.
    if new.user_id is distinct from caller then
      raise exception 'a chat message can only be sent as yourself' using errcode = '42501';
    end if;
    if not public.is_video_call_member(new.session_id) then
      raise exception 'only the call''s participants can write in its chat' using errcode = '42501';
    end if;
  end if;

  select s.status into session_status from public.video_call_sessions s where s.id = new.session_id;
  if session_status is null then
    raise exception 'no such video call' using errcode = 'PT404';
  end if;
  if session_status = 'ended' then
    raise exception 'the call has ended: its chat is read-only' using errcode = 'PT409';
  end if;

  if caller is not null then
    perform pg_advisory_xact_lock(hashtext('video_call_messages:' || caller::text));
    select count(*) into recent from public.video_call_messages m
    where m.user_id = caller and m.created_at > clock_timestamp() - interval '10 seconds';
    if recent >= 20 then
      raise exception 'too many chat messages: at most 20 in 10 seconds' using errcode = 'PT429';
    end if;
  end if;

  if new.user_id is not null then
    select coalesce(nullif(p.display_name, ''), (public.video_call_user_profile(new.user_id)).display_name)
      into new.display_name
    from (select 1) one
    left join public.video_call_participants p
      on p.session_id = new.session_id and p.user_id = new.user_id;
    new.display_name := left(new.display_name, 200);
  end if;
  return new;
end;
$$;

create trigger video_call_messages_before_insert
  before insert on public.video_call_messages
  for each row execute function public.video_call_messages_before_insert();

create policy "members read the call's chat" on public.video_call_messages
  for select to authenticated
  using (public.is_video_call_member(session_id));

create policy "members write in the chat as themselves while the call is on" on public.video_call_messages
  for insert to authenticated
  with check (
    user_id = auth.uid()
    and public.is_video_call_member(session_id)
    and exists (
      select 1 from public.video_call_sessions s where s.id = session_id and s.status <> 'ended'
    )
  );

revoke all on public.video_call_messages from anon;
revoke update, delete, truncate on public.video_call_messages from authenticated;
grant select, insert on public.video_call_messages to authenticated;
grant all on public.video_call_messages to service_role;

alter publication supabase_realtime add table public.video_call_messages;
