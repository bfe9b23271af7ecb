/**
 * The script-tag bundle (IIFE, global CallWidgets) exactly as `npm run build` makes it from
 * rollup.config.mjs, built in memory: for the demo server, the embed test and the bundle-size bench.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { rollup, type OutputOptions, type RollupOptions } from 'rollup';

const root = join(import.meta.dirname, '..');

/**
 * Size budgets, gzip level 9 (npm run bench prints them; a package test holds the bundles to
 * them). Milestone 1 set 80 kB for the script-tag bundle and 25 kB for our code without
 * dependencies, with no headroom; the shared roster, the page's language, calls surviving a
 * re-render and the minimised call bar (issue 11), then the invitations panel, the controllers
 * and the light/dark theme (issue 12) added 3.7 kB of our code. supabase-js is 51.5 kB of the
 * bundle (auth-js alone 24.8 kB) and cannot be cut further without forking it, so the budgets
 * move to what this feature set costs plus a little room, and every later feature states what it
 * adds to them. Issue 13 (mesh speed) added 1.1 kB: CallSession.prepare(), cameras sent small
 * while the mesh forms (with `forming` in presence), rows applied from postgres_changes one by
 * one, key reads that cannot miss a key stored just after they went out, and the polite side
 * waiting for an offer being verified — 86 / 29 kB. Issue 14's invitation answers added 2.5 kB
 * to the bundle and to our code (answerInvitation and notifying both channels in the core 0.8;
 * the Yes / Maybe / No group and the panel's and button's notification outcomes 1.1; their ru/en
 * strings 0.6 — Russian is escaped to ASCII in the bundle) — 88.5 / 32 kB. Issue 14's push in the
 * browser then added 3.9 kB (92.4 / 35.8): the core's push subscription, its timeout and the
 * worker hand-over 1.7; `<call-notifications>` with its ru/en texts (the blocked-site help is most
 * of them) 2.2 — 93 / 36 kB. The service worker is a file of its own, never in the page's bundle.
 * Issue 15's fallback ladder added 3.8 kB to both (96.2 / 39.6 measured): TURN credentials fetched,
 * checked and refreshed, and the ladder per link in the core 2.2; the room's fallback notice with
 * its ru/en texts 1.6 — 96.8 / 39.8 kB. Issue 15's phones (the toolbar's placement, the sound
 * prompt as a controller, the camera flip) brought the bundle to 98.0 kB measured — 98.5 kB.
 * Issue 15's fault paths (why a screen share did not start, the call server out of reach at
 * join, a connecting person's initials) and the room's media controls as a controller: 98.8 kB
 * measured — 99 kB. Issue 16's chat: 105.4 kB measured (98.9 before it) — CallChat in the core
 * (history pages, live messages, sending with retry, its error codes) 1.4; `<call-chat>` with its
 * controller, link splitting, Lit's repeat directive (messages keep their nodes and focus) and
 * its ru/en strings 5.1 — 106 kB. Our code without dependencies measured 42.3 kB before the chat
 * (over its 39.8 budget, which no test held) and 48.0 kB with it — 48.5 kB. `<call-chat>` is, with
 * the bell, the first candidate to load lazily. Issue 16's chat in the room, raised hands and
 * reactions: 109.4 kB measured (105.4 before), our code 52.0 kB (48.0) — the core's hands and
 * reactions (presence's time, the fixed set, both rate limits), the room's chat panel and hands /
 * reactions controllers with their styles (side panel, phone sheet, the floating reaction) and
 * ru/en strings, 4.0 kB in all — 110 / 52.5 kB. Its host controls: Moderation in the core (the
 * lobby, removal, the end, the signed moderation broadcasts) with the mesh and presence moved out
 * of CallSession, the room's and the list's host controllers, their styles and ru/en strings,
 * 5.4 kB more: 114.8 kB measured, our code 57.4 kB — 115.5 / 58 kB. Issue 16's layouts (speaker
 * view, pins, picture-in-picture, the `view` signal and the sender's per-link scale) and one
 * person on two pages: 118.8 kB measured, our code 61.3 kB — 119 / 61.5 kB. Its connection
 * quality (the classifier and the getStats sampler in the core 2.3, the tiles' badges, details and
 * own notice with their ru/en strings 2.2): 123.1 kB measured, our code 65.7 kB — 123.5 / 66 kB.
 * Issue 17's `<call-history>` (the element, its controller, the CSV, Russian plurals, its ru/en
 * strings) 5.2 kB: 128.4 kB measured, our code 70.9 kB — 129 / 71.5 kB. Issue 16's pre-join
 * screen (the preview, pickers, level meter, permission help per browser, remembered choices,
 * the display name; its ru/en strings 1.7 of it) 5.2 kB: 133.6 kB measured, our code 76.0 kB —
 * 134 / 76.5 kB. Issue 17's call metrics in the core (fed by the quality sampler, reported once
 * per join) 1.4 kB: 135.0 kB measured, our code 77.5 kB — 135.5 / 78 kB. Issue 18's SFU (the Janus client, the
 * SFU connection with simulcast and claims, mesh/SFU choice and the switch down, the access
 * request) 4.6 kB, though no element changed: 140.1 kB measured, our code 82.6 kB — 140.5 / 83 kB.
 * The chat, the bell, the history, the pre-join screen and the SFU are what a lazily loaded
 * split would take out of the first load.
 */
export const BUNDLE_BUDGETS = {
  /** dist/call-widgets.min.js (and its ESM twin): everything, dependencies included. */
  scriptTag: 140.5 * 1024,
  /** The core and every element, without lit and supabase-js. */
  library: 83 * 1024,
  /** dist/call-widgets-sw.js, the service worker (a classic script with no dependencies). */
  serviceWorker: 3 * 1024,
} as const;

/** The release build's rollup configurations. */
export async function releaseConfigs(): Promise<(RollupOptions & { output: OutputOptions })[]> {
  return (await releaseConfigModule()).default;
}

/** The browsers the release bundles are compiled for (esbuild targets). */
export async function browserTargets(): Promise<string[]> {
  return (await releaseConfigModule()).browserTargets;
}

async function releaseConfigModule() {
  return (await import(pathToFileURL(join(root, 'rollup.config.mjs')).href)) as {
    default: (RollupOptions & { output: OutputOptions })[];
    browserTargets: string[];
  };
}

export function buildScriptTagBundle(): Promise<string> {
  return buildRelease('dist/call-widgets.min.js');
}

/** The service worker, dist/call-widgets-sw.js (a classic script), for the demo and the e2e tests. */
export function buildServiceWorker(): Promise<string> {
  return buildRelease('dist/call-widgets-sw.js');
}

async function buildRelease(file: string): Promise<string> {
  const config = (await releaseConfigs()).find((candidate) => candidate.output.file === file)!;
  const bundle = await rollup({ ...config, onwarn: () => undefined });
  try {
    const { output } = await bundle.generate({ ...config.output, sourcemap: false });
    return output[0].code;
  } finally {
    await bundle.close();
  }
}
