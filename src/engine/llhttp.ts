// Node's own HTTP/1 parser (llhttp, the one node:http and undici use) for the fast engine, reached
// through node's `_http_common` module. Chosen over a hand-written parser because both engines
// then accept and refuse exactly the same bytes (test/engine/differential.test.ts), and because it
// parses in C: docs/performance.md, "The fast engine", has the measurement.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The callbacks node's binding calls, by the slot numbers it exports. */
export interface ParserCallbacks {
  onMessageBegin(): void;
  /** Header fields past the 32 the binding keeps, and trailers (after onHeadersComplete). */
  onHeaders(headers: string[], url: string): void;
  /**
   * 0: go on; 1: no body follows (a response to HEAD); 2: the message ends here and the bytes
   * after it are not HTTP (an upgrade).
   */
  onHeadersComplete(versionMajor: number, versionMinor: number, headers: string[] | undefined, method: number | undefined,
    url: string | undefined, statusCode: number | undefined, statusMessage: string | undefined, upgrade: boolean, shouldKeepAlive: boolean): number;
  onBody(chunk: Buffer): void;
  onMessageComplete(): void;
}

/** node's HTTPParser binding, as far as the engine uses it. */
export interface Parser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  /** Bytes parsed, or an Error with `code` (HPE_*) and `bytesParsed`. */
  execute(data: Buffer): number | ParseError;
  /** End of input (a response delimited by the connection's close completes here). */
  finish(): undefined | ParseError;
  close(): void;
  free(): void;
  remove(): void;
}

export interface ParseError extends Error {
  code: string;
  bytesParsed: number;
}

interface Binding {
  new (): Parser;
  REQUEST: number;
  RESPONSE: number;
  kOnMessageBegin: number;
  kOnHeaders: number;
  kOnHeadersComplete: number;
  kOnBody: number;
  kOnMessageComplete: number;
  kOnExecute: number;
}

const common = require('_http_common') as { HTTPParser: Binding; methods: string[] };
const HTTPParser = common.HTTPParser;
/** llhttp's method numbers → names. */
export const METHODS: readonly string[] = common.methods;
export const REQUEST = HTTPParser.REQUEST;
export const RESPONSE = HTTPParser.RESPONSE;

/** A parser that reports to `cb` (strict: no lenient flag, as node:http's default). */
export function newParser(type: number, maxHeaderSize: number, cb: ParserCallbacks): Parser {
  const p = new HTTPParser() as Parser & Record<number, unknown>;
  p[HTTPParser.kOnMessageBegin] = cb.onMessageBegin.bind(cb);
  p[HTTPParser.kOnHeaders] = cb.onHeaders.bind(cb);
  p[HTTPParser.kOnHeadersComplete] = cb.onHeadersComplete.bind(cb);
  p[HTTPParser.kOnBody] = cb.onBody.bind(cb);
  p[HTTPParser.kOnMessageComplete] = cb.onMessageComplete.bind(cb);
  p[HTTPParser.kOnExecute] = undefined;
  p.initialize(type, {}, maxHeaderSize, 0);
  return p;
}
