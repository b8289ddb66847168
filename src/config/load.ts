// Loads routes.config.ts (or .js/.mjs) at run time with jiti: no build step for the user.
import { createJiti, type Jiti } from 'jiti';
import { existsSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../errors.js';
import type { Config } from './normalized.js';
import { validate } from './validate.js';

let loads = 0;
const jiti: Jiti = createJiti(import.meta.url, { moduleCache: false, fsCache: false, interopDefault: true });

/** Import the file's default export. Throws ConfigError on a missing or unparsable file. */
export async function importConfig(file: string): Promise<unknown> {
  const abs = resolve(file);
  if (!existsSync(abs)) throw new ConfigError([{ path: '(file)', message: `config file not found: ${abs}` }], file);
  try {
    // jiti hands .mjs to Node's own loader, which caches by URL: a fresh query makes a reload
    // read the file again (each reload keeps one small module in memory).
    if (extname(abs) === '.mjs') {
      const mod = (await import(`${pathToFileURL(abs).href}?v=${Date.now()}-${++loads}`)) as { default?: unknown };
      return mod.default;
    }
    return await jiti.import<unknown>(abs, { default: true });
  } catch (e) {
    throw new ConfigError([{ path: '(file)', message: `cannot load ${abs}: ${(e as Error).message}` }], file);
  }
}

/** Import and validate: returns the normalized config or throws ConfigError listing every problem. */
export async function loadConfig(file: string): Promise<Config> {
  const raw = await importConfig(file);
  const { config, problems } = validate(raw);
  if (!config) throw new ConfigError(problems, file);
  return config;
}
