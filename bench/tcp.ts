// Raw TCP service and PROXY protocol figures (issue 4). Run: npx tsx bench/tcp.ts
// 1. bulk throughput through a TCP service vs straight to the backend (one connection, 512 MiB);
// 2. connection rate: short connections (connect, 1 echo, close), 50 at a time;
// 3. PROXY header parse and encode cost (ns per header).
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { validate } from '../src/config/validate.js';
import { Router } from '../src/router.js';
import { encodeV1, encodeV2 } from '../src/proxy-protocol/encode.js';
import { ProxyHeaderParser } from '../src/proxy-protocol/parse.js';

const MiB = 1024 * 1024;
const listen = (s: Server) => new Promise<number>((r) => s.listen(0, '127.0.0.1', () => r((s.address() as AddressInfo).port)));

async function main(): Promise<void> {
  // a sink (counts bytes, answers "done" at the client's FIN) and an echo backend
  const sink = createServer({ allowHalfOpen: true }, (s) => {
    let n = 0;
    s.on('data', (d: Buffer) => (n += d.length));
    s.on('end', () => s.end(String(n)));
  });
  const echo = createServer((s) => {
    s.on('data', (d: Buffer) => s.write(d));
    s.on('error', () => undefined);
  });
  const sinkPort = await listen(sink);
  const echoPort = await listen(echo);
  const { config } = validate({
    listen: { host: '127.0.0.1', port: 0 }, admin: false, log: { level: 'silent' }, routes: [],
    pools: { sink: { scheduler: 'rr', backends: [`tcp://127.0.0.1:${sinkPort}`] }, echo: { scheduler: 'wlc', backends: [`tcp://127.0.0.1:${echoPort}`] } },
    tcp: [{ name: 'sink', listen: { host: '127.0.0.1', port: 0 }, pool: 'sink' }, { name: 'echo', listen: { host: '127.0.0.1', port: 0 }, pool: 'echo' }],
  });
  const router = new Router(config!, { logger: pino({ level: 'silent' }) });
  await router.listen();
  const viaSink = router.tcp.address('sink')!.port;
  const viaEcho = router.tcp.address('echo')!.port;

  const bulk = (port: number, bytes: number) => new Promise<number>((resolve, reject) => {
    const chunk = Buffer.alloc(256 * 1024, 7);
    const s = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    let sent = 0;
    let answer = '';
    const t0 = performance.now();
    const pump = () => {
      while (sent < bytes) {
        sent += chunk.length;
        if (!s.write(chunk)) return void s.once('drain', pump);
      }
      s.end();
    };
    s.on('connect', pump);
    s.on('data', (d: Buffer) => (answer += d.toString()));
    s.on('end', () => {
      if (Number(answer) !== sent) return reject(new Error(`sink got ${answer} of ${sent}`));
      resolve((sent / MiB) / ((performance.now() - t0) / 1000));
    });
    s.on('error', reject);
  });

  const shortConns = async (port: number, total: number, parallel: number) => {
    let started = 0;
    const one = () => new Promise<void>((resolve, reject) => {
      const s = connect({ port, host: '127.0.0.1' });
      s.on('connect', () => s.write('ping'));
      s.on('data', () => s.end());
      s.on('close', () => resolve());
      s.on('error', reject);
    });
    const t0 = performance.now();
    await Promise.all(Array.from({ length: parallel }, async () => {
      while (started < total) {
        started++;
        await one();
      }
    }));
    return total / ((performance.now() - t0) / 1000);
  };

  const rows: string[] = [];
  await bulk(viaSink, 64 * MiB); // warm-up
  const direct = await bulk(sinkPort, 512 * MiB);
  const through = await bulk(viaSink, 512 * MiB);
  rows.push(`bulk 512 MiB, 1 connection: direct ${direct.toFixed(0)} MiB/s, through the tcp service ${through.toFixed(0)} MiB/s`);
  await shortConns(viaEcho, 500, 50); // warm-up
  const cd = await shortConns(echoPort, 5000, 50);
  const ct = await shortConns(viaEcho, 5000, 50);
  rows.push(`short connections (connect, echo 4 bytes, close; 50 in parallel, 5000): direct ${cd.toFixed(0)}/s, through the tcp service ${ct.toFixed(0)}/s`);

  const ends = { source: { address: '203.0.113.7', port: 40000 }, destination: { address: '192.0.2.1', port: 5433 } };
  const v1 = encodeV1(ends);
  const v2 = encodeV2(ends);
  const N = 200_000;
  for (const [name, hdr] of [['v1', v1], ['v2', v2]] as const) {
    let t0 = performance.now();
    for (let i = 0; i < N; i++) new ProxyHeaderParser().push(hdr);
    const parse = ((performance.now() - t0) * 1e6) / N;
    t0 = performance.now();
    for (let i = 0; i < N; i++) (name === 'v1' ? encodeV1 : encodeV2)(ends);
    const enc = ((performance.now() - t0) * 1e6) / N;
    rows.push(`PROXY ${name} (TCP4): parse ${parse.toFixed(0)} ns, encode ${enc.toFixed(0)} ns per header`);
  }
  await router.close(500);
  sink.close();
  echo.close();
  process.stdout.write(`node ${process.version}\n${rows.join('\n')}\n`);
  process.exit(0);
}

void main();
