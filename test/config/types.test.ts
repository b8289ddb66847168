// defineConfig() at type level: test/config/types/typos.ts holds one config typo after each
// `@ts-expect-error` (pool key, scheduler, scheduler parameter, outlier, health, route pool, top
// level). tsc must accept the file as written (every marked line is an error) and, with the
// markers removed, report an error on exactly the marked lines.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const fixture = join(import.meta.dirname, 'types/typos.ts');
const tsc = join(root, 'node_modules/typescript/bin/tsc');

function compile(file: string): Promise<{ code: number; out: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'sy-types-'));
  const config = join(dir, 'tsconfig.json');
  writeFileSync(config, JSON.stringify({
    extends: join(root, 'tsconfig.json'),
    compilerOptions: { noEmit: true, rootDir: '/', typeRoots: [join(root, 'node_modules/@types')] },
    include: [],
    files: [file],
  }));
  return new Promise((resolve) => {
    execFile(process.execPath, [tsc, '-p', config, '--pretty', 'false'], { timeout: 60_000 }, (e, out) => {
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, out });
    });
  });
}

describe('defineConfig types', () => {
  const text = readFileSync(fixture, 'utf8');
  const marked = text.split('\n').flatMap((l, i) => (/^\s*\/\/ @ts-expect-error/.test(l) ? [i + 2] : []));

  it('the fixture marks a typo in each kind of key', () => {
    expect(marked.length).toBe(9);
    for (const typo of ["'chb'", 'tableSize: 251', 'balanceFactr', "'static'", 'conectTimeout', 'baseEjectonTime', 'intervall', "'sideways'", 'afinity']) {
      expect(marked.some((n) => text.split('\n')[n - 1]!.includes(typo)), typo).toBe(true);
    }
  });

  it('tsc accepts the fixture: every marked line is a type error, the correct config is not', async () => {
    const r = await compile(fixture);
    expect(r.out).toBe('');
    expect(r.code).toBe(0);
  });

  it('without the markers tsc reports an error on exactly the marked lines', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sy-typos-'));
    const stripped = join(dir, 'typos.ts');
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }');
    writeFileSync(stripped, text
      .replace("'../../../src/index.js'", JSON.stringify(join(root, 'src/index.js')))
      .replace(/\/\/ @ts-expect-error.*/g, '// (marker removed)'));
    const r = await compile(stripped);
    expect(r.code).not.toBe(0);
    const lines = [...r.out.matchAll(/typos\.ts\((\d+),\d+\): error/g)].map((m) => Number(m[1]));
    expect([...new Set(lines)].sort((a, b) => a - b)).toEqual(marked);
    expect(r.out).toMatch(/Did you mean '"chbl"'\?/);
    expect(r.out).toMatch(/Did you mean to write 'baseEjectionTime'\?/);
  });
});
