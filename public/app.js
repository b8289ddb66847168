// Switchyard dashboard: one page, no build step. Reads the admin API, follows the event stream
// (server-sent events read through fetch so the Authorization header can be sent), draws
// rate and latency charts per pool with uPlot (served locally from /vendor/uplot/).
import uPlot from '/vendor/uplot/uPlot.esm.js';

const $ = (sel) => document.querySelector(sel);
const TOKEN_KEY = 'switchyard.adminToken';
const HISTORY = 300;
let token = localStorage.getItem(TOKEN_KEY) || '';
let pools = [];
const charts = new Map(); // pool -> { rate, lat, data: { t, rps, p50, p99 } }

// ---------- tiny DOM helper ----------
function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const kid of kids.flat()) if (kid !== undefined && kid !== null && kid !== false) el.append(kid instanceof Node ? kid : String(kid));
  return el;
}
const fmt = {
  n: (x, d = 1) => (x === null || x === undefined ? '–' : Number(x).toFixed(d)),
  pct: (x) => (x === null || x === undefined ? '–' : `${(x * 100).toFixed(1)} %`),
  ms: (x) => (x === null || x === undefined ? '–' : x < 10 ? x.toFixed(2) : x.toFixed(0)),
};

// ---------- API ----------
class ApiError extends Error {
  constructor(status, message, body) { super(message); this.status = status; this.body = body; }
}
async function api(method, path, body) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  // the admin takes mutations only as JSON, even without a body (src/admin/guard.ts)
  if (body !== undefined || method !== 'GET') headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = text; }
  if (res.status === 401) { askToken('The admin API needs a token.'); throw new ApiError(401, 'token required', data); }
  if (!res.ok) throw new ApiError(res.status, (data && data.error) || `${res.status} ${res.statusText}`, data);
  return data;
}

function toast(msg, bad = false) {
  const t = $('#toast');
  t.textContent = msg;
  t.className = bad ? 'toast bad' : 'toast';
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => t.classList.add('hidden'), 4000);
}
async function act(label, fn) {
  try {
    await fn();
    toast(label);
  } catch (e) {
    if (e.status !== 401) toast(`${label} failed: ${e.message}`, true);
  }
}

// ---------- token ----------
function askToken(msg) {
  $('#token-bar').classList.remove('hidden');
  $('#token-msg').textContent = token ? 'That token was refused.' : msg;
}
$('#token-bar').addEventListener('submit', (ev) => {
  ev.preventDefault();
  token = $('#token').value.trim();
  localStorage.setItem(TOKEN_KEY, token);
  $('#token-bar').classList.add('hidden');
  boot();
});

// ---------- pools ----------
function stateBadge(b) {
  return h('span', { class: `state ${b.state}`, 'data-field': 'state' }, b.state);
}

function healthText(hl) {
  if (!hl) return '';
  const parts = [];
  if (hl.lastCheck) parts.push(`check ${hl.lastCheck.ok ? 'ok' : 'failed'} ${Math.round(hl.lastCheck.ms)} ms${hl.lastCheck.ok ? '' : `: ${hl.lastCheck.detail}`}`);
  else if (hl.checking) parts.push('checking…');
  if (hl.checking) parts.push(hl.failStreak ? `${hl.failStreak} failed in a row` : `${hl.okStreak} ok in a row`);
  if (hl.ejectedUntil > Date.now()) parts.push(`ejected for ${Math.ceil((hl.ejectedUntil - Date.now()) / 1000)} s`);
  if (hl.ejections) parts.push(`${hl.ejections} ejection${hl.ejections === 1 ? '' : 's'}`);
  if (hl.slowStart) parts.push(`slow start ${hl.slowStart.weight}/${hl.slowStart.of}`);
  return parts.join(' · ');
}

