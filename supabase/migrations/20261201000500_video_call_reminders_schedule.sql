-- Hosted projects call the video-call-reminders function every minute: pg_cron runs
-- invoke_video_call_reminders(), which posts to the function with pg_net (Supabase's "Scheduling
-- Edge Functions" recipe). Unlike the cleanup, which is plain SQL, the reminders must leave the
-- database (push services, SMTP), so the edge function does the work and SQL only knocks.
-- The project URL and the service-role key come from Vault, never from this file:
--   select vault.create_secret('https://<project-ref>.supabase.co', 'project_url');
--   select vault.create_secret('<the service-role key>', 'service_role_key');
-- Where pg_cron or pg_net is missing (the embedded local stack, a plain Postgres server) nothing is
-- scheduled, with a notice: the local stack calls the function on its own timer (config.toml).

-- Knocks once; the answer lands in net._http_response (pg_net is asynchronous). Raises, so that
-- cron.job_run_details says what is missing, until pg_net and both Vault secrets exist.
create function public.invoke_video_call_reminders()
returns bigint
language plpgsql security definer set search_path = ''
as $$
declare
  project_url text;
  service_key text;
  request_id bigint;
begin
  if to_regnamespace('net') is null or to_regnamespace('vault') is null then
    raise exception 'video-call-reminders is scheduled from SQL only with pg_net and Vault; enable both, or call the function another way'
      using errcode = '55000';
  end if;
  execute $q$select (select decrypted_secret from vault.decrypted_secrets where name = 'project_url'),
                    (select decrypted_secret from vault.decrypted_secrets where name = 'service_role_key')$q$
    into project_url, service_key;
  if project_url is null or service_key is null then
    raise exception 'set the Vault secrets project_url and service_role_key for the video-call-reminders schedule'
      using errcode = '55000';
  end if;
  -- Dynamic, so this function can exist (and say what is missing) where pg_net does not.
  execute $q$select net.http_post(
      url := $1 || '/functions/v1/video-call-reminders',
      headers := jsonb_build_object('content-type', 'application/json', 'authorization', 'Bearer ' || $2),
      body := '{}'::jsonb,
      timeout_milliseconds := 55000)$q$
    into request_id
    using rtrim(project_url, '/'), service_key;
  return request_id;
end
$$;
revoke execute on function public.invoke_video_call_reminders() from public, anon, authenticated;
grant execute on function public.invoke_video_call_reminders() to service_role;

do $$
begin
  if not exists (select 1 from pg_available_extensions where name = 'pg_cron')
     or not exists (select 1 from pg_available_extensions where name = 'pg_net') then
    raise notice 'pg_cron or pg_net is not available here; schedule video-call-reminders another way (the local stack runs it itself)';
    return;
  end if;
  begin
    create extension if not exists pg_cron;
    create extension if not exists pg_net;
    perform cron.schedule('video-call-reminders', '* * * * *', 'select public.invoke_video_call_reminders()');
  exception when others then
    raise notice 'pg_cron or pg_net is not usable here (%); schedule video-call-reminders another way', sqlerrm;
  end;
end
$$;
