// The script-tag bundle: dist/call-widgets.min.js (IIFE, global CallWidgets, everything included)
// and its ESM twin for <script type="module">. The npm package's per-module output is tsc's
// (scripts/build.mjs); a host app's bundler then uses the real supabase-js in full.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import esbuild, { minify } from 'rollup-plugin-esbuild';

/**
 * Supabase Storage is never used by the widgets: its client (7 kB gzip) is replaced by a stub
 * that explains itself if anyone reaches for it (src/bundle/storage-stub.ts).
 */
const withoutStorage = () => ({
  name: 'without-supabase-storage',
  resolveId(source) {
    if (source === '@supabase/storage-js') return fileURLToPath(new URL('./src/bundle/storage-stub.ts', import.meta.url));
    return null;
  },
});

/** Collapses the whitespace and comments of Lit's css`` templates (esbuild leaves template text alone). */
const minifyCssTemplates = () => ({
  name: 'minify-css-templates',
  transform(code, id) {
    if (!/\/src\/.*\.styles\.ts$/.test(id)) return null;
    return {
      code: code.replace(/css`([^`$]*)`/g, (_, body) =>
        `css\`${body
          .replace(/\/\*[\s\S]*?\*\//g, '')
          .replace(/\s+/g, ' ')
          .replace(/\s*([{};,>])\s*/g, '$1')
          .replace(/:\s+/g, ':')
          .replace(/;}/g, '}')
          .trim()}\``,
      ),
      map: null,
    };
  },
});

/**
 * Drops the indentation after line breaks in the elements' sources: in Lit's html`` templates it
 * is whitespace HTML collapses anyway (the elements use no <pre> or <textarea>), in code it is
 * whitespace esbuild would drop. A raw line break only occurs in templates, comments and code.
 */
const dropIndentation = () => ({
  name: 'drop-indentation',
  transform(code, id) {
    if (!/\/src\/elements\/.*\.ts$/.test(id)) return null;
    return { code: code.replace(/\n[ \t]+/g, '\n'), map: null };
  },
});

/**
 * The browsers the bundles run in: Safari/iOS 15 and the Chromium and Firefox of the same year
 * (2021). They run private class members (`#x`) natively; es2020 turned those into WeakMap
 * helpers (3 kB gzip). The elements declare Lit's `styles` and `properties` as static getters:
 * static fields would need class static blocks (Safari 16.4), and lowering those lowers every
 * private member of the class.
 */
export const browserTargets = ['chrome94', 'edge94', 'firefox93', 'safari15'];

const NOTICES = 'call-widgets.LICENSES.txt';
const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

/**
 * The bundles carry Lit's and supabase-js's code, so they carry their licences too: one file
 * beside the bundles with the licence of every package that ended up in them (found from the
 * bundled modules themselves), and a one-line banner pointing to it. The per-module legal
 * comments esbuild would keep inline are dropped in favour of that file, as webpack does.
 */
const thirdPartyNotices = () => ({
  name: 'third-party-notices',
  generateBundle(_options, bundle) {
    const packages = new Map();
    for (const chunk of Object.values(bundle)) {
      for (const id of Object.keys(chunk.modules ?? {})) {
        const match = /^(.*\/node_modules\/((?:@[^/]+\/)?[^/]+))\//.exec(id);
        if (match) packages.set(match[2], match[1]);
      }
    }
    const sections = [...packages].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, dir]) => {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      const file = ['LICENSE', 'LICENSE.md', 'LICENSE.txt', 'license'].map((f) => join(dir, f)).find(existsSync);
      if (!file) this.error(`${name} is bundled but has no licence file to copy`);
      return `${name} ${manifest.version} (${manifest.license})\n\n${readFileSync(file, 'utf8').trim()}\n`;
    });
    this.emitFile({
      type: 'asset',
      fileName: NOTICES,
      source: `supabase-call-widgets ${version}: the script-tag bundles include these packages.\n\n${sections.join('\n' + '-'.repeat(72) + '\n\n')}`,
    });
  },
});

const banner = `/*! supabase-call-widgets ${version} (MIT); licences of bundled packages: ${NOTICES} */`;

const plugins = [
  withoutStorage(),
  minifyCssTemplates(),
  dropIndentation(),
  nodeResolve({ browser: true, exportConditions: ['browser', 'production'] }),
  esbuild({ target: browserTargets, minify: true, legalComments: 'none', tsconfig: 'tsconfig.json' }),
  // Once more over the whole bundle, to put the banner on top (rollup's output.banner would be
  // minified away) — and it shortens a few more names.
  minify({ target: browserTargets, legalComments: 'none', banner }),
  thirdPartyNotices(),
];

/**
 * The bundles' source maps name their sources without carrying them (with them, each map was
 * 1.35 MB of the package): ours are `../src/…`, which the package ships; a dependency's path is
 * where an installed package finds it, beside this one in node_modules.
 */
const sourcemap = {
  sourcemap: true,
  sourcemapExcludeSources: true,
  sourcemapPathTransform: (relative) => relative.replace(/^(\.\.\/)+node_modules\//, '../../'),
};

export default [
  {
    input: 'src/global.ts',
    output: { file: 'dist/call-widgets.min.js', format: 'iife', name: 'CallWidgetsBundle', ...sourcemap },
    plugins,
  },
  {
    input: 'src/index.ts',
    output: { file: 'dist/call-widgets.esm.min.js', format: 'es', ...sourcemap },
    plugins,
  },
  // The service worker: a classic script (an IIFE, no import/export), so a site's own worker can
  // importScripts() it. It bundles no dependency, so it needs neither the notices nor the stubs.
  {
    input: 'src/sw/call-widgets-sw.ts',
    output: { file: 'dist/call-widgets-sw.js', format: 'iife', ...sourcemap },
    plugins: [
      esbuild({ target: browserTargets, minify: true, legalComments: 'none', tsconfig: 'tsconfig.json' }),
      minify({ target: browserTargets, legalComments: 'none', banner: `/*! supabase-call-widgets ${version} service worker (MIT) */` }),
    ],
  },
];
