// Issue 15: passive ejection counts as "not available" for failover, like down, disabled and
// drained (test/failover/fallback.test.ts): once outlier detection has ejected every backend of
// a pool, its requests go to the fallback pool, and the access record says so. Real sockets.
import { afterEach, describe, expect, it } from 'vitest';
import type { AccessRecord } from '../../src/proxy/records.js';
import { rawRequest, startRouter, switchBackend, type SwitchBackend, type TestRouter } from '../helpers.js';

let tr: TestRouter | undefined;
const backends: SwitchBackend[] = [];
afterEach(async () => {
  await tr?.close();
  for (const b of backends.splice(0)) await b.close();
});

const id = (b: SwitchBackend) => `127.0.0.1:${b.port}`;

describe('fallback after passive ejection', () => {
  it('every backend ejected for 5xx answers: the fallback pool serves, named in the access record', async () => {
    const [A, B, S] = await Promise.all(['A', 'B', 'S'].map((n) => switchBackend(n)));
    backends.push(A!, B!, S!);
    A!.mode = '503';
    B!.mode = '503';
    tr = await startRouter({
      pools: {
        web: { scheduler: 'rr', backends: [A!.url, B!.url], retries: 0, outlier: { consecutiveFailures: 2, baseEjectionTime: 30_000 }, maxEjectPercent: 100, fallback: 'spare' },
        spare: { scheduler: 'rr', backends: [S!.url] },
      },
      routes: [{ name: 'all', pool: 'web' }],
    });
    const recs: AccessRecord[] = [];
    tr.router.requestObservers.push((r) => recs.push(r));
    const bodies: string[] = [];
    for (let i = 0; i < 8 && bodies.at(-1) !== 'S'; i++) bodies.push((await rawRequest(tr.port, { method: 'GET', target: `/p${i}` })).body);
    // two 503s from each backend eject both; the next request goes to the fallback pool
    expect(bodies).toEqual(['unavailable', 'unavailable', 'unavailable', 'unavailable', 'S']);
    expect(tr.router.pools.get('web')!.up).toBe(false);
    expect([A!.hits, B!.hits]).toEqual([2, 2]);
    expect(recs.at(-1)).toMatchObject({ pool: 'spare', fallbackFrom: 'web', backend: id(S!), status: 200 });
    expect(tr.router.explain({ method: 'GET', url: '/x' }).fallbackFrom).toEqual(['web']);
  });
});
