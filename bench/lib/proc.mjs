// Child processes for the benchmark: spawn pinned to a core, wait until an HTTP port answers,
// and read CPU time and memory of a process tree from /proc.
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer as createNetServer } from 'node:net';

export const TICK_US = 1e6 / Number(execFileSync('getconf', ['CLK_TCK']).toString().trim() || 100);

/** Spawn `cmd args` pinned to `cores` (taskset list, e.g. "0"). Output goes to the log array. */
export function spawnPinned(cores, cmd, args, opts = {}) {
  const child = spawn('taskset', ['-c', cores, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  child.log = [];
  const keep = (d) => {
    child.log.push(d.toString());
    if (child.log.length > 50) child.log.shift();
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  return child;
}

/** Poll GET url (http: or https:, any certificate) until it answers 200 (or give up after ms). */
export async function waitHttp(url, ms = 15_000) {
  const until = Date.now() + ms;
  const get = url.startsWith('https:') ? httpsRequest : request;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const r = get(url, { agent: false, rejectUnauthorized: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 200));
      });
      r.on('error', () => resolve(false));
      r.setTimeout(1000, () => r.destroy());
      r.end();
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`${url} did not answer 200 within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The pid and all its descendants (nginx master + workers, cluster primary + workers). */
export function pidTree(pid) {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    let tasks = [];
    try {
      tasks = readdirSync(`/proc/${out[i]}/task`);
    } catch {
      continue;
    }
    for (const t of tasks) {
      try {
        for (const c of readFileSync(`/proc/${out[i]}/task/${t}/children`, 'utf8').split(' ')) if (c.trim()) out.push(Number(c));
      } catch {
        /* gone */
      }
    }
  }
  return out;
}

/** utime + stime of the given pids, in µs. */
export function cpuUs(pids) {
  let ticks = 0;
  for (const p of pids) {
    try {
      const s = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]); // fields 14 and 15 of stat
    } catch {
      /* gone */
    }
  }
  return ticks * TICK_US;
}

/** Sum of VmHWM (peak) and VmRSS (now) of the given pids, in bytes. */
export function memory(pids) {
  let hwm = 0;
  let rss = 0;
  for (const p of pids) {
    try {
      const s = readFileSync(`/proc/${p}/status`, 'utf8');
      hwm += Number(/VmHWM:\s+(\d+)/.exec(s)?.[1] ?? 0) * 1024;
      rss += Number(/VmRSS:\s+(\d+)/.exec(s)?.[1] ?? 0) * 1024;
    } catch {
      /* gone */
    }
  }
  return { hwm, rss };
}

/** Is an executable on PATH? */
export function have(bin) {
  try {
    execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 3000);
  await done;
  clearTimeout(t);
}

/** A loopback port nothing listens on right now (the kernel's pick, released at once). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}
