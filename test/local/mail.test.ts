import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import nodemailer from 'nodemailer';
import { createServer } from 'node:net';
import { MAX_MESSAGE_BYTES, startMailCatcher } from '../../supabase/local/mail/catcher.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

const fixture = fileURLToPath(new URL('../fixtures/functions-project', import.meta.url));

describe('mail catcher', () => {
  let stack: TestStack;
  let send: (message: nodemailer.SendMailOptions) => Promise<unknown>;
  const api = (path: string, init?: RequestInit) => fetch(`${stack.mailUrl}${path}`, init);
  const list = async () => (await api('/api/v1/messages')).json();

  before(async () => {
    stack = await startTestStack({ supabaseDir: fixture });
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: stack.smtpPort, secure: false, ignoreTLS: true });
    send = (message) => transport.sendMail(message);
  });
  after(() => stack.close());
  beforeEach(async () => {
    assert.equal((await api('/api/v1/messages', { method: 'DELETE' })).status, 200);
  });

  it('starts on free ports of its own, not the defaults', () => {
    assert.match(stack.mailUrl!, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(new URL(stack.mailUrl!).port, '54324');
    assert.notEqual(stack.smtpPort, 54325);
  });

  it('refuses to start on a port asked for that is taken, instead of moving elsewhere', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      await assert.rejects(startMailCatcher({ port, smtpPort: 0 }), { code: 'EADDRINUSE' });
      await assert.rejects(startMailCatcher({ port: 0, smtpPort: port }), { code: 'EADDRINUSE' });
    } finally {
      taken.close();
    }
  });

  it('lists mail received over SMTP newest first, with sender, recipients and a snippet', async () => {
    await send({ from: 'Анна <anna@example.test>', to: 'Борис <boris@example.test>, carol@example.test', subject: 'Первое', text: 'Звонок   в 10:00\nприсоединяйтесь' });
    await send({ from: 'anna@example.test', to: 'boris@example.test', subject: 'Second', text: 'Call moved' });
    const inbox = await list();
    assert.equal(inbox.total, 2);
    assert.deepEqual(
      inbox.messages.map((message: { Subject: string }) => message.Subject),
      ['Second', 'Первое'],
    );
    const first = inbox.messages[1];
    assert.deepEqual(first.From, { Name: 'Анна', Address: 'anna@example.test' });
    assert.deepEqual(first.To, [
      { Name: 'Борис', Address: 'boris@example.test' },
      { Name: '', Address: 'carol@example.test' },
    ]);
    assert.equal(first.Snippet, 'Звонок в 10:00 присоединяйтесь');
    assert.ok(!Number.isNaN(Date.parse(first.Created)));
    assert.deepEqual(Object.keys(first).sort(), ['Created', 'From', 'ID', 'Snippet', 'Subject', 'To']);
  });

  it('shows one message whole, with its attachments readable part by part', async () => {
    const ics = 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n';
    await send({
      from: 'anna@example.test',
      to: 'boris@example.test',
      subject: 'Invitation',
      text: 'Join the call',
      html: '<p>Join <b>the call</b></p>',
      date: new Date('2026-03-01T10:00:00Z'),
      attachments: [{ filename: 'приглашение.ics', content: ics, contentType: 'text/calendar' }],
    });
    const [summary] = (await list()).messages;
    const message = await (await api(`/api/v1/message/${summary.ID}`)).json();
    assert.equal(message.ID, summary.ID);
    assert.equal(message.Subject, 'Invitation');
    assert.equal(message.Date, '2026-03-01T10:00:00.000Z');
    assert.equal(message.Text.trim(), 'Join the call');
    assert.equal(message.HTML, '<p>Join <b>the call</b></p>');
    assert.equal(message.Attachments.length, 1);
    const [attachment] = message.Attachments;
    assert.equal(attachment.FileName, 'приглашение.ics');
    assert.equal(attachment.ContentType, 'text/calendar');
    assert.equal(attachment.Size, Buffer.byteLength(ics));
    const part = await api(`/api/v1/message/${summary.ID}/part/${attachment.PartID}`);
    assert.equal(part.status, 200);
    assert.match(part.headers.get('content-type')!, /^text\/calendar/);
    assert.equal(await part.text(), ics);
  });

  it('empties the inbox on DELETE', async () => {
    await send({ from: 'anna@example.test', to: 'boris@example.test', subject: 'Gone soon', text: '.' });
    assert.equal((await list()).total, 1);
    const response = await api('/api/v1/messages', { method: 'DELETE' });
    assert.equal(response.status, 200);
    assert.deepEqual(await list(), { total: 0, messages: [] });
  });

  it('answers unknown messages, parts and paths with a JSON 404', async () => {
    await send({ from: 'anna@example.test', to: 'boris@example.test', subject: 'Here', text: '.' });
    const [summary] = (await list()).messages;
    for (const path of ['/api/v1/message/no-such-id', `/api/v1/message/${summary.ID}/part/9`, '/api/v1/message/no-such-id/part/1', '/api/v2/whatever']) {
      const response = await api(path);
      assert.equal(response.status, 404, path);
      assert.match((await response.json()).message, /no (message|part|route)/);
    }
  });

  it('answers a malformed request with a 400 and keeps serving', async () => {
    await send({ from: 'anna@example.test', to: 'boris@example.test', subject: 'Kept', text: '.' });
    const badJson = await api('/api/v1/messages', { method: 'DELETE', body: '{ not json' });
    assert.equal(badJson.status, 400);
    assert.match((await badJson.json()).message, /not valid JSON/);
    const badIds = await api('/api/v1/messages', { method: 'DELETE', body: JSON.stringify({ IDs: 'all' }) });
    assert.equal(badIds.status, 400);
    const badEscape = await api('/api/v1/message/%E0%A4%A');
    assert.equal(badEscape.status, 400);
    assert.equal((await api('/api/v1/messages', { method: 'PUT' })).status, 405);
    assert.equal((await list()).total, 1, 'nothing was lost');
  });

  it('refuses a message beyond the size limit and keeps the inbox as it was', async () => {
    await assert.rejects(
      send({ from: 'anna@example.test', to: 'boris@example.test', subject: 'Too big', text: 'x'.repeat(MAX_MESSAGE_BYTES + 1024) }),
      (error: Error & { responseCode?: number }) => error.responseCode === 552,
    );
    assert.equal((await list()).total, 0);
    await send({ from: 'anna@example.test', to: 'boris@example.test', subject: 'After', text: 'small' });
    assert.equal((await list()).total, 1);
  });

  it('points the functions at itself through SMTP_HOST, SMTP_PORT and SMTP_FROM', async () => {
    const response = await fetch(`${stack.url}/functions/v1/settings`, { headers: { authorization: `Bearer ${stack.anonKey}` } });
    const seen = await response.json();
    assert.equal(seen.SMTP_HOST, '127.0.0.1');
    assert.equal(seen.SMTP_PORT, String(stack.smtpPort));
    assert.equal(seen.SMTP_FROM, 'Video calls <video-calls@localhost>');
  });

  it('lets SMTP settings from the stack environment win over the catcher', async () => {
    const other = await startTestStack({ supabaseDir: fixture, env: { SMTP_HOST: 'smtp.example.test', SMTP_FROM: 'calls@example.test' } });
    try {
      const seen = await (await fetch(`${other.url}/functions/v1/settings`, { headers: { authorization: `Bearer ${other.anonKey}` } })).json();
      assert.equal(seen.SMTP_HOST, 'smtp.example.test');
      assert.equal(seen.SMTP_FROM, 'calls@example.test');
      assert.equal(seen.SMTP_PORT, String(other.smtpPort));
    } finally {
      await other.close();
    }
  });

  it('lets supabase/functions/.env win over the catcher, and the stack environment over both', async () => {
    const project = mkdtempSync(join(tmpdir(), 'call-widgets-mail-env-'));
    try {
      cpSync(fixture, project, { recursive: true });
      writeFileSync(join(project, 'functions', '.env'), 'SMTP_HOST=smtp.from-dotenv.test\nSMTP_FROM=dotenv@example.test\n');
      const other = await startTestStack({ supabaseDir: project, env: { SMTP_FROM: 'environment@example.test' } });
      try {
        const seen = await (await fetch(`${other.url}/functions/v1/settings`, { headers: { authorization: `Bearer ${other.anonKey}` } })).json();
        assert.equal(seen.SMTP_HOST, 'smtp.from-dotenv.test');
        assert.equal(seen.SMTP_FROM, 'environment@example.test');
        assert.equal(seen.SMTP_PORT, String(other.smtpPort));
      } finally {
        await other.close();
      }
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });

  it('runs no catcher with mail: false, and then hands the functions no SMTP_*', async () => {
    const other = await startTestStack({ supabaseDir: fixture, mail: false });
    try {
      assert.equal(other.mailUrl, undefined);
      assert.equal(other.smtpPort, undefined);
      const seen = await (await fetch(`${other.url}/functions/v1/settings`, { headers: { authorization: `Bearer ${other.anonKey}` } })).json();
      assert.equal(seen.SMTP_HOST, null);
      assert.equal(seen.SMTP_PORT, null);
    } finally {
      await other.close();
    }
  });

  it('shows the inbox page: the list newest first, in Russian or English, with nothing from the mail unescaped', async () => {
    assert.match(await (await api('/')).text(), /No mail yet/);
    await send({ from: 'anna@example.test', to: 'boris@example.test', subject: 'Older', text: '.' });
    await send({ from: 'Eve <eve@example.test>', to: 'boris@example.test', subject: '<script>alert(1)</script>', text: '.' });
    const response = await api('/', { headers: { 'accept-language': 'ru-RU,ru;q=0.9,en;q=0.5' } });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type')!, /^text\/html/);
    assert.match(response.headers.get('content-security-policy')!, /default-src 'none'/);
    const page = await response.text();
    assert.match(page, /<html lang="ru">/);
    assert.match(page, /Писем: 2, новые сверху/);
    assert.ok(!page.includes('<script>'), 'a subject is text, not markup');
    assert.ok(page.indexOf('&lt;script&gt;alert(1)&lt;/script&gt;') < page.indexOf('Older'), 'newest first');
    assert.match(page, /Eve &lt;eve@example.test&gt;/);
    assert.match(await (await api('/', { headers: { 'accept-language': 'en-GB' } })).text(), /2 messages, newest first/);
  });

  it('shows one message on the inbox page: text, HTML in an iframe sandboxed to nothing, attachment links', async () => {
    await send({
      from: 'anna@example.test',
      to: 'boris@example.test',
      subject: 'Rich',
      text: 'Plain & simple',
      html: '<p onclick="steal()">Hi</p><script>steal()</script>',
      attachments: [{ filename: 'notes.txt', content: 'заметки', contentType: 'text/plain' }],
    });
    const [summary] = (await list()).messages;
    const page = await (await api(`/?id=${summary.ID}`)).text();
    assert.match(page, /<h1>Rich<\/h1>/);
    assert.match(page, /<pre>Plain &amp; simple\n?<\/pre>/);
    const frame = /<iframe sandbox="" [^>]*srcdoc="([^"]*)"><\/iframe>/.exec(page);
    assert.ok(frame, 'the HTML is in a sandboxed iframe');
    assert.equal(frame[1], '&lt;p onclick=&quot;steal()&quot;&gt;Hi&lt;/p&gt;&lt;script&gt;steal()&lt;/script&gt;');
    assert.ok(!page.includes('<script>'));
    const link = new RegExp(`href="/api/v1/message/${summary.ID}/part/1" download>notes.txt</a>`);
    assert.match(page, link);
    assert.equal(await (await api(`/api/v1/message/${summary.ID}/part/1`)).text(), 'заметки');

    const missing = await api('/?id=gone');
    assert.equal(missing.status, 404);
    assert.match(await missing.text(), /role="alert"/);
  });
});
