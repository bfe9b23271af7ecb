/**
 * The REST service through the official supabase-js: PostgREST's query language on fixture
 * tables, the call schema's RLS from both sides with three users, and every bad-input path.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestStack, type TestStack, type TestUser } from '../support/stack.ts';

describe('rest service', () => {
  let stack: TestStack;
  let host: TestUser;
  let guest: TestUser;
  let outsider: TestUser;

  const raw = (path: string, init: RequestInit & { token?: string } = {}) =>
    fetch(`${stack.url}/rest/v1/${path}`, {
      ...init,
      headers: {
        apikey: stack.anonKey,
        authorization: `Bearer ${init.token ?? host.token}`,
        'content-type': 'application/json',
        ...(init.headers as Record<string, string> | undefined),
      },
    });
  const ids = (rows: { id: number }[] | null) => (rows ?? []).map((row) => row.id).sort((a, b) => a - b);

  before(async () => {
    stack = await startTestStack();
    host = await stack.createUser({ email: 'anna@example.test', name: 'Anna' });
    guest = await stack.createUser({ email: 'boris@example.test', name: 'Boris' });
    outsider = await stack.createUser({ email: 'eve@example.test', name: 'Eve' });
    // Fixture tables for the query language, created after start: the schema cache reloads on a miss.
    await stack.db.exec(`
      create table public.rest_authors (
        id int primary key, name text not null unique, tags text[] not null default '{}',
        meta jsonb not null default '{}', born date, rating int check (rating between 0 and 10));
      create table public.rest_books (
        id int primary key, title text not null, pages int,
        author_id int references public.rest_authors (id),
        editor_id int references public.rest_authors (id));
      create function public.rest_add(a int, b int default 1) returns int language sql as 'select a + b';
      create function public.rest_prolific(min_books int) returns setof public.rest_authors language sql stable as
        'select * from public.rest_authors a where (select count(*) from public.rest_books b where b.author_id = a.id) >= min_books';
      grant all on public.rest_authors, public.rest_books to anon, authenticated;
      insert into public.rest_authors (id, name, tags, meta, born, rating) values
        (1, 'Tolstoy', '{novel,russian}', '{"country": "ru", "awards": 0}', '1828-09-09', 9),
        (2, 'Chekhov', '{story,play,russian}', '{"country": "ru"}', '1860-01-29', 8),
        (3, 'Austen', '{novel}', '{"country": "uk"}', null, null);
      insert into public.rest_books values
        (1, 'War and Peace', 1225, 1, 2), (2, 'Anna Karenina', 864, 1, null),
        (3, 'The Seagull', 80, 2, 1), (4, 'Emma', 474, 3, null);
    `);
  });
  after(() => stack.close());

  describe('reading', () => {
    it('selects columns with aliases, casts and JSON paths', async () => {
      const { data, error } = await host.client
        .from('rest_authors')
        .select('id, author:name, country:meta->>country, rating::text')
        .eq('id', 1)
        .single();
      assert.ifError(error);
      assert.deepEqual(data, { id: 1, author: 'Tolstoy', country: 'ru', rating: '9' });
    });

    it('applies every filter operator', async () => {
      const authors = host.client.from('rest_authors');
      const cases: [string, () => PromiseLike<{ data: unknown; error: unknown }>, number[]][] = [
        ['eq', () => authors.select('id').eq('name', 'Austen'), [3]],
        ['neq', () => authors.select('id').neq('name', 'Austen'), [1, 2]],
        ['gt', () => authors.select('id').gt('rating', 8), [1]],
        ['gte', () => authors.select('id').gte('rating', 8), [1, 2]],
        ['lt', () => authors.select('id').lt('born', '1850-01-01'), [1]],
        ['lte', () => authors.select('id').lte('rating', 8), [2]],
        ['like', () => authors.select('id').like('name', '%ov'), [2]],
        ['ilike', () => authors.select('id').ilike('name', 'T%'), [1]],
        ['is null', () => authors.select('id').is('born', null), [3]],
        ['in', () => authors.select('id').in('name', ['Austen', 'Chekhov', 'Nobody']), [2, 3]],
        ['cs array', () => authors.select('id').contains('tags', ['novel']), [1, 3]],
        ['cd array', () => authors.select('id').containedBy('tags', ['novel', 'russian', 'story']), [1, 3]],
        ['cs jsonb', () => authors.select('id').contains('meta', { country: 'ru' }), [1, 2]],
        ['ov', () => authors.select('id').overlaps('tags', ['play', 'novel']), [1, 2, 3]],
        ['not', () => authors.select('id').not('name', 'in', '(Austen,Chekhov)'), [1]],
        ['or', () => authors.select('id').or('name.eq.Austen,and(rating.gte.8,born.gt.1850-01-01)'), [2, 3]],
        ['json path', () => authors.select('id').eq('meta->>country', 'uk'), [3]],
      ];
      for (const [name, query, expected] of cases) {
        const { data, error } = await query();
        assert.ifError(error);
        assert.deepEqual(ids(data as { id: number }[]), expected, name);
      }
    });

    it('orders, pages and counts', async () => {
      const { data, error, count } = await host.client
        .from('rest_books')
        .select('id, pages', { count: 'exact' })
        .order('pages', { ascending: false })
        .range(1, 2);
      assert.ifError(error);
      assert.deepEqual(data, [{ id: 2, pages: 864 }, { id: 4, pages: 474 }]);
      assert.equal(count, 4);
      const nulls = await host.client.from('rest_authors').select('id').order('born', { ascending: true, nullsFirst: true });
      assert.deepEqual(nulls.data, [{ id: 3 }, { id: 1 }, { id: 2 }]);
      const head = await host.client.from('rest_books').select('*', { count: 'exact', head: true }).gt('pages', 100);
      assert.equal(head.count, 3);
      assert.equal(head.data, null);
    });

    it('embeds one level of related rows both ways, with hints, filters and inner joins', async () => {
      const books = await host.client
        .from('rest_books')
        .select('title, author:rest_authors!author_id(name), editor:rest_authors!editor_id(name)')
        .eq('id', 3)
        .single();
      assert.ifError(books.error);
      assert.deepEqual(books.data, { title: 'The Seagull', author: { name: 'Chekhov' }, editor: { name: 'Tolstoy' } });

      const authors = await host.client
        .from('rest_authors')
        .select('name, books:rest_books!author_id(title)')
        .eq('books.pages', 864)
        .order('id');
      assert.ifError(authors.error);
      assert.deepEqual(authors.data?.[0], { name: 'Tolstoy', books: [{ title: 'Anna Karenina' }] });
      assert.deepEqual(authors.data?.[1], { name: 'Chekhov', books: [] });

      const inner = await host.client
        .from('rest_authors')
        .select('name, rest_books!author_id!inner(title)')
        .lt('rest_books.pages', 100);
      assert.ifError(inner.error);
      assert.deepEqual(inner.data, [{ name: 'Chekhov', rest_books: [{ title: 'The Seagull' }] }]);
    });

    it('reports ambiguous and unknown relationships as PostgREST does', async () => {
      const ambiguous = await host.client.from('rest_books').select('title, rest_authors(name)');
      assert.equal(ambiguous.status, 300);
      assert.equal(ambiguous.error?.code, 'PGRST201');
      const unknown = await host.client.from('rest_books').select('title, video_call_sessions(id)');
      assert.equal(unknown.status, 400);
      assert.equal(unknown.error?.code, 'PGRST200');
    });

    it('answers .single() and .maybeSingle() by row count', async () => {
      const none = await host.client.from('rest_authors').select().eq('id', 99).single();
      assert.equal(none.status, 406);
      assert.equal(none.error?.code, 'PGRST116');
      const maybe = await host.client.from('rest_authors').select().eq('id', 99).maybeSingle();
      assert.ifError(maybe.error);
      assert.equal(maybe.data, null);
      const many = await host.client.from('rest_authors').select().maybeSingle();
      assert.equal(many.error?.code, 'PGRST116');
    });
  });

  describe('writing', () => {
    it('inserts one row or many, returning what was asked', async () => {
      const one = await host.client.from('rest_authors').insert({ id: 10, name: 'Gogol' }).select('id, name, tags').single();
      assert.ifError(one.error);
      assert.equal(one.status, 201);
      assert.deepEqual(one.data, { id: 10, name: 'Gogol', tags: [] });
      const many = await host.client.from('rest_authors').insert([{ id: 11, name: 'Pushkin' }, { id: 12, name: 'Bunin' }], { count: 'exact' });
      assert.ifError(many.error);
      assert.equal(many.status, 201);
      assert.equal(many.data, null);
      assert.equal(many.count, 2);
    });

    it('upserts with merge or ignore, on the primary key or named columns', async () => {
      const merged = await host.client.from('rest_authors').upsert({ id: 10, name: 'Nikolai Gogol', rating: 7 }).select('name, rating');
      assert.ifError(merged.error);
      assert.deepEqual(merged.data, [{ name: 'Nikolai Gogol', rating: 7 }]);
      const ignored = await host.client
        .from('rest_authors')
        .upsert({ id: 13, name: 'Nikolai Gogol' }, { onConflict: 'name', ignoreDuplicates: true })
        .select();
      assert.ifError(ignored.error);
      assert.deepEqual(ignored.data, []);
      const { data } = await host.client.from('rest_authors').select('id').eq('name', 'Nikolai Gogol');
      assert.deepEqual(data, [{ id: 10 }]);
    });

    it('updates and deletes by filter, with counts', async () => {
      const updated = await host.client.from('rest_authors').update({ rating: 5 }, { count: 'exact' }).in('id', [11, 12]).select('id, rating').order('id');
      assert.ifError(updated.error);
      assert.deepEqual(updated.data, [{ id: 11, rating: 5 }, { id: 12, rating: 5 }]);
      assert.equal(updated.count, 2);
      const deleted = await host.client.from('rest_authors').delete({ count: 'exact' }).gte('id', 11);
      assert.ifError(deleted.error);
      assert.equal(deleted.status, 204);
      assert.equal(deleted.count, 2);
    });

    it('rolls the whole request back when .single() does not get exactly one row', async () => {
      const result = await host.client.from('rest_authors').update({ rating: 0 }).in('id', [1, 2]).select().single();
      assert.equal(result.error?.code, 'PGRST116');
      const { data } = await host.client.from('rest_authors').select('rating').in('id', [1, 2]).order('id');
      assert.deepEqual(data, [{ rating: 9 }, { rating: 8 }]);
    });

    it('calls functions with named arguments by POST and GET', async () => {
      const sum = await host.client.rpc('rest_add', { a: 2, b: 3 });
      assert.deepEqual([sum.error, sum.data], [null, 5]);
      const withDefault = await host.client.rpc('rest_add', { a: 2 }, { get: true });
      assert.deepEqual([withDefault.error, withDefault.data], [null, 3]);
      const rows = await host.client.rpc('rest_prolific', { min_books: 2 }).select('name');
      assert.deepEqual([rows.error, rows.data], [null, [{ name: 'Tolstoy' }]]);
      const missing = await host.client.rpc('rest_add', { c: 1 });
      assert.equal(missing.status, 404);
      assert.equal(missing.error?.code, 'PGRST202');
    });
  });

  describe('bad input', () => {
    it('answers malformed JSON, wrong shapes and unknown columns with 400 and writes nothing', async () => {
      const malformed = await raw('rest_authors', { method: 'POST', body: '{"id": 20,' });
      assert.equal(malformed.status, 400);
      assert.equal((await malformed.json()).code, 'PGRST102');
      const shape = await raw('rest_authors', { method: 'POST', body: '[1, 2]' });
      assert.equal(shape.status, 400);
      const column = await host.client.from('rest_authors').insert({ id: 20, name: 'X', nope: 1 });
      assert.equal(column.status, 400);
      assert.equal(column.error?.code, 'PGRST204');
      const type = await host.client.from('rest_authors').insert({ id: 'twenty', name: 'X' });
      assert.equal(type.status, 400);
      assert.equal(type.error?.code, '22P02');
      const check = await host.client.from('rest_authors').insert([{ id: 21, name: 'Ok' }, { id: 22, name: 'Bad', rating: 11 }]);
      assert.equal(check.status, 400);
      assert.equal(check.error?.code, '23514');
      const duplicate = await host.client.from('rest_authors').insert({ id: 1, name: 'Again' });
      assert.equal(duplicate.status, 409);
      assert.equal(duplicate.error?.code, '23505');
      const { count } = await host.client.from('rest_authors').select('*', { count: 'exact', head: true }).in('id', [20, 21, 22]);
      assert.equal(count, 0, 'no half-written rows');
    });

    it('answers unknown tables, columns and operators and broken filter syntax', async () => {
      const table = await host.client.from('rest_nothing').select();
      assert.deepEqual([table.status, table.error?.code], [404, 'PGRST205']);
      const column = await host.client.from('rest_authors').select('nope');
      assert.deepEqual([column.status, column.error?.code], [400, '42703']);
      const operator = await raw('rest_authors?name=approx.Tolstoy');
      assert.deepEqual([operator.status, (await operator.json()).code], [400, 'PGRST100']);
      const syntax = await raw('rest_authors?or=(name.eq.Tolstoy');
      assert.deepEqual([syntax.status, (await syntax.json()).code], [400, 'PGRST100']);
      const unused = await raw('rest_authors?select=id&rest_books.pages=gt.1');
      assert.deepEqual([unused.status, (await unused.json()).code], [400, 'PGRST108']);
      const injection = await host.client.from('rest_authors').select('id').eq('name', "x'; drop table rest_books; --");
      assert.deepEqual([injection.error, injection.data], [null, []]);
      assert.equal((await host.client.from('rest_books').select('id')).data?.length, 4);
    });

    it('refuses bodies over 1 MiB with 413', async () => {
      const big = await host.client.from('rest_authors').insert({ id: 30, name: 'x'.repeat(1024 * 1024 + 1) });
      assert.equal(big.status, 413);
      assert.equal(typeof big.error?.message, 'string');
      const after = await host.client.from('rest_authors').select('id').eq('id', 30);
      assert.deepEqual(after.data, []);
    });

    it('refuses a missing, expired or forged JWT with 401', async () => {
      const missing = await fetch(`${stack.url}/rest/v1/rest_authors`);
      assert.deepEqual([missing.status, (await missing.json()).message], [401, 'No API key found in request']);
      const now = Math.floor(Date.now() / 1000);
      const expired = stack.sign({ sub: host.id, role: 'authenticated', iat: now - 7200, exp: now - 3600 });
      const late = await raw('rest_authors', { token: expired });
      assert.deepEqual([late.status, (await late.json()).code], [401, 'PGRST303']);
      const forged = `${host.token.slice(0, host.token.lastIndexOf('.'))}.c2lnbmF0dXJl`;
      const bad = await raw('rest_authors', { token: forged });
      assert.deepEqual([bad.status, (await bad.json()).code], [401, 'PGRST301']);
      const role = await raw('rest_authors', { token: stack.sign({ role: 'postgres', exp: now + 60 }) });
      assert.equal(role.status, 401);
    });
  });

  describe('call schema through supabase-js', () => {
    let sessionId: string;

    before(async () => {
      const { data, error } = await host.client.from('video_call_sessions').insert({ title: 'Deal review', event_id: 'evt-42' }).select().single();
      assert.ifError(error);
      sessionId = data.id;
      const invited = await host.client.from('video_call_participants').insert({ session_id: sessionId, user_id: guest.id });
      assert.ifError(invited.error);
    });

    it('sessions: members read, outsiders and anon do not; only the host edits', async () => {
      const asGuest = await guest.client.from('video_call_sessions').select('title, host_id').eq('id', sessionId).single();
      assert.deepEqual(asGuest.data, { title: 'Deal review', host_id: host.id });
      const asOutsider = await outsider.client.from('video_call_sessions').select().eq('id', sessionId);
      assert.deepEqual(asOutsider.data, []);
      const asAnon = await stack.anonClient().from('video_call_sessions').select();
      assert.equal(asAnon.status, 401);

      const guestEdit = await guest.client.from('video_call_sessions').update({ title: 'Mine' }).eq('id', sessionId).select();
      assert.deepEqual(guestEdit.data, []);
      const hostEdit = await host.client.from('video_call_sessions').update({ title: 'Deal review (Q4)' }).eq('id', sessionId).select('title');
      assert.deepEqual(hostEdit.data, [{ title: 'Deal review (Q4)' }]);
      const takeover = await host.client.from('video_call_sessions').update({ host_id: guest.id }).eq('id', sessionId);
      assert.deepEqual([takeover.status, takeover.error?.code], [403, '42501']);
      const inOthersName = await guest.client.from('video_call_sessions').insert({ title: 'x', host_id: host.id });
      assert.deepEqual([inOthersName.status, inOthersName.error?.code], [403, '42501']);
    });

    it('participants: the host invites and withdraws; invitees answer only their own row', async () => {
      const byGuest = await guest.client.from('video_call_participants').insert({ session_id: sessionId, user_id: outsider.id });
      assert.equal(byGuest.status, 403);
      const answer = await guest.client
        .from('video_call_participants')
        .update({ invite_status: 'tentative' })
        .eq('session_id', sessionId)
        .select('user_id, invite_status');
      assert.deepEqual(answer.data, [{ user_id: guest.id, invite_status: 'tentative' }]);
      const roleChange = await guest.client.from('video_call_participants').update({ role: 'host' }).eq('user_id', guest.id);
      assert.equal(roleChange.status, 403);
      const hidden = await outsider.client.from('video_call_participants').select().eq('session_id', sessionId);
      assert.deepEqual(hidden.data, []);
      const list = await guest.client
        .from('video_call_sessions')
        .select('title, video_call_participants(display_name, role)')
        .eq('id', sessionId)
        .single();
      assert.deepEqual(
        list.data?.video_call_participants.map((p: { display_name: string }) => p.display_name).sort(),
        ['Anna', 'Boris'],
      );
      const extra = await host.client.from('video_call_participants').insert({ session_id: sessionId, email: 'dan@example.test' }).select('id').single();
      const guestRemoves = await guest.client.from('video_call_participants').delete().eq('id', extra.data!.id).select();
      assert.deepEqual(guestRemoves.data, []);
      const hostRemoves = await host.client.from('video_call_participants').delete().eq('id', extra.data!.id).select('email');
      assert.deepEqual(hostRemoves.data, [{ email: 'dan@example.test' }]);
    });

    it('signals: members write as themselves and read what is addressed to them', async () => {
      const toHost = await guest.client.from('video_call_signals').insert({ session_id: sessionId, to_user: host.id, kind: 'offer', payload: { sdp: 'v=0' } });
      assert.ifError(toHost.error);
      const forged = await guest.client.from('video_call_signals').insert({ session_id: sessionId, from_user: host.id, kind: 'ice' });
      assert.equal(forged.status, 403);
      const outsiderSends = await outsider.client.from('video_call_signals').insert({ session_id: sessionId, kind: 'ice' });
      assert.equal(outsiderSends.status, 403);
      const hostReads = await host.client.from('video_call_signals').select('kind').eq('session_id', sessionId);
      assert.deepEqual(hostReads.data, [{ kind: 'offer' }]);
      const guestReads = await guest.client.from('video_call_signals').select('kind').eq('session_id', sessionId);
      assert.deepEqual(guestReads.data, []);
    });

    it('join and leave RPCs: members in, outsiders 403, unknown 404, ended 409', async () => {
      const joined = await guest.client.rpc('join_video_call', { p_session_id: sessionId });
      assert.ifError(joined.error);
      assert.equal(joined.data.presence_status, 'connected');
      const outsiderJoins = await outsider.client.rpc('join_video_call', { p_session_id: sessionId });
      assert.deepEqual([outsiderJoins.status, outsiderJoins.error?.code], [403, '42501']);
      const unknown = await guest.client.rpc('join_video_call', { p_session_id: crypto.randomUUID() });
      assert.deepEqual([unknown.status, unknown.error?.code], [404, 'PT404']);
      const left = await guest.client.rpc('leave_video_call', { p_session_id: sessionId });
      assert.ifError(left.error);
      await host.client.from('video_call_sessions').update({ status: 'ended' }).eq('id', sessionId);
      const late = await guest.client.rpc('join_video_call', { p_session_id: sessionId });
      assert.deepEqual([late.status, late.error?.code], [409, 'PT409']);
      const reopen = await host.client.from('video_call_sessions').update({ status: 'active' }).eq('id', sessionId);
      assert.deepEqual([reopen.status, reopen.error?.code], [409, 'PT409']);
    });
  });
});
