// Hot reload on file change: watch the config file's directory (editors that save by writing a
// temporary file and renaming it replace the inode, which a watch on the file itself would lose),
// and call `onChange` once per burst of events (debounced).
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';

export interface ConfigWatcher {
  close(): void;
}

export function watchConfig(file: string, onChange: () => void, debounceMs = 150): ConfigWatcher {
  const abs = resolve(file);
  const name = basename(abs);
  let timer: NodeJS.Timeout | undefined;
  const fire = () => {
    timer = undefined;
    onChange();
  };
  const w: FSWatcher = watch(dirname(abs), { persistent: false }, (_event, f) => {
    if (f !== null && f !== name) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(fire, debounceMs);
  });
  w.on('error', () => undefined);
  return {
    close() {
      if (timer) clearTimeout(timer);
      w.close();
    },
  };
}
