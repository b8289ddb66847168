import type { SwitchyardConfig } from './types.js';

/** Adds types to a config object; returns it unchanged. A config that imports nothing works too. */
export function defineConfig<const C extends SwitchyardConfig>(config: C): C {
  return config;
}
