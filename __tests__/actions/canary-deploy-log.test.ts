import { describe, expect, it } from '@jest/globals';
import { run } from '../../actions/canary-deploy/main.js';
import { runInProcess } from '../support/run-step.js';
import { createModelRoute, createStable, sandboxKubeconfig, useSandboxNamespaces } from '../k8s/support/sandbox-cluster.js';

const { cluster, ns } = useSandboxNamespaces();

/** The lines a step printed inside the log group `title`. */
function group(stdout: string, title: string): string[] {
  const lines = stdout.split('\n');
  const start = lines.indexOf(`::group::${title}`);
  expect(start).toBeGreaterThanOrEqual(0);
  return lines.slice(start + 1, lines.indexOf('::endgroup::', start)).filter((l) => l.trim() !== '');
}

describe("canary-deploy's Traffic log group", () => {
  it.each<[string, Record<string, string>, string]>([
    ['gateway-api', { 'traffic-router': 'gateway-api', route: 'model', weight: '10' }, 'model-canary receives 10% of traffic (gateway-api route model).'],
    ['replicas', { weight: '20' }, 'model-canary receives 20% of traffic (replicas).'],
  ])('says where traffic went with the %s router', async (_router, inputs, line) => {
    const namespace = await ns('traffic-log');
    await createStable(cluster(), namespace, 'model', { replicas: 4 });
    await createModelRoute(cluster(), namespace);
    const r = await runInProcess(run, { kubeconfig: sandboxKubeconfig(), deployment: 'model', namespace, image: 'r.example/model:2', ...inputs });
    expect(r.errors).toEqual([]);
    expect(group(r.stdout, 'Traffic')).toContain(line);
  });
});
