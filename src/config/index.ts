/**
 * Configuration: `defineConfig` for users, `loadConfig` for the CLI (find → read → CLI
 * overrides → validate → resolve to `FullConfig`). Every option is documented in schema.ts.
 */
export { defineConfig } from './define.ts';
export type { Config } from './schema.ts';
export { configSchema } from './schema.ts';
export type * from './types.ts';
export { loadConfig, findConfigFile, readConfigFile, CONFIG_FILE_NAMES, type LoadOptions } from './load.ts';
export {
  resolveConfig,
  sutTemplateShape,
  zodProblems,
  type ConfigHooks,
  type ResolveOptions,
} from './resolve.ts';
export { applyCliOverrides, type CliOverrides } from './overrides.ts';
export { formatPath, zodProblems as errorToProblems } from '../util/problems.ts';
