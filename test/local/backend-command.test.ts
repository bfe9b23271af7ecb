import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import nodemailer from 'nodemailer';

const mainModule = fileURLToPath(new URL('../../supabase/local/main.ts', import.meta.url));
const fixture = fileURLToPath(new URL('../fixtures/functions-project', import.meta.url));

/** `npm run backend` as a process, in memory, with the given environment added. */
function backend(args: string[], env: Record<string, string> = {}): ChildProcess {
  const childEnv: Record<string, string | undefined> = { ...process.env, ...env };
  for (const name of ['DATABASE_URL', 'MAIL_PORT', 'SMTP_PORT', 'SMTP_HOST', 'SMTP_FROM', 'CALL_JOIN_URL']) if (!(name in env)) delete childEnv[name];
  return spawn(process.execPath, ['--import', 'tsx', mainModule, '--memory', '--port', '0', '--supabase-dir', fixture, ...args], {
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** The `NAME=value` lines printed before DATABASE=, which comes after all the others. */
async function printedLines(child: ChildProcess): Promise<Map<string, string>> {
  const values = new Map<string, string>();
  for await (const line of createInterface({ input: child.stdout! })) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line);
    if (match) values.set(match[1], match[2]);
    if (match?.[1] === 'DATABASE') return values;
  }
  throw new Error('the backend ended before printing its settings');
}

describe('npm run backend', () => {
  it('prints VAPID_PUBLIC_KEY= and MAIL_URL=, and its functions and catcher work with them', async () => {
    const joinUrl = 'http://localhost:5173/join/{session_id}?event={event_id}';
    const child = backend(['--mail-port', '0', '--smtp-port', '0'], { CALL_JOIN_URL: joinUrl });
    child.stderr!.resume();
    try {
      const printed = await printedLines(child);
      const vapid = printed.get('VAPID_PUBLIC_KEY')!;
      assert.match(vapid, /^[A-Za-z0-9_-]{87}$/);
      const mailUrl = printed.get('MAIL_URL')!;
      assert.match(mailUrl, /^http:\/\/127\.0\.0\.1:\d+$/);

      const settings = await (
        await fetch(`${printed.get('SUPABASE_URL')}/functions/v1/settings`, { headers: { authorization: `Bearer ${printed.get('SUPABASE_ANON_KEY')}` } })
      ).json();
      assert.equal(settings.VAPID_PUBLIC_KEY, vapid);
      assert.equal(settings.CALL_JOIN_URL, joinUrl);
      assert.equal(settings.SMTP_HOST, '127.0.0.1');

      await nodemailer
        .createTransport({ host: settings.SMTP_HOST, port: Number(settings.SMTP_PORT), secure: false, ignoreTLS: true })
        .sendMail({ from: 'anna@example.test', to: 'boris@example.test', subject: 'Через процесс', text: 'привет' });
      const inbox = await (await fetch(`${mailUrl}/api/v1/messages`)).json();
      assert.equal(inbox.total, 1);
      assert.equal(inbox.messages[0].Subject, 'Через процесс');
    } finally {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    }
  });

  it('refuses a mail port that is not a port, saying which', async () => {
    const child = backend([], { MAIL_PORT: 'eleven' });
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    child.stdout!.resume();
    const [code] = await once(child, 'exit');
    assert.equal(code, 2);
    assert.match(stderr, /--mail-port \/ MAIL_PORT must be a port number.*"eleven"/);
  });
});
