// The script-tag bundle: dist/call-widgets.min.js (IIFE, global CallWidgets, everything included)
// and its ESM twin for <script type="module">. The npm package's per-module output is tsc's
// (scripts/build.mjs); a host app's bundler then uses the real supabase-js in full.
import { fileURLToPath } from 'node:url';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import esbuild from 'rollup-plugin-esbuild';

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

const plugins = [
  withoutStorage(),
  minifyCssTemplates(),
  dropIndentation(),
  nodeResolve({ browser: true, exportConditions: ['browser', 'production'] }),
  esbuild({ target: 'es2020', minify: true, tsconfig: 'tsconfig.json' }),
];

export default [
  {
    input: 'src/global.ts',
    output: { file: 'dist/call-widgets.min.js', format: 'iife', name: 'CallWidgetsBundle', sourcemap: true },
    plugins,
  },
  {
    input: 'src/index.ts',
    output: { file: 'dist/call-widgets.esm.min.js', format: 'es', sourcemap: true },
    plugins,
  },
];
