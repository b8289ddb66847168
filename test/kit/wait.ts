// Waits: sleep, polling until a condition holds, and router events.
import type { EventBus, EventMap, EventName } from '../../src/events.js';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Wait until `cond` holds (polling every 10 ms), or fail after `ms`. */
export async function until(cond: () => boolean, ms = 3000, what = 'condition'): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** Resolve with the first `name` event that satisfies `pred`, or reject after `ms`. */
export function nextEvent<K extends EventName>(bus: EventBus, name: K, pred: (p: EventMap[K]) => boolean, ms = 5000): Promise<EventMap[K] & { at: number }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${name} event within ${ms} ms`));
    }, ms);
    const off = bus.on(name, (p) => {
      if (!pred(p)) return;
      clearTimeout(timer);
      off();
      resolve({ ...p, at: Date.now() });
    });
  });
}

export interface RecordedEvent {
  name: string;
  at: number;
  payload: Record<string, unknown>;
}

/** Record every event with its time. */
export function recordEvents(bus: EventBus): RecordedEvent[] {
  const out: RecordedEvent[] = [];
  bus.onAny((name, payload) => out.push({ name, at: Date.now(), payload: payload as unknown as Record<string, unknown> }));
  return out;
}
