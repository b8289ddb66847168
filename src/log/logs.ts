// The runtime's two log streams (docs/operations.md, "Logs"): access records on stdout in
// `log.format`, everything else (health changes, reloads, warnings) on stderr. The pretty format
// is pino-pretty's; the combined line is src/log/access.ts's.
import { pino, type DestinationStream, type Logger } from 'pino';
import { prettyFactory } from 'pino-pretty';
import type { AccessRecord } from '../proxy/records.js';
import { accessFields, combinedLine, PRETTY_REQUEST, resolveFormat, type LogFormat } from './access.js';

export interface LogSettings {
  level: string;
  access: boolean;
  format?: LogFormat | undefined;
}

export interface Logs {
  /** Events: stderr (or the logger the embedder passed). */
  readonly events: Logger;
  /** Writes one access record; undefined when access logging is off or below the level. */
  readonly access: ((r: AccessRecord) => void) | undefined;
  flush(): void;
}

export interface LogOptions {
  /** An embedder's logger: events and access records both go to it, as JSON objects. */
  logger?: Logger | undefined;
  /** Access records with this User-Agent are not written (the demo's own load). */
  quietAgent?: string | undefined;
}

type Fd = 1 | 2;

function isTty(fd: Fd): boolean {
  return (fd === 1 ? process.stdout : process.stderr).isTTY === true;
}

/** Pretty lines through pino-pretty, written synchronously to `fd`. */
function prettyStream(fd: Fd, request: boolean): DestinationStream {
  const out = pino.destination({ fd, sync: true });
  const pretty = prettyFactory({
    colorize: isTty(fd), translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname',
    ...(request ? { messageFormat: PRETTY_REQUEST, hideObject: true } : { singleLine: true }),
  });
  return { write: (line: string) => void out.write(pretty(line)) };
}

export function openLogs(settings: LogSettings, opts: LogOptions = {}): Logs {
  const quiet = opts.quietAgent;
  const skip = (r: AccessRecord) => quiet !== undefined && r.userAgent === quiet;
  if (opts.logger) {
    const log = opts.logger;
    return {
      events: log,
      access: settings.access ? (r) => { if (!skip(r)) log.info(accessFields(r), 'request'); } : undefined,
      flush: () => log.flush?.(),
    };
  }
  const wanted = settings.access && pino.levels.values[settings.level]! <= pino.levels.values.info!;
  const format = resolveFormat(settings.format, isTty(1));
  const events = pino({ level: settings.level }, format === 'json' ? pino.destination({ fd: 2, sync: true }) : prettyStream(2, false));
  if (!wanted) return { events, access: undefined, flush: () => events.flush?.() };
  if (format === 'combined') {
    const out = pino.destination({ fd: 1, sync: false });
    return {
      events,
      access: (r) => { if (!skip(r)) out.write(combinedLine(r, Date.now())); },
      flush: () => { try { out.flushSync(); } catch { /* a closed or busy pipe: nothing more to do */ } },
    };
  }
  const log = pino({ level: 'info' }, format === 'json' ? pino.destination({ fd: 1, sync: false }) : prettyStream(1, true));
  return {
    events,
    access: (r) => { if (!skip(r)) log.info(accessFields(r), 'request'); },
    flush: () => log.flush?.(),
  };
}
