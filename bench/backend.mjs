// A cheap backend for the benchmark: GET /1k answers 1 KiB, GET /64k answers 64 KiB (any other path: 1 KiB).
// Usage: node bench/backend.mjs <port>; prints "ready <port>" once listening.
import { createServer } from 'node:http';

const small = Buffer.alloc(1024, 'a');
const large = Buffer.alloc(64 * 1024, 'b');
const port = Number(process.argv[2] ?? 0);

const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  const body = req.url === '/64k' ? large : small;
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
  res.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => process.stdout.write(`ready ${server.address().port}\n`));