function backendRow(pool, b) {
  const weightIn = h('input', { type: 'number', min: 0, max: 65535, value: b.configWeight, 'aria-label': `weight of ${b.id}` });
  const live = b.live || {};
  const cell = (field, text, cls = 'num') => h('td', { class: cls, 'data-field': field }, text);
  const path = `/api/pools/${encodeURIComponent(pool.name)}/backends/${encodeURIComponent(b.id)}`;
  const patch = (body, label) => act(label, () => api('PATCH', path, body).then(refreshPools));
  return h('tr', { 'data-backend': b.id },
    h('td', {}, h('code', {}, b.id), b.backup && h('span', { class: 'tag backup', title: 'takes work only while no primary backend is available' }, ' backup')),
    h('td', { 'data-field': 'stateCell' }, stateBadge(b), ' ', h('span', { class: 'reason', title: b.reason, 'data-field': 'reason' }, b.reason),
      h('div', { class: 'health', 'data-field': 'check' }, healthText(b.health))),
    cell('weight', b.weight === b.configWeight ? b.weight : `${b.weight} / ${b.configWeight}`),
    cell('active', b.active),
    cell('requests', b.requests),
    cell('rps', fmt.n(live.rps)),
    cell('errorRate', fmt.pct(live.errorRate)),
    cell('p50', fmt.ms(live.p50)),
    cell('p99', fmt.ms(live.p99)),
    cell('hitRatio', fmt.pct(live.hitRatioTotal)),
    cell('keys', b.keys),
    h('td', {},
      h('div', { class: 'actions' },
        b.adminState === 'active'
          ? h('button', { type: 'button', class: 'drain', title: 'weight 0: pinned sessions stay, no new ones', onclick: () => patch({ state: 'drain' }, `drained ${b.id}`) }, 'Drain')
          : h('button', { type: 'button', class: 'enable', onclick: () => patch({ state: 'active' }, `enabled ${b.id}`) }, 'Enable'),
        b.adminState !== 'disabled' && h('button', { type: 'button', class: 'disable', title: 'take out of service now', onclick: () => patch({ state: 'disabled' }, `disabled ${b.id}`) }, 'Disable'),
        weightIn,
        h('button', { type: 'button', class: 'weight', onclick: () => patch({ weight: Number(weightIn.value) }, `weight of ${b.id} set to ${weightIn.value}`) }, 'Set weight'),
        h('button', { type: 'button', class: 'remove', title: 'drain, then remove', onclick: () => {
          if (confirm(`Remove ${b.id} from pool ${pool.name}? It drains first.`)) act(`removed ${b.id}`, () => api('DELETE', path).then(refreshPools));
        } }, 'Remove'),
      ),
    ),
  );
}

function poolCard(pool) {
  const url = h('input', { name: 'url', placeholder: 'http://127.0.0.1:9105', required: true });
  const weight = h('input', { name: 'weight', type: 'number', min: 0, max: 65535, value: 1 });
  const backup = h('input', { name: 'backup', type: 'checkbox', title: 'takes work only while no primary backend is available' });
  const add = h('form', { class: 'add', onsubmit: (ev) => {
    ev.preventDefault();
    const body = { url: url.value.trim(), weight: Number(weight.value), ...(backup.checked ? { backup: true } : {}) };
    act(`added ${url.value}${backup.checked ? ' (backup)' : ''} to ${pool.name}`, () => api('POST', `/api/pools/${encodeURIComponent(pool.name)}/backends`, body).then(refreshPools));
  } }, 'Add backend ', url, 'weight', weight, h('label', {}, backup, 'backup'), h('button', { type: 'submit' }, 'Add'));
  const rate = h('div', { class: 'chart' }, h('div', { class: 'title' }, h('span', { class: 'key rps' }, 'requests / s')));
  const lat = h('div', { class: 'chart' }, h('div', { class: 'title' }, 'latency ms: ', h('span', { class: 'key p50' }, 'p50'), ' ', h('span', { class: 'key p99' }, 'p99')));
  const kv = (k, field, v) => h('span', { class: 'kv' }, `${k} `, h('b', { 'data-pool-field': field }, v));
  return h('article', { class: 'pool', 'data-pool': pool.name },
    h('div', { class: 'pool-head' },
      h('h2', {}, pool.name),
      kv('scheduler', 'scheduler', pool.scheduler + (Object.keys(pool.params).length ? ` ${Object.entries(pool.params).map(([k, v]) => `${k}=${v}`).join(' ')}` : '')),
      pool.hashing && kv('hash key', 'hashKey', pool.hashKey),
      kv('affinity', 'affinity', pool.affinity),
      pool.serving !== 'primary' && kv('serving', 'serving', pool.serving === 'backup' ? 'backups (no primary available)' : 'nothing available'),
      pool.fallback && kv('fallback', 'fallback', pool.fallback),
      pool.sorry && kv('sorry', 'sorry', `${pool.sorry.status} ${pool.sorry.contentType}`),
      kv('req/s', 'rps', '–'), kv('in flight', 'active', pool.inFlight), kv('errors', 'errorRate', '–'),
      kv('p50', 'p50', '–'), kv('p99', 'p99', '–'), kv('hit ratio', 'hitRatio', '–'),
      pool.shadow && kv('shadow', 'shadow', shadowText(pool.scheduler, pool.shadow)),
    ),
    h('div', { class: 'charts' }, rate, lat),
    h('table', { class: 'backends' },
      h('thead', {}, h('tr', {},
        h('th', {}, 'backend'), h('th', {}, 'state'), h('th', { class: 'num' }, 'weight'), h('th', { class: 'num' }, 'active'),
        h('th', { class: 'num' }, 'total'), h('th', { class: 'num' }, 'req/s'), h('th', { class: 'num' }, 'errors'),
        h('th', { class: 'num' }, 'p50 ms'), h('th', { class: 'num' }, 'p99 ms'), h('th', { class: 'num' }, 'hit ratio'),
        h('th', { class: 'num', title: 'distinct paths served (locality)' }, 'keys'), h('th', {}, ''))),
      h('tbody', {}, pool.backends.map((b) => backendRow(pool, b))),
    ),
    add,
  );
}

