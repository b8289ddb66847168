import type { SwitchyardConfig } from './types.js';

/**
 * Adds types to a config object and returns it unchanged (a config that imports nothing works
 * too). Unknown keys, scheduler names and parameters, and a route naming an undefined pool fail
 * type checking.
 */
export function defineConfig<P extends string>(config: SwitchyardConfig<P>): SwitchyardConfig<P> {
  return config;
}
