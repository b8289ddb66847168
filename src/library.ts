// The library entry points (src/index.ts exports them): a router from an in-memory config,
// validated exactly as a config file is (src/config/validate.ts).
import type { SwitchyardConfig } from './config/types.js';
import { validate } from './config/validate.js';
import { ConfigError } from './errors.js';
import { Router, type RouterOptions } from './router.js';

/**
 * A router for the config object: throws ConfigError naming every bad key. Nothing is bound
 * until `listen()`; `handler()` serves requests of a server the application owns.
 */
export function createRouter<P extends string>(config: SwitchyardConfig<P>, opts: Omit<RouterOptions, 'file'> = {}): Router {
  const { config: valid, problems } = validate(config);
  if (!valid) throw new ConfigError(problems, '(config object)');
  return new Router(valid, opts);
}