/** A shadow scheduler's line (src/pools/shadow.ts): "lard would have hit 0.81 where wrr hit 0.43". */
function shadowText(live, s) {
  const r = (x) => (x === null ? '–' : x.toFixed(2));
  const agree = s.agreement === null ? '' : `; agrees ${fmt.pct(s.agreement)}`;
  return `${s.scheduler} would have hit ${r(s.hitRatio.shadow)} where ${live} hit ${r(s.hitRatio.live)}${agree}`;
}

/** Routes whose pool answered outside its `expect` globs in the last minute (src/pools/misroute.ts). */
function flagMisroutes(tick) {
  const flagged = new Map();
  for (const [name, f] of Object.entries(tick.pools)) for (const r of f.misroutes?.flagged ?? []) flagged.set(r, name);
  for (const row of document.querySelectorAll('#routes tr[data-route]')) {
    const pool = flagged.get(row.dataset.route);
    row.classList.toggle('misrouted', pool !== undefined);
    row.title = pool === undefined ? '' : `answers outside pools.${pool}.expect in the last minute (see /api/pools/${pool})`;
  }
}

function makeChart(el, series, data) {
  const width = Math.max(240, el.clientWidth || 400);
  return new uPlot({
    width, height: 150, legend: { show: false }, cursor: { drag: { x: false, y: false } },
    scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(1, max * 1.1)] } },
    axes: [{}, { size: 56 }],
    series: [{}, ...series],
  }, data, el);
}

function ensureCharts(pool, card) {
  let c = charts.get(pool.name);
  if (!c) {
    c = { data: { t: [], rps: [], p50: [], p99: [] } };
    charts.set(pool.name, c);
  }
  const [rateEl, latEl] = card.querySelectorAll('.chart');
  c.rate?.destroy();
  c.lat?.destroy();
  c.rate = makeChart(rateEl, [{ label: 'req/s', stroke: '#2f5fd0', fill: 'rgba(47,95,208,.12)', width: 1.5 }], [c.data.t, c.data.rps]);
  c.lat = makeChart(latEl, [
    { label: 'p50', stroke: '#1a8f4c', width: 1.5, spanGaps: true },
    { label: 'p99', stroke: '#c62828', width: 1.5, spanGaps: true },
  ], [c.data.t, c.data.p50, c.data.p99]);
}

function renderPools() {
  const root = $('#pools');
  root.replaceChildren(...pools.map(poolCard));
  for (const p of pools) ensureCharts(p, root.querySelector(`[data-pool="${CSS.escape(p.name)}"]`));
}

