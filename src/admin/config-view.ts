// GET /api/config: the running config as JSON (docs/admin.md#admin-api). Secrets are redacted —
// the admin token, the affinity cookie secret, a password in the affinity store URL — CA files are
// named but not inlined, and RegExps are shown as their source text (/…/flags).
import type { Config } from '../config/normalized.js';

export const REDACTED = '(redacted)';

/** A copy of the config fit to show. */
export function configView(config: Config): Record<string, unknown> {
  const plain = JSON.parse(JSON.stringify(config, (_k, v: unknown) => (v instanceof RegExp ? String(v) : v))) as Record<string, unknown>;
  const admin = plain.admin as { token?: string | null } | false;
  if (admin && admin.token) admin.token = REDACTED;
  const aff = plain.affinity as { cookieSecret?: string | null; store?: string };
  if (aff.cookieSecret) aff.cookieSecret = REDACTED;
  if (typeof aff.store === 'string') aff.store = redactUrl(aff.store);
  for (const p of Object.values(plain.pools as Record<string, { tls?: { ca?: string | null } | null }>)) {
    if (p.tls) delete p.tls.ca;
  }
  return plain;
}

/** `redis://user:secret@host` → `redis://user:(redacted)@host`. */
function redactUrl(s: string): string {
  try {
    const u = new URL(s);
    if (u.password === '') return s;
    u.password = 'redacted';
    return u.toString().replace(':redacted@', `:${REDACTED}@`);
  } catch {
    return s;
  }
}
