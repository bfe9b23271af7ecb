/**
 * The mail catcher's inbox page (GET /): the list of messages, and one message (`?id=`) with its
 * text, its HTML and its attachments. Rendered on the server, without scripts; mail HTML is
 * untrusted, so it is shown only in an iframe sandboxed to nothing (no scripts, no forms, an
 * opaque origin), under a policy that loads nothing from the network.
 */
import type { CaughtMessage, MailAddress } from './message.ts';

type Language = 'en' | 'ru';

const WORDS = {
  en: {
    title: 'Local mail',
    caption: (count: number) => `${count} ${count === 1 ? 'message' : 'messages'}, newest first`,
    empty: 'No mail yet. Whatever the functions send over SMTP shows up here.',
    from: 'From',
    to: 'To',
    subject: 'Subject',
    received: 'Received',
    date: 'Date',
    noSubject: '(no subject)',
    back: 'All messages',
    text: 'Text',
    html: 'HTML',
    htmlFrame: 'The message as HTML (sandboxed)',
    attachments: 'Attachments',
    missing: 'This message is not here (any more): the catcher keeps the newest ones only.',
    bytes: 'bytes',
  },
  ru: {
    title: 'Локальная почта',
    caption: (count: number) => `Писем: ${count}, новые сверху`,
    empty: 'Писем пока нет. Здесь появится всё, что функции отправят по SMTP.',
    from: 'От',
    to: 'Кому',
    subject: 'Тема',
    received: 'Получено',
    date: 'Дата',
    noSubject: '(без темы)',
    back: 'Все письма',
    text: 'Текст',
    html: 'HTML',
    htmlFrame: 'Письмо в HTML (в песочнице)',
    attachments: 'Вложения',
    missing: 'Этого письма здесь нет (уже нет): хранятся только последние.',
    bytes: 'байт',
  },
} as const;

/** Russian when the browser prefers it to English, else English. */
export function pageLanguage(acceptLanguage: string | undefined): Language {
  for (const entry of (acceptLanguage ?? '').split(',')) {
    const tag = entry.split(';')[0].trim().toLowerCase();
    if (tag.startsWith('ru')) return 'ru';
    if (tag.startsWith('en')) return 'en';
  }
  return 'en';
}

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!);

const address = ({ Name, Address }: MailAddress) => escapeHtml(Name ? `${Name} <${Address}>` : Address);

/** The page's own policy; a srcdoc iframe inherits it, so mail HTML cannot reach the network either. */
export const INBOX_PAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; form-action 'none'; base-uri 'none'";

const STYLE = `
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; line-height: 1.5; }
  body { margin: 0 auto; max-width: 60rem; padding: 1rem; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: start; padding: 0.4rem 0.6rem; border-bottom: 1px solid color-mix(in srgb, currentColor 20%, transparent); vertical-align: top; }
  caption { text-align: start; padding-bottom: 0.5rem; }
  a:focus-visible { outline: 3px solid Highlight; outline-offset: 2px; }
  pre { white-space: pre-wrap; overflow-wrap: anywhere; padding: 0.75rem; border: 1px solid color-mix(in srgb, currentColor 20%, transparent); }
  iframe { width: 100%; min-height: 24rem; border: 1px solid color-mix(in srgb, currentColor 20%, transparent); background: white; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1rem; }
  dt { font-weight: 600; }
  dd { margin: 0; }
`;

function page(language: Language, title: string, body: string): string {
  return `<!doctype html>
<html lang="${language}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main>
${body}
</main></body>
</html>
`;
}

export function renderInbox(messages: readonly CaughtMessage[], language: Language): string {
  const words = WORDS[language];
  if (messages.length === 0) return page(language, words.title, `<h1>${words.title}</h1>\n<p>${words.empty}</p>`);
  const rows = messages
    .map(
      (message) =>
        `<tr><td><a href="/?id=${encodeURIComponent(message.ID)}">${escapeHtml(message.Subject || words.noSubject)}</a></td>` +
        `<td>${address(message.From)}</td><td>${message.To.map(address).join(', ')}</td>` +
        `<td><time datetime="${message.Created}">${message.Created.replace('T', ' ').slice(0, 19)}</time></td></tr>`,
    )
    .join('\n');
  return page(
    language,
    words.title,
    `<h1>${words.title}</h1>
<table>
<caption>${words.caption(messages.length)}</caption>
<thead><tr><th scope="col">${words.subject}</th><th scope="col">${words.from}</th><th scope="col">${words.to}</th><th scope="col">${words.received}</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`,
  );
}

export function renderMessage(message: CaughtMessage | undefined, language: Language): string {
  const words = WORDS[language];
  const back = `<nav><a href="/">${words.back}</a></nav>`;
  if (!message) return page(language, words.title, `${back}\n<h1>${words.title}</h1>\n<p role="alert">${words.missing}</p>`);
  const subject = message.Subject || words.noSubject;
  const sections = [
    `<dl><dt>${words.from}</dt><dd>${address(message.From)}</dd><dt>${words.to}</dt><dd>${message.To.map(address).join(', ')}</dd>` +
      `<dt>${words.date}</dt><dd><time datetime="${message.Date}">${message.Date}</time></dd></dl>`,
  ];
  if (message.Text) sections.push(`<section aria-labelledby="text"><h2 id="text">${words.text}</h2><pre>${escapeHtml(message.Text)}</pre></section>`);
  if (message.HTML) {
    // sandbox="" grants nothing: no scripts, no forms, no popups, no same-origin access.
    sections.push(
      `<section aria-labelledby="html"><h2 id="html">${words.html}</h2>` +
        `<iframe sandbox="" referrerpolicy="no-referrer" title="${words.htmlFrame}" srcdoc="${escapeHtml(message.HTML)}"></iframe></section>`,
    );
  }
  if (message.attachments.length > 0) {
    const items = message.attachments
      .map(
        (part) =>
          `<li><a href="/api/v1/message/${encodeURIComponent(message.ID)}/part/${encodeURIComponent(part.PartID)}" download>${escapeHtml(part.FileName || `part ${part.PartID}`)}</a> ` +
          `(${escapeHtml(part.ContentType)}, ${part.Size} ${words.bytes})</li>`,
      )
      .join('\n');
    sections.push(`<section aria-labelledby="attachments"><h2 id="attachments">${words.attachments}</h2><ul>\n${items}\n</ul></section>`);
  }
  return page(language, `${subject} — ${words.title}`, `${back}\n<h1>${escapeHtml(subject)}</h1>\n${sections.join('\n')}`);
}
