// Loading config files of every supported kind, and reading them again after they change.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'sy-load-'));

describe('importConfig', () => {
  for (const ext of ['ts', 'js', 'mjs']) {
    it(`reads a .${ext} file again after it changes (reload)`, async () => {
      const f = join(dir, `c.${ext}`);
      writeFileSync(f, `export default { v: 1${ext === 'ts' ? ' as number' : ''} };`);
      expect(await importConfig(f)).toEqual({ v: 1 });
      writeFileSync(f, 'export default { v: 2 };');
      expect(await importConfig(f)).toEqual({ v: 2 });
    });
  }

  it('names the file when it is missing or does not parse', async () => {
    await expect(importConfig(join(dir, 'none.ts'))).rejects.toThrow(/config file not found/);
    const f = join(dir, 'broken.ts');
    writeFileSync(f, 'export default { ;');
    await expect(importConfig(f)).rejects.toBeInstanceOf(ConfigError);
  });
});
