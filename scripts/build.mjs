#!/usr/bin/env node
/**
 * `npm run build`: the npm package's per-module ESM output with types (tsc → dist/), the command
 * line (tsc → dist/cli/, the package's `bin`), then the script-tag and ESM bundles (rollup →
 * dist/call-widgets.min.js, dist/call-widgets.esm.min.js).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const run = (command, args) => {
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
};

rmSync('dist', { recursive: true, force: true });
run(process.execPath, [join('node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json']);
// tsc rewrites `.ts` imports to `.js` in the JavaScript but not in the declarations.
for (const entry of readdirSync('dist', { recursive: true })) {
  const file = join('dist', String(entry));
  if (!file.endsWith('.d.ts')) continue;
  const text = readFileSync(file, 'utf8');
  const fixed = text.replace(/(from\s+|import\()(['"])(\.{1,2}\/[^'"]+)\.ts\2/g, '$1$2$3.js$2');
  if (fixed !== text) writeFileSync(file, fixed);
}
run(process.execPath, [join('node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.cli.json']);
run(process.execPath, [join('node_modules', 'rollup', 'dist', 'bin', 'rollup'), '-c', 'rollup.config.mjs']);