async function refreshPools() {
  pools = await api('GET', '/api/pools');
  renderPools();
}

function pushPoint(name, at, f) {
  const c = charts.get(name);
  if (!c) return;
  const d = c.data;
  d.t.push(at / 1000); d.rps.push(f.rps); d.p50.push(f.p50); d.p99.push(f.p99);
  if (d.t.length > HISTORY) for (const k of Object.keys(d)) d[k].splice(0, d[k].length - HISTORY);
  c.rate?.setData([d.t, d.rps]);
  c.lat?.setData([d.t, d.p50, d.p99]);
}

function onTick(tick) {
  let structural = false;
  for (const [name, f] of Object.entries(tick.pools)) {
    const card = document.querySelector(`[data-pool="${CSS.escape(name)}"]`);
    if (!card) { structural = true; continue; }
    const set = (field, text) => { const el = card.querySelector(`[data-pool-field="${field}"]`); if (el) el.textContent = text; };
    set('rps', fmt.n(f.rps)); set('active', f.active); set('errorRate', fmt.pct(f.errorRate));
    set('p50', fmt.ms(f.p50)); set('p99', fmt.ms(f.p99)); set('hitRatio', fmt.pct(f.hitRatioTotal));
    if (f.shadow) set('shadow', shadowText(f.scheduler, f.shadow));
    pushPoint(name, tick.at, f);
    const rows = card.querySelectorAll('tr[data-backend]');
    if (rows.length !== Object.keys(f.backends).length) structural = true;
    for (const row of rows) {
      const b = f.backends[row.dataset.backend];
      if (!b) { structural = true; continue; }
      const cell = (field, text) => { const el = row.querySelector(`[data-field="${field}"]`); if (el && el.textContent !== String(text)) el.textContent = text; };
      const badge = row.querySelector('[data-field="state"]');
      if (badge.textContent !== b.state) structural = true;
      cell('weight', b.weight === b.configWeight ? b.weight : `${b.weight} / ${b.configWeight}`);
      cell('active', b.active); cell('requests', b.requests); cell('rps', fmt.n(b.rps));
      cell('errorRate', fmt.pct(b.errorRate)); cell('p50', fmt.ms(b.p50)); cell('p99', fmt.ms(b.p99));
      cell('hitRatio', fmt.pct(b.hitRatioTotal)); cell('keys', b.keys);
    }
  }
  flagMisroutes(tick);
  if (structural) refreshPools().catch(() => {});
}

// ---------- routes, explain, affinity ----------
// with a rate limit on some route, the table is fetched again every 5 ticks for its refusal counts
let routesHaveRate = false;
let ticksSinceRoutes = 0;
async function refreshRoutes() {
  const routes = await api('GET', '/api/routes');
  routesHaveRate = routes.some((r) => r.rateLimit);
  ticksSinceRoutes = 0;
  $('#routes tbody').replaceChildren(...routes.map((r) => h('tr', { 'data-route': r.name },
    h('td', { class: 'num' }, r.index + 1), h('td', {}, r.name), h('td', {}, r.action), h('td', { class: 'match' }, r.details ?? ''), h('td', { class: 'match' }, r.match),
    h('td', {}, r.rateLimit ? `${r.rateLimit}: ${r.rateLimited} refused` : ''))));
}

// the TLS listeners' certificates (GET /api/certificates); the panel stays hidden without any
async function refreshCerts() {
  const certs = await api('GET', '/api/certificates');
  $('#certs-panel').hidden = certs.length === 0;
  $('#certs tbody').replaceChildren(...certs.map((c) => h('tr', {},
    h('td', {}, c.listener), h('td', {}, c.names.join(', ')),
    h('td', c.expired ? { class: 'error' } : {}, `${c.notAfter.slice(0, 10)}${c.expired ? ' (expired)' : ''}`), h('td', { class: 'match' }, c.file))));
}

