/**
 * The layout rules of issue 12 as checks: no module of src/ or the local stack over 600 lines
 * (styles and string tables aside), and no two modules that import each other, directly or round
 * a longer loop (type-only imports count: a cycle of types is still two modules that cannot be
 * read apart).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAX_LINES = 600;

/** The trees whose import graph must have no cycle, and whose modules are at most MAX_LINES long. */
export const ACYCLIC_TREES = ['supabase/local', 'src'];
/** Exempt from the length limit: styles and string tables. */
const LONG_ALLOWED = [/\.styles\.ts$/, /^src\/i18n\//];

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every relative module a file imports or re-exports, statically or dynamically, types included. */
export function importsOf(file: string): string[] {
  const source = readFileSync(file, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  const specifiers = [
    ...source.matchAll(/\b(?:import|export)\s+(?:type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?['"]([^'"]+)['"]/g),
    ...source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
  ].map((match) => match[1]);
  return specifiers
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => {
      const target = resolve(dirname(file), specifier);
      for (const candidate of [target, `${target}.ts`, join(target, 'index.ts')]) {
        if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
      }
      return target;
    })
    .filter((target) => target.endsWith('.ts'));
}

/** The strongly connected components with more than one module (or a module importing itself). */
export function cycles(files: string[]): string[][] {
  const graph = new Map(files.map((file) => [file, importsOf(file).filter((target) => files.includes(target))]));
  // Tarjan's algorithm.
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string) => {
    indices.set(node, index);
    low.set(node, index++);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!indices.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, indices.get(next)!));
    }
    if (low.get(node) === indices.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || graph.get(node)!.includes(node)) found.push(component.sort());
    }
  };
  for (const file of files) if (!indices.has(file)) visit(file);
  return found;
}

const show = (component: string[]) => component.map((file) => relative(ROOT, file)).join(' ⇄ ');

describe('module layout', () => {
  it('finds a cycle where there is one (the check checks)', () => {
    const fixture = (name: string) => join(ROOT, 'test/fixtures/import-cycle', name);
    assert.deepEqual(cycles(['a.ts', 'b.ts', 'c.ts'].map(fixture)).map(show), [
      'test/fixtures/import-cycle/a.ts ⇄ test/fixtures/import-cycle/b.ts',
    ]);
  });

  for (const tree of ACYCLIC_TREES) {
    it(`no two modules in ${tree}/ import each other`, () => {
      const found = cycles(tsFiles(join(ROOT, tree)));
      assert.deepEqual(found.map(show), [], `import cycles in ${tree}/`);
    });
  }

  for (const tree of ACYCLIC_TREES) {
    it(`no module in ${tree}/ is over ${MAX_LINES} lines (styles and string tables aside)`, () => {
      const long = tsFiles(join(ROOT, tree))
        .map((file) => ({ file: relative(ROOT, file), lines: readFileSync(file, 'utf8').split('\n').length }))
        .filter(({ file, lines }) => lines > MAX_LINES && !LONG_ALLOWED.some((pattern) => pattern.test(file)));
      assert.deepEqual(long, []);
    });
  }
});
