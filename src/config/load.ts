// Loads routes.config.ts (or .js/.mjs) at run time with jiti: no build step for the user.
import { createJiti, type Jiti } from 'jiti';
import { existsSync } from 'node:fs';
import { dirname, extname, isAbsolute, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../errors.js';
import type { Config } from './normalized.js';
import { aliasForNode, selfAlias } from './self.js';
import { validate } from './validate.js';

interface Problem {
  path: string;
  message: string;
}

let loads = 0;
const jiti: Jiti = createJiti(import.meta.url, { moduleCache: false, fsCache: false, interopDefault: true, alias: selfAlias });

/** Import the file's default export. Throws ConfigError on a missing or unparsable file. */
export async function importConfig(file: string): Promise<unknown> {
  const abs = resolve(file);
  if (!existsSync(abs)) throw new ConfigError([{ path: '(file)', message: `config file not found: ${abs}` }], file);
  try {
    // jiti hands .mjs to Node's own loader, which caches by URL: a fresh query makes a reload
    // read the file again (each reload keeps one small module in memory).
    if (extname(abs) === '.mjs') {
      aliasForNode();
      const mod = (await import(`${pathToFileURL(abs).href}?v=${Date.now()}-${++loads}`)) as { default?: unknown };
      return mod.default;
    }
    return await jiti.import<unknown>(abs, { default: true });
  } catch (e) {
    throw new ConfigError([{ path: '(file)', message: `cannot load ${abs}: ${(e as Error).message}` }], file);
  }
}

/**
 * Import the file and name every local file the import read (the file, and what it imports,
 * outside node_modules), also when it fails. Meant for a fresh worker (src/config/load-worker.ts):
 * its module cache starts empty and dies with it. A .mjs file goes to Node's own loader, which
 * lists nothing, so only the file itself is named for it.
 */
export async function importTracked(file: string): Promise<{ raw?: unknown; problem?: Problem; files: string[] }> {
  const abs = resolve(file);
  const tracking = createJiti(import.meta.url, { moduleCache: true, fsCache: false, interopDefault: true, alias: selfAlias });
  const touched = () => [abs, ...Object.keys(tracking.cache).filter((f) => f !== abs && isAbsolute(f) && !f.split(sep).includes('node_modules'))];
  if (!existsSync(abs)) return { problem: { path: '(file)', message: `config file not found: ${abs}` }, files: [abs] };
  try {
    if (extname(abs) === '.mjs') aliasForNode();
    const raw = extname(abs) === '.mjs' ? ((await import(pathToFileURL(abs).href)) as { default?: unknown }).default : await tracking.import<unknown>(abs, { default: true });
    return { raw, files: touched() };
  } catch (e) {
    return { problem: { path: '(file)', message: `cannot load ${abs}: ${(e as Error).message}` }, files: touched() };
  }
}

/** The directory relative file paths in a config file are taken from (certificates, keys, CAs). */
export const configDir = (file: string): string => dirname(resolve(file));

/** Import and validate: returns the normalized config or throws ConfigError listing every problem. */
export async function loadConfig(file: string): Promise<Config> {
  const raw = await importConfig(file);
  const { config, problems } = validate(raw, { baseDir: configDir(file) });
  if (!config) throw new ConfigError(problems, file);
  return config;
}
