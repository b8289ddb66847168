// One schema: `check` (validate() and the compiled `switchyard check`) reports the same typos that
// fail tsc in test/config/types/typos.ts, all in one pass, each with its key path and the closest
// valid key; scheduler parameters come from one declaration per scheduler.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { closest } from '../../src/config/check-value.js';
import { schedulerMap } from '../../src/config/scheduler-map.js';
import { validate } from '../../src/config/validate.js';
import { allSchedulers } from '../../src/schedulers/registry.js';

const CLI = join(import.meta.dirname, '../../dist/cli/main.js');
const b = ['http://127.0.0.1:9101'];

// The typos of test/config/types/typos.ts, in one config.
const typos = {
  afinity: { timeout: 10 },
  pools: {
    a: { scheduler: 'chb', backends: b },
    c: { scheduler: 'chbl', tableSize: 251, backends: b },
    d: { scheduler: 'chbl', balanceFactr: 1.5, backends: b },
    e: { scheduler: 'rr', conectTimeout: 100, backends: b },
    f: { scheduler: 'rr', backends: b, outlier: { baseEjectonTime: 1000 } },
    g: { scheduler: 'rr', backends: b, health: { intervall: 1000, initial: 'sideways' } },
  },
  routes: [{ pool: 'static' }, { pool: 'e' }],
};
const expected: [string, RegExp][] = [
  ['(root).afinity', /unknown key; did you mean 'affinity'\?/],
  ['pools.a.scheduler', /unknown scheduler "chb"; expected one of rr, .*; did you mean 'chbl'\?/],
  ['pools.c.tableSize', /unknown key; expected one of .*balanceFactor, minRingSize \(tableSize is a parameter of mh\)/],
  ['pools.d.balanceFactr', /unknown key; did you mean 'balanceFactor'\?/],
  ['pools.e.conectTimeout', /unknown key; did you mean 'connectTimeout'\?/],
  ['pools.f.outlier.baseEjectonTime', /unknown key; did you mean 'baseEjectionTime'\?/],
  ['pools.g.health.intervall', /unknown key; did you mean 'interval'\?/],
  ['pools.g.health.initial', /must be "up" or "down", got "sideways"/],
  ['routes[0].pool', /pool "static" is not defined in pools/],
];

describe('config check: every problem in one pass, with the closest valid key', () => {
  it('validate() reports each typo with its key path and suggestion', () => {
    const { config, problems } = validate(typos);
    expect(config).toBeUndefined();
    for (const [path, message] of expected) expect(problems.find((p) => p.path === path)?.message, path).toMatch(message);
    expect(problems).toHaveLength(expected.length);
  });

  it('`switchyard check -c FILE` prints the same problems and exits 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sy-schema-'));
    const file = join(dir, 'typos.config.ts');
    writeFileSync(file, `export default ${JSON.stringify(typos, null, 2)};\n`);
    const r = await new Promise<{ code: number; err: string }>((resolve) => {
      execFile(process.execPath, [CLI, 'check', '-c', file], { timeout: 20_000 }, (e, _out, err) => {
        resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, err });
      });
    });
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${expected.length} config problems`);
    for (const [path, message] of expected) {
      const line = r.err.split('\n').find((l) => l.trim().startsWith(`${path}: `));
      expect(line, path).toMatch(message);
    }
  });

  it('suggests a key within edit distance 2 only', () => {
    const keys = ['consecutiveFailures', 'baseEjectionTime', 'maxEjectionTime'];
    expect(closest('baseEjectonTime', keys)).toBe('baseEjectionTime');
    expect(closest('BaseEjectionTim', keys)).toBe('baseEjectionTime');
    expect(closest('maxEjection', keys)).toBeUndefined();
    expect(closest('ejection', keys)).toBeUndefined();
  });

  it('a problem keeps the default and the check goes on (values after a bad one are still checked)', () => {
    const { problems } = validate({ ...typos, listen: { port: -1, limits: { maxHeaderSize: 'x', bodyTimeout: 0 } } });
    expect(problems.map((p) => p.path)).toEqual(expect.arrayContaining(['listen.port', 'listen.limits.maxHeaderSize', 'listen.limits.bodyTimeout']));
    expect(problems).toHaveLength(expected.length + 3);
  });
});

describe('scheduler parameters: one declaration per scheduler', () => {
  it('the config types know every registered scheduler and alias, and no other', () => {
    const names = allSchedulers().flatMap((d) => [d.name, ...(d.aliases ?? [])]);
    expect(Object.keys(schedulerMap).sort()).toEqual(names.sort());
    for (const [name, def] of Object.entries(schedulerMap)) expect(allSchedulers().find((d) => d.name === name || d.aliases?.includes(name))).toBe(def);
  });

  it('params, parse defaults and the schema agree for every scheduler', () => {
    for (const d of allSchedulers()) {
      const props = d.paramSchema.properties as Record<string, { default?: unknown }>;
      expect(d.params, d.name).toEqual(Object.keys(props));
      const parsed = d.parse({}, 'pools.p', []);
      if (d.params.length === 0) expect(parsed, d.name).toBeNull();
      else expect(parsed, d.name).toEqual(Object.fromEntries(Object.entries(props).map(([k, s]) => [k, s.default])));
    }
  });
});
