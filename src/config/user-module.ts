/**
 * Loads a file the user wrote (a config or a scenario) whatever their project looks like:
 * `.ts`, `.mts`, `.cts`, `.js`, `.mjs`, `.cjs` or `.json`, in a CommonJS or an ESM package,
 * importing `keystorm/config`, `keystorm/scenario` and their own modules.
 *
 * - JavaScript is imported natively: Node decides CommonJS or ESM from the extension and the
 *   nearest package.json, as it does for the user's own code.
 * - TypeScript goes through jiti, loaded only when such a file is met (a plain JavaScript or JSON
 *   setup pays no compiler). jiti transpiles the user's files and imports packages from
 *   node_modules natively, so `keystorm/config` is the same ESM module the CLI runs. That avoids
 *   what a CommonJS-compiled config hit before (`require()` of our ESM entry while it is still
 *   being loaded: "Cannot require() ES Module … in a cycle").
 */
import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Extensions a user's config or scenario file may have. */
export const USER_MODULE_EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs', '.json'] as const;

const TYPESCRIPT = new Set(['.ts', '.mts', '.cts']);

/** Thrown when the file parses but has no default export (callers turn it into a problem). */
export class NoDefaultExportError extends Error {}

/**
 * The default export of `file`, awaited when it is a promise. A relative path is taken from the
 * current directory, as a user typing `keystorm run ./my-drill.ts` means it (jiti would resolve
 * it against the file's own URL). Throws what the loader throws (syntax errors, missing
 * imports) and NoDefaultExportError.
 */
export async function importDefault(path: string): Promise<unknown> {
  const file = resolve(path);
  const extension = extname(file);
  if (extension === '.json') return JSON.parse(await readFile(file, 'utf8')) as unknown;
  const module = TYPESCRIPT.has(extension) ? await importTypeScript(file) : await importNative(file);
  let value = defaultOf(module);
  // A TypeScript file compiled as CommonJS can arrive as { __esModule, default: value }.
  if (isWrappedDefault(value)) value = value.default;
  if (value === undefined) throw new NoDefaultExportError('the module has no default export');
  return await Promise.resolve(value);
}

async function importNative(file: string): Promise<unknown> {
  return (await import(pathToFileURL(file).href)) as unknown;
}

async function importTypeScript(file: string): Promise<unknown> {
  const { createJiti } = await import('jiti');
  // moduleCache off: every load reads the file as it is now (tests and watch-style reruns write
  // a file again under the same name).
  const jiti = createJiti(pathToFileURL(file).href, { moduleCache: false, interopDefault: false });
  const loaded: unknown = await jiti.import(file);
  // jiti hands back what the file exported: an ES module's exports (marked __esModule, or a
  // native namespace), or the bare `module.exports` of a CommonJS file (`.cts` with
  // `module.exports = …`), which is then the default export, as Node's own import makes it.
  if (isModuleShaped(loaded)) return loaded;
  return { default: loaded };
}

function isModuleShaped(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  return (
    Object.prototype.toString.call(value) === '[object Module]' ||
    (value as { __esModule?: unknown }).__esModule === true
  );
}

/** `module.exports` of a CommonJS file arrives as the namespace's `default`. */
function defaultOf(module: unknown): unknown {
  if (typeof module !== 'object' || module === null) return undefined;
  return (module as { default?: unknown }).default;
}

function isWrappedDefault(value: unknown): value is { default: unknown } {
  if (typeof value !== 'object' || value === null || !('default' in value)) return false;
  const keys = Object.keys(value).filter((k) => k !== '__esModule');
  return keys.length === 1 && (value as { __esModule?: unknown }).__esModule === true;
}
