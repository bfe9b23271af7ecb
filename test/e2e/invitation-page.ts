/**
 * A CRM record page as a host system would write it, embedding the script-tag bundle: a card
 * whose widgets are put in once the page's user has signed in (`window.enter`). Served on
 * 127.0.0.1 for the invitations e2e test and its screenshots.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildScriptTagBundle } from '../../scripts/script-tag-bundle.ts';

const markup = (backend: { url: string; anonKey: string }) => `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>CRM</title>
<style>
  body { margin: 0; padding: 16px; font: 15px/1.4 system-ui, sans-serif; background: #f1f5f9; color: #0f172a; }
  #card { max-width: 560px; padding: 16px; border-radius: 12px; background: #fff; box-shadow: 0 1px 3px rgb(15 23 42 / 0.12); display: grid; gap: 16px; }
  h1 { margin: 0 0 12px; font-size: 1.25rem; }
</style></head>
<body>
  <h1>Deal: ACME renewal</h1>
  <main id="card"></main>
  <script src="/call-widgets.min.js"></script>
  <script>
    CallWidgets.configure({ url: ${JSON.stringify(backend.url)}, anonKey: ${JSON.stringify(backend.anonKey)} });
    window.enter = async (email, password, html, lang) => {
      const { error } = await CallWidgets.client.supabase.auth.signInWithPassword({ email, password });
      if (error) throw new Error(error.message);
      if (lang) document.documentElement.lang = lang;
      document.getElementById('card').innerHTML = html;
    };
  </script>
</body>
</html>`;

/** Serves the page and the bundle for `backend`; resolves to its URL and a close. */
export async function serveCrmPage(backend: { url: string; anonKey: string }): Promise<{ url: string; close(): Promise<void> }> {
  const script = await buildScriptTagBundle();
  const html = markup(backend);
  const server = createServer((req, res) => {
    if (req.url === '/call-widgets.min.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    else res.writeHead(200, { 'content-type': 'text/html' }).end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** In the page: signs `email` in and puts `html` in the card (the document's language set to `lang`). */
export type EnterPage = { enter(email: string, password: string, html: string, lang?: string): Promise<void> };
