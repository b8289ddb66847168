// Tables built off the event loop (src/config/load-worker.ts) and handed to schedulers when a
// config is swapped in: a scheduler that is about to build a large table looks here first, by a
// key naming exactly what the table was built from. Offers live only during one synchronous apply.
let offered: ReadonlyMap<string, unknown> | undefined;

/** A prebuilt table for `key`, if one was offered for the apply in progress. */
export function prebuilt<T>(key: string): T | undefined {
  return offered?.get(key) as T | undefined;
}

/** Run `fn` (synchronous) with these tables on offer; they are dropped when it returns. */
export function withPrebuilt<R>(tables: ReadonlyMap<string, unknown>, fn: () => R): R {
  offered = tables;
  try {
    return fn();
  } finally {
    offered = undefined;
  }
}
