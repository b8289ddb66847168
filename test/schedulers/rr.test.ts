import { describe, expect, it } from 'vitest';
import { rr } from '../../src/schedulers/rr.js';
import { seededRng } from '../../src/schedulers/rng.js';
import type { BackendView } from '../../src/schedulers/types.js';

const mk = (id: string, weight = 1, state: BackendView['state'] = 'active'): BackendView =>
  ({ id, weight, lastWeight: weight || 1, state, active: 0, inactive: 0, overloaded: false });
const ctx = { key: undefined, clientIp: '127.0.0.1', clientPort: 1, now: 0 };

describe('rr', () => {
  it('visits each eligible backend once per lap, skipping drained ones', () => {
    const bs = [mk('a'), mk('b', 100), mk('c', 0), mk('d', 1, 'down')];
    const s = rr.create(null, seededRng(1));
    const st = s.init(bs, 0);
    const seq = Array.from({ length: 6 }, () => s.pick(ctx, bs, st)?.id);
    expect(seq).toEqual(['a', 'b', 'a', 'b', 'a', 'b']);
  });
  it('continues with the successor when the last-picked backend is removed', () => {
    const bs = [mk('a'), mk('b'), mk('c')];
    const s = rr.create(null, seededRng(1));
    const st = s.init(bs, 0);
    expect(s.pick(ctx, bs, st)?.id).toBe('a');
    expect(s.pick(ctx, bs, st)?.id).toBe('b');
    const after = [bs[0]!, bs[2]!];
    expect(s.pick(ctx, after, st)?.id).toBe('c');
  });
  it('returns null when nothing is eligible', () => {
    const bs = [mk('a', 0), mk('b', 1, 'disabled')];
    const s = rr.create(null, seededRng(1));
    expect(s.pick(ctx, bs, s.init(bs, 0))).toBeNull();
  });
});
