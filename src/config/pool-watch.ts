// `pools.<name>.shadow` and `pools.<name>.expect`: what the pool's answers are watched for
// (src/pools/shadow.ts, src/pools/misroute.ts). The shadow's keys depend on its scheduler, so the
// schema passes it through unchecked (ShadowValue) and it is checked here.
import { parseHashKey } from '../pools/hash-key.js';
import { getScheduler, schedulerNames } from '../schedulers/registry.js';
import type { Problem } from '../schedulers/types.js';
import { checkValue, closest, isObj, q } from './check-value.js';
import type { ShadowSpec } from './normalized.js';
import { ShadowSchema } from './schema.js';

/** `poolHashKey`: the pool sets `hashKey` (the shadow then hashes it too, else its own default). */
export function poolWatch(problems: Problem[], shadow: unknown, expect: string | string[] | undefined, at: string, poolHashKey: boolean): { shadow?: ShadowSpec; expect?: string[] } {
  const out: { shadow?: ShadowSpec; expect?: string[] } = {};
  const s = shadowSpec(problems, shadow, `${at}.shadow`, poolHashKey);
  if (s !== undefined) out.shadow = s;
  if (expect !== undefined) out.expect = expectGlobs(problems, expect, `${at}.expect`);
  return out;
}

/**
 * The `expect` globs, lower-cased. Items that are not strings were named by the schema and are
 * left out here; a glob without a `/` (other than `**`) can never match a `type/subtype`.
 */
function expectGlobs(problems: Problem[], expect: string | string[], at: string): string[] {
  const list: unknown[] = Array.isArray(expect) ? expect : [expect];
  list.forEach((g, i) => {
    if (typeof g !== 'string' || g === '' || g.includes('/') || g === '**') return;
    const where = Array.isArray(expect) ? `${at}[${i}]` : at;
    problems.push({ path: where, message: `${q(g)} never matches a MIME type (type/subtype); did you mean ${q(`${g}/*`)}?` });
  });
  return list.filter((g): g is string => typeof g === 'string').map((g) => g.toLowerCase());
}

function shadowSpec(problems: Problem[], raw: unknown, at: string, poolHashKey: boolean): ShadowSpec | undefined {
  if (raw === undefined) return undefined;
  if (!isObj(raw)) {
    problems.push({ path: at, message: `${ShadowSchema.errorMessage as string}, got ${q(raw)}` });
    return undefined;
  }
  const name = raw.scheduler;
  const def = typeof name === 'string' ? getScheduler(name) : undefined;
  if (typeof name === 'string' && def === undefined) {
    const near = closest(name, schedulerNames());
    problems.push({ path: `${at}.scheduler`, message: `unknown scheduler ${q(name)}; expected one of ${schedulerNames().join(', ')}${near ? `; did you mean '${near}'?` : ''}` });
  }
  const before = problems.length;
  const v = checkValue(ShadowSchema, raw, at, problems, { alsoKeys: def?.params ?? [] }) as { scheduler: string; cacheBytes: number } & Record<string, unknown> | undefined;
  if (v === undefined || def === undefined || problems.length > before) return undefined;
  const rawParams: Record<string, unknown> = {};
  for (const k of def.params) if (v[k] !== undefined) rawParams[k] = v[k];
  const params = def.parse(rawParams, at, problems);
  const spec: ShadowSpec = { scheduler: def.name, params, rawParams, cacheBytes: v.cacheBytes };
  // as the pool's scheduler it would hash its own default key (sh: the client address)
  if (def.hashing && !poolHashKey) spec.hashKey = parseHashKey(def.defaultHashKey ?? 'path');
  return spec;
}
