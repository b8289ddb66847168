// Issue 15: the demo's own route actions (routes.config.ts) answer as README's tour says:
// /maintenance is answered by the route, /old/** redirects with the prefix stripped and the query
// kept, /api/** reaches the cgi pool as /cgi-bin/**; explain prints the path before and after.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatExplanation } from '../../src/cli/explain.js';
import { importConfig } from '../../src/config/load.js';
import type { AccessRecord } from '../../src/proxy/records.js';
import { echoBackend, rawRequest, startRouter, type TestRouter, type TestServer } from '../helpers.js';

let router: TestRouter;
const backends: (TestServer & { seen: unknown[] })[] = [];
const records: AccessRecord[] = [];
const dir = mkdtempSync(join(tmpdir(), 'sy-tour-'));

beforeAll(async () => {
  // the demo file as is, but with defineConfig (types only) in place of the built package's
  const text = readFileSync(join(import.meta.dirname, '../../routes.config.ts'), 'utf8');
  const copy = join(dir, 'routes.config.ts');
  writeFileSync(copy, text.replace(/^import \{ defineConfig \} from 'switchyard';$/m, 'const defineConfig = <T>(c: T): T => c;'));
  const demo = (await importConfig(copy)) as { routes: unknown[] };
  const pools: Record<string, unknown> = {};
  for (const name of ['html', 'images', 'cgi']) {
    const b = await echoBackend(name);
    backends.push(b);
    pools[name] = { scheduler: 'rr', backends: [b.url] };
  }
  router = await startRouter({ pools, routes: demo.routes });
  router.router.requestObservers.push((r) => records.push(r));
});
afterAll(async () => {
  await router.close();
  for (const b of backends) await b.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = (target: string) => rawRequest(router.port, { method: 'GET', target, host: '127.0.0.1:8080' });

describe("the demo's route actions (README tour)", () => {
  it('/maintenance: 503 with Retry-After from the route itself; no pool sees it', async () => {
    const seen = backends.map((b) => b.seen.length);
    const a = await get('/maintenance');
    expect([a.status, a.headers['retry-after'], a.body]).toEqual([503, '600', 'Down for maintenance; back soon.\n']);
    expect(backends.map((b) => b.seen.length)).toEqual(seen);
    expect(records.at(-1)).toMatchObject({ route: 'maintenance', status: 503 });
    expect(records.at(-1)!.pool).toBeUndefined();
  });

  it('/old/**: 301 to the path without /old, query kept', async () => {
    const a = await get('/old/page/3.html?v=2');
    expect([a.status, a.headers.location]).toEqual([301, '/page/3.html?v=2']);
  });

  it('/api/**: forwarded to the cgi pool as /cgi-bin/**, query kept, X-Api set; explain shows both paths', async () => {
    const a = await get('/api/env?x=1');
    expect([a.status, a.headers['x-backend'], a.headers['x-api']]).toEqual([200, 'cgi', 'v1']);
    expect((JSON.parse(a.body) as { url: string }).url).toBe('/cgi-bin/env?x=1');
    // the access record keeps the path that was matched (docs/operations.md "Logs")
    expect(records.at(-1)).toMatchObject({ route: 'api', pool: 'cgi', path: '/api/env', status: 200 });
    const text = formatExplanation(router.router.explain({ method: 'GET', url: '/api/env?x=1' }));
    expect(text).toContain('→ route "api" (#3)');
    expect(text).toContain('→ path rewritten: /api/env?x=1 → /cgi-bin/env?x=1');
    expect(text).toContain('→ pool "cgi"');
  });
});
