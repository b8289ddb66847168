// Affinity cookies: `<session>.<backend tag>.<issued>.<mac>`. The tag names the backend opaquely
// (an HMAC of pool, backend id and its incarnation), the MAC covers all of it; a cookie whose MAC
// fails (tampered, or signed with a key we no longer hold) or that is older than the affinity
// timeout is ignored, never trusted. Cookies are refreshed once half the timeout has passed.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface CookiePin {
  /** Session id: the client column of the table's cookie entries. */
  sid: string;
  tag: string;
  issued: number;
}

const TAG_LEN = 11;
const MAC_LEN = 22;

export class CookieSigner {
  /** The signing key; a key shared through the store may replace ours (cookies made before then go stale). */
  private key: Buffer;
  private readonly tags = new Map<string, string>();

  constructor(secret?: string) {
    this.key = secret ? Buffer.from(secret) : randomBytes(32);
  }

  /** Sign and verify with this key from now on. */
  setKey(secret: string): void {
    const k = Buffer.from(secret);
    if (this.key.equals(k)) return;
    this.key = k;
    this.tags.clear();
  }

  /** The cookie name for a pool (a token: characters outside [A-Za-z0-9_-] become '_'). */
  static cookieName(pool: string): string {
    return `sy-aff-${pool.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  }

  /** The opaque tag of a backend incarnation, under the current key. */
  tag(pool: string, backendId: string, generation: number): string {
    const k = `${pool}\0${backendId}\0${generation}`;
    let t = this.tags.get(k);
    if (t === undefined) {
      t = createHmac('sha256', this.key).update('tag\0' + k).digest('base64url').slice(0, TAG_LEN);
      if (this.tags.size > 10_000) this.tags.clear();
      this.tags.set(k, t);
    }
    return t;
  }

  static newSid(): string {
    return randomBytes(9).toString('base64url');
  }

  sign(pool: string, sid: string, tag: string, now: number): string {
    const body = `${sid}.${tag}.${Math.floor(now / 1000).toString(36)}`;
    return `${body}.${mac(this.key, pool, body)}`;
  }

  /** The pin in a cookie value, or undefined when it is malformed, tampered with or stale. */
  verify(pool: string, value: string | undefined, now: number, maxAgeMs: number): CookiePin | undefined {
    if (value === undefined || value.length > 128) return undefined;
    const parts = value.split('.');
    if (parts.length !== 4) return undefined;
    const [sid, tag, issued36, m] = parts as [string, string, string, string];
    if (m.length !== MAC_LEN || tag.length !== TAG_LEN || !/^[A-Za-z0-9_-]{1,24}$/.test(sid)) return undefined;
    const issued = parseInt(issued36, 36) * 1000;
    if (!Number.isFinite(issued) || now - issued > maxAgeMs || issued - now > 60_000) return undefined;
    const body = `${sid}.${tag}.${issued36}`;
    const given = Buffer.from(m);
    const want = Buffer.from(mac(this.key, pool, body));
    if (given.length !== want.length || !timingSafeEqual(given, want)) return undefined;
    return { sid, tag, issued };
  }

  /** The Set-Cookie value for a pin. */
  static header(name: string, value: string): string {
    return `${name}=${value}; Path=/; HttpOnly; SameSite=Lax`;
  }
}

function mac(key: Buffer, pool: string, body: string): string {
  return createHmac('sha256', key).update(`${pool}\0${body}`).digest('base64url').slice(0, MAC_LEN);
}
