/**
 * The shape of src/: no two modules import each other, directly or around a longer cycle
 * (type-only imports count: they still tie the two files together), and none is over 600 lines.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';

const root = resolve(import.meta.dirname, '../..');
const src = join(root, 'src');
const modules = readdirSync(src, { recursive: true, encoding: 'utf8' })
  .filter((path) => path.endsWith('.ts'))
  .map((path) => join(src, path));

/** Each module's relative imports and re-exports, as absolute paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:import|export)\s[^'";]*?from\s*['"](\.[^'"]+)['"]|import\s*\(\s*['"](\.[^'"]+)['"]\s*\)/g)];
  return specifiers.map((match) => resolve(dirname(file), match[1] ?? match[2]));
}

/** The strongly connected components of more than one module (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do component.push((w = stack.pop()!));
      while (w !== v);
      if (component.length > 1 || graph.get(v)!.includes(v)) found.push(component);
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe('module graph of src/', () => {
  it('has no import cycles', () => {
    const graph = new Map(modules.map((file) => [file, importsOf(file)]));
    assert.ok([...graph.values()].flat().length > modules.length, 'the imports were found');
    assert.deepEqual(
      cycles(graph).map((component) => component.map((file) => relative(root, file)).sort()),
      [],
    );
  });

  it('has no module over 600 lines, styles and string tables aside', () => {
    const long = modules
      .filter((file) => !/\.styles\.ts$|[\\/]i18n[\\/]/.test(file))
      .map((file) => [relative(root, file), readFileSync(file, 'utf8').split('\n').length] as const)
      .filter(([, lines]) => lines > 600);
    assert.deepEqual(long, []);
  });
});
