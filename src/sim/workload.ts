// A workload as the simulator consumes it: a catalog of objects (path + size) and a request stream
// of object ids, with an optional arrival time per request (open loop) and a client per request.

export interface Workload {
  /** Human description, e.g. `zipf α=0.9, 100000 objects`. */
  name: string;
  /** Object id → path (the pool's hashKey value, hashKey 'path'). */
  keys: readonly string[];
  /** Object id → size in bytes. */
  sizes: Float64Array;
  /** Request i → object id. */
  stream: Int32Array;
  /** Request i → client index into `clientIps`. */
  clients: Int32Array;
  clientIps: readonly string[];
  /** Request i → arrival time in ms (open loop); undefined = closed loop at saturation. */
  arrivals?: Float64Array;
  /** Facts about the workload for the report (alpha, objects, catalog bytes, …). */
  info: Record<string, number | string>;
}

export function catalogBytes(sizes: Float64Array): number {
  let s = 0;
  for (let i = 0; i < sizes.length; i++) s += sizes[i]!;
  return s;
}
