-- Call metrics (issue 17): what each participant's client measured, one row per participant per
-- session, written only through report_video_call_metrics; the SLA figures per day in
-- video_call_daily_stats, for the service role.

create table public.video_call_metrics (
  id uuid primary key default gen_random_uuid(),
  session_id uuid not null references public.video_call_sessions (id) on delete cascade,
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  -- Null: no remote frame ever arrived (a failed call, or nobody else came).
  first_frame_ms integer check (first_frame_ms between 0 and 600000),
  candidate_type text check (candidate_type in ('host', 'srflx', 'prflx', 'relay')),
  avg_bitrate_kbps double precision check (avg_bitrate_kbps between 0 and 1000000),
  packet_loss_pct double precision check (packet_loss_pct between 0 and 100),
  rtt_ms double precision check (rtt_ms between 0 and 60000),
  duration_s integer check (duration_s between 0 and 604800),
  outcome text not null check (outcome in ('ok', 'failed')),
  failure_reason text check (char_length(failure_reason) <= 500),
  browser text check (char_length(browser) <= 200),
  created_at timestamptz not null default now()
);
create unique index video_call_metrics_session_user_key on public.video_call_metrics (session_id, user_id);
create index video_call_metrics_created_idx on public.video_call_metrics (created_at);
create index video_call_metrics_user_idx on public.video_call_metrics (user_id);

alter table public.video_call_metrics enable row level security;
revoke all on public.video_call_metrics from public, anon, authenticated;
grant select on public.video_call_metrics to authenticated;
grant all on public.video_call_metrics to service_role;
create policy "users read their own metrics" on public.video_call_metrics
  for select to authenticated
  using (user_id = auth.uid());

-- A number field of p_metrics: absent or null is null; anything else must be a JSON number in
-- [low, high], else 22023 naming the field.
create function public.video_call_metric_number(p_metrics jsonb, p_field text, p_low double precision, p_high double precision)
returns double precision
language plpgsql immutable set search_path = ''
as $$
declare
  value jsonb := p_metrics -> p_field;
