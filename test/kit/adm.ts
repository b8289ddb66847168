// `switchyard adm …` in-process through commander against an admin URL: what it printed on
// stdout, or the error it threw (src/cli/adm.ts). Faster than the compiled CLI (test/kit/cli.ts).
import { Command } from 'commander';
import { vi } from 'vitest';
import { registerAdm } from '../../src/cli/adm.js';

export async function admInProcess(admin: string, ...args: string[]): Promise<string> {
  const program = new Command().exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  registerAdm(program);
  const chunks: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => {
    chunks.push(String(c));
    return true;
  });
  try {
    await program.parseAsync(['adm', '--admin', admin, ...args], { from: 'user' });
  } finally {
    spy.mockRestore();
  }
  return chunks.join('');
}
