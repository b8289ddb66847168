// The reload preview's admin edge (docs/admin.md#reload-preview): the dry run behind
// POST /api/reload?dryRun=1, and GET /api/config.
import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import { fromWire } from '../config/wire.js';
import { SwitchyardError } from '../errors.js';
import type { Router } from '../router.js';
import { dryRunFile, dryRunRaw, type DryRun } from '../runtime/dry-run.js';
import { configView } from './config-view.js';
import { ConfigOut, type DryRunQuery } from './preview-schema.js';
import { ErrorBody } from './schemas.js';

/** A dry run asked for (`?dryRun=1` or `true`). */
export const wantsDryRun = (q: Static<typeof DryRunQuery> | undefined): boolean => q?.dryRun === '1' || q?.dryRun === 'true';

/** `body`: `{ config }` from `check --against`, or nothing: the router's own file, as a reload reads it. */
export async function dryRun(router: Router, body: unknown): Promise<{ status: number; answer: object }> {
  let r: DryRun;
  if (body === undefined || body === null) {
    if (!router.file) throw new SwitchyardError('SY_ERR_RELOAD_NO_FILE', 'this router was not started from a config file: send the config to preview as { "config": … }');
    r = await dryRunFile(router.runtime);
  } else if (typeof body === 'object' && 'config' in body && Object.keys(body).length === 1) {
    r = dryRunRaw(router.runtime, fromWire(body.config));
  } else {
    throw new SwitchyardError('SY_ERR_ADMIN_BAD_INPUT', 'a dry run takes no body, or { "config": … }', 'body');
  }
  const configVersion = router.current.version;
  return r.ok
    ? { status: 200, answer: { dryRun: true, ok: true, configVersion, problems: [], preview: r.preview } }
    : { status: 422, answer: { dryRun: true, ok: false, configVersion, problems: r.problems, preview: null } };
}

/** A body on a plain reload is a mistake worth refusing: only a dry run previews a config sent in. */
export function refuseReloadBody(body: unknown): void {
  if (body !== undefined && body !== null) throw new SwitchyardError('SY_ERR_ADMIN_BAD_INPUT', 'POST /api/reload takes no body; a config sent in is only previewed (?dryRun=1)', 'body');
}

export function registerConfigRoute(app: FastifyInstance, router: Router): void {
  app.get('/api/config', { schema: { response: { 200: ConfigOut, 401: ErrorBody } } }, async () => configView(router.current.config));
}
