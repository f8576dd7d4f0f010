import * as core from '@actions/core';
import { phase } from '../../shared/action/phase.js';
import { appendSummary } from '../../shared/action/summary.js';
import { watchIntervals, watchMetrics, type WatchResult } from '../../shared/analysis/watch.js';
import { renderWatchSummary } from '../../shared/analysis/watch-summary.js';
import { releaseUnderWatch, type ReleaseUnderWatch, type WatchedVersion } from '../../shared/canary/watch-target.js';
import { decodeCanaryState } from '../../shared/canary/state.js';
import type { Cluster } from '../../shared/k8s/cluster.js';
import { findContainer, getDeployment } from '../../shared/k8s/deployment.js';
import type { MetricsProvider, TargetNames } from '../../shared/metrics/provider.js';
import { formatDuration } from '../../shared/parse/duration.js';
import { connectProvider } from '../../shared/metrics/connect.js';
import type { Inputs, WatchSettings } from './inputs.js';

export interface WatchOutcome {
  release: ReleaseUnderWatch;
  result: WatchResult;
}

/**
 * The control after a plain release: there is no canary, so `{{target}}` becomes the released version for
 * the judged side and the previous revision's version for the control (their MODEL_VERSION, else their
 * image tag; `target-names` `canary=`/`stable=` override). `max`/`min` judge the released pods alone;
 * `max-increase` needs the previous version's series, which end once a rolling update replaced every
 * old pod: such a metric then has no evidence (not health), and the watch cannot pass on it.
 */
export function watchTargets(release: ReleaseUnderWatch, configured: WatchSettings['target-names']): TargetNames {
  return { canary: configured.canary ?? release.current.name, control: configured.stable ?? release.previous.name };
}

const show = (v: WatchedVersion, target: string) => `\`${v.image}\` (${v.modelVersion ? `model ${v.modelVersion}, ` : ''}{{target}}=\`${target}\`)`;

/** Watches the released Deployment for `watch`, writes the summary, and returns the verdict; changes nothing. */
export async function watchRelease(cluster: Cluster, inputs: Inputs, provider?: MetricsProvider): Promise<WatchOutcome> {
  const settings = inputs.watch!;
  const release = await releaseUnderWatch(cluster, inputs.namespace, inputs.deployment, inputs.container);
  const metricsProvider = provider ?? (await phase('Metrics provider', () => connectProvider(settings.connection)));
  const targets = watchTargets(release, settings['target-names']);
  if (settings.metrics.some((m) => m.maxIncrease !== undefined)) {
    core.info(`max-increase compares with the previous version's series ({{target}}=${targets.control}); without them such a metric gets no evidence.`);
  }
  const planned = watchIntervals({ durationMs: settings.duration, intervalMs: settings.interval });
  core.info(
    `Watching ${inputs.namespace}/${inputs.deployment} for ${formatDuration(settings.duration)} (${planned} interval(s) of ${formatDuration(settings.interval)}): ` +
      `${release.current.image} ({{target}}=${targets.canary}) against the previous ${release.previous.image} ({{target}}=${targets.control}).`,
  );
  const result = await watchMetrics(
    { durationMs: settings.duration, intervalMs: settings.interval },
    {
      provider: metricsProvider,
      specs: settings.metrics,
      targets,
      options: { falseAlarmRate: settings['false-alarm-rate'], failureLimit: settings['failure-limit'], onMissingData: settings['on-missing-data'] },
      log: core.info,
    },
  );
  core.info(`Watch ${result.verdict} after ${result.intervals} interval(s): ${result.reason}`);
  const pair = { released: show(release.current, targets.canary), previous: show(release.previous, targets.control) };
  await appendSummary(renderWatchSummary(result, settings.metrics, pair, { intervalMs: settings.interval, planned }));
  return { release, result };
}

/**
 * Before rolling back what was watched: the Deployment must still run the watched image with no canary
 * started meanwhile, or the rollback would undo someone else's change. Throws, changing nothing.
 */
export async function checkStillWatched(cluster: Cluster, inputs: Inputs, release: ReleaseUnderWatch): Promise<void> {
  const d = await getDeployment(cluster, inputs.namespace, inputs.deployment);
  const image = findContainer(d, inputs.container).image;
  const canary = decodeCanaryState(d.metadata?.annotations);
  if (image !== release.current.image || canary) {
    const now = canary ? `a canary ${canary.canary} was started` : `it now runs ${image}`;
    throw new Error(`${inputs.namespace}/${inputs.deployment} changed during the watch (${now}; watched ${release.current.image}): not rolled back, nothing changed.`);
  }
}
