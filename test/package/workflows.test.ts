/**
 * The GitHub Actions files (action.yml, .github/workflows/*.yml) checked the way GitHub reads
 * them: GitHub's own parser (@actions/workflow-parser: the schema, expression syntax and which
 * contexts each key allows), then this project's rules: actions pinned by commit SHA,
 * checkouts without persisted credentials, minimal permissions, and no `${{ }}` spliced into a
 * shell script (inputs, variables and secrets reach scripts through `env:`).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { convertActionTemplate, parseAction } from '@actions/workflow-parser/actions/index';
import { parse } from 'yaml';
import { DEFAULT_CLIENT_ID_ENV, DEFAULT_CLIENT_SECRET_ENV } from '../../src/canary/schema.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WORKFLOWS = join(ROOT, '.github', 'workflows');
const FILES = [
  join(ROOT, 'action.yml'),
  ...readdirSync(WORKFLOWS)
    .filter((f) => f.endsWith('.yml'))
    .map((f) => join(WORKFLOWS, f)),
];

/** Problems GitHub's parser finds in a workflow or action file, as `file (Line: n, Col: m): …`. */
async function parserProblems(name: string, content: string): Promise<string[]> {
  const trace = new NoOperationTraceWriter();
  if (name.endsWith('action.yml')) {
    const parsed = parseAction({ name, content }, trace);
    if (parsed.value !== undefined) convertActionTemplate(parsed.context, parsed.value);
    return parsed.context.errors.getErrors().map((e) => e.message);
  }
  const parsed = parseWorkflow({ name, content }, trace);
  if (parsed.value === undefined) return parsed.context.errors.getErrors().map((e) => e.message);
  const template = await convertWorkflowTemplate(parsed.context, parsed.value);
  return [
    ...parsed.context.errors.getErrors().map((e) => e.message),
    ...(template.errors ?? []).map((e) => e.Message),
  ];
}

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}

/** Every step of a workflow's jobs or of a composite action. */
function stepsOf(doc: Record<string, unknown>): Step[] {
  const runs = doc['runs'] as { steps?: Step[] } | undefined;
  if (runs?.steps) return runs.steps;
  const jobs = (doc['jobs'] ?? {}) as Record<string, { steps?: Step[]; uses?: string }>;
  return Object.values(jobs).flatMap((job) => [
    ...(job.steps ?? []),
    ...(job.uses ? [{ uses: job.uses }] : []),
  ]);
}

/** This project's rules for one file; each problem names the file. */
function policyProblems(file: string, doc: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const name = relative(ROOT, file);
  if (!file.endsWith('action.yml')) {
    const permissions = doc['permissions'] as Record<string, string> | undefined;
    if (JSON.stringify(permissions) !== JSON.stringify({ contents: 'read' }))
      problems.push(`${name}: top-level permissions must be exactly { contents: read }`);
  }
  for (const step of stepsOf(doc)) {
    const uses = step.uses;
    if (uses !== undefined && !uses.startsWith('./') && !/@[0-9a-f]{40}$/.test(uses))
      problems.push(`${name}: ${uses} is not pinned to a commit SHA`);
    if (uses?.startsWith('actions/checkout@') && step.with?.['persist-credentials'] !== false)
      problems.push(`${name}: ${uses} without persist-credentials: false`);
    if (step.run?.includes('${{'))
      problems.push(`${name}: an expression is spliced into a script (pass it through env:): ${step.run}`);
  }
  return problems;
}

describe('GitHub Actions files', () => {
  it('finds the action and the workflows, including the reusable gate and canary', () => {
    const names = FILES.map((f) => relative(ROOT, f));
    for (const expected of [
      'action.yml',
      '.github/workflows/keystorm-gate.yml',
      '.github/workflows/keystorm-canary.yml',
      '.github/workflows/gate.yml',
      '.github/workflows/canary.yml',
    ])
      assert.ok(names.includes(expected), `${expected} is missing`);
  });

  it('the reusable canary exports the credentials under the names a canary config reads by default', () => {
    const workflow = parse(readFileSync(join(WORKFLOWS, 'keystorm-canary.yml'), 'utf8')) as {
      jobs: Record<string, { steps: { env?: Record<string, string> }[] }>;
    };
    const exported = Object.values(workflow.jobs).flatMap((job) =>
      job.steps.flatMap((step) => Object.keys(step.env ?? {})),
    );
    assert.ok(
      exported.includes(DEFAULT_CLIENT_ID_ENV),
      `${DEFAULT_CLIENT_ID_ENV} not exported: ${exported.join(', ')}`,
    );
    assert.ok(
      exported.includes(DEFAULT_CLIENT_SECRET_ENV),
      `${DEFAULT_CLIENT_SECRET_ENV} not exported: ${exported.join(', ')}`,
    );
  });

  it("pass GitHub's workflow and action parser (schema, expressions, allowed contexts)", async () => {
    const problems: string[] = [];
    for (const file of FILES)
      problems.push(...(await parserProblems(relative(ROOT, file), readFileSync(file, 'utf8'))));
    assert.deepEqual(problems, []);
  });

  it('the parser rejects what GitHub would: an unknown key, a context not allowed there, a broken expression', async () => {
    const broken = `on: push
permissions:
  contents: read
jobs:
  a:
    runs-on: ubuntu-latest
    timeout-minuts: 5
    if: \${{ steps.x.outputs.y == 'z' }}
    steps:
      - run: echo hi
        env:
          X: \${{ github.sha ==  }}
`;
    const problems = await parserProblems('broken.yml', broken);
    assert.ok(
      problems.some((p) => /timeout-minuts/.test(p)),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) => /Unrecognized named-value: 'steps'/.test(p)),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) => /Unexpected end of expression|Expected/.test(p)),
      problems.join('\n'),
    );
    const action = `name: x\ndescription: y\nruns:\n  using: composite\n  steps:\n    - run: echo\n`;
    const actionProblems = await parserProblems('action.yml', action);
    assert.ok(
      actionProblems.some((p) => /shell/.test(p)),
      actionProblems.join('\n'),
    );
  });

  it('pin actions by SHA, keep credentials out of checkouts, grant contents: read, and never splice ${{ }} into scripts', () => {
    const problems = FILES.flatMap((file) =>
      policyProblems(file, parse(readFileSync(file, 'utf8')) as Record<string, unknown>),
    );
    assert.deepEqual(problems, []);
    // The rules themselves catch what they are for.
    const bad = {
      permissions: { contents: 'write' },
      jobs: {
        a: {
          steps: [{ uses: 'actions/checkout@v4' }, { run: 'curl "${{ secrets.TOKEN }}"' }],
        },
      },
    };
    assert.equal(policyProblems(join(ROOT, 'bad.yml'), bad).length, 4);
  });
});
