// What the matcher reads of a request. Built once per request; MIME and query are computed lazily.
import type { IncomingHttpHeaders } from 'node:http';
import { resolveMime, type LearnedMime, type MimeResult } from './mime.js';

export class RequestFacts {
  private mimeCache: MimeResult | undefined;
  private queryCache: URLSearchParams | undefined;
  private hostCache: string | undefined;
  constructor(
    readonly method: string,
    /** normalised path */
    readonly path: string,
    /** raw query with its "?" or "" */
    readonly search: string,
    readonly headers: IncomingHttpHeaders,
    private readonly learned: LearnedMime | undefined,
  ) {}

  /** Host header without port, lower case (computed once: every host rule reads it). */
  get host(): string {
    return (this.hostCache ??= hostOf(this.headers.host));
  }

  get mime(): MimeResult {
    return (this.mimeCache ??= resolveMime(this.path, this.headers.accept, this.learned));
  }

  get query(): URLSearchParams {
    return (this.queryCache ??= new URLSearchParams(this.search));
  }
}

function hostOf(h: string | undefined): string {
  if (!h) return '';
  if (h.charCodeAt(0) === 0x5b) return h.slice(1, h.indexOf(']')).toLowerCase();
  const c = h.indexOf(':');
  return (c === -1 ? h : h.slice(0, c)).toLowerCase();
}
