// docs/configuration.md is generated from the schema (npm run docs:config): regenerated here in
// memory, it must equal the committed page, and it must list the keys the contract names.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configReference } from '../../src/config/reference.js';
import { allSchedulers } from '../../src/schedulers/registry.js';

const page = readFileSync(join(import.meta.dirname, '../../docs/configuration.md'), 'utf8');
const generated = configReference();

describe('docs/configuration.md', () => {
  it('equals the page generated from the schema (run `npm run docs:config` after changing it)', () => {
    expect(page).toBe(generated);
  });

  it('lists every key with type, default and description, and every scheduler parameter', () => {
    const row = (key: string) => generated.split('\n').find((l) => l.startsWith(`| \`${key}\` |`));
    expect(row('pools.<name>.outlier.baseEjectionTime')).toMatch(/\| integer ≥ 1 \| `30000` \| ms of the first ejection/);
    expect(row('pools.<name>.maxEjectPercent')).toMatch(/\| integer 0–100 \| `50` \|/);
    expect(row('pools.<name>.health.initial')).toMatch(/\| 'up' \\\| 'down' \| `'up'` \|/);
    expect(row('listen.limits.maxHeaderSize')).toMatch(/\| integer ≥ 1024 \| `16384` \|/);
    for (const key of ['listen.acceptProxy', 'admin.allowedHosts', 'affinity.store', 'workers', 'routes[].caseInsensitive',
      'routes[].match.headers', 'tcp[].listen.port', 'tcp[].idleTimeout', 'pools.<name>.slowStart', 'pools.<name>.sendProxy']) {
      const cells = row(key)!.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim());
      expect(cells, key).toHaveLength(4);
      expect(cells[1]!.length * cells[3]!.length, key).toBeGreaterThan(0);
    }
    for (const d of allSchedulers()) {
      const section = generated.split(`### \`${d.name}\``)[1]!.split('\n### ')[0]!;
      for (const p of d.params) expect(section, `${d.name}.${p}`).toContain(`| \`pools.<name>.${p}\` |`);
    }
  });
});
