/**
 * Finding and reading `keystorm.config.{ts,mts,js,mjs,json}`, then validating and resolving it
 * with CLI overrides applied. TypeScript configs are imported in-process: tsx is already
 * registered by bin/keystorm.mjs (and by the test runner).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, join, resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { HarnessError, ValidationError } from '../errors.ts';
import { applyCliOverrides, type CliOverrides } from './overrides.ts';
import { resolveConfig, type ResolveOptions } from './resolve.ts';
import type { FullConfig } from './types.ts';

/** Looked up in this order in the working directory. */
export const CONFIG_FILE_NAMES = [
  'keystorm.config.ts',
  'keystorm.config.mts',
  'keystorm.config.js',
  'keystorm.config.mjs',
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
  if (extname(file) === '.json') {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new HarnessError('ERR_USAGE', `cannot read config file ${file}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new ValidationError(file, [{ path: '', message: `not valid JSON: ${(error as Error).message}` }]);
    }
  }
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw new HarnessError(
      'ERR_INVALID_CONFIG',
      `cannot load config file ${file}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  let value: unknown = module['default'];
  // A TS file compiled as CommonJS arrives as { default: { default: config } }.
  if (isWrappedDefault(value)) value = value.default;
  if (value === undefined) {
    throw new ValidationError(file, [
      { path: '', message: 'has no default export: write `export default defineConfig({ … })`' },
    ]);
  }
  // `export default Promise.resolve({…})` (a config computed asynchronously) is allowed too.
  return await Promise.resolve(value);
}

function isWrappedDefault(value: unknown): value is { default: unknown } {
  if (typeof value !== 'object' || value === null || !('default' in value)) return false;
  const keys = Object.keys(value).filter((k) => k !== '__esModule');
  return keys.length === 1 && (value as { __esModule?: unknown }).__esModule === true;
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
