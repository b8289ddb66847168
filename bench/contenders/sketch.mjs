// The "Node ceiling": a ~40-line node:http + undici Pool proxy, round robin over the backends.
// Usage: node sketch.mjs <port> <backend-url>...
import { createServer } from 'node:http';
import { Pool } from 'undici';

const [port, ...urls] = process.argv.slice(2);
const pools = urls.map((u) => new Pool(u, { connections: 256, pipelining: 1 }));
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-connection']);
let next = 0;

function strip(raw) {
  const out = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = String(raw[i]);
    if (!HOP.has(name.toLowerCase())) out.push(name, String(raw[i + 1]));
  }
  return out;
}

createServer({ keepAliveTimeout: 60_000 }, async (req, res) => {
  const pool = pools[next++ % pools.length];
  try {
    const up = await pool.request({
      path: req.url,
      method: req.method,
      headers: strip(req.rawHeaders),
      body: req.method === 'GET' || req.method === 'HEAD' ? null : req,
    });
    res.writeHead(up.statusCode, strip(up.rawHeaders ?? flatten(up.headers)));
    for await (const chunk of up.body) if (!res.write(chunk)) await new Promise((r) => res.once('drain', r));
    res.end();
  } catch {
    if (!res.headersSent) res.writeHead(502).end();
    else res.destroy();
  }
}).listen(Number(port), '127.0.0.1', () => process.stdout.write('ready\n'));

function flatten(h) {
  const out = [];
  for (const [k, v] of Object.entries(h)) for (const x of Array.isArray(v) ? v : [v]) out.push(k, x);
  return out;
}
