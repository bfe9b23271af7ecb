/**
 * The local stack's mail catcher, as the Supabase CLI's Mailpit: an SMTP server the functions send
 * to (default port 54325) and a subset of Mailpit's HTTP API to read what arrived (default 54324).
 * Messages live in memory only, the newest MAX_MESSAGES of them; none leaves the machine.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { CaughtMessage, MailAddress } from './message.ts';
import { INBOX_PAGE_POLICY, pageLanguage, renderInbox, renderMessage } from './inbox-page.ts';

export const DEFAULT_MAIL_PORT = 54324;
export const DEFAULT_SMTP_PORT = 54325;
/** Beyond this the SMTP SIZE extension refuses a message (and so does DATA, for clients that ignore SIZE). */
export const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;
/** The oldest message goes when one more arrives. */
export const MAX_MESSAGES = 200;
const MAX_REQUEST_BODY = 64 * 1024;
const SNIPPET_LENGTH = 250;

export interface MailCatcherOptions {
  host?: string;
  /** HTTP port: when not given DEFAULT_MAIL_PORT if free, else any free port; 0 any free port. */
  port?: number;
  /** SMTP port: when not given DEFAULT_SMTP_PORT if free, else any free port; 0 any free port. */
  smtpPort?: number;
  log?: (message: string) => void;
}

export interface MailCatcher {
  /** http://127.0.0.1:<port>: the API and the inbox page. */
  url: string;
  port: number;
  smtpHost: string;
  smtpPort: number;
  /** Newest first. */
  messages(): readonly CaughtMessage[];
  close(): Promise<void>;
}

class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function addresses(field: AddressObject | AddressObject[] | undefined): MailAddress[] {
  const groups = field === undefined ? [] : Array.isArray(field) ? field : [field];
  return groups.flatMap((group) =>
    group.value.flatMap((entry) => {
      const members = entry.group ?? [entry];
      return members.map((member) => ({ Name: member.name ?? '', Address: member.address ?? '' }));
    }),
  );
}

function toCaught(parsed: ParsedMail, received: Date): CaughtMessage {
  const html = typeof parsed.html === 'string' ? parsed.html : '';
  return {
    ID: randomUUID(),
    From: addresses(parsed.from)[0] ?? { Name: '', Address: '' },
    To: addresses(parsed.to),
    Subject: parsed.subject ?? '',
    Created: received.toISOString(),
    Date: (parsed.date ?? received).toISOString(),
    Text: parsed.text ?? '',
    HTML: html,
    attachments: parsed.attachments.map((attachment, index) => ({
      PartID: String(index + 1),
      FileName: attachment.filename ?? '',
      ContentType: attachment.contentType,
      Size: attachment.size ?? attachment.content.length,
      content: attachment.content,
    })),
  };
}

const summary = (message: CaughtMessage) => ({
  ID: message.ID,
  From: message.From,
  To: message.To,
  Subject: message.Subject,
  Created: message.Created,
  Snippet: message.Text.replace(/\s+/g, ' ').trim().slice(0, SNIPPET_LENGTH),
});

