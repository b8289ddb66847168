// The demo config: three pools on loopback ports, started by `npm start` (switchyard start --demo).
// Every key is documented in docs/configuration.md.
import { defineConfig } from 'switchyard';

// `start --demo` makes a self-signed certificate for localhost with openssl in a temporary
// directory and names it here (src/demo/cert.ts); then 8443 serves the same routes over HTTPS.
const demoTls = process.env.SWITCHYARD_DEMO_TLS_DIR;

export default defineConfig({
  listen: [
    { host: '127.0.0.1', port: 8080 },
    ...(demoTls ? [{ host: '127.0.0.1', port: 8443, tls: { cert: `${demoTls}/cert.pem`, key: `${demoTls}/key.pem` } }] : []),
  ],
  admin: { host: '127.0.0.1', port: 9090, token: process.env.SWITCHYARD_ADMIN_TOKEN },
  affinity: { timeout: 300, netmask: 32, maxEntries: 1_000_000 },
  pools: {
    // HTML pages: LARD keeps each page on one server until that server gets busy.
    html: { scheduler: 'lard', backends: ['http://127.0.0.1:9101', 'http://127.0.0.1:9102'] },
    // Images: consistent hashing with bounded loads, so each image lives in one server's cache.
    images: {
      scheduler: 'chbl', balanceFactor: 1.25, hashKey: 'path',
      backends: [
        { url: 'http://127.0.0.1:9201', weight: 2 }, 'http://127.0.0.1:9202',
        'http://127.0.0.1:9203', 'http://127.0.0.1:9204',
      ],
    },
    // CGI: weighted least-connection, each client pinned to one server for 5 minutes.
    cgi: {
      scheduler: 'wlc', affinity: 'client', backends: ['http://127.0.0.1:9301', 'http://127.0.0.1:9302'],
      health: { path: '/healthz', interval: 2000, timeout: 1000, rise: 2, fall: 3 },
    },
  },
  routes: [
    // Route actions (docs/routing.md "Route actions"): a fixed answer, a redirect, a rewrite.
    { name: 'maintenance', match: { path: '/maintenance' }, respond: { status: 503, body: 'Down for maintenance; back soon.\n', headers: { 'retry-after': '600' } } },
    { name: 'old', match: { path: '/old/**' }, rewrite: { stripPrefix: '/old' }, redirect: { to: '{path}', status: 301 } },
    { name: 'api', match: { path: '/api/**' }, rewrite: { stripPrefix: '/api', addPrefix: '/cgi-bin' }, headers: { response: { set: { 'x-api': 'v1' } } }, pool: 'cgi' },
    { name: 'cgi', match: { path: ['/cgi-bin/**', '**/*.{cgi,pl,php}'] }, pool: 'cgi' },
    { name: 'images', match: { mime: 'image/*' }, pool: 'images' },
    { name: 'beta', match: { headers: { 'x-beta': '1' } }, pool: 'html' },
    { name: 'html', match: {}, pool: 'html' },
  ],
});
