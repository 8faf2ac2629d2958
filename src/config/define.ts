/**
 * `defineConfig` for `keystorm.config.ts`: an identity function whose only job is the type, so
 * editors complete and check every option (see docs/config.md for what each one means).
 *
 * ```ts
 * import { defineConfig } from './src/config/define.ts';
 * export default defineConfig({ sut: { command: ['node', 'server.js'], readyUrl: '/ready' } });
 * ```
 */
import type { Config } from './schema.ts';

export type { Config } from './schema.ts';
export type { FullConfig } from './types.ts';

/** Returns `config` unchanged; typed so that a mistake shows in the editor before any run. */
export function defineConfig(config: Config): Config {
  return config;
}
