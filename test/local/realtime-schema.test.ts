/**
 * postgres_changes after the schema changes under a running stack: Realtime reads a table's
 * columns and primary key from the stack's one schema cache (db/schema-cache.ts), which DDL and
 * `NOTIFY pgrst, 'reload schema'` invalidate, and a table added to the publication while the stack
 * runs is captured at once. Before, Realtime kept its own copy of each table it had seen and never
 * read it again, so a table re-created with another primary key was checked by a column that no
 * longer existed and its changes never arrived.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { RealtimeChannel, RealtimePostgresChangesPayload } from '@supabase/supabase-js';
import { startTestStack, type TestStack, type TestUser } from '../support/stack.ts';

type Change = RealtimePostgresChangesPayload<Record<string, unknown>>;

/** Changes a channel receives, each awaited with a bound. */
function changes() {
  const items: Change[] = [];
  const waiters: (() => void)[] = [];
  return {
    push(item: Change) {
      items.push(item);
      waiters.splice(0).forEach((wake) => wake());
    },
    async next(ms = 5000): Promise<Change> {
      const deadline = Date.now() + ms;
      while (!items.length) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no postgres_changes event within ${ms} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => (clearTimeout(timer), resolve()));
        });
      }
      return items.shift()!;
    },
  };
}

const subscribed = (channel: RealtimeChannel) =>
  new Promise<void>((resolve, reject) =>
    channel.subscribe((status, error) => {
      if (status === 'SUBSCRIBED') resolve();
      else if (status !== 'CLOSED') reject(new Error(`${status}: ${error?.message}`));
    }),
  );

/** A table only its owner's rows of which a user may read, in the publication. */
const createNotes = (table: string, key: string) => `
  create table public.${table} (${key}, owner uuid not null, body text);
  alter table public.${table} enable row level security;
  create policy own on public.${table} for select to authenticated using (owner = auth.uid());
  grant select, insert, update, delete on public.${table} to authenticated;
  alter publication supabase_realtime add table public.${table};
`;

describe('postgres_changes follow the schema as it is now', () => {
  let stack: TestStack;
  let anna: TestUser;
  let boris: TestUser;

  before(async () => {
    stack = await startTestStack();
    anna = await stack.createUser({ name: 'Anna' });
    boris = await stack.createUser({ name: 'Boris' });
  });
  after(async () => stack?.close());

  /** Anna's channel on the table, and what it receives. */
  async function watch(table: string) {
    const received = changes();
    const channel = anna.client
      .channel(`schema-${randomUUID()}`)
      .on('postgres_changes', { event: '*', schema: 'public', table }, (payload) => received.push(payload as Change));
    await subscribed(channel);
    return { received, stop: () => anna.client.removeChannel(channel) };
  }

  it('delivers a table re-created with another primary key, created and published after start', async () => {
    await stack.db.exec(createNotes('notes_recreated', 'id integer primary key'));
    const { received, stop } = await watch('notes_recreated');
    // Realtime reads the table (id integer primary key) for this delivery.
    await stack.db.query(`insert into public.notes_recreated (id, owner, body) values (1, $1, 'first')`, [anna.id]);
    const first = await received.next();
    assert.deepEqual([first.eventType, first.new], ['INSERT', { id: 1, owner: anna.id, body: 'first' }]);

    // The same name, a uuid key and one more column: the old copy would check `id`, which is gone.
    await stack.db.exec(`drop table public.notes_recreated; ${createNotes('notes_recreated', 'note_id uuid primary key')}
                         alter table public.notes_recreated add column pinned boolean not null default false;`);
    const noteId = randomUUID();
    // Boris's row first: Anna's RLS must still be asked, by the new key, and refuse it.
    await stack.db.query(`insert into public.notes_recreated (note_id, owner, body) values ($1, $2, 'not hers')`, [randomUUID(), boris.id]);
    await stack.db.query(`insert into public.notes_recreated (note_id, owner, body) values ($1, $2, 'second')`, [noteId, anna.id]);
    const second = await received.next();
    assert.equal(second.eventType, 'INSERT');
    assert.deepEqual(second.new, { note_id: noteId, owner: anna.id, body: 'second', pinned: false });

    await stack.db.query(`delete from public.notes_recreated where note_id = $1`, [noteId]);
    const deleted = await received.next();
    // A delete carries the primary key only: the new one.
    assert.deepEqual([deleted.eventType, deleted.old], ['DELETE', { note_id: noteId }]);
    await stop();
  });

  it('reloads on NOTIFY pgrst, \'reload schema\' where DDL did not say so itself', async () => {
    await stack.db.exec(createNotes('notes_rekeyed', 'id integer primary key, code text not null unique'));
    const { received, stop } = await watch('notes_rekeyed');
    await stack.db.query(`insert into public.notes_rekeyed (id, code, owner, body) values (1, 'a', $1, 'first')`, [anna.id]);
    assert.equal((await received.next()).eventType, 'INSERT');

    // The primary key moves to another existing column with the DDL event trigger off (as on a
    // server where the stack may not create one): nothing tells the cache but the NOTIFY.
    await stack.db.exec(`
      alter event trigger _local_schema_change disable;
      alter table public.notes_rekeyed drop constraint notes_rekeyed_pkey, alter column id drop not null,
        add primary key (code);
      alter event trigger _local_schema_change enable;
    `);
    await stack.db.query(`notify pgrst, 'reload schema'`);
    // id is null now: a check by the old key (id = null) would find no row and drop the change.
    await stack.db.query(`insert into public.notes_rekeyed (id, code, owner, body) values (null, 'b', $1, 'second')`, [anna.id]);
    const second = await received.next();
    assert.deepEqual([second.eventType, second.new], ['INSERT', { id: null, code: 'b', owner: anna.id, body: 'second' }]);
    await stack.db.query(`delete from public.notes_rekeyed where code = 'b'`);
    assert.deepEqual((await received.next()).old, { code: 'b' });
    await stop();
  });
});
