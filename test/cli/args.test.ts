// Issue 16, command line, with the compiled binary: --version, one-line argument errors with a
// hint, -H taking one value per flag, and help texts that cite only documents in the repository.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers.js';

const root = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'sy-args-'));
const good = join(dir, 'good.config.ts');
writeFileSync(good, `export default {
  listen: { host: '127.0.0.1', port: 0 }, admin: false,
  pools: { images: { backends: ['http://127.0.0.1:9201'] }, web: { backends: ['http://127.0.0.1:9101'] } },
  routes: [
    { name: 'webp', match: { headers: { accept: /webp/ } }, pool: 'images' },
    { name: 'web', match: {}, pool: 'web' },
  ],
};\n`);

describe('switchyard --version', () => {
  it("prints package.json's version and exits 0", async () => {
    const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
    for (const flag of ['--version', '-V']) {
      const r = await runCli([flag]);
      expect(r.code).toBe(0);
      expect(r.out).toBe(`${version}\n`);
    }
  });
});

describe('argument errors: one line and a hint, exit 2', () => {
  const cases: [string[], RegExp, string][] = [
    [['explain', 'GET'], /^switchyard: error: missing required argument 'url'$/, 'explain'],
    [['start', '--bogus'], /^switchyard: error: unknown option '--bogus'$/, 'start'],
    [['frobnicate'], /^switchyard: error: unknown command 'frobnicate'$/, ''],
    [['adm', 'edit', 'web', 'x'], /^switchyard: error: required option '-w, --weight <n>' not specified$/, 'adm edit'],
    [['simulate', '--backends', 'zero'], /^switchyard: SY_ERR_CLI_ARGUMENT: --backends must be an integer/, 'simulate'],
  ];
  for (const [args, first, cmd] of cases) {
    it(args.join(' '), async () => {
      const r = await runCli(args);
      expect(r.code).toBe(2);
      const lines = r.err.trimEnd().split('\n');
      expect(lines, r.err).toHaveLength(2);
      expect(lines[0]).toMatch(first);
      expect(lines[1]).toBe(`hint: switchyard ${cmd ? cmd + ' ' : ''}--help shows its arguments and options`);
      expect(r.out).toBe('');
    });
  }
});

describe('explain -H', () => {
  it('takes one value per flag, so arguments after it stay arguments; repeatable', async () => {
    const r = await runCli(['explain', '-c', good, '-H', 'Accept: image/webp', 'GET', '/img', '--json']);
    expect(r.code, r.err).toBe(0);
    expect((JSON.parse(r.out) as { route: { name: string } }).route.name).toBe('webp');
    const two = await runCli(['explain', '-c', good, '-H', 'X-One: 1', '-H', 'Accept: image/webp', 'GET', '/img', '--json']);
    expect(two.code, two.err).toBe(0);
    expect((JSON.parse(two.out) as { route: { name: string } }).route.name).toBe('webp');
    const none = await runCli(['explain', '-c', good, 'GET', '/img', '--json']);
    expect((JSON.parse(none.out) as { route: { name: string } }).route.name).toBe('web');
  }, 90_000);
});

describe('help texts', () => {
  it('simulate --help points to docs/simulator.md, and every document any help cites exists', async () => {
    const helps = [];
    // one at a time: each is a Node start, and the machine is shared
    for (const a of [['simulate'], [], ['start'], ['check'], ['explain'], ['adm']]) helps.push(await runCli([...a, '--help'], 30_000));
    expect(helps[0]!.code).toBe(0);
    expect(helps[0]!.out).toContain('docs/simulator.md');
    const cited = new Set(helps.flatMap((h) => [...h.out.matchAll(/[\w./-]+\.md\b/g)].map((m) => m[0])));
    expect(cited.size).toBeGreaterThan(0);
    for (const doc of cited) expect(existsSync(join(root, doc)), `${doc} is cited by a --help but is not in the repository`).toBe(true);
  }, 90_000);
});