$('#explain').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const headers = {};
  for (const line of $('#ex-headers').value.split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  const out = $('#ex-out');
  try {
    const e = await api('POST', '/api/explain', { method: $('#ex-method').value, url: $('#ex-url').value, headers });
    out.replaceChildren(
      h('div', { class: 'verdict' }, e.route
        ? [h('b', {}, `route ${e.route.name}`), ` → pool `, h('b', {}, e.pool.name), ` → `, e.backend ? h('b', {}, e.backend.id) : h('span', { class: 'error' }, 'no backend'), ` (status ${e.status})`]
        : h('span', { class: 'error' }, `${e.status}: ${e.error}`)),
      e.mime ? h('div', {}, `MIME type: ${e.mime.type ?? 'none'} (from ${e.mime.source})`) : '',
      e.pool ? h('div', {}, `scheduler ${e.pool.scheduler}, hash key ${e.pool.hashKey}${e.pool.key !== undefined ? ` = ${JSON.stringify(e.pool.key)}` : ''}`) : '',
      e.reason ? h('div', {}, `why: ${e.reason}`) : '',
      h('ol', {}, (e.tried || []).map((t) => h('li', { class: t.matched ? '' : 'no' }, `${t.route}: ${t.matched ? 'matched' : 'no'} — ${t.detail}`))),
    );
  } catch (e) {
    if (e.status !== 401) out.replaceChildren(h('div', { class: 'error' }, e.message));
  }
});

function renderAffinity(a) {
  const lookups = a.hits + a.misses;
  const row = (k, v, key) => [h('dt', {}, k), h('dd', key ? { 'data-affinity': key } : {}, v)];
  $('#affinity').replaceChildren(
    ...row('entries', `${a.entries} of ${a.maxEntries}`, 'entries'),
    ...row('connection entries', a.byKind.connection ?? 0),
    ...row('persistence templates', a.byKind.template ?? 0),
    ...row('hits / misses', `${a.hits} / ${a.misses}${lookups ? ` (${((a.hits / lookups) * 100).toFixed(1)} % hit)` : ''}`, 'hits'),
    ...row('evictions / expirations', `${a.evictions} / ${a.expirations}`),
    ...row('store', a.store),
  );
}

// ---------- events ----------
function logEvent(name, data) {
  if (name === 'stats.tick' || name === 'affinity' || name === 'hello' || name === 'health.check') return;
  const bad = /rejected|down|eject|removed/.test(name) || data.to === 'down';
  const text = describe(name, data);
  const list = $('#events');
  list.prepend(h('li', { class: bad ? 'bad' : '' }, h('time', {}, new Date().toLocaleTimeString()), h('span', { class: 'kind' }, name), text));
  while (list.children.length > 200) list.lastChild.remove();
}
function describe(name, d) {
  if (name === 'backend.state') return `${d.pool}/${d.backend}: ${d.from} → ${d.to} (${d.reason})`;
  if (name === 'backend.weight') return `${d.pool}/${d.backend}: weight ${d.from} → ${d.to}`;
  if (name === 'backend.added') return `${d.pool}/${d.backend} weight ${d.weight} (${d.reason})`;
  if (name === 'backend.removed') return `${d.pool}/${d.backend} (${d.reason})`;
  if (name === 'config.reloaded') return `${d.file}: ${d.changes.length ? d.changes.join('; ') : 'no changes'}`;
  if (name === 'backend.ejected') return `${d.pool}/${d.backend} for ${Math.round(d.forMs / 1000)} s (${d.reason}; ejection ${d.ejections})`;
  if (name === 'backend.slowstart') return `${d.pool}/${d.backend} slow start ${d.phase} (${Math.round(d.ms / 1000)} s)`;
  if (name === 'route.misroute') return `route ${d.route} → ${d.pool}/${d.backend}: ${d.count} × ${d.contentType} (expected ${d.expect.join(', ')}), e.g. ${d.path}${d.learned ? '; learned by learnMime' : ''}`;
  if (name === 'config.rejected') return `${d.file}: ${d.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`;
  return JSON.stringify(d);
}

