import * as core from '@actions/core';
import { ConfigurationError, errorMessage, invalidInput } from '../../shared/errors.js';
import { phase } from '../../shared/action/phase.js';
import { appendSummary } from '../../shared/action/summary.js';
import { hooksSummary, type DuringHooks, type HookClients, type StageReport } from '../../shared/hooks/index.js';
import { CanaryLost, requireCanaryCurrent } from '../../shared/canary/claim.js';
import { loadCanary, setCanaryWeight, type LoadedCanary } from '../../shared/canary/load.js';
import { requireWeightHeld } from '../../shared/canary/weight-held.js';
import { rollbackCanary } from '../../shared/canary/rollback.js';
import { currentRunUrl } from '../../shared/k8s/annotations.js';
import { connectCluster } from '../../shared/k8s/client.js';
import { inexactWeight } from '../../shared/traffic/router.js';
import { isNotFound } from '../../shared/k8s/errors.js';
import type { Cluster } from '../../shared/k8s/cluster.js';
import type { MetricsProvider } from '../../shared/metrics/provider.js';
import { targetNames } from '../../shared/metrics/provider.js';
import { LeaseLost } from '../../shared/canary/lease-cluster.js';
import { connectProvider } from '../../shared/metrics/connect.js';
import { CancelGuard } from './cancel.js';
import { keepCanaryLease, lostLeaseReason } from './lease.js';
import { startDuring, stopDuring } from './during.js';
import type { Inputs } from './inputs.js';
import type { NewJudge } from './judge.js';
import { runLive, type LiveResult } from './live.js';
import type { MonitorReport } from './report.js';

export interface LiveClients {
  cluster?: Cluster;
  provider?: MetricsProvider;
  hooks?: HookClients;
}

/**
 * Live analysis of the canary recorded on the cluster by canary-deploy. Whatever happens, the canary
 * never ends with more traffic than it had: a failure takes its traffic away (and rolls it back when
 * asked), an inconclusive walk returns to the starting weight, a cancel or crash gives stable 100%.
 * A canary rolled back, promoted or taken over meanwhile (its traffic claim or this run's lease lost) ends
 * `inconclusive`, naming who, with no more writes, and the step fails.
 * `during` hooks start with the analysis and are stopped when it ends, after any traffic reset.
 */
