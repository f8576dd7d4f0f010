/** Hooks around each stage: smoke tests, migrations, load. See README.md in this folder. */
export { parseHooks, type ParseHooksOptions } from './parse.js';
export { runHooks } from './run.js';
export { startDuringHooks, type DuringHooks } from './during.js';
export { HookFailure, requirePassed } from './results.js';
export { hooksSummary } from './summary.js';
export { createHookClients } from './clients.js';
export { removeHookJobs } from './cleanup.js';
export { serviceProxyPath, serviceProxyUrl } from './service-proxy.js';
export { HOOK_LABELS } from './job-object.js';
export * from './types.js';
