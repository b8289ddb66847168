// MIME type of a request, in the contract's order: (1) the path's extension (mime-db), (2) the
// type a backend answered for this path before (learnMime, bounded LRU), (3) the most preferred
// concrete type in Accept.
import mimeTypes from 'mime-types';
import Negotiator from 'negotiator';

export type MimeSource = 'extension' | 'learned' | 'accept' | 'none';

export interface MimeResult {
  type: string | undefined;
  source: MimeSource;
}

/** A small LRU (Map insertion order) of path → content type answered by a backend. */
export class LearnedMime {
  private readonly map = new Map<string, string>();
  constructor(private readonly max = 10_000) {}
  get(path: string): string | undefined {
    const v = this.map.get(path);
    if (v !== undefined) {
      this.map.delete(path);
      this.map.set(path, v);
    }
    return v;
  }
  learn(path: string, contentType: string): void {
    const type = contentType.split(';', 1)[0]!.trim().toLowerCase();
    if (!type || !type.includes('/')) return;
    this.map.delete(path);
    this.map.set(path, type);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
  }
  get size(): number {
    return this.map.size;
  }
}

export function extensionMime(path: string): string | undefined {
  const slash = path.lastIndexOf('/');
  const dot = path.lastIndexOf('.');
  if (dot <= slash + 1) return undefined; // no extension, or a dotfile
  const t = mimeTypes.lookup(path.slice(dot));
  return t === false ? undefined : t;
}

export function acceptMime(accept: string | undefined): string | undefined {
  if (!accept) return undefined;
  const list = new Negotiator({ headers: { accept } }).mediaTypes();
  return list.find((t) => !t.includes('*'))?.toLowerCase();
}

export function resolveMime(path: string, accept: string | undefined, learned: LearnedMime | undefined): MimeResult {
  const ext = extensionMime(path);
  if (ext) return { type: ext, source: 'extension' };
  const l = learned?.get(path);
  if (l) return { type: l, source: 'learned' };
  const a = acceptMime(accept);
  if (a) return { type: a, source: 'accept' };
  return { type: undefined, source: 'none' };
}
