-- Hosted projects run the cleanup every minute with pg_cron. Where pg_cron is absent or not
-- preloaded (the embedded local stack, a plain Postgres server) this does nothing: the local stack
-- calls the video-call-cleanup function on its own timer instead (supabase/config.toml).
do $$
begin
  if exists (select 1 from pg_available_extensions where name = 'pg_cron') then
    begin
      create extension if not exists pg_cron;
      perform cron.schedule('video-call-cleanup', '* * * * *', 'select public.cleanup_video_calls()');
    exception when others then
      raise notice 'pg_cron is not usable here (%); schedule video-call-cleanup another way', sqlerrm;
    end;
  end if;
end
$$;
