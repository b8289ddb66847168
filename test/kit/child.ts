// A backend in its own process, so a test can SIGKILL it.
import { spawn, type ChildProcess } from 'node:child_process';

const CHILD = `
const http = require('node:http');
const name = process.env.NAME;
const s = http.createServer((req, res) => {
  res.writeHead(200, { 'x-backend': name, 'content-type': 'text/plain' });
  res.end(name);
});
s.listen(Number(process.env.PORT || 0), '127.0.0.1', () => process.stdout.write('PORT ' + s.address().port + '\\n'));
`;

export interface ChildBackend {
  name: string;
  port: number;
  url: string;
  proc: ChildProcess;
}

/** Answers its name from a child process; `port` 0 picks a free one. */
export function childBackend(name: string, port = 0): Promise<ChildBackend> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['-e', CHILD], { env: { ...process.env, NAME: name, PORT: String(port) }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`child backend ${name} did not start`)), 5000);
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /PORT (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        const p = Number(m[1]);
        resolve({ name, port: p, url: `http://127.0.0.1:${p}`, proc });
      }
    });
    proc.once('exit', (code) => reject(new Error(`child backend ${name} exited ${code}`)));
  });
}

export function kill(c: ChildBackend): Promise<void> {
  return new Promise((r) => {
    if (c.proc.exitCode !== null || c.proc.signalCode !== null) return r();
    c.proc.once('exit', () => r());
    c.proc.kill('SIGKILL');
  });
}
