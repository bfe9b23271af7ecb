-- Function monitoring (issue 17): failures of the edge functions, for the service role only.
--  * video_call_function_log: one row per logged failure, with the request id the response
--    carried (`x-request-id`), so a user's report can be matched to its row.
--  * A 5xx is always logged. A 4xx is the caller's mistake and usually not news, so it is only
--    counted, per function and minute; beyond 20 in one minute it becomes "unexpected" and those
--    past the 20th are logged (at most 100 more a minute: a flood is counted, not stored whole).
--  * Alerts: at most one per function per 5 minutes. Whether a failure alerts is decided here, in
--    one statement on a row per function, so every instance of a function agrees; the alert
--    carries how many failures were logged since the previous one.
--  * Retention: rows older than 30 days and counters older than an hour go, with the cleanup.

create table public.video_call_function_log (
  id bigint generated always as identity primary key,
  function_name text not null check (char_length(function_name) between 1 and 100),
  status integer not null check (status between 400 and 599),
  code text check (char_length(code) <= 100),
  message text check (char_length(message) <= 1000),
  request_id uuid,
  created_at timestamptz not null default now()
);
create index video_call_function_log_function_idx on public.video_call_function_log (function_name, id);
create index video_call_function_log_created_idx on public.video_call_function_log (created_at);

-- 4xx answers per function and minute; only the counts, never who or what.
create table public.video_call_function_rates (
  function_name text not null check (char_length(function_name) between 1 and 100),
  minute timestamptz not null,
  client_errors integer not null default 0,
  primary key (function_name, minute)
);

-- The alert rate limit's state: the last alert per function and the log row it covered up to.
create table public.video_call_function_alerts (
  function_name text primary key check (char_length(function_name) between 1 and 100),
  last_alert_at timestamptz not null,
  last_log_id bigint not null default 0
);

alter table public.video_call_function_log enable row level security;
alter table public.video_call_function_rates enable row level security;
alter table public.video_call_function_alerts enable row level security;
-- No policies: nobody but the service role (which bypasses RLS) reads or writes these.
revoke all on public.video_call_function_log, public.video_call_function_rates,
  public.video_call_function_alerts from public, anon, authenticated;
grant all on public.video_call_function_log, public.video_call_function_rates,
  public.video_call_function_alerts to service_role;

-- Called by every function (through _shared/monitoring.ts) when it answers 4xx or 5xx. Returns
-- { logged, alert, count }: whether a row was written, whether this failure should alert, and
-- how many logged failures of this function the alert covers (those since the previous alert).
create function public.record_video_call_function_failure(
  p_function_name text,
  p_status integer,
  p_code text default null,
  p_message text default null,
  p_request_id uuid default null,
  p_client_errors_per_minute integer default 20,
  p_alert_every interval default interval '5 minutes'
)
returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  client_errors integer;
  log_id bigint;
  previous_log_id bigint;
begin
  if p_function_name is null or p_function_name !~ '^[A-Za-z0-9_-]{1,100}$' then
    raise exception 'function_name must be 1 to 100 letters, digits, - or _' using errcode = '22023';
  end if;
  if p_status is null or p_status not between 400 and 599 then
    raise exception 'status must be from 400 to 599' using errcode = '22023';
  end if;
  if p_status < 500 then
    insert into public.video_call_function_rates as r (function_name, minute, client_errors)
    values (p_function_name, date_trunc('minute', now()), 1)
    on conflict (function_name, minute) do update set client_errors = r.client_errors + 1
    returning r.client_errors into client_errors;
    if client_errors <= p_client_errors_per_minute or client_errors > p_client_errors_per_minute + 100 then
      return jsonb_build_object('logged', false, 'alert', false, 'count', 0);
    end if;
  end if;

  insert into public.video_call_function_log (function_name, status, code, message, request_id)
  values (
    p_function_name,
    p_status,
    left(p_code, 100),
    left(case when p_status < 500
      then format('more than %s client errors this minute: ', p_client_errors_per_minute) || coalesce(p_message, '')
      else p_message end, 1000),
    p_request_id
  )
  returning id into log_id;

  -- The first failure after the quiet period takes the row; the others see the fresh time and
  -- update nothing. `previous` is the row as it was, read in the same statement.
  with previous as (
    select a.last_log_id from public.video_call_function_alerts a where a.function_name = p_function_name
  ), taken as (
    insert into public.video_call_function_alerts as a (function_name, last_alert_at, last_log_id)
    values (p_function_name, now(), log_id)
    on conflict (function_name) do update set last_alert_at = now(), last_log_id = excluded.last_log_id
      where a.last_alert_at <= now() - p_alert_every
    returning a.function_name
  )
  select coalesce((select last_log_id from previous), 0) into previous_log_id from taken;
  if not found then
    return jsonb_build_object('logged', true, 'alert', false, 'count', 0);
  end if;
  return jsonb_build_object(
    'logged', true,
    'alert', true,
    'count', (
      select count(*) from public.video_call_function_log l
      where l.function_name = p_function_name and l.id > previous_log_id and l.id <= log_id
    )
  );
end
$$;
revoke execute on function public.record_video_call_function_failure(text, integer, text, text, uuid, integer, interval)
  from public, anon, authenticated;
grant execute on function public.record_video_call_function_failure(text, integer, text, text, uuid, integer, interval)
  to service_role;

-- Retention, run with the cleanup (the video-call-cleanup function, and pg_cron on hosted projects).
create function public.cleanup_video_call_function_log(p_keep interval default interval '30 days')
returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  purged integer;
begin
  delete from public.video_call_function_log where created_at < now() - p_keep;
  get diagnostics purged = row_count;
  delete from public.video_call_function_rates where minute < now() - interval '1 hour';
  return jsonb_build_object('function_log_purged', purged);
end
$$;
revoke execute on function public.cleanup_video_call_function_log(interval) from public, anon, authenticated;
grant execute on function public.cleanup_video_call_function_log(interval) to service_role;

do $$
begin
  if exists (select 1 from pg_available_extensions where name = 'pg_cron') then
    begin
      create extension if not exists pg_cron;
      perform cron.schedule('video-call-function-log-cleanup', '17 * * * *', 'select public.cleanup_video_call_function_log()');
    exception when others then
      raise notice 'pg_cron is not usable here (%); run cleanup_video_call_function_log another way', sqlerrm;
    end;
  end if;
end
$$;