function onEvent(name, data) {
  logEvent(name, data);
  if (name === 'stats.tick') {
    onTick(data);
    if (routesHaveRate && ++ticksSinceRoutes >= 5) refreshRoutes().catch(() => {});
  }
  else if (name === 'affinity') renderAffinity(data);
  else if (name === 'health.check') {
    const el = document.querySelector(`[data-pool="${CSS.escape(data.pool)}"] tr[data-backend="${CSS.escape(data.backend)}"] [data-field="check"]`);
    if (el) el.textContent = `check ${data.ok ? 'ok' : 'failed'}${data.detail ? `: ${data.detail}` : ''}`;
  }
  else if (name.startsWith('backend.') || name === 'config.reloaded' || name === 'scheduler.reset') {
    refreshPools().catch(() => {});
    if (name === 'config.reloaded') { refreshRoutes().catch(() => {}); refreshCerts().catch(() => {}); refreshStatus().catch(() => {}); }
  }
}

let streamAbort = null;
async function followEvents() {
  streamAbort?.abort();
  const ctrl = new AbortController();
  streamAbort = ctrl;
  const live = $('#live');
  try {
    const res = await fetch('/api/events', { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: ctrl.signal });
    if (res.status === 401) { askToken('The admin API needs a token.'); return; }
    if (!res.ok || !res.body) throw new Error(`events: ${res.status}`);
    live.classList.add('on');
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += value;
      let i;
      while ((i = buf.indexOf('\n\n')) !== -1) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        let name = 'message';
        const data = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event: ')) name = line.slice(7);
          else if (line.startsWith('data: ')) data.push(line.slice(6));
        }
        if (data.length) {
          try { onEvent(name, JSON.parse(data.join('\n'))); } catch (e) { console.error(e); }
        }
      }
    }
  } catch (e) {
    if (ctrl.signal.aborted) return;
  } finally {
    live.classList.remove('on');
  }
  if (!ctrl.signal.aborted) setTimeout(followEvents, 2000);
}

// ---------- status, reload, boot ----------
async function refreshStatus() {
  const s = await api('GET', '/api/status');
  $('#status').textContent = `v${s.version} · config v${s.configVersion}${s.configFile ? ` (${s.configFile})` : ''} · ${s.listeners.join(', ')} · ${s.pools} pools, ${s.backends} backends`;
}

$('#reload').addEventListener('click', () => act('config reloaded', async () => {
  try {
    const r = await api('POST', '/api/reload');
    toast(`reloaded: ${r.changes.length} change(s)`);
  } catch (e) {
    if (e.status === 422 && e.body && e.body.problems) throw new Error(e.body.problems.map((p) => `${p.path}: ${p.message}`).join('; '));
    throw e;
  }
}));

