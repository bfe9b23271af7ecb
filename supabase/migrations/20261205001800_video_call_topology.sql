-- How a call's media flows (issue 18): `settings.topology`.
-- - 'mesh': every page sends to every other page (peer-to-peer, the only way before).
-- - 'sfu': every page sends once to the SFU (Janus), which forwards to the others.
-- - 'auto' (the default when absent): the room picks, by the number of people and whether the
--   project has an SFU (the video-call-sfu function answers 503 sfu_unavailable when not).
-- Checked by trigger where every writer passes, the service role too, as the fallback settings
-- are (20261202000100): refused with 22023 (REST 400) and a message that says what is accepted.

create function public.video_call_sessions_check_topology_settings()
returns trigger
language plpgsql set search_path = ''
as $$
declare
  topology jsonb := new.settings->'topology';
begin
  if topology is null or topology = 'null'::jsonb then
    return new;
  end if;
  if jsonb_typeof(topology) <> 'string' or (topology #>> '{}') not in ('mesh', 'sfu', 'auto') then
    raise exception 'settings.topology must be "mesh", "sfu" or "auto", not %', left(topology::text, 40)
      using errcode = '22023';
  end if;
  return new;
end
$$;
create trigger video_call_sessions_check_topology_settings
  before insert or update of settings on public.video_call_sessions
  for each row execute function public.video_call_sessions_check_topology_settings();