begin
  if value is null or jsonb_typeof(value) = 'null' then
    return null;
  end if;
  if jsonb_typeof(value) <> 'number' or (value #>> '{}')::double precision not between p_low and p_high then
    raise exception '% must be a number from % to %', p_field, p_low, p_high using errcode = '22023';
  end if;
  return (value #>> '{}')::double precision;
end
$$;

-- A text field of p_metrics: absent or null is null; else a JSON string of at most p_max
-- characters, one of p_allowed when given.
create function public.video_call_metric_text(p_metrics jsonb, p_field text, p_max integer, p_allowed text[] default null)
returns text
language plpgsql immutable set search_path = ''
as $$
declare
  value jsonb := p_metrics -> p_field;
begin
  if value is null or jsonb_typeof(value) = 'null' then
    return null;
  end if;
  if jsonb_typeof(value) <> 'string' or char_length(value #>> '{}') > p_max
    or (p_allowed is not null and not (value #>> '{}') = any (p_allowed)) then
    if p_allowed is not null then
      raise exception '% must be one of %', p_field, array_to_string(p_allowed, ', ') using errcode = '22023';
    end if;
    raise exception '% must be text of at most % characters', p_field, p_max using errcode = '22023';
  end if;
  return value #>> '{}';
end
$$;
revoke execute on function public.video_call_metric_number(jsonb, text, double precision, double precision),
  public.video_call_metric_text(jsonb, text, integer, text[]) from public, anon, authenticated;

-- The caller's own report for a session they are in (host, admitted or waiting; never removed).
-- A second report for the same session replaces the first (upsert): a client that rejoins
-- reports again at its next leave, and the latest attempt is what the day's figures count.
create function public.report_video_call_metrics(p_session_id uuid, p_metrics jsonb)
returns public.video_call_metrics
language plpgsql security definer set search_path = ''
as $$
declare
  caller uuid := auth.uid();
  standing text;
  unknown text;
  report public.video_call_metrics;
begin
  if caller is null then
    raise exception 'sign in to report call metrics' using errcode = '42501';
  end if;
  if p_session_id is null then
    raise exception 'session_id is required' using errcode = '22023';
  end if;
  standing := public.video_call_standing(p_session_id, caller);
  if standing is null or standing not in ('host', 'admitted', 'waiting') then
    raise exception 'you are not in video call %', p_session_id using errcode = '42501';
  end if;
  if p_metrics is null or jsonb_typeof(p_metrics) <> 'object' then
    raise exception 'metrics must be a JSON object' using errcode = '22023';
  end if;
  select k into unknown from jsonb_object_keys(p_metrics) k
  where k not in ('first_frame_ms', 'candidate_type', 'avg_bitrate_kbps', 'packet_loss_pct', 'rtt_ms',
    'duration_s', 'outcome', 'failure_reason', 'browser')
  limit 1;
  if unknown is not null then
    raise exception 'metrics has an unknown field %', left(unknown, 100) using errcode = '22023';
  end if;
  if p_metrics -> 'outcome' is null or jsonb_typeof(p_metrics -> 'outcome') = 'null' then
    raise exception 'outcome is required (ok or failed)' using errcode = '22023';
  end if;

  report.first_frame_ms := round(public.video_call_metric_number(p_metrics, 'first_frame_ms', 0, 600000));
  report.candidate_type := public.video_call_metric_text(p_metrics, 'candidate_type', 10, array['host', 'srflx', 'prflx', 'relay']);
  report.avg_bitrate_kbps := public.video_call_metric_number(p_metrics, 'avg_bitrate_kbps', 0, 1000000);
  report.packet_loss_pct := public.video_call_metric_number(p_metrics, 'packet_loss_pct', 0, 100);
  report.rtt_ms := public.video_call_metric_number(p_metrics, 'rtt_ms', 0, 60000);
  report.duration_s := round(public.video_call_metric_number(p_metrics, 'duration_s', 0, 604800));
  report.outcome := public.video_call_metric_text(p_metrics, 'outcome', 10, array['ok', 'failed']);
  report.failure_reason := public.video_call_metric_text(p_metrics, 'failure_reason', 500);
  report.browser := public.video_call_metric_text(p_metrics, 'browser', 200);

  insert into public.video_call_metrics as m (session_id, user_id, first_frame_ms, candidate_type,
    avg_bitrate_kbps, packet_loss_pct, rtt_ms, duration_s, outcome, failure_reason, browser)
  values (p_session_id, caller, report.first_frame_ms, report.candidate_type, report.avg_bitrate_kbps,
    report.packet_loss_pct, report.rtt_ms, report.duration_s, report.outcome, report.failure_reason, report.browser)
  on conflict (session_id, user_id) do update set
    first_frame_ms = excluded.first_frame_ms,
    candidate_type = excluded.candidate_type,
    avg_bitrate_kbps = excluded.avg_bitrate_kbps,
    packet_loss_pct = excluded.packet_loss_pct,
    rtt_ms = excluded.rtt_ms,
    duration_s = excluded.duration_s,
    outcome = excluded.outcome,
    failure_reason = excluded.failure_reason,
    browser = excluded.browser,
    created_at = now()
  returning * into report;
  return report;
end
$$;
revoke execute on function public.report_video_call_metrics(uuid, jsonb) from public, anon;
grant execute on function public.report_video_call_metrics(uuid, jsonb) to authenticated;

-- Per UTC day of the report: calls (sessions reported), participants (reports), the share of
-- reports that ended ok, p50/p95 time to the first remote frame, and the share of reports whose
-- connection went through a TURN relay (of those that know their candidate type).
create view public.video_call_daily_stats with (security_invoker = true) as
select
  (m.created_at at time zone 'UTC')::date as day,
  count(distinct m.session_id)::integer as calls,
  count(*)::integer as participants,
  round(avg(case when m.outcome = 'ok' then 1 else 0 end)::numeric, 4) as success_rate,
  round((percentile_cont(0.5) within group (order by m.first_frame_ms))::numeric) as p50_first_frame_ms,
  round((percentile_cont(0.95) within group (order by m.first_frame_ms))::numeric) as p95_first_frame_ms,
  round((count(*) filter (where m.candidate_type = 'relay'))::numeric / nullif(count(m.candidate_type), 0), 4) as relay_share
from public.video_call_metrics m
group by 1;
revoke all on public.video_call_daily_stats from public, anon, authenticated;
grant select on public.video_call_daily_stats to service_role;
