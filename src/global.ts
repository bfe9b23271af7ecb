/**
 * The script-tag bundle's entry: `<script src="call-widgets.min.js">` registers the elements and
 * sets `window.CallWidgets`, so a CRM page can configure the backend and sign in:
 *
 *   CallWidgets.configure({ url, anonKey });
 *   await CallWidgets.client.supabase.auth.signInWithPassword({ email, password });
 */
import * as widgets from './index.ts';
import { configure, getDefaultClient } from './client-registry.ts';

widgets.defineAll();

const api = {
  ...widgets,
  configure,
  /** The client set by `configure()`, for signing in and creating sessions. */
  get client() {
    return getDefaultClient();
  },
};

declare global {
  interface Window {
    CallWidgets: typeof api;
  }
}

window.CallWidgets = api;
