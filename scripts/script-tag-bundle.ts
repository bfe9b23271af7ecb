/**
 * The script-tag bundle (IIFE, global CallWidgets) exactly as `npm run build` makes it from
 * rollup.config.mjs, built in memory: for the demo server, the embed test and the bundle-size bench.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { rollup, type OutputOptions, type RollupOptions } from 'rollup';

const root = join(import.meta.dirname, '..');

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

export async function buildScriptTagBundle(): Promise<string> {
  const iife = (await releaseConfigs()).find((config) => config.output.format === 'iife')!;
  const bundle = await rollup({ ...iife, onwarn: () => undefined });
  try {
    const { output } = await bundle.generate({ ...iife.output, sourcemap: false });
    return output[0].code;
  } finally {
    await bundle.close();
  }
}
