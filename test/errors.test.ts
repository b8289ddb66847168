// Issue 12 (errors): one table of codes for the data and control planes (src/errors.ts); one error
// class; no plain `throw new Error(` left in the control plane.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, ERRORS, errorLine, isErrorCode, SwitchyardError } from '../src/errors.js';

const SRC = join(import.meta.dirname, '..', 'src');

function files(path: string): string[] {
  if (statSync(path).isFile()) return [path];
  return readdirSync(path).flatMap((n) => files(join(path, n))).filter((f) => f.endsWith('.ts'));
}

describe('the error table', () => {
  it('every code has the SY_ERR_ form, an HTTP error status and a short text', () => {
    const entries = Object.entries(ERRORS);
    expect(entries.length).toBeGreaterThanOrEqual(30);
    for (const [code, e] of entries) {
      expect(code).toMatch(/^SY_ERR_[A-Z0-9_]+$/);
      expect(Number.isInteger(e.status), code).toBe(true);
      expect(e.status, code).toBeGreaterThanOrEqual(400);
      expect(e.status, code).toBeLessThan(600);
      expect(e.text.length, code).toBeGreaterThan(5);
      expect(e.text.length, code).toBeLessThanOrEqual(100);
    }
  });

  it('every SY_ERR_ code written in src/ is in the table', () => {
    const used = new Set(files(SRC).flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/'(SY_ERR_[A-Z0-9_]+)'/g)].map((m) => m[1]!)));
    expect(used.size).toBeGreaterThan(20);
    expect([...used].filter((c) => !isErrorCode(c))).toEqual([]);
  });

  it('no plain `throw new Error(` remains in src/admin, src/pools/control.ts or src/cli', () => {
    const offenders = ['admin', 'pools/control.ts', 'cli'].flatMap((p) => files(join(SRC, p)))
      .flatMap((f) => readFileSync(f, 'utf8').split('\n').map((line, i) => ({ f, i, line })))
      .filter((x) => /throw new Error\(/.test(x.line))
      .map((x) => `${x.f.slice(SRC.length + 1)}:${x.i + 1}`);
    expect(offenders).toEqual([]);
  });
});

describe('SwitchyardError and ConfigError', () => {
  it('carries code, the status from the table, detail and key path; prints as `code: message`', () => {
    const e = new SwitchyardError('SY_ERR_POOL_UNKNOWN', 'no pool named "x"', 'params.pool');
    expect(e).toMatchObject({ code: 'SY_ERR_POOL_UNKNOWN', status: 404, detail: 'no pool named "x"', path: 'params.pool', message: 'no pool named "x"' });
    expect(new SwitchyardError('SY_ERR_ADMIN_TOKEN').message).toBe(ERRORS.SY_ERR_ADMIN_TOKEN.text);
    expect(errorLine(e)).toBe('SY_ERR_POOL_UNKNOWN: no pool named "x"');
    expect(errorLine(new Error('odd'))).toBe('SY_ERR_INTERNAL: odd');
  });

  it('a ConfigError is a SwitchyardError: invalid config, or a file that cannot be loaded', () => {
    const bad = new ConfigError([{ path: 'pools.a.scheduler', message: 'unknown' }, { path: 'routes[0].pool', message: 'missing' }], 'x.ts');
    expect(bad).toBeInstanceOf(SwitchyardError);
    expect(bad).toMatchObject({ code: 'SY_ERR_CONFIG_INVALID', status: 422, path: undefined });
    expect(bad.message).toBe('x.ts: 2 config problems:\n  pools.a.scheduler: unknown\n  routes[0].pool: missing');
    expect(new ConfigError([{ path: 'admin', message: 'clash' }])).toMatchObject({ code: 'SY_ERR_CONFIG_INVALID', path: 'admin' });
    expect(new ConfigError([{ path: '(file)', message: 'config file not found: /x' }]).code).toBe('SY_ERR_CONFIG_FILE');
  });
});
