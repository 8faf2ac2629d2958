/**
 * Two small user projects, written as files into a temporary directory: one CommonJS (a
 * package.json without `"type"`), one ESM. Each has its own config, its own scenario file and
 * its own tiny service under test, a few lines of node:http that verify bearer JWTs with jose
 * against the issuer's JWKS (the URLs come from keystorm's SUT env templates).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export type ProjectKind = 'commonjs' | 'module';

/** The project's files by relative path. */
type Files = Record<string, string>;

/**
 * The service. `AUDIENCE` is what it accepts; the tests breach it by passing another one with
 * `--sut-env`, so every valid token is refused (the 401s of a broken verifier).
 */
function sutSource(kind: ProjectKind): string {
  const head =
    kind === 'module'
      ? `import { createServer } from 'node:http';\nimport { createRemoteJWKSet, jwtVerify } from 'jose';\n`
      : `const { createServer } = require('node:http');\nconst { createRemoteJWKSet, jwtVerify } = require('jose');\n`;
  return `${head}
const jwks = createRemoteJWKSet(new URL(process.env.JWKS_URL));
const expected = { issuer: process.env.ISSUER, audience: process.env.AUDIENCE };
const server = createServer((req, res) => {
  if (req.url === '/ready') return void res.writeHead(200).end('ready');
  const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
  jwtVerify(token, jwks, expected).then(
    () => res.writeHead(200).end('ok'),
    () => res.writeHead(401).end('unauthorized'),
  );
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;
}

/** The SUT's env, in a module of the user's own that the config imports. */
const SUT_ENV = `export const sutEnv: Record<string, string> = {
  PORT: '{{port}}',
  ISSUER: '{{idp.acme.issuer}}',
  JWKS_URL: '{{idp.acme.jwks}}',
  AUDIENCE: 'keystorm',
};
`;

function configSource(sutFile: string, scenarioFile: string): string {
  return `import { defineConfig } from 'keystorm/config';
import { sutEnv } from './lib/sut-env';

export default defineConfig({
  idp: { issuers: ['acme'] },
  sut: {
    command: ['node', '${sutFile}'],
    url: 'http://127.0.0.1:{{port}}',
    readyUrl: '/ready',
    env: sutEnv,
    request: { path: '/orders', expect: [200] },
  },
  scenarios: ['${scenarioFile}'],
  output: { dir: 'reports/latest', reporters: ['json', 'markdown'] },
});
`;
}

/** A short steady load whose one strict SLO is that valid tokens get 200. */
const SCENARIO = {
  name: 'orders-accept-valid-tokens',
  hypothesis: 'Valid tokens from the issuer are accepted.',
  load: { phases: [{ name: 'steady', rate: 20, duration: '2s' }] },
  slos: [{ metric: 'unexpected_rate', threshold: 'rate<0.01' }],
};

function scenarioSource(style: 'esm' | 'cjs'): string {
  const body = JSON.stringify(SCENARIO, null, 2);
  return style === 'esm'
    ? `import { defineScenario } from 'keystorm/scenario';\n\nexport default defineScenario(${body});\n`
    : `const { defineScenario } = require('keystorm/scenario');\n\nmodule.exports = defineScenario(${body});\n`;
}

/**
 * CommonJS: `keystorm.config.ts` (the case that failed with "Cannot require() ES Module … in a
 * cycle") and a `.ts` scenario, both in import syntax, and a `.js` service that uses require().
 * ESM: `keystorm.config.mts`, a `.mjs` scenario and a `.js` service in import syntax.
 */
export function projectFiles(kind: ProjectKind): Files {
  const cjs = kind === 'commonjs';
  const packageJson = { name: `keystorm-user-${kind}`, version: '1.0.0', private: true, type: kind };
  return {
    'package.json': `${JSON.stringify(packageJson, null, 2)}\n`,
    'sut.js': sutSource(kind),
    'lib/sut-env.ts': SUT_ENV,
    [cjs ? 'keystorm.config.ts' : 'keystorm.config.mts']: configSource(
      'sut.js',
      cjs ? './scenarios/orders.ts' : './scenarios/orders.mjs',
    ),
    [cjs ? 'scenarios/orders.ts' : 'scenarios/orders.mjs']: scenarioSource('esm'),
  };
}

/** Every extension a config or scenario file may have. */
export const EXTENSIONS = ['ts', 'mts', 'cts', 'js', 'mjs', 'cjs', 'json'] as const;

/** Which module syntax a file of this extension is written in, in a project of this kind. */
function styleOf(extension: string, kind: ProjectKind): 'esm' | 'cjs' {
  if (extension === 'cjs' || (extension === 'js' && kind === 'commonjs')) return 'cjs';
  return 'esm';
}

/**
 * `matrix/`: one scenario file of every extension and, under `matrix/<ext>/`, a config of that
 * extension selecting the built-in `clock-skew` and all those scenario files. `.ts`, `.mts` and
 * `.cts` use import syntax (TypeScript users write it whatever the module format).
 */
export function matrixFiles(kind: ProjectKind): Files {
  const files: Files = {};
  const scenarioPaths = EXTENSIONS.map((ext) => `../orders-${ext}.${ext}`);
  for (const ext of EXTENSIONS) {
    const scenario = { ...SCENARIO, name: `orders-${ext}` };
    files[`matrix/orders-${ext}.${ext}`] =
      ext === 'json'
        ? `${JSON.stringify(scenario, null, 2)}\n`
        : scenarioSource(styleOf(ext, kind)).replace(SCENARIO.name, scenario.name);
    const config = { sut: { url: 'http://127.0.0.1:9' }, scenarios: ['clock-skew', ...scenarioPaths] };
    const body = JSON.stringify(config, null, 2);
    files[`matrix/${ext}/keystorm.config.${ext}`] =
      ext === 'json'
        ? `${body}\n`
        : styleOf(ext, kind) === 'esm'
          ? `import { defineConfig } from 'keystorm/config';\n\nexport default defineConfig(${body});\n`
          : `const { defineConfig } = require('keystorm/config');\n\nmodule.exports = defineConfig(${body});\n`;
  }
  return files;
}

export function writeFiles(root: string, files: Files): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

/**
 * `gateway/keystorm.config.mjs`: the bundled example gateway, spawned from the installed package
 * (`keystorm/example-gateway`), with short cache timings so the built-in `baseline` holds.
 */
export const EXAMPLE_GATEWAY_CONFIG = `import { fileURLToPath } from 'node:url';
import { defineConfig } from 'keystorm/config';

export default defineConfig({
  sut: {
    command: ['node', fileURLToPath(import.meta.resolve('keystorm/example-gateway'))],
    readyUrl: '/ready',
    env: {
      GATEWAY_PORT: '{{port}}',
      GATEWAY_PROVIDERS: '{{idp.providers}}',
      GATEWAY_ISSUERS: '{{idp.issuers}}',
      GATEWAY_HEADER_CLAIMS: 'X-Gitlab-Instance-Id=gitlab_instance_id',
      JWKS_TTL: '{{scaled 10s}}',
      JWKS_MIN_TTL: '{{scaled 1s}}',
      JWKS_REFRESH_AHEAD: '{{scaled 2s}}',
    },
    request: {
      method: 'POST',
      path: '/v2/code/completions',
      headers: { 'X-Gitlab-Instance-Id': '{{claims.gitlab_instance_id}}' },
      expect: [200],
    },
  },
  scenarios: ['baseline'],
  output: { reporters: ['json'] },
});
`;
