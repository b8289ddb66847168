// Checks a raw value against a TypeBox schema (src/config/schema.ts, scheduler parameters in
// src/schedulers/params.ts) and returns it with defaults filled. Every problem is pushed with its
// key path; a bad value is replaced by the schema's default (or dropped), so one pass finds all.
// Annotations read besides JSON Schema: `errorMessage` (replaces the type message), `format`
// (a name in FORMATS), `keyMessage` (a Record key failing its pattern).
import { Kind, OptionalKind, type TSchema } from '@sinclair/typebox';
import picomatch from 'picomatch';
import type { Problem } from '../schedulers/types.js';

type Obj = Record<string, unknown>;

export const isObj = (v: unknown): v is Obj =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof RegExp);

/** A value as messages quote it. */
export const q = (v: unknown): string => (v instanceof RegExp ? String(v) : v === undefined ? 'undefined' : JSON.stringify(v));

/** Key path of a child: `a.b`, or `b` at the root. */
export const child = (at: string, key: string): string => (at === '' ? key : `${at}.${key}`);

/** Edit distance (insert, delete, substitute), for "did you mean". */
export function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/** The closest of `names` within edit distance 2 (case ignored), if any. */
export function closest(name: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const n of names) {
    const d = distance(name.toLowerCase(), n.toLowerCase());
    if (d < bestD) [best, bestD] = [n, d];
  }
  return best;
}

export function unknownKey(key: string, allowed: readonly string[]): string {
  const near = closest(key, allowed);
  return `unknown key${near ? `; did you mean '${near}'?` : ''}; expected one of ${allowed.join(', ')}`;
}

function isCidr(s: string): boolean {
  const m = /^([0-9a-fA-F:.]+)\/(\d{1,3})$/.exec(s);
  if (!m) return false;
  const bits = Number(m[2]);
  return m[1]!.includes(':') ? bits <= 128 : bits <= 32 && /^\d{1,3}(\.\d{1,3}){3}$/.test(m[1]!);
}

function badGlob(g: string): string | undefined {
  try {
    picomatch.makeRe(g, { strictBrackets: true });
    return undefined;
  } catch (e) {
    return `bad glob ${q(g)}: ${(e as Error).message}`;
  }
}

/** String formats: each returns the problem's message, or undefined when the string is fine. */
const FORMATS: Record<string, (s: string) => string | undefined> = {
  cidr: (s) => (isCidr(s) ? undefined : `must be a CIDR like "10.0.0.0/8", got ${q(s)}`),
  host: (s) => (/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.:-]+)$/.test(s) ? undefined : `must be a host name or address without port, got ${q(s)}`),
  store: (s) => (s === 'memory' || /^rediss?:\/\//.test(s) ? undefined : `must be 'memory' or a redis:// URL, got ${q(s)}`),
  'abs-path': (s) => (s.startsWith('/') ? undefined : `must start with "/", got ${q(s)}`),
  glob: badGlob,
  'path-glob': (s) => badGlob(s) ?? (/^[/*!{]/.test(s) ? undefined : `path globs start with "/" or "**", got ${q(s)}`),
  method: (s) => (/^[A-Za-z!#$%&'*+.^_`|~0-9-]+$/.test(s) ? undefined : `must be an HTTP method name, got ${q(s)}`),
};

/** Problems a format found: a union keeps their message instead of its own type message. */
const formatProblems = new WeakSet<Problem>();

export interface CheckOptions {
  /** Object keys accepted here without being checked (scheduler parameters beside pool keys). */
  alsoKeys?: readonly string[];
}

/**
 * Check `value` at key path `at`; push problems; return the value with defaults filled, the
 * default when the value is bad, or undefined when there is neither.
 */
export function checkValue(schema: TSchema, value: unknown, at: string, problems: Problem[], opts: CheckOptions = {}): unknown {
  if (value === undefined) {
    return schema.default === undefined ? undefined : checkValue(schema, structuredClone(schema.default), at, problems, opts);
  }
  const fail = (message: string): unknown => {
    problems.push({ path: at, message: schema.errorMessage ? `${schema.errorMessage}, got ${q(value)}` : message });
    return schema.default === undefined ? undefined : checkValue(schema, structuredClone(schema.default), at, []);
  };
  switch (schema[Kind]) {
    case 'Integer':
    case 'Number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        return fail(`must be ${schema[Kind] === 'Integer' ? 'an integer' : 'a number'}, got ${q(value)}`);
      }
      if (schema[Kind] === 'Integer' && !Number.isInteger(value)) return fail(`must be an integer, got ${value}`);
      if (schema.minimum !== undefined && value < schema.minimum) return fail(`must be ≥ ${schema.minimum}, got ${value}`);
      if (schema.maximum !== undefined && value > schema.maximum) return fail(`must be ≤ ${schema.maximum}, got ${value}`);
      return value;
    }
    case 'Boolean':
      return typeof value === 'boolean' ? value : fail(`must be true or false, got ${q(value)}`);
    case 'String': {
      if (typeof value !== 'string' || (schema.minLength !== undefined && value.length < schema.minLength)) {
        return fail(`must be a non-empty string, got ${q(value)}`);
      }
      if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value)) return fail(`must match ${schema.pattern}, got ${q(value)}`);
      const bad = schema.format === undefined ? undefined : FORMATS[schema.format as string]?.(value);
      if (bad !== undefined) {
        const p = { path: at, message: bad };
        formatProblems.add(p);
        problems.push(p);
        return schema.default;
      }
      return value;
    }
    case 'Literal':
      return value === schema.const ? value : fail(`must be ${q(schema.const)}, got ${q(value)}`);
    case 'RegExpValue':
      return value instanceof RegExp ? value : fail(`must be a RegExp, got ${q(value)}`);
    case 'Union':
      return checkUnion(schema, value, at, problems, fail);
    case 'Array': {
      if (!Array.isArray(value)) return fail('must be a list');
      if (schema.minItems !== undefined && value.length < schema.minItems) {
        problems.push({ path: at, message: schema.minItemsMessage ?? 'must not be an empty list' });
      }
      // positions are kept (a bad item becomes undefined) so that paths and indexes agree
      return value.map((item, i) => checkValue(schema.items as TSchema, item, `${at}[${i}]`, problems));
    }
    case 'Tuple': {
      const items = schema.items as TSchema[];
      if (!Array.isArray(value) || value.length !== items.length) return fail(`must be a list of ${items.length}`);
      return items.map((s, i) => checkValue(s, value[i], `${at}[${i}]`, problems));
    }
    case 'Record': {
      if (!isObj(value)) return fail('must be an object');
      const [pattern, inner] = Object.entries(schema.patternProperties as Record<string, TSchema>)[0]!;
      const keyRe = new RegExp(pattern);
      const out: Obj = {};
      for (const [k, v] of Object.entries(value)) {
        if (!keyRe.test(k)) problems.push({ path: child(at, k), message: schema.keyMessage ?? `key must match ${pattern}` });
        const c = checkValue(inner, v, child(at, k), problems);
        if (c !== undefined) out[k] = c;
      }
      return out;
    }
    case 'Object': {
      if (!isObj(value)) return fail('must be an object');
      const props = schema.properties as Record<string, TSchema>;
      const allowed = [...Object.keys(props), ...(opts.alsoKeys ?? [])];
      const out: Obj = {};
      for (const k of Object.keys(value)) {
        if (!allowed.includes(k)) problems.push({ path: at === '' ? `(root).${k}` : child(at, k), message: unknownKey(k, allowed) });
        else if (!(k in props)) out[k] = value[k];
      }
      for (const [k, p] of Object.entries(props)) {
        if (value[k] === undefined && p[OptionalKind] !== 'Optional' && p.default === undefined) {
          problems.push({ path: child(at, k), message: p.errorMessage ?? 'is required' });
          continue;
        }
        const c = checkValue(p, value[k], child(at, k), problems);
        if (c !== undefined) out[k] = c;
      }
      return out;
    }
    default:
      return value;
  }
}

