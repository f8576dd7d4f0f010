import type { V1Deployment } from '@kubernetes/client-node';
import { readKeyValueFile } from '../support/runner-files.js';
import { spawnChildStep } from '../support/run-child.js';
import type { Cluster } from '../../shared/k8s/cluster.js';
import { deploymentRef } from '../../shared/k8s/objects.js';
import { decodeLease, type Lease } from '../../shared/canary/lease.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The runner variables of one workflow run of `acme/model` (the lease's holder identity). */
export const runEnv = (runId: string, extra: Record<string, string> = {}): Record<string, string> => ({
  GITHUB_REPOSITORY: 'acme/model',
  GITHUB_RUN_ID: runId,
  GITHUB_RUN_ATTEMPT: '1',
  GITHUB_SERVER_URL: 'https://github.com',
  ...extra,
});
export const runUrl = (runId: string) => `https://github.com/acme/model/actions/runs/${runId}`;

export interface LiveStep {
  pid: number;
  stdout: () => string;
  /** The step's outputs as written so far (its GITHUB_OUTPUT file). */
  outputs: () => Record<string, string>;
  /** Exit code, or -1 when killed by a signal. */
  exited: Promise<number>;
  kill: (signal: NodeJS.Signals) => boolean;
}

/** Starts one action step from the TypeScript sources in a child Node process, as the runner would (no post step). */
export function startStep(action: string, inputs: Record<string, string>, env: Record<string, string>): LiveStep {
  const { child, files, stdout } = spawnChildStep(action, inputs, env);
  const exited = new Promise<number>((r) => child.on('close', (code, signal) => r(code ?? (signal ? -1 : 0))));
  return { pid: child.pid!, stdout, outputs: () => readKeyValueFile(files.env.GITHUB_OUTPUT), exited, kill: (s) => child.kill(s) };
}

export const errorsOf = (stdout: string) => stdout.split('\n').filter((l) => l.startsWith('::error::')).map((l) => l.slice(9).replace(/%0A/g, '\n'));

export async function leaseOf(cluster: Cluster, namespace: string, deployment = 'model'): Promise<Lease | undefined> {
  return decodeLease((await cluster.get<V1Deployment>(deploymentRef(namespace, deployment))).metadata?.annotations);
}

/**
 * Waits until the recorded lease has expired (by this machine's clock, as the next run's would judge it),
 * reading it again after each wait: a renewal the owner had in flight as its step ended may land late.
 */
export async function waitForExpiry(cluster: Cluster, namespace: string, deployment = 'model'): Promise<void> {
  for (;;) {
    const lease = await leaseOf(cluster, namespace, deployment);
    if (!lease) throw new Error(`no lease on ${namespace}/${deployment}`);
    const left = Date.parse(lease.expiresAt) - Date.now();
    if (left < 0) return;
    await sleep(left + 50);
  }
}

/** Polls until `check` holds (every 100 ms, at most `ms`). */
export async function until(check: () => Promise<boolean>, ms = 20_000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) if (await check()) return true;
  return false;
}
