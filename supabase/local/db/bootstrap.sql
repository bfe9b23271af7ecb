-- What a hosted Supabase project provides before any migration runs. Idempotent: it runs at every
-- boot of the local stack, on PGlite and on a real Postgres server alike.

-- Roles are cluster-wide: several stacks booting against one server may race to create them.
do $$
declare
  role_name text;
begin
  foreach role_name in array array['anon', 'authenticated', 'service_role'] loop
    if not exists (select 1 from pg_roles where rolname = role_name) then
      begin
        execute format('create role %I nologin noinherit', role_name);
      exception when duplicate_object or unique_violation then
        null;
      end;
    end if;
  end loop;
  if not (select rolbypassrls from pg_roles where rolname = 'service_role') then
    alter role service_role bypassrls;
  end if;
  -- A non-superuser connection (a real server given by DATABASE_URL) must be a member to switch.
  if not (select rolsuper from pg_roles where rolname = current_user) then
    execute format('grant anon, authenticated, service_role to %I', current_user);
  end if;
end
$$;

-- Hosted Supabase's statement timeouts: anon 3 s, authenticated 8 s, service_role none. They are
-- role settings, so they hold for any client logging in as these roles; the stack's requests switch
-- role inside a transaction, which skips role settings, so actAs() applies them itself. A timeout
-- already chosen for a role is kept, and a connection that may not alter roles (a restricted
-- DATABASE_URL) leaves them as they are.
do $$
declare
  pair text[];
begin
  -- Role settings are cluster-wide: stacks booting side by side on one server take turns.
  perform pg_advisory_xact_lock(hashtext('local stack: role settings'));
  foreach pair slice 1 in array array[['anon', '3s'], ['authenticated', '8s']] loop
    if not exists (
      select 1 from pg_db_role_setting, unnest(setconfig) as setting
      where setrole = (select oid from pg_roles where rolname = pair[1]) and setdatabase = 0
        and starts_with(setting, 'statement_timeout=')
    ) then
      begin
        execute format('alter role %I set statement_timeout = %L', pair[1], pair[2]);
      exception when insufficient_privilege then
        raise notice 'statement_timeout of role % left as it is: %', pair[1], sqlerrm;
      end;
    end if;
  end loop;
end
$$;

create schema if not exists auth;
create schema if not exists realtime;
create schema if not exists storage;
create schema if not exists extensions;
create schema if not exists supabase_migrations;
create schema if not exists _local;

grant usage on schema public, auth, realtime, storage, extensions to anon, authenticated, service_role;
grant all on schema public to anon, authenticated, service_role;

-- Supabase grants the API roles table privileges by default; RLS then decides row by row.
alter default privileges in schema public grant all on tables to anon, authenticated, service_role;
alter default privileges in schema public grant all on sequences to anon, authenticated, service_role;
alter default privileges in schema public grant execute on functions to anon, authenticated, service_role;

create table if not exists auth.users (
  instance_id uuid,
  id uuid primary key default gen_random_uuid(),
  aud text default 'authenticated',
  role text default 'authenticated',
  email text unique,
  encrypted_password text,
  email_confirmed_at timestamptz,
  invited_at timestamptz,
  confirmation_token text,
  recovery_token text,
  last_sign_in_at timestamptz,
  raw_app_meta_data jsonb not null default '{}'::jsonb,
  raw_user_meta_data jsonb not null default '{}'::jsonb,
  is_super_admin boolean,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  phone text unique,
  phone_confirmed_at timestamptz,
  banned_until timestamptz,
  deleted_at timestamptz,
  is_anonymous boolean not null default false
);

