// A steady keep-alive GET load for the tests under load (test/health/load.test.ts,
// test/failover/load.test.ts): request i is handed to the client at T + i × spacing, and each
// answer is recorded (times in ms since T).
import type { Pool } from 'undici';
import { sleep } from './wait.js';

export interface LoadRec {
  path: string;
  /** When the request was handed to the client: a lower bound on when it was sent. */
  start: number;
  end: number;
  status: number;
  body: string;
  /** The X-Backend header of the answer. */
  backend: string | undefined;
  err: string | undefined;
}

export function steadyLoad(client: Pool, n: number, spacingMs: number, pathOf: (i: number) => string): { T: number; recs: LoadRec[]; done: Promise<void> } {
  const recs: LoadRec[] = [];
  const T = Date.now();
  const fire = async (i: number): Promise<void> => {
    const rec: LoadRec = { path: pathOf(i), start: Date.now() - T, end: 0, status: 0, body: '', backend: undefined, err: undefined };
    recs.push(rec);
    try {
      const r = await client.request({ path: rec.path, method: 'GET', headersTimeout: 5000, bodyTimeout: 5000 });
      rec.body = await r.body.text();
      rec.status = r.statusCode;
      const b = r.headers['x-backend'];
      rec.backend = typeof b === 'string' ? b : undefined;
    } catch (e) {
      rec.err = (e as Error).message;
    }
    rec.end = Date.now() - T;
  };
  const done = (async () => {
    const pending: Promise<void>[] = [];
    for (let i = 0; i < n; i++) {
      const wait = T + i * spacingMs - Date.now();
      if (wait > 0) await sleep(wait);
      pending.push(fire(i));
    }
    await Promise.all(pending);
  })();
  return { T, recs, done };
}
