// Stranded-canary exposure against the sandbox: a canary's owner (a process renewing its lease as
// monitor-canary does) is SIGKILLed; the sweeper (auto-rollback mode: abandoned, as the action runs it) starts as
// soon as the lease has expired. Prints the lease, the time from the kill to all traffic on stable, and the
// sweep's own time as a ratio to a plain auto-rollback mode: canary (take the lease, roll back) measured in the
// same run on the same kind of canary. One stranded round runs with a 1-minute lease (the exposure a user sees with
// `lease: 1m`); the ratio rounds use a short lease, since the sweep's cost does not depend on it. Target: sweep <= 1.5x plain rollback.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { V1Deployment } from '@kubernetes/client-node';
import { deploymentRef } from '../shared/k8s/objects.js';
import { startCanary, type CanaryPlan } from '../shared/canary/start.js';
import { currentClaimant, decodeLease, holderFor } from '../shared/canary/lease.js';
import { restoreStable } from '../shared/canary/restore.js';
import { takeOverAbandoned } from '../shared/canary/takeover.js';
import { formatDuration } from '../shared/parse/duration.js';
import { repoRoot, report } from './support.js';
import { benchCluster, createStableModel, removeNamespace, kubeconfigPath } from './sandbox-cluster.js';

const LEASE_MS = 3_000;
/** The lease of the one round that measures the exposure as the issue states it. */
const EXPOSURE_LEASE_MS = 60_000;
const ROUNDS = 8;
const { cluster, namespace } = await benchCluster('stranded');
const quiet = () => {};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const run = (id: string) => ({ GITHUB_REPOSITORY: 'acme/model', GITHUB_RUN_ID: id, GITHUB_RUN_ATTEMPT: '1' });
const owner = currentClaimant('bench-owner-nonce', run('100'));
const sweeper = currentClaimant(undefined, run('300'));
const exposure: number[] = [];
const sweep: number[] = [];
const plain: number[] = [];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const plan = (i: number, leaseMs = LEASE_MS): CanaryPlan => ({
  namespace,
  deployment: 'model',
  image: `r.example/model:${2 + i}`,
  strategy: 'canary',
  router: 'replicas',
  weight: 25,
  baseline: false,
  timeoutMs: 60_000,
  owner: 'bench',
  lease: { holder: holderFor(owner), durationMs: leaseMs },
});

/** Starts the owner process and waits until it renews; returns it. */
async function startOwner(leaseMs: number) {
  const child = spawn(process.execPath, [join(repoRoot(), 'build/bench/lease/owner.js'), kubeconfigPath, namespace, 'model', String(leaseMs)], {
    env: { ...process.env, ...run('100'), AI_DEPLOY_LEASE_NONCE: 'bench-owner-nonce' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d) => String(d).includes('renewing') && resolve());
    child.on('exit', (code) => reject(new Error(`owner exited with ${code}`)));
  });
  return child;
}

/** Plain rollback: auto-rollback mode: canary on a canary whose owner is alive (as old as the stranded one). */
async function plainRound(i: number): Promise<void> {
  await startCanary(cluster, plan(i), quiet);
  await sleep(3 * LEASE_MS);
  const t = performance.now();
  const rolled = await restoreStable(cluster, { namespace, deployment: 'model', mode: 'canary', timeoutMs: 60_000, record: { reason: 'bench' }, claimant: sweeper }, quiet);
  plain.push(performance.now() - t);
  if (!rolled.rolledBack) throw new Error('plain rollback did nothing');
}

/** Stranded: the owner renews for twice its lease, is killed, the sweeper runs as soon as the lease expired. */
async function strandedRound(i: number, leaseMs = LEASE_MS): Promise<number> {
  await startCanary(cluster, plan(i, leaseMs), quiet);
  const ownerProcess = await startOwner(leaseMs);
  await sleep(Math.min(2 * leaseMs, 2 * LEASE_MS));
  ownerProcess.kill('SIGKILL');
  const killedAt = performance.now();
  const lease = decodeLease((await cluster.get<V1Deployment>(deploymentRef(namespace, 'model'))).metadata?.annotations);
  if (!lease || Date.parse(lease.expiresAt) <= Date.now()) throw new Error('the owner did not keep its lease alive');
  await sleep(Date.parse(lease.expiresAt) - Date.now() + 1);
  const t = performance.now();
  const taken = await takeOverAbandoned(cluster, namespace, 'model', sweeper, leaseMs, quiet);
  const done = performance.now();
  if (!taken?.rollback.rolledBack || taken.rollback.podsLeft !== 0) throw new Error('sweep did not roll the canary back');
  if (leaseMs !== LEASE_MS) return done - killedAt;
  sweep.push(done - t);
  exposure.push(done - killedAt);
  return done - killedAt;
}

try {
  await createStableModel(cluster, namespace, { replicas: 3 });

  for (let i = 0; i < ROUNDS; i++) {
    // Alternate which goes first, so neither always runs on a cluster just busier from the other.
    const order = i % 2 === 0 ? [plainRound, strandedRound] : [strandedRound, plainRound];
    for (const round of order) await round(i);
  }
  const oneMinute = await strandedRound(ROUNDS, EXPOSURE_LEASE_MS);
  console.log(`lease ${formatDuration(EXPOSURE_LEASE_MS)}: from the owner's kill to all traffic on stable ${(oneMinute / 1000).toFixed(1)} s (the lease left at the kill + the sweep, the sweeper run as soon as it expired)`);
  console.log(`rounds (ms): sweep ${sweep.map(Math.round).join(', ')}; plain ${plain.map(Math.round).join(', ')}`);
  console.log(`ratio rounds: lease ${formatDuration(LEASE_MS)}; sweeper started as soon as it expired`);
  console.log(`stranded-canary exposure, kill to all traffic on stable: ${(median(exposure) / 1000).toFixed(2)} s (median of ${ROUNDS}; = lease left at the kill + the sweep)`);
  report('sweep of the abandoned canary (take lease + rollback) vs plain auto-rollback mode: canary', median(sweep), median(plain), 'ms', '<= 1.5');
} finally {
  await removeNamespace(cluster, namespace);
}
