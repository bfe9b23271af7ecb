/**
 * Splits a chat message into text and links, so the element renders links as `<a>` elements it
 * builds itself and everything else as text — never as HTML. Only `http:` and `https:` URLs
 * become links; the punctuation a sentence puts after a URL stays text.
 */

export type MessagePart = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string };

const CANDIDATE = /\b(?:https?:\/\/|www\.)[^\s<>"]+/gi;
/** What a sentence puts after a URL rather than what the URL ends with. */
const TRAILING = /[.,:;!?'\u00bb\u201d\u2019\u2026]+$/;

/** The message's parts in order; joined, their `text` is the message unchanged. */
export function messageParts(body: string): MessagePart[] {
  const parts: MessagePart[] = [];
  let last = 0;
  for (const match of body.matchAll(CANDIDATE)) {
    const start = match.index ?? 0;
    const text = trimUrl(match[0]);
    const href = linkTarget(text);
    if (!href) continue;
    if (start > last) parts.push({ kind: 'text', text: body.slice(last, start) });
    parts.push({ kind: 'link', text, href });
    last = start + text.length;
  }
  if (last < body.length) parts.push({ kind: 'text', text: body.slice(last) });
  return parts;
}

/** Drops trailing punctuation, and a closing bracket the URL did not open. */
function trimUrl(url: string): string {
  let text = url;
  for (;;) {
    const before = text;
    text = text.replace(TRAILING, '');
    for (const [open, close] of ['()', '[]', '{}']) {
      if (text.endsWith(close) && count(text, open) < count(text, close)) text = text.slice(0, -1);
    }
    if (text === before) return text;
  }
}

function count(text: string, char: string): number {
  return text.split(char).length - 1;
}

/** The address a link opens, or null for anything that is not a well-formed http(s) URL. */
export function linkTarget(text: string): string | null {
  const candidate = /^www\./i.test(text) ? `https://${text}` : text;
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (!url.hostname || url.username || url.password) return null;
  return url.href;
}
