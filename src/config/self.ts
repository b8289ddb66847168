// The package's own entry, so that a config outside this checkout can
// `import { defineConfig } from 'switchyard'` without installing it (src/config/load.ts aliases
// the name to it). This file is src/config/self.ts or dist/config/self.js: the root is two up.
import { register } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const PACKAGE_NAME = 'switchyard';
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The compiled entry (package.json `exports`); the TypeScript sources load it too. */
export const PACKAGE_ENTRY = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

/** jiti's `alias` option: the package name to its entry. */
export const selfAlias: Record<string, string> = { [PACKAGE_NAME]: PACKAGE_ENTRY };

let registered = false;

/**
 * The same alias for Node's own loader, which imports .mjs configs (jiti hands them over): a
 * resolve hook, registered once per thread on the first .mjs load.
 */
export function aliasForNode(): void {
  if (registered) return;
  registered = true;
  const url = pathToFileURL(PACKAGE_ENTRY).href;
  const hook = `export async function resolve(s, c, next) { return s === ${JSON.stringify(PACKAGE_NAME)} ? { url: ${JSON.stringify(url)}, shortCircuit: true } : next(s, c); }`;
  register(`data:text/javascript,${encodeURIComponent(hook)}`);
}
