// A config object as JSON, for `switchyard check --against` (src/cli/preview.ts) to send to a
// running router's POST /api/reload?dryRun=1 (src/admin/routes.ts). JSON has no RegExp: one travels
// as { "$regexp": [source, flags] }. Relative CA paths (pools.<name>.tls.ca) are made absolute
// against the sender's working directory, where `check` read them.
import { resolve } from 'node:path';

const TAG = '$regexp';
const MAX_DEPTH = 64;

export function toWire(raw: unknown): unknown {
  const walk = (v: unknown, depth: number): unknown => {
    if (depth > MAX_DEPTH) throw new Error(`config nests deeper than ${MAX_DEPTH} levels`);
    if (v instanceof RegExp) return { [TAG]: [v.source, v.flags] };
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, depth + 1)]));
    return v;
  };
  const out = walk(raw, 0);
  const pools = (out as { pools?: Record<string, { tls?: { ca?: unknown } }> } | null)?.pools;
  for (const p of Object.values(pools ?? {})) {
    if (typeof p?.tls?.ca === 'string') p.tls.ca = resolve(p.tls.ca);
  }
  return out;
}

/** The inverse of toWire. A malformed `$regexp` is left as it is: validation then names its key. */
export function fromWire(json: unknown): unknown {
  const walk = (v: unknown, depth: number): unknown => {
    if (depth > MAX_DEPTH) return v;
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    if (typeof v !== 'object' || v === null) return v;
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    const re = o[TAG];
    if (keys.length === 1 && Array.isArray(re) && re.length === 2 && typeof re[0] === 'string' && typeof re[1] === 'string') {
      try {
        return new RegExp(re[0], re[1]);
      } catch {
        return v;
      }
    }
    return Object.fromEntries(keys.map((k) => [k, walk(o[k], depth + 1)]));
  };
  return walk(json, 0);
}
