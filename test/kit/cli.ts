// The compiled command line (dist/cli/main.js; `npm test` builds first) as a child process:
// one-shot runs, and `start` kept running with its stdout and stderr collected apart.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { until } from './wait.js';

export const CLI = join(import.meta.dirname, '../../dist/cli/main.js');

export interface CliRun {
  code: number | null;
  out: string;
  err: string;
}

/** Run the CLI to its end (killed after `ms`: code null). */
export function runCli(args: string[], ms = 30_000): Promise<CliRun> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => p.kill('SIGKILL'), ms);
    p.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

export interface CliChild {
  proc: ChildProcess;
  /** What it wrote so far. */
  readonly out: string;
  readonly err: string;
  /** SIGTERM, then wait for the exit (SIGKILL after 10 s). */
  stop(): Promise<void>;
}

/** `switchyard start …`, resolved once its banner ("routing on …") is on stderr. */
export async function startCli(args: string[], ms = 30_000): Promise<CliChild> {
  const proc = spawn(process.execPath, [CLI, 'start', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const child = {
    proc, out: '', err: '',
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const killer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      proc.kill('SIGTERM');
      await until(() => proc.exitCode !== null || proc.signalCode !== null, 15_000, 'the router to exit');
      clearTimeout(killer);
    },
  };
  proc.stdout!.on('data', (c: Buffer) => (child.out += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (child.err += c.toString()));
  try {
    await until(() => /routing on /.test(child.err) || proc.exitCode !== null, ms, 'the start banner');
  } catch (e) {
    proc.kill('SIGKILL');
    throw e;
  }
  if (proc.exitCode !== null) throw new Error(`start exited ${proc.exitCode}: ${child.err}`);
  return child;
}
