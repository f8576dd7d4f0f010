import { appendSummary } from '../../shared/action/summary.js';
import type { Cluster } from '../../shared/k8s/cluster.js';
import { loadKubeConfig } from '../../shared/k8s/client.js';
import { findContainer, getDeployment, modelVersionOf } from '../../shared/k8s/deployment.js';
import { createHookClients, hooksSummary, runHooks, type StageReport } from '../../shared/hooks/index.js';
import type { Inputs } from './inputs.js';

/**
 * Runs the `post-rollback` hooks once the rollback is done (every hook runs; none can undo it), with the
 * version that serves now as `{{image}}` / `{{model-version}}`, and lists them in the job summary.
 * Undefined when there are none.
 */
export async function runPostRollbackHooks(inputs: Inputs, cluster: Cluster): Promise<StageReport | undefined> {
  const hooks = inputs.hooks['post-rollback'];
  if (!hooks?.length) return undefined;
  const needsCluster = hooks.some((h) => h.kind === 'job' || h.target.via === 'service');
  const clients = needsCluster ? await createHookClients(await loadKubeConfig(inputs.kubeconfig)) : undefined;
  const container = findContainer(await getDeployment(cluster, inputs.namespace, inputs.deployment), inputs.container);
  const values = { image: container.image, 'model-version': modelVersionOf(container), namespace: inputs.namespace };
  const report = await runHooks('post-rollback', inputs.hooks, { namespace: inputs.namespace, clients, values, labels: { 'ai-deploy.dev/deployment': inputs.deployment } });
  await appendSummary(hooksSummary([report]));
  return report;
}
