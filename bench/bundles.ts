/**
 * Bundle sizes, minified and gzipped: the script-tag bundle as rollup builds it for `npm run
 * build`, the library without its dependencies (what this project adds), each element alone, and
 * the dependencies alone (what dominates), against the budgets in scripts/script-tag-bundle.ts.
 */
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { rollup } from 'rollup';
import { browserTargets, BUNDLE_BUDGETS, buildScriptTagBundle, buildServiceWorker, releaseConfigs } from '../scripts/script-tag-bundle.ts';

const root = join(import.meta.dirname, '..');
const kB = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;

/** `source` bundled as the release build bundles, with `external` left out. */
async function rollupSize(source: string, external: RegExp): Promise<string> {
  const entry = join(root, '\0bench-entry.ts');
  const virtual = { name: 'bench-entry', resolveId: (id: string) => (id === entry ? id : null), load: (id: string) => (id === entry ? source : null) };
  const bundle = await rollup({ input: entry, plugins: [virtual, ...((await releaseConfigs())[0].plugins as never[])], external: (id) => external.test(id), onwarn: () => undefined });
  const { output } = await bundle.generate({ format: 'es' });
  await bundle.close();
  return output[0].code;
}

/** esbuild bundle of `source` (resolved from the repo), minified as the release build is. */
async function esbuildSize(source: string, external: string[] = []): Promise<string> {
  const result = await build({
    stdin: { contents: source, resolveDir: root, loader: 'ts' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: await browserTargets(),
    minify: true,
    write: false,
    external,
    conditions: ['browser', 'production'],
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}

export async function benchBundles(print: (label: string, value: string) => void): Promise<void> {
  const deps = /^(lit|@lit\/|@supabase\/)/;
  const src = (path: string) => JSON.stringify(join(root, 'src', path));
  const rows: [string, string, number?][] = [
    ['script-tag bundle, everything (dist/call-widgets.min.js)', await buildScriptTagBundle(), BUNDLE_BUDGETS.scriptTag],
    ['service worker (dist/call-widgets-sw.js)', await buildServiceWorker(), BUNDLE_BUDGETS.serviceWorker],
    ['core + every element, no dependencies', await rollupSize(`export * from ${src('index.ts')};`, deps), BUNDLE_BUDGETS.library],
    ['core only, no dependencies', await rollupSize(`export * from ${src('core/index.ts')};`, deps)],
    ['<video-call-room> alone, no dependencies', await rollupSize(`import { defineVideoCallRoom } from ${src('index.ts')}; defineVideoCallRoom();`, deps)],
    ['<call-participants> alone, no dependencies', await rollupSize(`import { defineCallParticipants } from ${src('index.ts')}; defineCallParticipants();`, deps)],
    ['<event-call-button> + what it opens, no deps', await rollupSize(`import { defineEventCallButton } from ${src('index.ts')}; defineEventCallButton();`, deps)],
    ['dependency: @supabase/supabase-js (createClient)', await esbuildSize(`export { createClient } from '@supabase/supabase-js';`)],
    ['  … without Storage, as the script-tag bundle has it', await rollupSize(`export { createClient } from '@supabase/supabase-js';`, /^$/)],
    ['dependency: lit (LitElement, html, css, svg)', await esbuildSize(`export { LitElement, html, css, svg, nothing } from 'lit';`)],
  ];
  for (const [label, code, budget] of rows) {
    const gzip = gzipSync(code, { level: 9 }).length;
    const verdict = budget === undefined ? '' : gzip <= budget ? ` · within the ${kB(budget)} budget` : ` · OVER the ${kB(budget)} budget by ${kB(gzip - budget)}`;
    print(label, `min ${kB(Buffer.byteLength(code))} · gzip ${kB(gzip)}${verdict}`);
  }
}
