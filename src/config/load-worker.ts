// Worker thread (started by src/config/off-thread.ts, one per load): import the config file,
// validate it and build the large scheduler tables away from the router's event loop. It replies
// once, handing the tables' buffers over (transferred, not copied), and ends.
import { resolve } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { certFiles } from '../listen/certs.js';
import { prebuildTables } from '../pools/prebuild.js';
import { isObj } from './check-value.js';
import { configDir, importTracked } from './load.js';
import { validate } from './validate.js';
import type { LoadInput, LoadReply } from './off-thread.js';

/**
 * The pools' CA files are watched too, also when one is missing or bad, so that editing one
 * reloads (src/config/pem.ts reads them while validating).
 */
function withCaFiles(files: string[], raw: unknown): string[] {
  const pools = isObj(raw) && isObj(raw.pools) ? Object.values(raw.pools) : [];
  const cas = pools.flatMap((p) => (isObj(p) && isObj(p.tls) && typeof p.tls.ca === 'string' ? [resolve(configDir(file), p.tls.ca)] : []));
  return [...new Set([...files, ...cas])];
}

const { file, hints } = workerData as LoadInput;
const { raw, problem, files } = await importTracked(file);
let reply: LoadReply;
let transfer: ArrayBuffer[] = [];
if (problem) reply = { ok: false, problems: [problem], files };
else {
  const { config, problems } = validate(raw, { baseDir: configDir(file) });
  if (!config) reply = { ok: false, problems, files: withCaFiles(files, raw) };
  else {
    const built = prebuildTables(config, hints);
    // CA and certificate files are watched too: a renewed file reloads like an edited config
    reply = { ok: true, config, files: [...new Set([...withCaFiles(files, raw), ...config.listen.flatMap((l) => certFiles(l.tls))])], tables: built.tables };
    transfer = built.buffers;
  }
}
try {
  parentPort!.postMessage(reply, transfer);
} catch (e) {
  // something in the config that cannot cross threads (structured clone)
  parentPort!.postMessage({ ok: false, problems: [{ path: '(file)', message: `cannot load ${file}: ${(e as Error).message}` }], files } satisfies LoadReply);
}
