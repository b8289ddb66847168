// Cluster mode: every worker's figures reach the admin worker's dashboard, API and /metrics. Each
// worker sends its Stats share to the primary once a tick; the primary keeps the latest share of
// each live worker and folds a dead worker's last share into `retired` (its totals stay counted),
// then hands the admin worker everyone else's (src/admin/stats-share.ts has the sums).
import cluster from 'node:cluster';
import { Stats } from '../admin/stats.js';
import { retire, type StatsShare } from '../admin/stats-share.js';
import type { Router } from '../router.js';

const SHARE = 'switchyard:stats';
const PEERS = 'switchyard:peers';

interface ShareMessage { type: typeof SHARE; share: StatsShare }
interface PeersMessage { type: typeof PEERS; shares: StatsShare[] }

const tagged = <T extends { type: string }>(m: unknown, type: T['type']): m is T =>
  typeof m === 'object' && m !== null && (m as { type?: unknown }).type === type;

/** In a worker: send this worker's share each tick; in the admin worker also take the others'. Returns the Stats used. */
export function shareStats(router: Router, adminStats: Stats | undefined): Stats {
  const stats = adminStats ?? new Stats(router);
  stats.onShare = (share) => {
    share.worker = cluster.worker?.id ?? 0;
    if (process.connected) process.send?.({ type: SHARE, share } satisfies ShareMessage);
  };
  if (adminStats) {
    process.on('message', (m: unknown) => {
      if (tagged<PeersMessage>(m, PEERS)) stats.peers = m.shares;
    });
  } else stats.start();
  return stats;
}

/** In the primary: collect shares; `admin()` names the worker that serves the admin API. */
export function gatherStats(admin: () => number | undefined): void {
  const latest = new Map<number, StatsShare>();
  let retired: StatsShare = { worker: 0, pid: 0, at: 0, pools: {}, routes: [] };
  const push = () => {
    const id = admin();
    const w = id === undefined ? undefined : cluster.workers?.[id];
    if (!w || !w.isConnected()) return;
    const shares = [...latest.values()].filter((s) => s.worker !== id);
    // a worker on its way out closes its channel at any moment: a failed send is no error here
    w.send({ type: PEERS, shares: [...shares, retired] } satisfies PeersMessage, undefined, ignore);
  };
  cluster.on('message', (w, m: unknown) => {
    if (!tagged<ShareMessage>(m, SHARE)) return;
    latest.set(w.id, { ...m.share, worker: w.id });
    push();
  });
  cluster.on('exit', (w) => {
    const last = latest.get(w.id);
    latest.delete(w.id);
    if (last) retired = retire(retired, last);
    push();
  });
}

const ignore = (): void => undefined;
