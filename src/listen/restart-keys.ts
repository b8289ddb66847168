// What a reload cannot change on a running listener: it was bound once, cleartext or TLS
// (src/listen/http.ts), so adding or removing `tls` is refused by name instead of being ignored
// (docs/security.md "TLS termination"). Pure: the running and the new listeners in, problems out.
import type { Listen } from '../config/normalized.js';
import type { Problem } from './certs.js';

export function needsRestart(running: readonly Listen[], next: readonly Listen[]): Problem[] {
  const problems: Problem[] = [];
  running.forEach((was, i) => {
    const now = next[i];
    if (now === undefined || (was.tls === undefined) === (now.tls === undefined)) return;
    const at = `${next.length === 1 ? 'listen' : `listen[${i}]`}.tls`;
    const what = now.tls ? `adding tls to the cleartext listener on port ${was.port}` : `removing tls from the TLS listener on port ${was.port}`;
    problems.push({ path: at, message: `${what} needs a restart (listeners are bound at start); the running config is kept` });
  });
  return problems;
}