export async function monitorLive(inputs: Inputs, newJudge: NewJudge, clients: LiveClients = {}): Promise<MonitorReport> {
  const { namespace, deployment, kubeconfig } = inputs.kubernetes!;
  const provider = clients.provider ?? (await phase('Metrics provider', () => connectProvider(inputs.connection!)));
  const cluster = clients.cluster ?? (await connectCluster(kubeconfig));
  const canary = await findCanary(cluster, namespace, deployment);
  if (canary.state.baseline && Math.max(...inputs.steps) > 50) {
    throw invalidInput('steps', inputs.steps.join(','), `weights of at most 50 with a baseline (${canary.state.baseline} takes as much traffic as the canary)`);
  }
  const inexact = inputs.steps.map((w) => inexactWeight(w, canary.state.router.kind)).find(Boolean);
  if (inexact) throw invalidInput('steps', inputs.steps.join(','), `weights the recorded router can set exactly: ${inexact}`);
  const keeper = await keepCanaryLease(cluster, namespace, deployment, inputs.interval);
  const startWeight = canary.state.weight;
  const targets = targetNames(canary.state.baseline ? 'baseline' : 'stable', inputs['target-names']);
  core.info(`Judging canary ${canary.state.canary} against ${canary.state.baseline ? 'the baseline' : 'stable'} ({{target}}: ${targets.canary} vs ${targets.control}).`);

  let weight = startWeight;
  // Every traffic write is conditional on the canary as loaded (see setCanaryWeight): once it was rolled
  // back, promoted or taken over, writes fail with CanaryLost and the analysis ends inconclusive.
  const planned = canary.state;
  const router = {
    setWeight: async (w: number) => {
      // Still this run's canary? Never move another run's traffic (an unreachable API server is not a loss).
      await keeper?.beat();
      canary.state = await setCanaryWeight(cluster, canary, w);
      weight = canary.state.weight;
    },
    verify: (w: number) => requireWeightHeld(cluster, canary, w),
  };
  // Inconclusive, saying who changed the canary; no traffic is written any more.
  // A lost lease ends the same way, saying who took the canary (its records, or the lease's new holder).
  const lostReport = async (lost: CanaryLost | LeaseLost, found: LiveResult | undefined, hooks: StageReport | undefined): Promise<MonitorReport> => {
    const message = lost instanceof LeaseLost ? await lostLeaseReason(cluster, namespace, deployment, planned, lost) : lost.message;
    core.error(message);
    const now = await canary.router.current().catch(() => 0);
    const reason = `${message}${found ? ` (the analysis had reached: ${found.verdict}, ${found.reason})` : ''}`;
    return { verdict: 'inconclusive', reason, decidedAfter: found?.decidedAfter ?? 0, steps: found?.steps ?? [], mode: 'live', weight: now, provider: provider.name, ...(hooks ? { hooks } : {}) };
  };
  const guard = new CancelGuard();
  const signal = keeper ? AbortSignal.any([guard.signal, keeper.signal]) : guard.signal;
  let during: DuringHooks | undefined;
  let result: LiveResult;
  try {
    during = await startDuring(inputs.hooks, canary, kubeconfig, clients.hooks);
    result = await runLive(
      { steps: inputs.steps, intervalMs: inputs.interval, stepDurationMs: inputs['step-duration'] },
      { provider, router, specs: inputs.metrics, targets, newJudge, log: core.info, signal, heartbeat: keeper && (() => keeper.beat()) },
    );
  } catch (error) {
    const lost = keeper?.lost ?? (error instanceof LeaseLost || error instanceof CanaryLost ? error : undefined);
    if (lost) {
      const hooks = await stopDuring(during).catch((stopError: unknown) => void core.warning(`Could not stop the during hooks: ${errorMessage(stopError)}`));
      return lostReport(lost, undefined, hooks ?? undefined);
    }
    core.error(`Analysis stopped: ${errorMessage(error)}. Giving stable all traffic back.`);
    try {
      await router.setWeight(0);
    } catch (resetError) {
      if (!(resetError instanceof CanaryLost || resetError instanceof LeaseLost)) core.error(`Could not give stable all traffic back: ${errorMessage(resetError)}. Run auto-rollback.`);
    }
    const hooks = await stopDuring(during).catch((stopError: unknown) => void core.warning(`Could not stop the during hooks: ${errorMessage(stopError)}`));
    if (hooks) await appendSummary(hooksSummary([hooks]));
    throw error;
  } finally {
    guard.dispose();
    await keeper?.stop();
  }
  // The verdict's traffic change below is this run's last; the lease goes on to the next step as last renewed.
  let hooks;
  let lost: CanaryLost | LeaseLost | undefined;
  try {
    if (result.verdict === 'pass') await requireCanaryCurrent(cluster, namespace, deployment, planned);
    if (result.verdict === 'fail' && inputs['rollback-on-failure']) {
      await keeper?.beat(); // never roll back a canary another run took over
      await phase('Rollback', () => rollbackCanary(cluster, namespace, deployment, core.info, { reason: result.reason, by: currentRunUrl() }));
      weight = 0;
    } else if (result.verdict === 'fail') {
      await router.setWeight(0);
      core.info('Canary failed: its traffic is back on stable; the canary pods stay for auto-rollback or inspection.');
    } else if (result.verdict === 'inconclusive' && weight > startWeight) {
      await router.setWeight(startWeight);
      core.info(`Inconclusive: canary weight back to the ${startWeight}% it started with.`);
    }
  } catch (error) {
    if (!(error instanceof CanaryLost || error instanceof LeaseLost)) throw error;
    lost = error;
  } finally {
    hooks = await stopDuring(during);
  }
  if (lost) return lostReport(lost, result, hooks);
  return { ...result, mode: 'live', weight, provider: provider.name, ...(hooks ? { hooks } : {}) };
}

async function findCanary(cluster: Cluster, namespace: string, deployment: string): Promise<LoadedCanary> {
  let canary: LoadedCanary | undefined;
  try {
    canary = await loadCanary(cluster, namespace, deployment);
  } catch (error) {
    if (isNotFound(error)) throw new ConfigurationError(`Invalid \`deployment\`: Deployment ${namespace}/${deployment} does not exist.`);
    throw error;
  }
  if (!canary) throw new ConfigurationError(`No canary in progress on ${namespace}/${deployment}: run canary-deploy first (monitor-canary judges the canary it recorded).`);
  if (canary.state.phase !== 'ready') throw new ConfigurationError(`The canary on ${namespace}/${deployment} is still starting (phase '${canary.state.phase}'): wait for canary-deploy to finish.`);
  return canary;
}
