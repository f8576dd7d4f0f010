// The owner of a canary as the stranded-canary bench kills it: a process that renews its run's lease the way
// monitor-canary does (a LeaseKeeper beating at a third of the lease) until it is SIGKILLed.
//   node build/bench/lease/owner.js <kubeconfig path> <namespace> <deployment> <lease ms>
import { readFileSync } from 'node:fs';
import { connectCluster } from '../../shared/k8s/client.js';
import { currentClaimant } from '../../shared/canary/lease.js';
import { LeaseKeeper } from '../../shared/canary/lease-cluster.js';

const [kubeconfigPath, namespace, deployment, leaseMs] = process.argv.slice(2);
const cluster = await connectCluster(readFileSync(kubeconfigPath, 'utf8'));
const keeper = new LeaseKeeper(cluster, namespace, deployment, currentClaimant(), () => {});
await keeper.renew();
keeper.start(Number(leaseMs) / 3);
console.log('renewing');
setInterval(() => {}, 1 << 30); // alive until killed
