// The primary's respawn back-off (src/cli/respawn.ts): doubles per death in a row, capped, reset
// by a worker that lived for the stable period. The measured delays are in cluster-mode.test.ts.
import { describe, expect, it } from 'vitest';
import { RespawnBackoff } from '../../src/cli/respawn.js';

describe('RespawnBackoff', () => {
  it('doubles from the base, stops at the cap, resets after a stable run', () => {
    const b = new RespawnBackoff({ baseMs: 100, capMs: 1000, stableMs: 5000 });
    expect([1, 2, 3, 4, 5, 6].map(() => b.next(10))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(b.next(4999)).toBe(1000);
    expect(b.next(5000)).toBe(100);
    expect(b.next(0)).toBe(200);
  });
});
