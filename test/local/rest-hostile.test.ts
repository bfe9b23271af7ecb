/**
 * The REST service against hostile input from the anon key or an ordinary signed-in user: SQL
 * smuggled through every part of PostgREST's query language, requests built to be expensive, and
 * malformed URLs, tokens, headers and bodies. Each gets a PostgREST-shaped 4xx and leaks nothing.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startTestStack, type TestStack, type TestUser } from '../support/stack.ts';

interface RestAnswer {
  status: number;
  text: string;
  body: { code?: string; message?: string; details?: string | null; hint?: string | null } & Record<string, unknown>;
  headers: Headers;
}

describe('rest service under hostile input', () => {
  let stack: TestStack;
  let user: TestUser;

  const call = async (path: string, init: RequestInit & { token?: string } = {}): Promise<RestAnswer> => {
    const res = await fetch(`${stack.url}/rest/v1/${path}`, {
      ...init,
      headers: {
        apikey: stack.anonKey,
        authorization: `Bearer ${init.token ?? user.token}`,
        'content-type': 'application/json',
        ...(init.headers as Record<string, string> | undefined),
      },
    });
    const text = await res.text();
    return { status: res.status, text, body: text ? JSON.parse(text) : {}, headers: res.headers };
  };
  /** A 4xx in PostgREST's shape, with the expected status and code. */
  const assertRefused = (answer: RestAnswer, status: number, code: string, context: string) => {
    assert.equal(answer.status, status, `${context}: ${answer.text}`);
    assert.equal(answer.body.code, code, `${context}: ${answer.text}`);
    assert.deepEqual(Object.keys(answer.body).sort(), ['code', 'details', 'hint', 'message'], context);
  };
  /** Role names only the catalog holds: an error may echo the request, never these. */
  const leaksCatalog = (text: string) => /pg_monitor|pg_database_owner|pg_signal_backend|pg_read_all_settings/.test(text);
  const countAuthors = async () =>
    (await stack.db.query<{ n: number }>('select count(*)::int as n from public.rest_h_authors')).rows[0].n;

  before(async () => {
    stack = await startTestStack();
    user = await stack.createUser({ email: 'mallory@example.test', name: 'Mallory' });
    await stack.db.exec(`
      create table public.rest_h_authors (
        id int primary key, name text not null, tags text[] not null default '{}',
        meta jsonb not null default '{}', born date, rating int);
      create table public.rest_h_books (id int primary key, title text, author_id int references public.rest_h_authors (id));
      create function public.rest_h_add(a int, b int default 1) returns int language sql as 'select a + b';
      create function public.rest_h_cancelled() returns void language plpgsql as $$
        begin raise exception 'canceling statement due to statement timeout' using errcode = 'query_canceled'; end $$;
      grant all on public.rest_h_authors, public.rest_h_books to anon, authenticated;
      insert into public.rest_h_authors values
        (1, 'Tolstoy', '{novel}', '{"country": "ru"}', '1828-09-09', 9),
        (2, 'Austen', '{novel}', '{"country": "uk"}', null, 7);
      insert into public.rest_h_books values (1, 'War and Peace', 1), (2, 'Emma', 2);
    `);
    // A session of the user's own, so a smuggled UNION would have rows to ride on.
    const session = await user.client.from('video_call_sessions').insert({ title: 'Standup' });
    assert.ifError(session.error);
  });
  after(() => stack.close());

  describe('SQL injection', () => {
    it('refuses SQL in a select cast and leaks nothing from the catalog', async () => {
      const attempts = [
        // As reported: the cast pattern allowed spaces, so words after "::" became SQL.
        'title::text from video_call_sessions _t0 union all select rolname from pg_roles',
        'title::text as t from video_call_sessions _t0 union all select rolname from pg_roles union all select title',
        'title::text,(select rolname from pg_roles limit 1)',
        'title::text;select 1',
        'title::text--',
        'title::text)',
        "title::text'",
        'title::varchar(10)',
        'title::text as x',
      ];
      for (const select of attempts) {
        const answer = await call(`video_call_sessions?select=${encodeURIComponent(select)}`);
        assert.ok(answer.status >= 400 && answer.status < 500, `${select}: ${answer.status} ${answer.text}`);
        assert.ok(!leaksCatalog(answer.text), `${select} leaked: ${answer.text}`);
      }
      const reported = await call(`video_call_sessions?select=${encodeURIComponent(attempts[1])}`);
      assertRefused(reported, 400, 'PGRST100', 'union through a cast');
    });

    it('still casts to one type name, multi-word, schema-qualified or array', async () => {
      const select = 'id,r:rating::double precision,b:born::timestamp with time zone,t:tags::pg_catalog.text,a:tags::text[]';
      const answer = await call(`rest_h_authors?select=${encodeURIComponent(select)}&id=eq.1`);
      assert.equal(answer.status, 200, answer.text);
      const [row] = answer.body as unknown as Record<string, unknown>[];
      assert.deepEqual({ ...row, b: String(row.b).slice(0, 19) }, { id: 1, r: 9, b: '1828-09-09T00:00:00', t: '{novel}', a: ['novel'] });
    });

    it('keeps aliases and JSON path keys as names, never SQL', async () => {
      const alias = `x' from pg_roles; --`;
      const aliased = await call(`rest_h_authors?select=${encodeURIComponent(`${alias}:name`)}&order=id`);
      assert.equal(aliased.status, 200, aliased.text);
      assert.deepEqual(aliased.body, [{ [alias]: 'Tolstoy' }, { [alias]: 'Austen' }]);

      const key = `x' || current_user || '`;
      const path = await call(`rest_h_authors?select=${encodeURIComponent(`id,meta->>${key}`)}&order=id`);
      assert.equal(path.status, 200, path.text);
      assert.deepEqual(path.body, [{ id: 1, [key]: null }, { id: 2, [key]: null }]);

      const filter = await call(`rest_h_authors?select=id&${encodeURIComponent(`meta->>country') or true or ('`)}=eq.uk`);
      assert.deepEqual([filter.status, filter.body], [200, []]);
    });

    it('refuses SQL in order, embed hints, on_conflict, columns, fts configurations and arrays', async () => {
      const cases: [string, RequestInit, number, string][] = [
        ['rest_h_authors?order=name.desc;select 1', {}, 400, 'PGRST100'],
        ['rest_h_authors?order=name) desc, (select 1', {}, 400, 'PGRST100'],
        ['rest_h_authors?order=name.desc nulls first, 1', {}, 400, 'PGRST100'],
        [`rest_h_books?select=title,rest_h_authors!author_id'; select 1; --(name)`, {}, 400, 'PGRST200'],
        ['rest_h_authors?name=fts(english);select).cat', {}, 400, 'PGRST100'],
        ['rest_h_authors?name=fts(no_such_config).cat', {}, 400, '42704'],
        [`rest_h_authors?name=eq(any).{a}'::text[]) or true or name = any('{x}`, {}, 400, 'PGRST100'],
        [`rest_h_authors?name=like(any).{"a",{b}}`, {}, 400, 'PGRST100'],
        [
          `rest_h_authors?on_conflict=${encodeURIComponent(`id) do update set name = 'owned' --`)}`,
          { method: 'POST', body: JSON.stringify({ id: 1, name: 'Tolstoy' }), headers: { prefer: 'resolution=merge-duplicates' } },
          400,
          'PGRST204',
        ],
        [
          `rest_h_authors?columns=${encodeURIComponent(`id,name) select 3, rolname from pg_roles --`)}`,
          { method: 'POST', body: JSON.stringify({ id: 3, name: 'X' }) },
          400,
          'PGRST204',
        ],
        ['rpc/rest_h_add', { method: 'POST', body: JSON.stringify({ a: 1, 'b => 1) union select 1 --': 2 }) }, 404, 'PGRST202'],
      ];
      for (const [path, init, status, code] of cases) {
        const answer = await call(path.replaceAll(' ', '%20').replaceAll('"', '%22').replaceAll('{', '%7B').replaceAll('}', '%7D'), init);
        assertRefused(answer, status, code, path);
        assert.ok(!leaksCatalog(answer.text), `${path} leaked: ${answer.text}`);
      }
      assert.equal(await countAuthors(), 2, 'nothing written');
      const names = await call('rest_h_authors?select=name&order=id');
      assert.deepEqual(names.body, [{ name: 'Tolstoy' }, { name: 'Austen' }]);
    });

    it('reads (any)/(all) arrays as Postgres does, quotes and NULL included', async () => {
      const answer = await call(`rest_h_authors?select=id&name=like(any).${encodeURIComponent('{"Tol*", Aus\\ten ,NULL}')}&order=id`);
      assert.deepEqual([answer.status, answer.body], [200, [{ id: 1 }, { id: 2 }]]);
      const none = await call(`rest_h_authors?select=id&id=eq(any).${encodeURIComponent('{}')}`);
      assert.deepEqual([none.status, none.body], [200, []]);
    });

    it('honours only the preferences PostgREST knows, and refuses the rest with handling=strict', async () => {
      const strict = await call('rest_h_authors', {
        method: 'POST',
        body: JSON.stringify({ id: 5, name: 'Strict' }),
        headers: { prefer: 'handling=strict, return=representation; select 1, count=exact' },
      });
      assertRefused(strict, 400, 'PGRST122', 'strict');
      assert.match(String(strict.body.details), /return=representation; select 1/);
      const lenient = await call('rest_h_authors?select=id', {
        method: 'POST',
        body: JSON.stringify({ id: 5, name: 'Lenient' }),
        headers: { prefer: 'return=representation, count=bogus, max-affected=abc, =, tx=commit=x' },
      });
      assert.deepEqual([lenient.status, lenient.body], [201, [{ id: 5 }]]);
      assert.equal(lenient.headers.get('preference-applied'), 'return=representation');
      await stack.db.query('delete from public.rest_h_authors where id = 5');
    });
  });

  describe('what one request may cost', () => {
    const refusedForLimit = async (path: string, limit: string, init: RequestInit = {}, code = 'PGRST100') => {
      const answer = await call(path, init);
      assertRefused(answer, 400, code, limit);
      assert.match(String(answer.body.details), new RegExp(`\\b${limit} limit is \\d+`), limit);
      return answer;
    };

    it('refuses regular expressions too complex to compile, before Postgres sees them', async () => {
      const answer = await refusedForLimit(`rest_h_authors?name=match.${encodeURIComponent('(.{1,255}){1,255}b')}`, 'regexSize');
      assert.match(String(answer.body.message), /too complex/);
      await refusedForLimit(`rest_h_authors?name=imatch.${encodeURIComponent('(.*.*.*.*){1,250}')}`, 'regexSize');
      const fine = await call(`rest_h_authors?select=id&name=match.${encodeURIComponent('^T[a-z]{2,10}y$')}`);
      assert.deepEqual([fine.status, fine.body], [200, [{ id: 1 }]]);
    });

    it('bounds patterns in (any)/(all) lists, their length and the regular expressions per request', async () => {
      // As reported: 300 quoted patterns with bounded repetitions held the server for minutes.
      const braces = Array.from({ length: 300 }, (_, i) => `"a{2}${i}"`).join(',');
      await refusedForLimit(`rest_h_authors?name=match(any).${encodeURIComponent(`{${braces}}`)}`, 'patternValues');
      await refusedForLimit(`rest_h_authors?name=like.${'a'.repeat(513)}`, 'patternLength');
      const regexes = Array.from({ length: 33 }, (_, i) => `name.match.x${i}`).join(',');
      await refusedForLimit(`rest_h_authors?or=(${regexes})`, 'regexes');
      const patterns = Array.from({ length: 100 }, (_, i) => `x${i}*`).join(',');
      await refusedForLimit(`rest_h_authors?select=id&name=like(any).${encodeURIComponent(`{${patterns},Aus*}`)}`, 'patternValues');
      const hundred = await call(`rest_h_authors?select=id&name=like(any).${encodeURIComponent(`{${Array.from({ length: 99 }, (_, i) => `x${i}*`).join(',')},Aus*}`)}`);
      assert.deepEqual([hundred.status, hundred.body], [200, [{ id: 2 }]]);
    });

    it('bounds lists, filters, logic nesting, select trees, embedding depth and order terms', async () => {
      /** `(…)` of `or=`/`and=` with `depth` levels of logic in all. */
      const nested = (operator: string, depth: number) => {
        let inner = 'id.eq.1';
        for (let level = 1; level < depth; level++) inner = `${operator}(${inner})`;
        return `(${inner})`;
      };
      const ids = (n: number) => Array.from({ length: n }, (_, i) => i + 1).join(',');
      await refusedForLimit(`rest_h_authors?id=in.(${ids(1001)})`, 'listValues');
      const inList = await call(`rest_h_authors?select=id&id=in.(${ids(1000)})&order=id`);
      assert.deepEqual([inList.status, inList.body], [200, [{ id: 1 }, { id: 2 }]]);
      await refusedForLimit(`rest_h_authors?id=eq(any).${encodeURIComponent(`{${ids(1001)}}`)}`, 'listValues');
      await refusedForLimit(`rest_h_authors?or=(${Array.from({ length: 101 }, (_, i) => `id.eq.${i}`).join(',')})`, 'filters');
      await refusedForLimit(`rest_h_authors?or=${nested('or', 11)}`, 'logicDepth');
      const deepest = await call(`rest_h_authors?select=id&or=${nested('or', 10)}`);
      assert.deepEqual([deepest.status, deepest.body], [200, [{ id: 1 }]]);
      await refusedForLimit(`rest_h_authors?select=${Array.from({ length: 101 }, () => 'id').join(',')}`, 'selectItems');
      await refusedForLimit(`rest_h_authors?select=${'rest_h_books('.repeat(6)}id${')'.repeat(6)}`, 'embedDepth');
      // Far past the limit is the same 400, not a stack overflow in the parser.
      await refusedForLimit(`rest_h_authors?select=${'a('.repeat(2000)}id${')'.repeat(2000)}`, 'embedDepth');
      await refusedForLimit(`rest_h_authors?and=${nested('and', 1500)}`, 'logicDepth');
      await refusedForLimit(`rest_h_authors?order=${Array.from({ length: 21 }, () => 'id').join(',')}`, 'orderTerms');
    });

    it('refuses URLs past 8 KiB with 414 and bodies of more than 1000 rows', async () => {
      const long = await call(`rest_h_authors?select=id&name=in.(${'x'.repeat(9000)})`);
      assertRefused(long, 414, 'PGRST100', 'long URL');
      const rows = Array.from({ length: 1001 }, (_, i) => ({ id: 100 + i, name: `n${i}` }));
      await refusedForLimit('rest_h_authors', 'bodyRows', { method: 'POST', body: JSON.stringify(rows) }, 'PGRST102');
      assert.equal(await countAuthors(), 2, 'no half-written rows');
    });

    it('refuses a limit, offset or Range past what Postgres and JavaScript count exactly', async () => {
      await refusedForLimit('rest_h_authors?limit=99999999999999999999', 'rowNumber');
      await refusedForLimit('rest_h_authors?offset=9007199254740992', 'rowNumber');
      const range = await call('rest_h_authors', { headers: { range: '0-99999999999999999999999' } });
      assertRefused(range, 416, 'PGRST103', 'range');
      const garbage = await call('rest_h_authors', { headers: { range: 'items=abc' } });
      assertRefused(garbage, 416, 'PGRST103', 'range garbage');
      const fine = await call('rest_h_authors?select=id&limit=9007199254740991&offset=1&order=id');
      assert.deepEqual([fine.status, fine.body], [200, [{ id: 2 }]]);
    });
  });

  describe('malformed requests', () => {
    it('answers malformed percent-encoding in the path or query with 400', async () => {
      for (const path of ['%E0%A4%A', 'rpc/%E0%A4%A', 'rest_h_authors?select=%E0%A4%A', 'rest_h_authors?name=eq.%E0%A4%A', 'rest_h_authors?%FF=eq.1']) {
        assertRefused(await call(path), 400, 'PGRST100', path);
      }
    });

    it('refuses NUL characters in names and values with 400', async () => {
      for (const path of ['rest_h_authors?select=a%00b:name', 'rest_h_authors?select=name%00', 'rest_h_authors?name=eq.a%00b', 'rpc/rest_h_add?a=1%00']) {
        assertRefused(await call(path), 400, 'PGRST100', path);
      }
    });

    it('maps invalid regular expressions to 400', async () => {
      const answer = await call('rest_h_authors?name=match.(');
      assertRefused(answer, 400, '2201B', 'unbalanced');
      assert.match(String(answer.body.message), /invalid regular expression/);
    });

    it('refuses tokens whose header or payload is not a JSON object with 401 PGRST301', async () => {
      const sign = (header: string, payload: string) => {
        const unsigned = `${Buffer.from(header).toString('base64url')}.${Buffer.from(payload).toString('base64url')}`;
        return `${unsigned}.${createHmac('sha256', stack.jwtSecret).update(unsigned).digest('base64url')}`;
      };
      const claims = JSON.stringify({ sub: user.id, role: 'authenticated', exp: Math.floor(Date.now() / 1000) + 60 });
      for (const token of [sign('null', claims), sign('[]', claims), sign('"HS256"', claims), sign('{"alg":"HS256"}', 'null')]) {
        assertRefused(await call('rest_h_authors', { token }), 401, 'PGRST301', token.split('.')[0]);
      }
    });

    it('answers bodies of the wrong shape or JSON types with 400 and writes nothing', async () => {
      const cases: [string, string, string, string][] = [
        ['POST', 'rest_h_authors', '"x"', 'PGRST102'],
        ['POST', 'rest_h_authors', 'null', 'PGRST102'],
        ['POST', 'rest_h_authors', '[1]', 'PGRST102'],
        ['PATCH', 'rest_h_authors?id=eq.1', '[]', 'PGRST102'],
        ['PATCH', 'rest_h_authors?id=eq.1', '{}', 'PGRST102'],
        ['POST', 'rest_h_authors', '{"id": {"a": 1}, "name": "X"}', '22P02'],
        ['POST', 'rest_h_authors', '{"id": 7, "name": "X", "tags": "novel"}', '22P02'],
        ['POST', 'rest_h_authors', '{"id": 7, "name": "X", "born": 5}', '22007'],
        ['POST', 'rest_h_authors', '{"id": 7, "name": "a\\u0000b"}', '22P05'],
        ['PATCH', 'rest_h_authors?id=eq.1', '{"rating": "many"}', '22P02'],
        ['POST', 'rpc/rest_h_add', '[1, 2]', 'PGRST102'],
        ['POST', 'rpc/rest_h_add', '{"a": "one"}', '22P02'],
      ];
      for (const [method, path, body, code] of cases) {
        assertRefused(await call(path, { method, body }), 400, code, `${method} ${path} ${body}`);
      }
      assert.equal(await countAuthors(), 2);
      const unchanged = await call('rest_h_authors?select=rating&id=eq.1');
      assert.deepEqual(unchanged.body, [{ rating: 9 }]);
    });

    it('answers a cancelled statement (57014) with PostgREST\'s 500 and a message that says why', async () => {
      const answer = await call('rpc/rest_h_cancelled', { method: 'POST', body: '{}' });
      assertRefused(answer, 500, '57014', 'cancelled');
      assert.match(String(answer.body.message), /statement timeout/);
      assert.match(String(answer.body.hint), /longer than the database allows/);
    });
  });
});
