-- Signal keys: each participant publishes the public half of a key pair made for this join.
-- Broadcast signals are signed with the private half, so a member cannot speak as another
-- member: Realtime broadcast and presence carry whatever a client writes, but this column can
-- only be written by the row's own user (policy "invitees answer their own invitation").
alter table public.video_call_participants
  add column signal_key jsonb
    check (signal_key is null or (jsonb_typeof(signal_key) = 'object' and octet_length(signal_key::text) <= 1024));

grant update (signal_key) on public.video_call_participants to authenticated;
