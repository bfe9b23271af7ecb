-- When WebRTC fails (issue 15): two session settings the room reads.
-- - `settings.force_relay` (boolean): the call goes through TURN only (iceTransportPolicy 'relay'),
--   for networks where direct paths are known to fail or must not be used.
-- - `settings.fallback_url`: the meeting link the room offers when media cannot flow at all (the
--   team's previous provider, say). Every participant's browser opens it, so it must be a web
--   page on https: (http: only on this machine, for development), carry no user name or password,
--   and stay a sensible length.
-- Checked by trigger where every writer passes, the service role too, as reminder_minutes is
-- (20261201000400): refused with 22023 (REST 400) and a message that says what is accepted.

create function public.video_call_sessions_check_fallback_settings()
returns trigger
language plpgsql set search_path = ''
as $$
declare
  force_relay jsonb := new.settings->'force_relay';
  fallback jsonb := new.settings->'fallback_url';
  url text;
begin
  if force_relay is not null and force_relay <> 'null'::jsonb and jsonb_typeof(force_relay) <> 'boolean' then
    raise exception 'settings.force_relay must be true or false, not %', left(force_relay::text, 40)
      using errcode = '22023';
  end if;

  if fallback is null or fallback = 'null'::jsonb then
    return new;
  end if;
  if jsonb_typeof(fallback) <> 'string' then
    raise exception 'settings.fallback_url must be a link (text) such as https://meet.example.com/room, not %', left(fallback::text, 40)
      using errcode = '22023';
  end if;
  url := fallback #>> '{}';
  if length(url) > 2048 then
    raise exception 'settings.fallback_url is at most 2048 characters long (it has %)', length(url)
      using errcode = '22023';
  end if;
  -- The host part ends at the first / ? or #; it starts with no "." ":" or "-" (letters of any
  -- script pass, for internationalised names, and "[" for IPv6); before it ends no "@" (user-info would show one site's
  -- name and open another), no backslash (browsers read it as "/"), nowhere a space or a control
  -- character. http: only for localhost and 127.0.0.1, with an optional port.
  if url !~* '^(https://[^/?#@:.\\[:space:][:cntrl:]-][^/?#@\\[:space:][:cntrl:]]*|http://(localhost|127\.0\.0\.1)(:[0-9]{1,5})?)([/?#][^\\[:space:][:cntrl:]]*)?$' then
    raise exception 'settings.fallback_url must be an https: link (http: only on localhost or 127.0.0.1) without a user name or password, spaces or backslashes; % is not one', left(url, 80)
      using errcode = '22023';
  end if;
  return new;
end
$$;
create trigger video_call_sessions_check_fallback_settings
  before insert or update of settings on public.video_call_sessions
  for each row execute function public.video_call_sessions_check_fallback_settings();
