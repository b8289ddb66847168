// Public API: config types and helpers, and the router for embedding (docs/library.md).
export { defineConfig } from './config/define.js';
export type * from './config/types.js';
export { validate } from './config/validate.js';
export { createRouter } from './library.js';
export { Router, type Explanation, type ExplainInput, type RequestHandler, type UpgradeHandler, type RouterOptions, type ReloadResult } from './router.js';
export { ConfigError, SwitchyardError, type ConfigProblem, type ErrorCode } from './errors.js';
export type { SchedulerDef, Scheduler, BackendView, PickContext, Problem } from './schedulers/types.js';
export type { Config } from './config/normalized.js';
