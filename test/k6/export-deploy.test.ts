/**
 * The container images and Kubernetes example in deploy/. No container engine or cluster exists
 * on these machines, so nothing is built or applied: these checks catch what can rot without
 * one — a Dockerfile copying a file that is gone, an image running as root, a manifest that does
 * not parse, arguments mock-idp or the gateway would refuse, a TestRun that drifted from what
 * `keystorm k6 export` writes.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { loadConfig as loadGatewayConfig } from '../../examples/gateway/config.ts';
import { renderTestRun } from '../../src/k6/export/manifest.ts';
import { parseIdpArgs } from '../../mock-idp/cli.ts';
import { DEFAULT_ISSUERS } from '../../mock-idp/issuer.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const read = (path: string): string => readFileSync(join(repo, path), 'utf8');
const DOCKERFILES = ['deploy/mock-idp/Dockerfile', 'deploy/harness/Dockerfile'];

type Doc = Record<string, unknown> & { kind?: string; metadata?: { name?: string } };

function manifests(path: string): Doc[] {
  return parseAllDocuments(read(path)).map((doc) => {
    assert.deepEqual(doc.errors, [], path);
    return doc.toJS() as Doc;
  });
}

/** The containers of the first Deployment/Job in a file. */
function containers(path: string): { args?: string[]; env?: { name: string; value?: string }[] }[] {
  const workload = manifests(path).find((d) => d.kind === 'Deployment' || d.kind === 'Job') as {
    spec: { template: { spec: { containers: [] } } };
  };
  return workload.spec.template.spec.containers;
}

describe('deploy: Dockerfiles', () => {
  for (const file of DOCKERFILES) {
    it(`${file} copies only files that exist, builds in stages and runs as a non-root user`, () => {
      const text = read(file);
      const sources = [...text.matchAll(/^COPY (?!--from)(.+)$/gm)].flatMap((m) =>
        (m[1] ?? '').trim().split(/\s+/).slice(0, -1),
      );
      assert.ok(sources.length > 0);
      for (const source of sources) assert.ok(existsSync(join(repo, source)), `${file}: ${source}`);
      assert.equal([...text.matchAll(/^FROM /gm)].length, 2);
      const user = /^USER (\S+)$/m.exec(text.split(/^FROM /m).at(-1) ?? '');
      assert.ok(user !== null && user[1] !== 'root' && user[1] !== '0', `${file}: USER`);
    });
  }

  it('the mock-idp image binds loopback unless --host opens it', () => {
    const cmd = /^CMD (.+)$/m.exec(read('deploy/mock-idp/Dockerfile'))?.[1] ?? '[]';
    const options = parseIdpArgs(JSON.parse(cmd) as string[]);
    assert.ok(options !== 'help');
    assert.equal(options.host, undefined);
  });
});

describe('deploy: Kubernetes example', () => {
  it('parses, and names in the kustomization only files that exist', () => {
    const [kustomization] = manifests('deploy/k8s/kustomization.yaml') as [{ resources: string[] }];
    for (const resource of kustomization.resources) {
      assert.ok(existsSync(join(repo, 'deploy/k8s', resource)), resource);
      assert.ok(manifests(`deploy/k8s/${resource}`).length > 0);
    }
    manifests('deploy/k8s/fault-job.yaml');
  });

  it('starts mock-idp with arguments its CLI accepts, its data plane opened on purpose', () => {
    const [idp] = containers('deploy/k8s/mock-idp.yaml');
    const options = parseIdpArgs(idp?.args ?? []);
    assert.ok(options !== 'help');
    assert.equal(options.host, '0.0.0.0');
    assert.equal(options.port, 4000);
  });

  it("configures the gateway with an environment it accepts, pointing at mock-idp's real key path and issuer", () => {
    const [gateway] = containers('deploy/k8s/gateway.yaml');
    const env = Object.fromEntries((gateway?.env ?? []).map((e) => [e.name, e.value ?? '']));
    const config = loadGatewayConfig(env);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.port, 8080);
    const gitlab = DEFAULT_ISSUERS.find((i) => i.name === 'gitlab');
    assert.equal(env.GATEWAY_JWKS_URLS, `gitlab=http://toxiproxy:18000/gitlab/${gitlab?.jwksPath ?? ''}`);
    // mock-idp bound to 0.0.0.0 stamps its loopback URL as `iss`: the gateway must expect that one.
    const [idp] = containers('deploy/k8s/mock-idp.yaml');
    const options = parseIdpArgs(idp?.args ?? []);
    assert.ok(options !== 'help');
    assert.equal(env.GATEWAY_ISSUERS, `gitlab=http://127.0.0.1:${options.port ?? 0}/gitlab`);
  });

  it('ships the TestRun that keystorm k6 export writes today', () => {
    const expected = renderTestRun({ scenario: 'jwks-outage-warm-cache', file: 'jwks-outage-warm-cache.ts' });
    assert.equal(read('deploy/k8s/testrun.yaml'), expected);
    const [testRun] = manifests('deploy/k8s/testrun.yaml');
    assert.equal(testRun?.kind, 'TestRun');
  });
});
