// How much a request head costs to parse (issue 13's choice of parser): node's llhttp through its
// binding, as the fast engine calls it (src/engine/llhttp.ts), against the lower bound of a
// hand-written parser in JavaScript (split lines and colons, no validation at all). Needs `npm run build`.
// Usage: node bench/parser.mjs [iterations]
import { newParser, REQUEST } from '../dist/engine/llhttp.js';

const n = Number(process.argv[2] ?? 500_000);
const head = Buffer.from('GET /img/7.png?size=large HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: wrk/4.2\r\n'
  + 'Accept: image/avif,image/webp,*/*\r\nAccept-Encoding: gzip, deflate, br\r\nCookie: sy=abc.def; theme=dark\r\n'
  + 'Connection: keep-alive\r\n\r\n');

let sink = 0;
const cb = {
  onMessageBegin() {},
  onHeaders() {},
  onHeadersComplete(_a, _b, fields, _m, url) { sink += fields.length + url.length; return 0; },
  onBody() {},
  onMessageComplete() {},
};
const parser = newParser(REQUEST, 16384, cb);

/** The least a JavaScript parser must do: decode, split the lines, split each field at its colon. */
function naive(buf) {
  const text = buf.latin1Slice(0, buf.length);
  const end = text.indexOf('\r\n\r\n');
  const lines = text.slice(0, end).split('\r\n');
  const [method, target] = lines[0].split(' ');
  const fields = [];
  for (let i = 1; i < lines.length; i++) {
    const c = lines[i].indexOf(':');
    fields.push(lines[i].slice(0, c), lines[i].slice(c + 1).trim());
  }
  return method.length + target.length + fields.length;
}

function time(name, fn) {
  for (let i = 0; i < 50_000; i++) fn();
  const t0 = process.cpuUsage();
  for (let i = 0; i < n; i++) fn();
  const us = process.cpuUsage(t0);
  console.log(`${name.padEnd(44)} ${((us.user + us.system) * 1000 / n).toFixed(0).padStart(5)} ns per head`);
}

time('llhttp (node binding, strict, callbacks)', () => parser.execute(head));
time('hand-written lower bound (no validation)', () => { sink += naive(head); });
if (sink === 0) console.log('');
