// `switchyard adm`: the ipvsadm of Switchyard, against a running instance's admin API.
import { Command, InvalidArgumentError } from 'commander';
import type { AffinityEntryView, AffinityFigures } from '../admin/affinity.js';
import type { BackendOut, PoolOut, RouteOut } from '../admin/schemas.js';
import { formatRoutes } from './adm-routes.js';
import { isErrorCode, SwitchyardError } from '../errors.js';

export const DEFAULT_ADMIN = 'http://127.0.0.1:9090';

export interface AdmOptions {
  admin: string;
  token?: string | undefined;
  json?: boolean;
  /** The option that gave `admin`, named in hints (default `--admin`; `check` uses `--against`). */
  flag?: string;
}

/** adm's failures are SwitchyardErrors (src/errors.ts); the old name stays for callers. */
export { SwitchyardError as AdmError };

interface Status {
  version: string;
  configVersion: number;
  configFile: string | null;
  listeners: string[];
}

/** One admin API call; every failure becomes a SwitchyardError with a message an operator can act on. */
export async function call<T>(o: AdmOptions, method: string, path: string, body?: unknown, timeoutMs = 15_000): Promise<{ status: number; data: T }> {
  const base = o.admin.replace(/\/+$/, '');
  const headers: Record<string, string> = { accept: 'application/json' };
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  // the admin takes mutations only as JSON, even without a body (src/admin/guard.ts)
  if (body !== undefined || method !== 'GET') headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const why = err.name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000} s` : (err.cause?.code ?? err.cause?.message ?? err.message);
    throw new SwitchyardError('SY_ERR_ADMIN_UNREACHABLE', `cannot reach the admin API at ${base} (${why}); is switchyard running there? (${o.flag ?? '--admin'} URL)`);
  }
  const text = await res.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    throw new SwitchyardError('SY_ERR_ADMIN_NOT_JSON', `${base}${path} answered ${res.status} with something that is not JSON; is ${base} a switchyard admin API?`);
  }
  if (res.status === 401) {
    throw new SwitchyardError('SY_ERR_ADMIN_TOKEN', o.token
      ? `the admin API at ${base} refused the token (401 Unauthorized); check --token or SWITCHYARD_ADMIN_TOKEN`
      : `the admin API at ${base} needs a token (401 Unauthorized); pass --token or set SWITCHYARD_ADMIN_TOKEN`);
  }
  if (res.status >= 400 && !(res.status === 422 && path.startsWith('/api/reload'))) {
    const body = data as { error?: string; code?: string; path?: string } | null;
    // the API's own code and key path when it sent them (src/admin/errors.ts)
    throw new SwitchyardError(isErrorCode(body?.code) ? body.code : 'SY_ERR_ADMIN_REFUSED', `${method} ${path}: ${res.status} ${body?.error ?? res.statusText}`, body?.path);
  }
  return { status: res.status, data: data as T };
}

const pad = (s: string | number, n: number): string => String(s).padEnd(n);
const num = (x: number | null | undefined, d = 1): string => (x === null || x === undefined ? '-' : x.toFixed(d));

/** `ipvsadm -L -n`-like listing of pools and backends. */
export function formatList(status: Status, admin: string, pools: PoolOut[]): string {
  const lines = [
    `Switchyard ${status.version} (config v${status.configVersion}${status.configFile ? `, ${status.configFile}` : ''}) admin ${admin}`,
    `Prot Pool                 Scheduler  Flags`,
    `  -> Backend                      State    Weight ActiveReq Requests  Errors  Req/s   p99ms  Hit%`,
  ];
  for (const p of pools) {
    const flags: string[] = [];
    if (p.hashing) flags.push(`hash ${p.hashKey}`);
    if (p.affinity !== 'none') flags.push(`persistent ${p.affinity}`);
    for (const [k, v] of Object.entries(p.params)) flags.push(`${k}=${String(v)}`);
    if (p.fallback !== null) flags.push(`fallback ${p.fallback}`);
    if (p.sorry !== null) flags.push(`sorry ${p.sorry.status}`);
    if (p.serving !== 'primary') flags.push(p.serving === 'backup' ? 'SERVING-BACKUPS' : 'NO-BACKEND');
    const prot = p.backends.some((b) => b.url.startsWith('tcp:')) ? 'TCP ' : 'HTTP';
    lines.push(`${prot} ${pad(p.name, 20)} ${pad(p.scheduler, 10)} ${flags.join(' ')}`.trimEnd());
    for (const b of p.backends) lines.push(backendLine(b));
  }
  return lines.join('\n');
}

function backendLine(b: BackendOut): string {
  const w = b.weight === b.configWeight ? String(b.weight) : `${b.weight}/${b.configWeight}`;
  const hit = b.live?.hitRatioTotal;
  return `  -> ${pad(b.backup ? `${b.id} backup` : b.id, 28)} ${pad(b.state, 8)} ${pad(w, 6)} ${pad(b.active, 9)} ${pad(b.requests, 9)} ${pad(b.errors, 7)} ${pad(num(b.live?.rps), 7)} ${pad(num(b.live?.p99, 2), 6)} ${hit === null || hit === undefined ? '-' : (hit * 100).toFixed(0)}`.trimEnd();
}

/** `ipvsadm -Lc`-like listing of the affinity table. */
export function formatConnections(a: AffinityFigures & { list: AffinityEntryView[] }): string {
  const lines = [
    `Switchyard affinity entries: ${a.entries} of max ${a.maxEntries} (${a.byKind.connection ?? 0} connection, ${a.byKind.template ?? 0} template); ` +
      `hits ${a.hits}, misses ${a.misses}, evictions ${a.evictions}, expirations ${a.expirations}; store ${a.store}`,
    `kind        expire   pool                 client                         backend                live`,
  ];
  for (const e of a.list) {
    const exp = e.expiresIn === null ? '-' : `${String(Math.floor(e.expiresIn / 60)).padStart(2, '0')}:${String(Math.floor(e.expiresIn % 60)).padStart(2, '0')}`;
    lines.push(`${pad(e.kind, 11)} ${pad(exp, 8)} ${pad(e.pool, 20)} ${pad(e.client, 30)} ${pad(e.backend, 22)} ${e.live}`);
  }
  if (a.list.length < a.entries) lines.push(`… ${a.entries - a.list.length} more (--limit N)`);
  return lines.join('\n');
}

function intArg(name: string): (v: string) => number {
  return (v) => {
    if (!/^\d+$/.test(v) || Number(v) > 65535) throw new InvalidArgumentError(`${name} must be an integer 0..65535`);
    return Number(v);
  };
}

const out = (s: string): void => void process.stdout.write(s + '\n');
/** The runtime changes a reload kept (docs/admin.md#runtime-changes-and-reloads). */
const keptLines = (kept: string[] | undefined): string => (kept?.length ? `\nkept ${kept.length} runtime change(s):\n${kept.map((k) => `  ${k}`).join('\n')}` : '');
const backendPath = (pool: string, id: string): string => `/api/pools/${encodeURIComponent(pool)}/backends/${encodeURIComponent(id)}`;

export function registerAdm(program: Command): void {
  const adm = program
    .command('adm')
    .description('manage a running instance through its admin API, like ipvsadm (list, routes, add, edit, drain, enable, delete, reload)')
    .option('--admin <url>', 'admin API base URL', process.env.SWITCHYARD_ADMIN_URL ?? DEFAULT_ADMIN)
    .option('--token <token>', 'admin token (default: $SWITCHYARD_ADMIN_TOKEN, or $SWITCHYARD_TOKEN)')
    .option('--json', 'print the API answer as JSON', false);
  const opts = (cmd: Command): AdmOptions => {
    const o = cmd.optsWithGlobals<{ admin: string; token?: string; json?: boolean }>();
    return { admin: o.admin, token: o.token ?? process.env.SWITCHYARD_ADMIN_TOKEN ?? process.env.SWITCHYARD_TOKEN, json: o.json === true };
  };
  const show = (o: AdmOptions, data: unknown, text: string): void => out(o.json ? JSON.stringify(data, null, 2) : text);

  adm
    .command('list')
    .alias('ls')
    .description('pools and backends with weights and counters (like ipvsadm -L -n); -c: affinity entries (like ipvsadm -Lc)')
    .option('-c, --connections', 'list the affinity table (connection entries and persistence templates)', false)
    .option('--limit <n>', 'at most this many affinity entries', (v) => { if (!/^\d{1,6}$/.test(v)) throw new InvalidArgumentError('--limit must be an integer'); return Number(v); }, 100)
    .option('--pool <name>', 'only this pool\'s affinity entries')
    .action(async (o: { connections: boolean; limit: number; pool?: string }, cmd: Command) => {
      const ao = opts(cmd);
      if (o.connections) {
        const q = `limit=${o.limit}${o.pool ? `&pool=${encodeURIComponent(o.pool)}` : ''}`;
        const { data } = await call<AffinityFigures & { list: AffinityEntryView[] }>(ao, 'GET', `/api/affinity?${q}`);
        return show(ao, data, formatConnections(data));
      }
      const [{ data: status }, { data: pools }] = await Promise.all([call<Status>(ao, 'GET', '/api/status'), call<PoolOut[]>(ao, 'GET', '/api/pools')]);
      show(ao, pools, formatList(status, ao.admin, pools));
    });

  adm
    .command('routes')
    .description('the route table: each route\'s action, rewrite, header edits, limits and rate-limit refusals')
    .action(async (_o: unknown, cmd: Command) => {
      const ao = opts(cmd);
      const { data } = await call<RouteOut[]>(ao, 'GET', '/api/routes');
      show(ao, data, formatRoutes(data));
    });

  adm
    .command('add')
    .description('add a backend to a pool (like ipvsadm -a)')
    .argument('<pool>', 'pool name')
    .argument('<url>', 'backend URL, e.g. http://127.0.0.1:9103')
    .option('-w, --weight <n>', 'weight', intArg('--weight'), 1)
    .option('--backup', 'a backup backend: takes work only while no primary of the pool is available')
    .action(async (pool: string, url: string, o: { weight: number; backup?: boolean }, cmd: Command) => {
      const ao = opts(cmd);
      const { data } = await call<BackendOut>(ao, 'POST', `/api/pools/${encodeURIComponent(pool)}/backends`, { url, weight: o.weight, ...(o.backup ? { backup: true } : {}) });
      show(ao, data, `${pool}: added ${data.id} (${data.url}) weight ${data.configWeight}${data.backup ? ' backup' : ''}, ${data.state}`);
    });

  adm
    .command('edit')
    .description('change a backend\'s weight (like ipvsadm -e)')
    .argument('<pool>', 'pool name')
    .argument('<id>', 'backend id (host:port)')
    .requiredOption('-w, --weight <n>', 'new weight (0 drains)', intArg('--weight'))
    .action(async (pool: string, id: string, o: { weight: number }, cmd: Command) => {
      const ao = opts(cmd);
      const { data } = await call<BackendOut>(ao, 'PATCH', backendPath(pool, id), { weight: o.weight });
      show(ao, data, `${pool}: ${data.id} weight ${data.configWeight} (effective ${data.weight}), ${data.state}`);
    });

  for (const [name, state, what] of [['drain', 'drain', 'weight 0: pinned sessions stay, no new ones'], ['enable', 'active', 'back in service'], ['disable', 'disabled', 'out of service at once']] as const) {
    adm
      .command(name)
      .description(`${name} a backend (${what})`)
      .argument('<pool>', 'pool name')
      .argument('<id>', 'backend id (host:port)')
      .action(async (pool: string, id: string, _o: unknown, cmd: Command) => {
        const ao = opts(cmd);
        const { data } = await call<BackendOut>(ao, 'PATCH', backendPath(pool, id), { state });
        show(ao, data, `${pool}: ${data.id} ${data.state} (weight ${data.weight})`);
      });
  }

  adm
    .command('delete')
    .alias('rm')
    .description('remove a backend (like ipvsadm -d): it drains first, then leaves the pool')
    .argument('<pool>', 'pool name')
    .argument('<id>', 'backend id (host:port)')
    .option('--wait <ms>', 'longest wait for in-flight requests', (v) => {
      if (!/^\d+$/.test(v)) throw new InvalidArgumentError('--wait must be milliseconds');
      return Number(v);
    }, 30_000)
    .action(async (pool: string, id: string, o: { wait: number }, cmd: Command) => {
      const ao = opts(cmd);
      const { data } = await call<{ removed: string; pool: string }>(ao, 'DELETE', `${backendPath(pool, id)}?wait=${o.wait}`, undefined, o.wait + 15_000);
      show(ao, data, `${pool}: removed ${data.removed}`);
    });

  adm
    .command('reload')
    .description('re-read the config file; a config with problems is rejected and the running one stays')
    .action(async (_o: unknown, cmd: Command) => {
      const ao = opts(cmd);
      const { status, data } = await call<{ ok: boolean; configVersion: number; changes: string[]; kept?: string[]; problems: { path: string; message: string }[] }>(ao, 'POST', '/api/reload');
      if (status === 422 || !data.ok) {
        if (ao.json) out(JSON.stringify(data, null, 2));
        throw new SwitchyardError('SY_ERR_CONFIG_INVALID', `reload rejected; the running config stays:\n${data.problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`);
      }
      show(ao, data, `reloaded: config v${data.configVersion}, ${data.changes.length} change(s)${data.changes.length ? '\n' + data.changes.map((c) => `  ${c}`).join('\n') : ''}${keptLines(data.kept)}`);
    });
}
