-- Layouts (issue 16): a receiver that shows someone's camera small asks that one peer to send it
-- smaller, with a `view` signal `{ scale }` addressed to them (src/core/view-requests.ts). The
-- durable path carries the same kinds as the broadcast one; src/core/signal.ts and
-- supabase/functions/_shared/signal-limits.ts list the same (test/backend/signal-limits.test.ts).
alter table public.video_call_signals
  drop constraint if exists video_call_signals_kind_check,
  add constraint video_call_signals_kind_check check (kind in ('offer', 'answer', 'ice', 'bye', 'restart', 'view'));
