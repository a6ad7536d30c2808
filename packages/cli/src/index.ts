// The public API of @switchyard/cli: the config type and its helper for switchyard.config.ts,
// the exit codes, and `main` for running the command in-process.
export { CONFIG_FILES } from './config/loadConfig.js';
export { defineConfig, type SwitchyardConfig } from './config/schema.js';
export { EXIT, type ExitCode, RuntimeFailure, UsageError } from './exitCodes.js';
export type { Io } from './io.js';
export { main } from './main.js';
