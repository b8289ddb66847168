// deploy/switchyard.service as systemd itself reads it (issue 16): `systemd-analyze verify`
// rejects unknown keys and bad values. .ci/run installs systemd for it; the keys are checked in
// test/structure/deploy.test.ts.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const UNIT = join(import.meta.dirname, '../../deploy/switchyard.service');

describe('deploy/switchyard.service', () => {
  it('passes systemd-analyze verify', async () => {
    const r = await new Promise<{ code: number; err: string }>((resolve) => {
      execFile('systemd-analyze', ['verify', UNIT], { timeout: 30_000 }, (e, _out, err) =>
        resolve({ code: e ? (typeof e.code === 'number' ? e.code : 127) : 0, err }));
    });
    expect(r.code, r.err).toBe(0);
    // verify exits 0 on some warnings: none may name the unit
    expect(r.err).not.toContain('switchyard.service');
  });
});
