// IPVS lblc/lblcr table garbage collection (docs/schedulers.md#lblc-locality-based-least-connection, kernel ip_vs_lblc.c check_expire),
// run lazily: every call replays the 60 s timer ticks that have fallen due since the last one.
//  - every 30th tick: full check, drop entries unused for `expiration`;
//  - otherwise, when the table holds more than 16 384 entries: drop entries unused for 6 min
//    until min(4/3 × excess, 8 192) are gone (the tick counter does not advance on such ticks,
//    exactly as in the kernel).

export const CHECK_EXPIRE_INTERVAL = 60_000;
export const ENTRY_TIMEOUT = 6 * 60_000;
export const COUNT_FOR_FULL_EXPIRATION = 30;
/** 16 × 1024 buckets (kernel TAB_BITS = 10). */
export const MAX_SIZE = 16 * 1024;
/** Replay at most this many missed ticks (≈ 1 week); older ones only advance the counter. */
const MAX_REPLAY = 10_080;

export interface ExpiryClock {
  /** time (ms) of the next timer tick */
  nextTick: number;
  /** kernel tbl->counter, starts at 1 */
  counter: number;
}

export const newClock = (now: number): ExpiryClock => ({ nextTick: now + CHECK_EXPIRE_INTERVAL, counter: 1 });

/** Run every tick due by `now` over `table` (entries carry `lastUse`, ms). */
export function expireDue<E extends { lastUse: number }>(
  clock: ExpiryClock, table: Map<string, E>, expirationMs: number, now: number,
): void {
  if (now < clock.nextTick) return;
  let due = Math.floor((now - clock.nextTick) / CHECK_EXPIRE_INTERVAL) + 1;
  if (due > MAX_REPLAY) {
    const skip = due - MAX_REPLAY;
    // skipped ticks: the counter cycles 1..30 as on an idle, small table
    clock.counter = ((clock.counter - 1 + skip) % COUNT_FOR_FULL_EXPIRATION) + 1;
    clock.nextTick += skip * CHECK_EXPIRE_INTERVAL;
    due = MAX_REPLAY;
  }
  for (let k = 0; k < due; k++) {
    tick(clock, table, expirationMs, clock.nextTick);
    clock.nextTick += CHECK_EXPIRE_INTERVAL;
  }
}

function tick<E extends { lastUse: number }>(
  clock: ExpiryClock, table: Map<string, E>, expirationMs: number, t: number,
): void {
  if (clock.counter % COUNT_FOR_FULL_EXPIRATION === 0) {
    for (const [k, e] of table) if (t >= e.lastUse + expirationMs) table.delete(k);
    clock.counter = 1;
    return;
  }
  if (table.size <= MAX_SIZE) {
    clock.counter++;
    return;
  }
  let goal = Math.min(Math.floor(((table.size - MAX_SIZE) * 4) / 3), MAX_SIZE / 2);
  for (const [k, e] of table) {
    if (goal <= 0) break;
    if (t < e.lastUse + ENTRY_TIMEOUT) continue;
    table.delete(k);
    goal--;
  }
}
