// node `http-proxy` with a keep-alive agent, round robin over the backends.
// Usage: node http-proxy.mjs <port> <backend-url>...
import { Agent, createServer } from 'node:http';
import httpProxy from 'http-proxy';

const [port, ...urls] = process.argv.slice(2);
const agent = new Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 256 });
const proxy = httpProxy.createProxyServer({ agent, xfwd: true });
proxy.on('error', (_e, _req, res) => {
  if (res.writeHead && !res.headersSent) res.writeHead(502).end();
  else res.destroy?.();
});
let next = 0;
createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  proxy.web(req, res, { target: urls[next++ % urls.length] });
}).listen(Number(port), '127.0.0.1', () => process.stdout.write('ready\n'));
