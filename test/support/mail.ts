/**
 * Reading a test stack's mail catcher through its Mailpit API (MAIL_URL), and reading the
 * iCalendar parts of what arrived as a calendar would: lines unfolded, properties with their
 * parameters, TEXT values unescaped.
 */
import assert from 'node:assert/strict';

export interface CaughtSummary {
  ID: string;
  From: { Name: string; Address: string };
  To: Array<{ Name: string; Address: string }>;
  Subject: string;
  Created: string;
  Snippet: string;
}

export interface CaughtMail extends Omit<CaughtSummary, 'Created' | 'Snippet'> {
  Date: string;
  Text: string;
  HTML: string;
  Attachments: Array<{ PartID: string; FileName: string; ContentType: string; Size: number }>;
}

export class Inbox {
  constructor(readonly url: string) {}

  /** Newest first. */
  async list(): Promise<CaughtSummary[]> {
    const response = await fetch(`${this.url}/api/v1/messages`);
    assert.equal(response.status, 200);
    return ((await response.json()) as { messages: CaughtSummary[] }).messages;
  }

  async message(id: string): Promise<CaughtMail> {
    const response = await fetch(`${this.url}/api/v1/message/${id}`);
    assert.equal(response.status, 200);
    return (await response.json()) as CaughtMail;
  }

  async part(id: string, partId: string): Promise<{ contentType: string; text: string }> {
    const response = await fetch(`${this.url}/api/v1/message/${id}/part/${partId}`);
    assert.equal(response.status, 200);
    return { contentType: response.headers.get('content-type') ?? '', text: await response.text() };
  }

  async clear(): Promise<void> {
    assert.equal((await fetch(`${this.url}/api/v1/messages`, { method: 'DELETE' })).status, 200);
  }

  /** Every message to `address`, oldest first, in full. */
  async to(address: string): Promise<CaughtMail[]> {
    const summaries = (await this.list()).filter((message) => message.To.some((to) => to.Address.toLowerCase() === address.toLowerCase()));
    return Promise.all(summaries.reverse().map((summary) => this.message(summary.ID)));
  }

  /** The one message to `address`; fails when there is none or more than one. */
  async only(address: string): Promise<CaughtMail> {
    const messages = await this.to(address);
    assert.equal(messages.length, 1, `one message to ${address}, got ${messages.length}`);
    return messages[0];
  }

  /** The message's text/calendar part, parsed; null when it has none. */
  async calendar(message: CaughtMail): Promise<Calendar | null> {
    const part = message.Attachments.find((attachment) => attachment.ContentType.startsWith('text/calendar'));
    if (!part) return null;
    return parseCalendar((await this.part(message.ID, part.PartID)).text);
  }
}

export interface CalendarProperty {
  name: string;
  params: Record<string, string>;
  value: string;
}

export interface Calendar {
  raw: string;
  properties: CalendarProperty[];
  /** The first property of that name (VCALENDAR's METHOD, the VEVENT's UID, …). */
  get(name: string): CalendarProperty | undefined;
}

/** RFC 5545 TEXT: `\n` `\,` `\;` `\\`. */
export function unescapeText(value: string): string {
  return value.replace(/\\([nN,;\\])/g, (_, char: string) => (char === 'n' || char === 'N' ? '\n' : char));
}

/** Checks the wire form (CRLF only, no line over 75 octets) and parses the content lines. */
export function parseCalendar(raw: string): Calendar {
  assert.ok(raw.endsWith('\r\n'), 'the calendar ends with CRLF');
  assert.ok(!/[^\r]\n/.test(raw) && !/\r[^\n]/.test(raw), 'every line ends with CRLF');
  for (const line of raw.split('\r\n')) {
    assert.ok(Buffer.byteLength(line) <= 75, `line over 75 octets: ${line}`);
  }
  const lines = raw.replace(/\r\n[ \t]/g, '').split('\r\n').filter(Boolean);
  const properties = lines.map((line) => {
    // The name and parameters end at the first colon outside a quoted parameter value.
    let quoted = false;
    let split = -1;
    for (let i = 0; i < line.length; i++) {
      if (line[i] === '"') quoted = !quoted;
      else if (line[i] === ':' && !quoted) {
        split = i;
        break;
      }
    }
    assert.ok(split > 0, `a content line has a name and a value: ${line}`);
    const [name, ...rawParams] = line.slice(0, split).split(/;(?=(?:[^"]*"[^"]*")*[^"]*$)/);
    const params = Object.fromEntries(
      rawParams.map((param) => {
        const [key, ...rest] = param.split('=');
        return [key.toUpperCase(), rest.join('=').replace(/^"(.*)"$/, '$1')];
      }),
    );
    return { name: name.toUpperCase(), params, value: line.slice(split + 1) };
  });
  return { raw, properties, get: (name) => properties.find((property) => property.name === name.toUpperCase()) };
}
