// A gentle demo load for `npm start`: a few requests a second over pages, images (Zipf-ish:
// low numbers more often) and CGI, so the dashboard shows live traffic. Loopback only; stops
// with the router.
import { request } from 'undici';

/** The demo load's User-Agent: `start --demo` leaves these requests out of the access log. */
export const DEMO_AGENT = 'switchyard-demo-load';

export interface DemoTraffic {
  stop(): void;
}

/** Start `rate` requests per second against `base` (an http://127.x URL). */
export function startDemoTraffic(base: string, rate = 4): DemoTraffic {
  let n = 0;
  const timer = setInterval(() => {
    n++;
    const r = Math.random();
    const img = Math.floor(1 / Math.max(0.01, Math.random()) ** 0.9) % 200;
    const path = r < 0.55 ? `/img/${img}.${['png', 'gif', 'svg'][img % 3]}` : r < 0.85 ? `/page/${img % 40}.html` : n % 2 ? '/cgi-bin/env' : '/cgi-bin/form';
    request(base + path, { method: path === '/cgi-bin/form' ? 'POST' : 'GET', body: path === '/cgi-bin/form' ? 'name=demo' : undefined, headers: { 'user-agent': DEMO_AGENT }, headersTimeout: 5000, bodyTimeout: 5000 })
      .then((res) => res.body.dump())
      .catch(() => undefined);
  }, Math.max(10, Math.round(1000 / rate)));
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
