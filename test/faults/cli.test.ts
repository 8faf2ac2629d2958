import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ValidationError } from '../../src/errors.ts';
import { main } from '../../src/faults/cli.ts';
import { parseFaultArg } from '../../src/faults/cli-spec.ts';

/** Runs main() with console output captured. */
async function capture(
  argv: string[],
): Promise<{ code: number | 'threw'; out: string; err: string; error?: unknown }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...args: unknown[]) => void out.push(args.join(' '));
  console.error = (...args: unknown[]) => void err.push(args.join(' '));
  try {
    return { code: await main(argv), out: out.join('\n'), err: err.join('\n') };
  } catch (thrown) {
    return { code: 'threw', out: out.join('\n'), err: err.join('\n'), error: thrown };
  } finally {
    console.log = log;
    console.error = error;
  }
}

describe('the --fault short form', () => {
  it('splits envelope keys from the kind attributes and types the values', () => {
    const { spec, problems } = parseFaultArg(
      'kind=latency,name=slow,latency=200ms,jitter=20,probability=0.5,window.start=5s,window.stop=20s,target=idp',
      '--fault[0]',
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(spec, {
      kind: 'latency',
      name: 'slow',
      probability: 0.5,
      target: 'idp',
      window: { start: '5s', stop: '20s' },
      attributes: { latency: '200ms', jitter: 20 },
    });
  });

  it('builds an HTTP target with lists from target.* keys', () => {
    const { spec } = parseFaultArg(
      'kind=http-status,target.issuer=gitlab,target.endpoint=jwks|discovery',
      'f',
    );
    assert.deepEqual(spec.target, { issuer: 'gitlab', endpoint: ['jwks', 'discovery'] });
  });

  it('reads a JSON object as the whole spec', () => {
    const { spec } = parseFaultArg('{"kind":"http-status","attributes":{"body":"a,b"}}', 'f');
    assert.deepEqual(spec, { kind: 'http-status', attributes: { body: 'a,b' } });
  });

  it('names every malformed part', () => {
    const { problems } = parseFaultArg('kind=latency,oops,a.b.c=1,latency=1,latency=2', '--fault[3]');
    assert.deepEqual(
      problems.map((p) => `${p.path}: ${p.message}`),
      [
        '--fault[3]: "oops" is not key=value',
        '--fault[3].a.b.c: unknown key (nested keys: window.*, target.*, attributes.*)',
        '--fault[3].latency: given twice',
      ],
    );
    assert.match(parseFaultArg('{nope', 'f').problems[0]?.message ?? '', /not valid JSON/);
  });
});

describe('keystorm fault usage', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keystorm-fault-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lists every kind with its family', async () => {
    const { code, out } = await capture(['--list']);
    assert.equal(code, 0);
    for (const kind of [
      'latency',
      'jitter',
      'bandwidth',
      'black-hole',
      'reset',
      'truncate',
      'slow-trickle',
      'down',
    ]) {
      assert.match(out, new RegExp(`^${kind} +network `, 'm'));
    }
    assert.match(out, /^http-empty-keys +http /m);
  });

  it('exits 2 without any fault, on unknown flags, and for a non-loopback upstream', async () => {
    assert.equal((await capture([])).code, 2);
    const unknown = await capture(['--fualt', 'kind=down']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /--fualt/);
    const remote = await capture(['--fault', 'kind=down', '--upstream', '10.1.2.3:80']);
    assert.equal(remote.code, 2);
    assert.match(remote.err, /--upstream: refusing to send traffic to 10\.1\.2\.3/);
    assert.equal((await capture(['--fault', 'kind=down', '--duration', 'soon'])).code, 2);
  });

  it('rejects a network fault without --upstream and a window past the duration, together', async () => {
    const { code, error } = await capture([
      '--fault',
      'kind=down',
      '--fault',
      'kind=latency,latency=5,window.start=10s',
      '--duration',
      '5s',
    ]);
    assert.equal(code, 'threw');
    assert.ok(error instanceof ValidationError);
    assert.equal(error.exitCode, 2);
    assert.deepEqual(
      error.problems.map((p) => p.path),
      ['--fault[0].target', '--fault[1].target', '--fault[1].window.start'],
    );
  });

  it('reads faults from a file and names the file in problems', async () => {
    const file = join(dir, 'faults.json');
    await writeFile(
      file,
      JSON.stringify({ faults: [{ kind: 'reset' }, { kind: 'bandwidth', attributes: { rate: 0 } }] }),
    );
    const { error } = await capture(['--faults-file', file, '--upstream', '127.0.0.1:9']);
    assert.ok(error instanceof ValidationError);
    assert.deepEqual(
      error.problems.map((p) => p.path),
      [`${file}: faults[1].attributes.rate`],
    );
  });
});
