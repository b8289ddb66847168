// What a reload cannot change on a running listener: it was bound once, cleartext or TLS, with or
// without HTTP/2 and its limits (src/listen/http.ts, h2.ts), so a reload that changes `tls`,
// `http2`, `engine` or `http2Limits` is refused by name instead of being ignored (docs/security.md "TLS
// termination"). Pure: the running and the new listeners in, problems out.
import type { Listen } from '../config/normalized.js';
import type { Problem } from './certs.js';

const h2On = (l: Listen): boolean => l.redirectHttps === undefined && (l.http2 ?? l.tls !== undefined);

export function needsRestart(running: readonly Listen[], next: readonly Listen[]): Problem[] {
  const problems: Problem[] = [];
  running.forEach((was, i) => {
    const now = next[i];
    if (now === undefined) return;
    const at = `${next.length === 1 ? 'listen' : `listen[${i}]`}`;
    const refuse = (key: string, what: string) =>
      problems.push({ path: `${at}.${key}`, message: `${what} needs a restart (listeners are bound at start); the running config is kept` });
    if ((was.tls === undefined) !== (now.tls === undefined)) {
      refuse('tls', now.tls ? `adding tls to the cleartext listener on port ${was.port}` : `removing tls from the TLS listener on port ${was.port}`);
    } else if (h2On(was) !== h2On(now)) {
      refuse('http2', `turning HTTP/2 ${h2On(now) ? 'on' : 'off'} on the listener on port ${was.port}`);
    } else if (was.engine !== now.engine) {
      refuse('engine', `switching the listener on port ${was.port} from the ${was.engine} engine to the ${now.engine} one`);
    } else if (h2On(now) && JSON.stringify(was.http2Limits) !== JSON.stringify(now.http2Limits)) {
      refuse('http2Limits', `changing the HTTP/2 limits of the listener on port ${was.port} (maxHeaderListSize follows limits.maxHeaderSize unless set)`);
    }
  });
  return problems;
}
