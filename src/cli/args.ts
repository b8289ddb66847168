// Command-line plumbing shared by the commands of src/cli/main.ts: the version, repeatable flags,
// and argument errors as one line plus a hint (never the whole usage text).
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';

/** The version in the package's package.json (dist/cli/ and src/cli/ both sit two levels down). */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}

/** A flag that takes one value each time it is given (`-H a -H b`). */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `hint: switchyard adm edit --help …` for a command given by its names. */
export function hintFor(names: readonly string[]): string {
  return `hint: switchyard ${[...names, '--help'].join(' ')} shows its arguments and options`;
}

/** The names of the (sub)command `args` runs, as far as they match registered commands. */
export function commandOf(program: Command, args: readonly string[]): string[] {
  const names: string[] = [];
  let at = program;
  for (const a of args) {
    const next = at.commands.find((c) => c.name() === a || c.aliases().includes(a));
    if (next === undefined) continue;
    names.push(next.name());
    at = next;
  }
  return names;
}

/** Every command prints commander's one-line error, then a hint naming its own --help. */
export function argumentHint(cmd: Command, names: string[] = []): void {
  cmd.configureOutput({ outputError: (text, write) => write(`switchyard: ${text.trimEnd()}\n`) });
  cmd.showHelpAfterError(hintFor(names));
  for (const sub of cmd.commands) argumentHint(sub, [...names, sub.name()]);
}
