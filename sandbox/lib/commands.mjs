// The three sandbox commands: up (start or reuse every part), down (stop what up started), status.
import { rmSync } from 'node:fs';
import { envFile, host, ports, runDir, kubeconfigPath } from './paths.mjs';
import { ensureApt } from './install.mjs';
import { withLock } from './lock.mjs';
import { envLines, writeEnvFile } from './envfile.mjs';
import { runningPid, stopDaemon, recordedDaemons, rssKiB } from './process.mjs';
import { portBound } from './daemon.mjs';
import * as kubernetes from '../parts/kubernetes.mjs';
import * as prometheus from '../parts/prometheus.mjs';
import * as moto from '../parts/moto.mjs';
import * as registry from '../parts/registry.mjs';
import * as gateway from '../parts/gateway.mjs';
import * as upstreamCrds from '../parts/upstream-crds.mjs';
import * as proxy from '../parts/proxy.mjs';
import * as act from '../parts/act.mjs';
import * as metrics from '../parts/metrics.mjs';
import { buildInfo } from '../parts/build.mjs';

export const parts = [kubernetes, upstreamCrds, prometheus, moto, registry, proxy, gateway, metrics, act]; // a part's `after` names parts it starts behind
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;

/** Start or reuse every part. Resolves {ok, env, timings}; throws nothing (errors are in `errors`). */
export async function up({ log = (m) => process.stderr.write(`${m}\n`) } = {}) {
  return withLock(async () => {
    const t0 = Date.now();
    ensureApt(Object.assign({}, ...parts.map((p) => p.aptCommands ?? {})), log);
    const done = {};
    const results = await Promise.all(parts.map((p) => (done[p.name] = (async () => {
      if (!(await Promise.all((p.after ?? []).map((n) => done[n]))).every((r) => r.ok)) {
        return { name: p.name, ok: false, ms: 0, error: `needs ${p.after.join(', ')}`, env: {} };
      }
      const before = Object.fromEntries(p.daemons.map((d) => [d, runningPid(d)]));
      const start = Date.now();
      try {
        const env = await p.up((m) => log(`[${p.name}] ${m}`));
        const started = p.daemons.filter((d) => runningPid(d) !== before[d]);
        const ms = Date.now() - start;
        log(`[${p.name}] ready in ${secs(ms)} (${started.length ? `started ${started.join(', ')}` : 'reused'})`);
        return { name: p.name, ok: true, ms, env, started };
      } catch (e) {
        log(`[${p.name}] FAILED: ${e.message}`);
        return { name: p.name, ok: false, ms: Date.now() - start, error: e.message, env: {} };
      }
    })())));
    const env = Object.assign({}, ...results.map((r) => r.env));
    writeEnvFile(env);
    return { ok: results.every((r) => r.ok), env, results, totalMs: Date.now() - t0, build: { ...buildInfo } };
  }, log);
}

const stopOrder = ['kwok', 'kube-scheduler', 'kube-controller-manager', 'kube-apiserver', 'etcd'];

/** Stop every daemon recorded in the run dir; `clean` also deletes the run dir (etcd data, certs...). */
export async function down({ clean = false, log = (m) => process.stderr.write(`${m}\n`) } = {}) {
  return withLock(async () => {
    const recorded = recordedDaemons();
    const others = recorded.filter((d) => !stopOrder.includes(d));
    const stopped = [];
    await Promise.all(others.map(async (d) => (await stopDaemon(d)) && stopped.push(d)));
    for (const d of stopOrder.filter((x) => recorded.includes(x))) if (await stopDaemon(d)) stopped.push(d);
    rmSync(envFile, { force: true });
    const bound = [];
    for (const [name, port] of Object.entries(ports)) if (await portBound(port)) bound.push(`${name}:${port}`);
    log(`stopped: ${stopped.join(', ') || 'nothing was running'}`);
    if (bound.length) log(`still bound (not started by this sandbox?): ${bound.join(', ')}`);
    if (clean) {
      rmSync(runDir, { recursive: true, force: true });
      log(`removed ${runDir}`);
    }
    return { stopped, bound };
  });
}

/** Check every part. Resolves {ok, lines, rssMiB}; `lines` are KEY=value lines and # comments. */
export async function status() {
  const checks = await Promise.all(parts.map(async (p) => ({ p, ok: await p.check().catch(() => false) })));
  const lines = [];
  for (const { p, ok } of checks) {
    if (ok) lines.push(...envLines(p.env()));
    else lines.push(`# ${p.name}: DOWN (run: npm run sandbox -- up)`);
  }
  const keys = checks.filter((c) => c.ok).flatMap((c) => Object.keys(c.p.env()));
  if (keys.length) lines.push(`export ${keys.join(' ')}`);
  const per = recordedDaemons().map((d) => [d, runningPid(d)]).filter(([, pid]) => pid)
    .map(([d, pid]) => [d, rssKiB(pid) / 1024]);
  const rssMiB = per.reduce((a, [, m]) => a + m, 0);
  lines.push(`# sandbox RSS: ${rssMiB.toFixed(0)} MiB (${per.map(([d, m]) => `${d} ${m.toFixed(0)}`).join(', ')})`);
  return { ok: checks.every((c) => c.ok), lines, rssMiB, parts: Object.fromEntries(checks.map((c) => [c.p.name, c.ok])) };
}

/** Human summary of how to reach each part. */
export function describe(env) {
  return [
    `Kubernetes   https://${host}:${ports.apiserver}   KUBECONFIG=${env.KUBECONFIG ?? kubeconfigPath}  (fake nodes: ${kubernetes.nodeNames.join(', ')})`,
    `Prometheus   ${env.PROMETHEUS_URL}   (remote write: ${env.PROMETHEUS_URL}/api/v1/write)`,
    `moto         ${env.AWS_ENDPOINT_URL}   (S3 + CloudWatch; path-style S3, any credentials)`,
    `registry     ${env.REGISTRY} (no auth), ${env.REGISTRY_AUTH} (user ${env.REGISTRY_USER}, password ${env.REGISTRY_PASSWORD})`,
    `gateway      ${env.GATEWAY_URL}   (Traefik, Gateway ${gateway.gatewayNamespace}/${gateway.gatewayName}; metrics ${env.GATEWAY_METRICS_URL}/metrics)`,
    `metrics      https://${host}:${ports.metricsServer}   (metrics-server: metrics.k8s.io for the HPA controller, from kwok's emulated pod usage)`,
    `act          ${env.ACT}   (nektos/act, for workflows run as users try them locally)`,
    `env file     ${envFile}   (eval "$(npm run -s sandbox -- status)")`,
  ];
}
