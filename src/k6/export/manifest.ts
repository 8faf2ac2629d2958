/**
 * The k6-operator `TestRun` of one exported script: the script from a ConfigMap, `parallelism`
 * runners, the runner environment pointing at the SUT and mock-idp services, and `--out json=…`
 * so keystorm can ingest every runner's samples and judge the aggregate.
 */
import { stringify } from 'yaml';

/** Service URLs the runners use inside the cluster (the Kubernetes example's names). */
export const CLUSTER_URLS = {
  target: 'http://gateway:8080',
  provider: 'http://mock-idp:4000',
  admin: 'http://mock-idp-admin:4001',
} as const;

/** Name of the Secret holding mock-idp's admin token (key `token`). */
export const ADMIN_TOKEN_SECRET = 'mock-idp-admin-token';

export interface TestRunOptions {
  scenario: string;
  /** Script file name inside the ConfigMap. */
  file: string;
  parallelism?: number;
}

/** A name Kubernetes accepts (lower-case DNS label). */
export function resourceName(scenario: string): string {
  const cleaned = scenario
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/^-+|-+$/g, '');
  return `keystorm-${cleaned}`.slice(0, 63).replace(/-+$/, '');
}

/** The TestRun manifest as YAML. */
export function renderTestRun(o: TestRunOptions): string {
  const name = resourceName(o.scenario);
  const testRun = {
    apiVersion: 'k6.io/v1alpha1',
    kind: 'TestRun',
    metadata: { name, labels: { 'app.kubernetes.io/part-of': 'keystorm' } },
    spec: {
      parallelism: o.parallelism ?? 2,
      script: { configMap: { name, file: o.file } },
      // Each runner writes its own NDJSON; keystorm merges them (k6 judges each runner alone).
      // Kubernetes expands $(POD_NAME) in container arguments: one file per runner.
      arguments: `--out json=/keystorm/${name}-$(POD_NAME).ndjson.gz --tag keystorm_runner=$(POD_NAME)`,
      cleanup: 'post',
      runner: {
        env: [
          { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'KEYSTORM_TARGET_URL', value: CLUSTER_URLS.target },
          { name: 'KEYSTORM_PROVIDER_URL', value: CLUSTER_URLS.provider },
          { name: 'KEYSTORM_IDP_ADMIN_URL', value: CLUSTER_URLS.admin },
          {
            name: 'KEYSTORM_IDP_ADMIN_TOKEN',
            valueFrom: { secretKeyRef: { name: ADMIN_TOKEN_SECRET, key: 'token' } },
          },
        ],
        volumeMounts: [{ name: 'k6-output', mountPath: '/keystorm' }],
        volumes: [{ name: 'k6-output', persistentVolumeClaim: { claimName: 'keystorm-k6-output' } }],
      },
    },
  };
  return stringify(testRun, { lineWidth: 0 });
}
