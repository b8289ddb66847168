// A request body on its way upstream, read under the listener's limits (docs/security.md,
// "Limits"): at most `bodyTimeout` ms of silence between two reads, at most `maxBodySize` bytes.
// Either limit ends the upstream request with a BodyError, which the exchange answers 408 or 413.
import type { BodySource } from './client.js';

export class BodyError extends Error {
  constructor(readonly code: 'SY_ERR_BODY_TIMEOUT' | 'SY_ERR_BODY_TOO_LARGE' | 'SY_ERR_CLIENT_ABORTED', detail: string) {
    super(detail);
  }
}

/** Resolves once `req` has data to read or has ended; rejects after `ms` of silence. */
function readable(req: BodySource, ms: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (err?: Error) => {
      clearTimeout(timer);
      req.off('readable', ok);
      req.off('end', ok);
      req.off('error', fail);
      req.off('close', closed);
      if (err) reject(err);
      else resolve();
    };
    const ok = () => done();
    const fail = (e: Error) => done(new BodyError('SY_ERR_CLIENT_ABORTED', e.message));
    const closed = () => done(req.readableEnded ? undefined : new BodyError('SY_ERR_CLIENT_ABORTED', 'client closed the connection during the body'));
    const timer = setTimeout(() => done(new BodyError('SY_ERR_BODY_TIMEOUT', `no body data for ${ms} ms`)), ms);
    req.once('readable', ok);
    req.once('end', ok);
    req.once('error', fail);
    req.once('close', closed);
  });
}

/** The body of `req` as an async iterable for the upstream request, under both limits; `count.in` follows the bytes read. */
export async function* guardedBody(req: BodySource, timeoutMs: number, maxBytes: number | undefined, count?: { in: number }): AsyncGenerator<Buffer> {
  let total = 0;
  for (;;) {
    const chunk = req.read() as Buffer | null;
    if (chunk !== null) {
      total += chunk.length;
      if (count) count.in = total;
      if (maxBytes !== undefined && total > maxBytes) throw new BodyError('SY_ERR_BODY_TOO_LARGE', `body larger than ${maxBytes} bytes`);
      yield chunk;
      continue;
    }
    // complete: the parser has pushed the whole body; 'end' may just not be emitted yet
    if (req.readableEnded || (req.complete && req.readableLength === 0)) return;
    await readable(req, timeoutMs);
  }
}
