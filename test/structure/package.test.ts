// What the package ships and needs (issue 16): `npm pack` holds only dist/, public/, the docs,
// README and LICENSE; every package src/ imports is a runtime dependency, and every runtime
// dependency is used by src/ (or by the dashboard it serves).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { builtinModules } from 'node:module';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  license?: string; files?: string[]; dependencies: Record<string, string>; devDependencies: Record<string, string>;
};

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []);
}

/** Bare specifiers of src/ (imports, re-exports, import(), require.resolve), as package names. */
function packagesUsed(): Set<string> {
  const out = new Set<string>();
  // `from` not inside a string ('from' is also a header name)
  const re = /(?:(?<!['"])\bfrom\s*|\bimport\s*\(\s*|\.resolve\(\s*)['"]([^'".][^'"]*)['"]/g;
  for (const f of tsFiles(join(ROOT, 'src'))) {
    for (const m of readFileSync(f, 'utf8').matchAll(re)) {
      const spec = m[1]!;
      if (spec.startsWith('node:') || builtinModules.includes(spec)) continue;
      out.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
    }
  }
  return out;
}

describe('package.json', () => {
  it('is MIT licensed, with the LICENSE file beside it', () => {
    expect(pkg.license).toBe('MIT');
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
  });

  it('lists every package src/ imports as a runtime dependency, and nothing src/ does not use', () => {
    const used = packagesUsed();
    used.delete('switchyard'); // the config's own import, aliased (src/config/self.ts)
    used.delete('tsx'); // only when run from the TypeScript sources (src/config/off-thread.ts)
    expect(pkg.devDependencies).toHaveProperty('tsx');
    expect([...used].filter((p) => !(p in pkg.dependencies))).toEqual([]);
    expect(Object.keys(pkg.dependencies).filter((p) => !used.has(p))).toEqual([]);
    for (const p of ['http-proxy', 'ws']) expect(pkg.devDependencies).toHaveProperty(p);
    expect(pkg.devDependencies).not.toHaveProperty('autocannon');
  });

  it('npm pack ships only dist/, public/, the docs pages, README and LICENSE', () => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    const files = (JSON.parse(out) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    const allowed = (p: string) => /^(dist\/.+\.(js|d\.ts)|public\/[^/]+|docs\/[^/]+\.md|README\.md|LICENSE|package\.json)$/.test(p);
    expect(files.filter((p) => !allowed(p))).toEqual([]);
    for (const p of ['dist/cli/main.js', 'dist/index.js', 'dist/index.d.ts', 'dist/config/load-worker.js', 'public/index.html', 'LICENSE', 'README.md', 'docs/configuration.md']) {
      expect(files).toContain(p);
    }
  });
});
