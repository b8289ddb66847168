// No import cycle in src/ (issue 12): every relative import of src/**/*.ts counts, type-only
// imports and re-exports included, so a module never reaches back into the one that uses it.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []);
}

/** `import … from './x.js'`, `export … from '../y.js'`, `import('./z.js')`: the relative targets, as .ts paths. */
export function importsOf(file: string, text: string): string[] {
  const out: string[] = [];
  const re = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g;
  for (const m of text.matchAll(re)) out.push(resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts')));
  return out;
}

/** Every cycle found by a depth-first walk, each as the list of files around it. */
export function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string): void => {
    state.set(f, 'open');
    stack.push(f);
    for (const g of graph.get(f) ?? []) {
      if (!graph.has(g)) continue;
      const s = state.get(g);
      if (s === 'open') found.push(stack.slice(stack.indexOf(g)).concat(g));
      else if (s === undefined) visit(g);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of [...graph.keys()].sort()) if (!state.has(f)) visit(f);
  return found;
}

describe('import graph of src/', () => {
  it('the checker sees a cycle when there is one (a → b → a) and none in a chain', () => {
    expect(cycles(new Map([['a', ['b']], ['b', ['a']]]))).toEqual([['a', 'b', 'a']]);
    expect(cycles(new Map([['a', ['b']], ['b', ['c']], ['c', []]]))).toEqual([]);
    expect(importsOf('/s/a.ts', "import type { X } from './b.js';\nexport { Y } from '../c.js';\nconst z = await import('./d/e.js');"))
      .toEqual(['/s/b.ts', '/c.ts', '/s/d/e.ts']);
  });

  it('has no cycle, type-only imports included', () => {
    const files = tsFiles(SRC);
    expect(files.length).toBeGreaterThan(50);
    const graph = new Map(files.map((f) => [f, importsOf(f, readFileSync(f, 'utf8'))]));
    const named = cycles(graph).map((c) => c.map((f) => relative(SRC, f)).join(' → '));
    expect(named).toEqual([]);
  });
});
