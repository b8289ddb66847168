// @fastify/http-proxy (undici under @fastify/reply-from), round robin over the backends.
// Usage: node fastify.mjs <port> <backend-url>...
import Fastify from 'fastify';
import proxy from '@fastify/http-proxy';

const [port, ...urls] = process.argv.slice(2);
const app = Fastify({ logger: false, keepAliveTimeout: 60_000 });
let next = 0;
await app.register(proxy, {
  upstream: urls[0],
  undici: { connections: 256, pipelining: 1 },
  replyOptions: { getUpstream: () => urls[next++ % urls.length] },
});
await app.listen({ port: Number(port), host: '127.0.0.1' });
process.stdout.write('ready\n');
