-- Web Push subscriptions (issue 14): one row per browser that agreed to receive call invitations
-- and reminders. The browser's PushSubscription.toJSON() gives endpoint and keys; webpush-send
-- reads them with the service role, keeps last_success_at / failure_count, and deletes a row when
-- the push service answers 404 or 410. The reminder bookkeeping and the mail outbox come in later
-- migrations of this series (20261201000200…), keyed by session and participant, not by this table.

create table public.video_call_push_subscriptions (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  endpoint text not null unique,
  p256dh text not null,
  auth text not null,
  -- The browser's language when it subscribed (navigator.language): ru or en texts in pushes.
  lang text,
  user_agent text,
  created_at timestamptz not null default now(),
  last_success_at timestamptz,
  failure_count integer not null default 0 check (failure_count >= 0)
);
create index video_call_push_subscriptions_user_id_idx on public.video_call_push_subscriptions (user_id);

-- Refuses what no push service would accept, with words that say why (SQLSTATE 22023: REST
-- answers 400 and stores nothing). Push endpoints are https; plain http only on this machine, for
-- a stand-in push service in tests. The host part admits no user-info, so
-- "http://127.0.0.1@evil.example/" or "http://localhost.evil.example/" do not pass.
create function public.video_call_push_subscriptions_check()
returns trigger
language plpgsql set search_path = ''
as $$
begin
  if new.endpoint is null or char_length(new.endpoint) > 2048 then
    raise exception 'a push endpoint is required and has at most 2048 characters' using errcode = '22023';
  end if;
  if not (
    new.endpoint ~ '^https://[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?(/[^[:space:]]*)?$'
    or new.endpoint ~ '^http://(127\.0\.0\.1|localhost)(:[0-9]{1,5})?(/[^[:space:]]*)?$'
  ) then
    raise exception 'push endpoint "%" is refused: it must be an https: URL (http: only on 127.0.0.1 or localhost)',
      left(new.endpoint, 200) using errcode = '22023';
  end if;
  -- p256dh: an uncompressed P-256 point (65 bytes, first 0x04) in base64url, so 87 characters
  -- starting with "B" (one "=" of padding tolerated); auth: 16 bytes, 22 characters (or 24 padded).
  if new.p256dh is null or new.p256dh !~ '^B[A-Za-z0-9_-]{86}=?$' then
    raise exception 'p256dh must be the subscription''s P-256 public key: 65 bytes in base64url (87 characters)'
      using errcode = '22023';
  end if;
  if new.auth is null or new.auth !~ '^[A-Za-z0-9_-]{22}(==)?$' then
    raise exception 'auth must be the subscription''s 16-byte secret in base64url (22 characters)' using errcode = '22023';
  end if;
  if new.lang is not null and new.lang !~ '^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$' then
    raise exception 'lang must be a language tag such as ru or en-US' using errcode = '22023';
  end if;
  if new.user_agent is not null and char_length(new.user_agent) > 512 then
    raise exception 'user_agent has at most 512 characters' using errcode = '22023';
  end if;
  return new;
end
$$;
create trigger video_call_push_subscriptions_check
  before insert or update on public.video_call_push_subscriptions
  for each row execute function public.video_call_push_subscriptions_check();

alter table public.video_call_push_subscriptions enable row level security;
revoke all on public.video_call_push_subscriptions from anon;
-- A browser changes its subscription by deleting the old row and inserting the new one; the
-- delivery columns are the sender's (service role) alone.
revoke update on public.video_call_push_subscriptions from authenticated;

create policy "users read their own push subscriptions" on public.video_call_push_subscriptions
  for select to authenticated
  using (user_id = auth.uid());
create policy "users add push subscriptions for themselves" on public.video_call_push_subscriptions
  for insert to authenticated
  with check (user_id = auth.uid() and last_success_at is null and failure_count = 0);
create policy "users delete their own push subscriptions" on public.video_call_push_subscriptions
  for delete to authenticated
  using (user_id = auth.uid());

-- What webpush-send (and the reminders run, through the same code) learnt from the push services,
-- in one statement: delivered rows are marked, failing ones counted, gone ones (404/410) deleted.
create function public.record_video_call_push_results(p_sent uuid[], p_failed uuid[], p_gone uuid[])
returns void
language sql security definer set search_path = ''
as $$
  update public.video_call_push_subscriptions
    set last_success_at = now(), failure_count = 0
    where id = any (coalesce(p_sent, '{}'));
  update public.video_call_push_subscriptions
    set failure_count = failure_count + 1
    where id = any (coalesce(p_failed, '{}'));
  delete from public.video_call_push_subscriptions
    where id = any (coalesce(p_gone, '{}'));
$$;
revoke execute on function public.record_video_call_push_results(uuid[], uuid[], uuid[]) from public, anon, authenticated;
grant execute on function public.record_video_call_push_results(uuid[], uuid[], uuid[]) to service_role;
