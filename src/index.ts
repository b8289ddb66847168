// Public API: config types and helpers, and the router for embedding.
export { defineConfig } from './config/define.js';
export type * from './config/types.js';
export { Router, type Explanation, type ExplainInput } from './router.js';
export { ConfigError, SwitchyardError } from './errors.js';
export type { SchedulerDef, Scheduler, BackendView, PickContext } from './schedulers/types.js';
