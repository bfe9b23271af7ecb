-- The 64 KiB signal payload limit counts what the core (src/core/signal.ts) and the
-- video-call-signal function (supabase/functions/_shared/signal-limits.ts) count: the UTF-8 bytes
-- of the payload's JSON text as JSON.stringify writes it. The first constraint counted
-- octet_length(payload::text), jsonb's own text, which puts a space after every ':' and every
-- ',' — so a payload the function had just accepted could fail the insert (a 500) once it held
-- enough keys.

-- Bytes of the compact JSON text of a value: jsonb's text less the separator spaces it adds
-- (after the ':' of each key and the ',' between members and elements). Strings are escaped alike
-- by both (\" \\ \b \f \n \r \t, \u00XX below 0x20) and written in UTF-8; numbers are written as
-- they were sent, except in exponent form (1e+21), which jsonb writes out in full.
create function public.video_call_json_bytes(p_value jsonb)
returns integer
language sql immutable strict parallel safe set search_path = ''
as $$
  select pg_catalog.octet_length(p_value::text) - coalesce((
    select sum(case pg_catalog.jsonb_typeof(item)
                 when 'object' then greatest(2 * (select count(*) from pg_catalog.jsonb_object_keys(item)) - 1, 0)
                 when 'array' then greatest(pg_catalog.jsonb_array_length(item) - 1, 0)
                 else 0
               end)
      from pg_catalog.jsonb_path_query(p_value, 'strict $.**') as item
  ), 0)::integer
$$;

-- Check constraints run as the inserting user.
revoke execute on function public.video_call_json_bytes(jsonb) from public, anon;
grant execute on function public.video_call_json_bytes(jsonb) to authenticated, service_role;

alter table public.video_call_signals
  drop constraint if exists video_call_signals_payload_check,
  add constraint video_call_signals_payload_check check (public.video_call_json_bytes(payload) <= 65536);