const detail = (message: CaughtMessage) => ({
  ID: message.ID,
  From: message.From,
  To: message.To,
  Subject: message.Subject,
  Date: message.Date,
  Text: message.Text,
  HTML: message.HTML,
  Attachments: message.attachments.map(({ PartID, FileName, ContentType, Size }) => ({ PartID, FileName, ContentType, Size })),
});

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'access-control-allow-origin': '*' });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_REQUEST_BODY) throw new RequestError(413, `the request body is larger than ${MAX_REQUEST_BODY} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Listens on `port`; a default port that is taken gives way to any free one, a port asked for does not. */
async function listen(target: Server | SMTPServer, port: number | undefined, fallback: number, host: string): Promise<number> {
  const server = target as unknown as Pick<Server, 'once' | 'off' | 'listen'>;
  const attempt = (chosen: number) =>
    new Promise<number>((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      server.once('error', onError);
      server.listen(chosen, host, () => {
        server.off('error', onError);
        const address = (target instanceof SMTPServer ? target.server : target).address() as AddressInfo;
        resolve(address.port);
      });
    });
  if (port !== undefined) return attempt(port);
  try {
    return await attempt(fallback);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    return attempt(0);
  }
}

export async function startMailCatcher(options: MailCatcherOptions = {}): Promise<MailCatcher> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? (() => undefined);
  const store: CaughtMessage[] = [];
  const keep = (message: CaughtMessage) => {
    store.unshift(message);
    store.length = Math.min(store.length, MAX_MESSAGES);
  };

  const smtp = new SMTPServer({
    size: MAX_MESSAGE_BYTES,
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    banner: 'local stack mail catcher',
    // Closing the stack waits this long for a client still connected.
    closeTimeout: 1000,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        // Past the limit the rest is read and dropped, so the client hears the refusal.
        if (size <= MAX_MESSAGE_BYTES) chunks.push(chunk);
      });
      stream.on('error', (error) => callback(error));
      stream.on('end', () => {
        if (stream.sizeExceeded || size > MAX_MESSAGE_BYTES) {
          callback(Object.assign(new Error(`message larger than ${MAX_MESSAGE_BYTES} bytes`), { responseCode: 552 }));
          return;
        }
        simpleParser(Buffer.concat(chunks)).then(
          (parsed) => {
            keep(toCaught(parsed, new Date()));
            callback();
          },
          (error: Error) => {
            log(`could not parse a message: ${error.message}`);
            callback(Object.assign(new Error('the message could not be parsed'), { responseCode: 554 }));
          },
        );
      });
    },
  });
  smtp.on('error', (error) => log(`smtp error: ${error.message}`));

  const find = (id: string) => {
    const message = store.find((candidate) => candidate.ID === id);
    if (!message) throw new RequestError(404, `no message ${id}`);
    return message;
  };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let url: URL;
    let segments: string[];
    try {
      url = new URL(req.url ?? '/', 'http://catcher.invalid');
      segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    } catch {
      throw new RequestError(400, 'the request URL is not valid');
    }
    const method = req.method ?? 'GET';
    const only = (...allowed: string[]) => {
      if (!allowed.includes(method)) throw new RequestError(405, `${method} is not allowed on ${url.pathname}`);
    };
    const path = segments.join('/');
    if (path === '') {
      only('GET', 'HEAD');
      const language = pageLanguage(req.headers['accept-language']);
      const id = url.searchParams.get('id');
      const html = id === null ? renderInbox(store, language) : renderMessage(store.find((message) => message.ID === id), language);
      res.writeHead(id === null || store.some((message) => message.ID === id) ? 200 : 404, {
        'content-type': 'text/html; charset=utf-8',
        'content-length': Buffer.byteLength(html),
        'content-security-policy': INBOX_PAGE_POLICY,
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
      });
      res.end(method === 'HEAD' ? undefined : html);
      return;
    }
    if (path === 'api/v1/messages') {
      only('GET', 'DELETE');
      if (method === 'GET') {
        sendJson(res, 200, { total: store.length, messages: store.map(summary) });
        return;
      }
      const body = (await readBody(req)).trim();
      let ids: string[] | undefined;
      if (body) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(body);
        } catch {
          throw new RequestError(400, 'the request body is not valid JSON');
        }
        const given = (parsed as { IDs?: unknown } | null)?.IDs;
        if (given !== undefined && (!Array.isArray(given) || !given.every((id) => typeof id === 'string'))) {
          throw new RequestError(400, 'IDs must be an array of message IDs');
        }
        ids = given as string[] | undefined;
      }
      // As Mailpit: no IDs (or an empty list) empties the inbox, else those messages go.
      if (!ids || ids.length === 0) store.length = 0;
      else {
        const doomed = new Set(ids);
        store.splice(0, store.length, ...store.filter((message) => !doomed.has(message.ID)));
      }
      sendJson(res, 200, { total: store.length });
      return;
    }
    if (segments[0] === 'api' && segments[1] === 'v1' && segments[2] === 'message' && segments.length === 4) {
      only('GET');
      sendJson(res, 200, detail(find(segments[3])));
      return;
    }
    if (segments[0] === 'api' && segments[1] === 'v1' && segments[2] === 'message' && segments[4] === 'part' && segments.length === 6) {
      only('GET');
      const part = find(segments[3]).attachments.find((attachment) => attachment.PartID === segments[5]);
      if (!part) throw new RequestError(404, `no part ${segments[5]} in message ${segments[3]}`);
      const disposition = `attachment; filename*=UTF-8''${encodeURIComponent(part.FileName || `part-${part.PartID}`)}`;
      res.writeHead(200, { 'content-type': part.ContentType, 'content-length': part.content.length, 'content-disposition': disposition, 'x-content-type-options': 'nosniff' });
      res.end(part.content);
      return;
    }
    throw new RequestError(404, `no route for ${url.pathname}`);
  };

  const http = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof RequestError) sendJson(res, error.status, { message: error.message });
      else {
        log(`unexpected error on ${req.method} ${req.url}: ${(error as Error)?.stack ?? error}`);
        sendJson(res, 500, { message: 'internal error' });
      }
    });
  });
  http.on('clientError', (_error, socket) => socket.destroy());

  const smtpPort = await listen(smtp, options.smtpPort, DEFAULT_SMTP_PORT, host);
  let port: number;
  try {
    port = await listen(http, options.port, DEFAULT_MAIL_PORT, host);
  } catch (error) {
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
    throw error;
  }
  http.on('error', (error) => log(`http error: ${error.message}`));

  return {
    url: `http://${host}:${port}`,
    port,
    smtpHost: host,
    smtpPort,
    messages: () => store,
    async close() {
      http.closeAllConnections();
      await Promise.all([new Promise<void>((resolve) => http.close(() => resolve())), new Promise<void>((resolve) => smtp.close(() => resolve()))]);
    },
  };
}