/** A union: literals compare; a value of an object or list member's kind is checked inside it. */
function checkUnion(schema: TSchema, value: unknown, at: string, problems: Problem[], fail: (m: string) => unknown): unknown {
  const members = schema.anyOf as TSchema[];
  for (const m of members) if (m[Kind] === 'Literal' && m.const === value) return value;
  const kindOf = (m: TSchema): string | undefined =>
    ({ Integer: 'number', Number: 'number', String: 'string', Boolean: 'boolean', Object: 'object', Record: 'object', Array: 'array', RegExpValue: 'regexp' })[m[Kind] as string];
  const valueKind = Array.isArray(value) ? 'array' : value instanceof RegExp ? 'regexp' : typeof value === 'object' && value !== null ? 'object' : typeof value;
  const m = members.find((x) => kindOf(x) === valueKind);
  if (m === undefined) return fail(`must be ${members.map(describe).join(' or ')}, got ${q(value)}`);
  if (valueKind === 'object' || valueKind === 'array') return checkValue(m, value, at, problems);
  const own: Problem[] = [];
  const c = checkValue(m, value, at, own);
  if (own.length === 0) return c;
  if (schema.errorMessage && own.some((p) => !formatProblems.has(p))) return fail('');
  problems.push(...own);
  return schema.default;
}

/** A short description of a schema's type, for messages and the reference page. */
export function describe(s: TSchema): string {
  switch (s[Kind]) {
    case 'Integer': return 'integer';
    case 'Number': return 'number';
    case 'String': return 'string';
    case 'Boolean': return 'boolean';
    case 'Literal': return typeof s.const === 'string' ? `'${s.const}'` : String(s.const);
    case 'RegExpValue': return 'RegExp';
    case 'Union': return (s.anyOf as TSchema[]).map(describe).join(' | ');
    case 'Array': return `${describe(s.items as TSchema).includes('|') ? `(${describe(s.items as TSchema)})` : describe(s.items as TSchema)}[]`;
    case 'Record': return `{ [name]: ${describe(Object.values(s.patternProperties as Record<string, TSchema>)[0]!)} }`;
    case 'Object':
    case 'ShadowValue': return 'object';
    case 'Tuple': return `[${(s.items as TSchema[]).map(describe).join(', ')}]`;
    default: return 'any';
  }
}