create table if not exists auth.sessions (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table if not exists auth.refresh_tokens (
  id bigserial primary key,
  token text not null unique,
  user_id uuid not null references auth.users (id) on delete cascade,
  session_id uuid references auth.sessions (id) on delete cascade,
  parent text,
  revoked boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create or replace function auth.uid() returns uuid
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$$;

create or replace function auth.role() returns text
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
  )::text
$$;

create or replace function auth.email() returns text
language sql stable
as $$
  select (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')::text
$$;

create or replace function auth.jwt() returns jsonb
language sql stable
as $$
  select coalesce(nullif(current_setting('request.jwt.claims', true), ''), '{}')::jsonb
$$;

grant execute on function auth.uid(), auth.role(), auth.email(), auth.jwt()
  to anon, authenticated, service_role;

-- Realtime authorization: private channels are allowed by RLS policies on this table, with the
-- channel's topic available to them as realtime.topic().
create table if not exists realtime.messages (
  id uuid primary key default gen_random_uuid(),
  topic text not null,
  extension text not null,
  payload jsonb,
  event text,
  private boolean default false,
  inserted_at timestamp not null default now(),
  updated_at timestamp not null default now()
);
alter table realtime.messages enable row level security;
grant select, insert on realtime.messages to anon, authenticated;
grant all on realtime.messages to service_role;

create or replace function realtime.topic() returns text
language sql stable
as $$
  select nullif(current_setting('realtime.topic', true), '')::text
$$;
grant execute on function realtime.topic() to anon, authenticated, service_role;

do $$
begin
  if not exists (select 1 from pg_publication where pubname = 'supabase_realtime') then
    create publication supabase_realtime;
  end if;
end
$$;

create table if not exists supabase_migrations.schema_migrations (
  version text primary key,
  name text,
  applied_at timestamptz not null default now()
);
create table if not exists supabase_migrations.seed_files (
  path text primary key,
  hash text not null,
  applied_at timestamptz not null default now()
);

-- Change capture for Realtime postgres_changes: a row per change, announced with NOTIFY. The
-- local stack attaches the trigger to every table in the supabase_realtime publication.
create table if not exists _local.changes (
  id bigserial primary key,
  schema_name text not null,
  table_name text not null,
  type text not null,
  record jsonb,
  old_record jsonb,
  commit_timestamp timestamptz not null default now()
);

create or replace function _local.capture_change() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  change_id bigint;
begin
  insert into _local.changes (schema_name, table_name, type, record, old_record)
  values (
    tg_table_schema, tg_table_name, tg_op,
    case when tg_op = 'DELETE' then null else to_jsonb(new) end,
    case when tg_op = 'INSERT' then null else to_jsonb(old) end
  )
  returning id into change_id;
  perform pg_notify('_local_changes', change_id::text);
  return null;
end
$$;

-- Tables join and leave the publication while the stack runs (a migration applied by hand, a
-- test): the capture trigger follows the publication at once, in the same transaction.
create or replace function _local.attach_change_capture() returns void
language plpgsql security definer set search_path = ''
as $$
declare
  target record;
begin
  for target in
    select format('%I.%I', schemaname, tablename) as name from pg_catalog.pg_publication_tables
     where pubname = 'supabase_realtime'
  loop
    execute format('drop trigger if exists _local_capture_change on %s', target.name);
    execute format('create trigger _local_capture_change after insert or update or delete on %s
                      for each row execute function _local.capture_change()', target.name);
  end loop;
  for target in
    select t.tgrelid::regclass::text as name from pg_catalog.pg_trigger t
     where t.tgname = '_local_capture_change'
       and not exists (select 1 from pg_catalog.pg_publication_rel r
                         join pg_catalog.pg_publication p on p.oid = r.prpubid
                        where p.pubname = 'supabase_realtime' and r.prrelid = t.tgrelid)
       and not exists (select 1 from pg_catalog.pg_publication p where p.pubname = 'supabase_realtime' and p.puballtables)
  loop
    execute format('drop trigger if exists _local_capture_change on %s', target.name);
  end loop;
end
$$;

create or replace function _local.on_publication_change() returns event_trigger
language plpgsql security definer set search_path = ''
as $$
begin
  perform _local.attach_change_capture();
end
$$;

-- As on hosted Supabase (its pgrst_ddl_watch event trigger), any DDL asks for a schema reload:
-- the stack's schema cache (REST and Realtime) reads the catalog again after the commit.
create or replace function _local.on_schema_change() returns event_trigger
language plpgsql security definer set search_path = ''
as $$
begin
  perform pg_catalog.pg_notify('pgrst', 'reload schema');
end
$$;

-- Event triggers need a superuser; a restricted DATABASE_URL does without them (publication
-- changes then take effect at the next start, and DDL reaches the schema cache on a miss).
do $$
begin
  drop event trigger if exists _local_publication_change;
  create event trigger _local_publication_change on ddl_command_end
    when tag in ('CREATE PUBLICATION', 'ALTER PUBLICATION')
    execute function _local.on_publication_change();
  drop event trigger if exists _local_schema_change;
  create event trigger _local_schema_change on ddl_command_end execute function _local.on_schema_change();
exception when insufficient_privilege then
  raise notice 'no event triggers (%): publication and schema changes are seen at the next start or on a miss', sqlerrm;
end
$$;
