// Hot reload on file change: watch the directories of the config file and of the local files it
// imports (editors that save by writing a temporary file and renaming it replace the inode, which
// a watch on the file itself would lose), and call `onChange` once per burst of events (debounced).
// The set of files can change after each load (src/config/load.ts importTracked names them).
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';

export interface ConfigWatcher {
  /** Watch exactly these files from now on. */
  watch(files: readonly string[]): void;
  /** The files watched now. */
  files(): string[];
  close(): void;
}

export function watchFiles(files: readonly string[], onChange: () => void, debounceMs = 150): ConfigWatcher {
  const dirs = new Map<string, { w: FSWatcher; names: Set<string> }>();
  let timer: NodeJS.Timeout | undefined;
  const fire = () => {
    timer = undefined;
    onChange();
  };
  const set = (list: readonly string[]) => {
    const want = new Map<string, Set<string>>();
    for (const f of list) {
      const abs = resolve(f);
      const names = want.get(dirname(abs)) ?? new Set<string>();
      names.add(basename(abs));
      want.set(dirname(abs), names);
    }
    for (const [dir, d] of dirs) {
      if (want.has(dir)) continue;
      d.w.close();
      dirs.delete(dir);
    }
    for (const [dir, names] of want) {
      const have = dirs.get(dir);
      if (have) {
        have.names = names;
        continue;
      }
      const entry = { w: undefined as unknown as FSWatcher, names };
      try {
        entry.w = watch(dir, { persistent: false }, (_event, f) => {
          if (f !== null && !entry.names.has(f)) return;
          if (timer) clearTimeout(timer);
          timer = setTimeout(fire, debounceMs);
        });
      } catch {
        continue; // a directory that is gone: nothing to watch there
      }
      entry.w.on('error', () => undefined);
      dirs.set(dir, entry);
    }
  };
  set(files);
  return {
    watch: set,
    files: () => [...dirs].flatMap(([dir, d]) => [...d.names].map((n) => resolve(dir, n))),
    close() {
      if (timer) clearTimeout(timer);
      for (const d of dirs.values()) d.w.close();
      dirs.clear();
    },
  };
}

/** Watch one config file (and, after `watch(files)`, what it imports). */
export function watchConfig(file: string, onChange: () => void, debounceMs = 150): ConfigWatcher {
  return watchFiles([file], onChange, debounceMs);
}
