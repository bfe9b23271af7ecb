// The script-tag bundle: dist/call-widgets.min.js (IIFE, global CallWidgets, everything included)
// and its ESM twin for <script type="module">. The npm package's per-module output comes later.
import { nodeResolve } from '@rollup/plugin-node-resolve';
import esbuild from 'rollup-plugin-esbuild';

const plugins = [
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
