/**
 * Finding and reading `keystorm.config.{ts,mts,cts,js,mjs,cjs,json}`, then validating and
 * resolving it with CLI overrides applied. How each kind of file is loaded: user-module.ts.
 */
import { existsSync } from 'node:fs';
import { dirname, extname, join, resolve as resolvePath } from 'node:path';
import { HarnessError, ValidationError } from '../errors.ts';
import { applyCliOverrides, type CliOverrides } from './overrides.ts';
import { resolveConfig, type ResolveOptions } from './resolve.ts';
import type { FullConfig } from './types.ts';
import { importDefault, NoDefaultExportError } from './user-module.ts';

/** Looked up in this order in the working directory. */
export const CONFIG_FILE_NAMES = [
  'keystorm.config.ts',
  'keystorm.config.mts',
  'keystorm.config.cts',
  'keystorm.config.js',
  'keystorm.config.mjs',
  'keystorm.config.cjs',
  'keystorm.config.json',
] as const;

/** The first config file in `dir`, or undefined. */
export function findConfigFile(dir: string): string | undefined {
  for (const name of CONFIG_FILE_NAMES) {
    const file = join(dir, name);
    if (existsSync(file)) return file;
  }
  return undefined;
}

/** Reads a config file into a plain (unvalidated) value. Errors name the file (exit 2). */
export async function readConfigFile(file: string): Promise<unknown> {
  try {
    return await importDefault(file);
  } catch (error) {
    if (error instanceof NoDefaultExportError) {
      throw new ValidationError(file, [
        { path: '', message: 'has no default export: write `export default defineConfig({ … })`' },
      ]);
    }
    if (error instanceof SyntaxError && extname(file) === '.json') {
      throw new ValidationError(file, [{ path: '', message: `not valid JSON: ${error.message}` }]);
    }
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') {
      throw new HarnessError('ERR_USAGE', `cannot read config file ${file}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    throw new HarnessError(
      'ERR_INVALID_CONFIG',
      `cannot load config file ${file}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

export interface LoadOptions extends Pick<ResolveOptions, 'env' | 'hooks' | 'drawSeed'> {
  /** `--config`: an explicit file (relative to cwd). Otherwise looked up in cwd. */
  file?: string;
  /** Default process.cwd(). */
  cwd?: string;
  overrides?: CliOverrides;
}

/**
 * Finds, reads, overrides, validates and resolves the config. Without a file the defaults
 * apply (rooted at cwd). Throws ValidationError (exit 2) listing every problem, config and
 * flags together.
 */
export async function loadConfig(options: LoadOptions = {}): Promise<FullConfig> {
  const cwd = options.cwd ?? process.cwd();
  let file: string | undefined;
  if (options.file !== undefined) {
    file = resolvePath(cwd, options.file);
    if (!existsSync(file)) throw new HarnessError('ERR_USAGE', `--config: no such file: ${file}`);
  } else {
    file = findConfigFile(cwd);
  }
  const raw = file === undefined ? {} : await readConfigFile(file);
  const { config, problems } = applyCliOverrides(raw, options.overrides ?? {}, cwd);
  return resolveConfig(config, {
    rootDir: file === undefined ? cwd : dirname(file),
    problems,
    ...(file === undefined ? {} : { configFile: file }),
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(options.hooks === undefined ? {} : { hooks: options.hooks }),
    ...(options.drawSeed === undefined ? {} : { drawSeed: options.drawSeed }),
  });
}