// ---------- reload preview (docs/admin.md#reload-preview) ----------
function previewRoutes(r) {
  const line = (sign, x) => h('li', {}, h('code', {}, sign), ` ${x.name} (#${x.position}) → ${x.pool}: `, h('span', { class: 'match' }, x.match));
  const items = [
    ...r.added.map((x) => line('+', x)),
    ...r.removed.map((x) => line('−', x)),
    ...r.changed.map((c) => h('li', {}, h('code', {}, '~'), ` ${c.before.name === c.after.name ? c.after.name : `${c.before.name} → ${c.after.name}`} (#${c.before.position}${c.before.position === c.after.position ? '' : ` → #${c.after.position}`}): ${c.fields.join(', ')} → ${c.after.pool}: `, h('span', { class: 'match' }, c.after.match))),
  ];
  return h('div', {}, h('h3', {}, `Routes: ${r.added.length} added, ${r.removed.length} removed, ${r.changed.length} changed, ${r.unchanged} unchanged`), items.length ? h('ul', { class: 'preview-list' }, items) : null);
}

function previewPools(list) {
  const rows = list.map((p) => {
    const b = p.backends;
    const backends = [...b.added.map((id) => `+${id}`), ...b.removed.map((id) => `−${id}`), ...b.reweighted.map((w) => `${w.id} ${w.from}→${w.to}`)].join(' ');
    const sched = p.scheduler.before === p.scheduler.after ? p.scheduler.after : `${p.scheduler.before ?? '–'} → ${p.scheduler.after ?? '–'}`;
    const k = p.keys;
    const top = k.top.slice(0, 5).map((m) => `${m.key} ${m.from ?? '–'} → ${m.to ?? '–'} ×${m.requests}`).join('\n');
    return h('tr', { 'data-pool': p.pool },
      h('td', {}, p.pool), h('td', {}, p.change, p.fields.length ? h('span', { class: 'muted' }, ` (${p.fields.join(', ')})`) : null),
      h('td', {}, sched, p.change === 'changed' || p.change === 'unchanged' ? h('span', { class: 'muted' }, p.scheduler.stateKept ? ' state kept' : ' rebuilt') : null),
      h('td', { class: 'match' }, backends || '–'),
      h('td', { class: 'num moved' }, k.sampled ? `${fmt.pct(k.share)} of ${k.sampled}` : '–'),
      h('td', { class: 'match' }, top || '–'),
      h('td', { class: 'num pinned' }, p.pinned.entries ? `${p.pinned.leaving} of ${p.pinned.entries}` : '–'));
  });
  return h('table', { id: 'preview-pools' },
    h('thead', {}, h('tr', {}, ['pool', 'change', 'scheduler', 'backends', 'keys moving', 'top moved keys', 'pins losing their backend'].map((t, i) => h('th', { class: i === 4 || i === 6 ? 'num' : undefined }, t)))),
    h('tbody', {}, rows));
}

function showPreview(a) {
  const panel = $('#preview');
  const close = () => { panel.hidden = true; panel.replaceChildren(); };
  const apply = h('button', { type: 'button', class: 'primary', id: 'preview-apply', onclick: () => act('config reloaded', async () => {
    await api('POST', '/api/reload');
    close();
  }) }, 'Apply');
  panel.replaceChildren(
    h('h2', {}, 'Reload preview ', h('span', { class: 'muted' }, `against config v${a.configVersion}; nothing applied yet`)),
    previewRoutes(a.preview.routes), previewPools(a.preview.pools),
    h('p', { class: 'muted' }, 'Keys moving: the share of each pool\'s recent requests whose backend would change, replayed through the scheduler the reload leaves. Pinned clients stay on their backend while it stays.'),
    h('div', { class: 'row' }, apply, h('button', { type: 'button', onclick: close }, 'Cancel')));
  panel.hidden = false;
}

$('#preview-reload').addEventListener('click', async () => {
  try {
    showPreview(await api('POST', '/api/reload?dryRun=1'));
  } catch (e) {
    const probs = e.body && e.body.problems;
    toast(probs && probs.length ? `the config has problems: ${probs.map((p) => `${p.path}: ${p.message}`).join('; ')}` : `preview failed: ${e.message}`, true);
  }
});

async function loadHistory() {
  const s = await api('GET', '/api/stats');
  for (const c of charts.values()) for (const k of Object.keys(c.data)) c.data[k].length = 0;
  for (const p of s.history) for (const [name, f] of Object.entries(p.pools)) {
    const c = charts.get(name);
    if (!c) continue;
    c.data.t.push(p.at / 1000); c.data.rps.push(f.rps); c.data.p50.push(f.p50); c.data.p99.push(f.p99);
  }
  for (const c of charts.values()) { c.rate?.setData([c.data.t, c.data.rps]); c.lat?.setData([c.data.t, c.data.p50, c.data.p99]); }
}

async function boot() {
  try {
    await refreshStatus();
    await refreshPools();
    await Promise.all([refreshRoutes(), refreshCerts(), loadHistory(), api('GET', '/api/affinity').then(renderAffinity)]);
    document.body.dataset.ready = '1';
    followEvents();
  } catch (e) {
    if (e.status !== 401) {
      $('#status').textContent = `cannot reach the admin API: ${e.message}`;
      setTimeout(boot, 3000);
    }
  }
}

let resizeTimer;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => {
    for (const [name, c] of charts) {
      const card = document.querySelector(`[data-pool="${CSS.escape(name)}"]`);
      if (!card) continue;
      const [r, l] = card.querySelectorAll('.chart');
      c.rate?.setSize({ width: Math.max(240, r.clientWidth), height: 150 });
      c.lat?.setSize({ width: Math.max(240, l.clientWidth), height: 150 });
    }
  }, 150);
});

boot();
