// The edge of the reload preview (src/runtime/preview.ts): read the running state (pools, the
// affinity table's entries per backend), load the new config — the router's own file, as a reload
// would, or a config handed in (`check --against`) — and preview. Nothing is applied.
import type { Config } from '../config/normalized.js';
import { loadOffThread } from '../config/off-thread.js';
import { validate } from '../config/validate.js';
import { poolHints } from '../pools/prebuild.js';
import { withPrebuilt } from '../schedulers/prebuilt.js';
import type { Problem } from '../schedulers/types.js';
import { previewReload, type ReloadPreview, type RunningState } from './preview.js';
import type { Runtime } from './runtime.js';

export type DryRun = { ok: true; preview: ReloadPreview } | { ok: false; problems: Problem[] };

export function runningState(rt: Runtime, now = Date.now()): RunningState {
  return { config: rt.current.config, pools: rt.pools, pins: rt.affinity.table.countByBackend(now), now };
}

/** Preview a validated config. */
export function dryRunConfig(rt: Runtime, config: Config): ReloadPreview {
  return previewReload(runningState(rt), config);
}

/** Preview a raw config object (validated here, as a file's default export would be). */
export function dryRunRaw(rt: Runtime, raw: unknown): DryRun {
  const { config, problems } = validate(raw);
  return config ? { ok: true, preview: dryRunConfig(rt, config) } : { ok: false, problems };
}

/** Preview the router's config file as a reload would read it now, listener certificates included. */
export async function dryRunFile(rt: Runtime): Promise<DryRun> {
  if (!rt.file) return { ok: false, problems: [{ path: '(file)', message: 'router was not started from a file' }] };
  const loaded = await loadOffThread(rt.file, poolHints(rt.pools));
  if (!loaded.ok) return { ok: false, problems: loaded.problems };
  // read, never committed: the listeners keep their certificates
  const problems = rt.reloadStages.flatMap((s) => s.prepare(loaded.config).problems);
  if (problems.length > 0) return { ok: false, problems };
  // the tables the worker built, as a reload would use them (src/schedulers/prebuilt.ts)
  return { ok: true, preview: withPrebuilt(loaded.tables, () => dryRunConfig(rt, loaded.config)) };
}
