// Request IDs (docs/routing.md "Request IDs"): a client's value is kept when it is a plain token
// of at most MAX_ID_LENGTH characters, otherwise one is made here: a random per-process prefix and
// a counter (no crypto call per request). The pipeline decides (src/pipeline/admit.ts); the front
// ends and src/proxy/exchange.ts forward and echo it with the helpers below.
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export const MAX_ID_LENGTH = 128;

/** Token characters (letters, digits and !#$%&'*+-.^_`|~), as in src/proxy/request-check.ts. */
const TOKEN = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") TOKEN[c.charCodeAt(0)] = 1;

export function validId(v: string): boolean {
  if (v.length === 0 || v.length > MAX_ID_LENGTH) return false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c >= 128 || TOKEN[c] === 0) return false;
  }
  return true;
}

const prefix = randomBytes(9).toString('base64url');
let counter = 0;

/** A new ID: unique within this process, and across processes with high probability (72 random bits). */
export function newId(): string {
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
  return `${prefix}-${counter.toString(36)}`;
}

/** What the pipeline decided: the ID, and whether the client's header must be replaced upstream. */
export interface RequestId {
  readonly header: string;
  readonly value: string;
  /** Made here: the client sent none, or an invalid one (which is not forwarded). */
  readonly made: boolean;
  /** The client sent an invalid one: its fields are taken out of what is forwarded. */
  readonly replace: boolean;
}

export function requestIdOf(header: string, headers: IncomingHttpHeaders): RequestId {
  const v = headers[header];
  if (typeof v === 'string' && validId(v)) return { header, value: v, made: false, replace: false };
  return { header, value: newId(), made: true, replace: v !== undefined };
}

/** Upstream request headers ([name, value, …], owned by the caller) with the ID: the client's fields replaced when it was made. */
export function forwardId(headers: string[], id: RequestId | undefined): string[] {
  if (id === undefined || !id.made) return headers;
  if (!id.replace) {
    headers.push(id.header, id.value);
    return headers;
  }
  const out: string[] = [];
  const n = id.header.length;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!;
    if (name.length !== n || name.toLowerCase() !== id.header) out.push(name, headers[i + 1]!);
  }
  out.push(id.header, id.value);
  return out;
}

/** Response headers ([name, value, …]) with the ID echoed, in place of any the backend sent. */
export function echoId(headers: string[], id: RequestId | undefined): void {
  if (id === undefined) return;
  const n = id.header.length;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!;
    if (name.length === n && name.toLowerCase() === id.header) {
      headers[i + 1] = id.value;
      return;
    }
  }
  headers.push(id.header, id.value);
}

/** A copy of raw response headers with the ID echoed (upgrade answers are written raw). */
export function echoed(raw: readonly string[], id: RequestId | undefined): readonly string[] {
  if (id === undefined) return raw;
  const out = raw.slice();
  echoId(out, id);
  return out;
}

/** Extra headers of an error answer, with the ID added when there is one. */
export function withId(extra: Record<string, string> | undefined, id: RequestId | undefined): Record<string, string> | undefined {
  return id === undefined ? extra : { ...extra, [id.header]: id.value };
}
