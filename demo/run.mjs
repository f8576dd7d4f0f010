#!/usr/bin/env node
// `npm run demo`: brings the sandbox up (or reuses it), then runs the demo scenario and prints what
// happened: every step's log and summary, the final cluster state, wall time per stage, and the time
// from the bad canary's first bad traffic to all traffic back on stable.
//   node demo/run.mjs [--keep]   (--keep leaves the ai-deploy-demo namespace for a look afterwards)
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { staleDistNotice } from './dist-freshness.mjs';
import { defaultDist, root } from './job.mjs';
import { runScenario } from './scenario.mjs';

const sandbox = (command) => spawnSync(process.execPath, [join(root, 'sandbox/cli.mjs'), command], { stdio: command === 'up' ? 'inherit' : 'ignore' });

const started = performance.now();
if (sandbox('status').status !== 0) {
  console.log('Starting the sandbox (npm run sandbox -- up)...');
  if (sandbox('up').status !== 0) {
    console.error('The sandbox did not come up; see the lines above.');
    process.exit(1);
  }
}
const sandboxMs = performance.now() - started;
warnIfDistStale();

// Ctrl-C cancels like a cancelled workflow run: the running step is interrupted (it gets SIGINT from the
// terminal too), the rollback and post steps still run, then the demo cleans up.
const cancel = new AbortController();
process.on('SIGINT', () => {
  if (cancel.signal.aborted) process.exit(130);
  console.log('\nCancelled: finishing the rollback and post steps, then cleaning up (Ctrl-C again to quit at once).');
  cancel.abort();
});
const result = await runScenario({ keep: process.argv.includes('--keep'), signal: cancel.signal });
printReport(result, sandboxMs, performance.now() - started);
const ok = result.runs[0]?.promoted && result.runs[1]?.rolledBack;
process.exitCode = ok ? 0 : 1;

function warnIfDistStale() {
  if (defaultDist() === 'source') return;
  const notice = staleDistNotice(root, defaultDist());
  if (notice) console.log(notice);
}

function printReport(r, sandboxMs, totalMs) {
  const s = (ms) => `${(ms / 1000).toFixed(1)} s`;
  console.log('\n================ ai-deploy demo: result ================');
  for (const run of r.runs) {
    const outcome = run.promoted ? 'PROMOTED' : run.rolledBack ? 'ROLLED BACK' : 'neither promoted nor rolled back';
    console.log(`\nrun ${run.n}: model ${run.version} -> ${outcome} (verdict ${run.verdict ?? 'none'} after ${run.decidedAfter ?? '?'} interval(s); job ${run.jobFailed ? 'failed' : 'succeeded'})`);
    if (run.reason) console.log(`  reason: ${run.reason}`);
    for (const t of run.timings) console.log(`  ${t.step.padEnd(22)} ${t.outcome.padEnd(8)} ${s(t.ms)}`);
  }
  const c = r.final?.cluster;
  if (c) {
    console.log('\nFinal state of namespace ai-deploy-demo:');
    for (const d of c.deployments) console.log(`  Deployment ${d.name}: ${d.ready}/${d.replicas} ready, image ${d.image}, MODEL_VERSION=${d.modelVersion}`);
    for (const rs of [...c.replicaSets].sort((a, b) => Number(a.revision) - Number(b.revision))) console.log(`  ReplicaSet ${rs.name} (revision ${rs.revision}): ${rs.replicas} replicas, MODEL_VERSION=${rs.modelVersion}`);
    console.log(`  Services: ${c.services.join(', ')}`);
    console.log(`  HTTPRoute agent weights: ${Object.entries(c.routeWeights).map(([b, w]) => `${b}=${w}`).join(', ')}`);
    const recorded = c.deployments.find((d) => d.name === 'agent')?.annotations ?? {};
    for (const [key, value] of Object.entries(recorded)) console.log(`  agent ${key}: ${value}`);
  }
  const p = r.final?.pointer;
  console.log(`  Model registry: production -> ${p ? `${p.version} (${p.manifestDigest ?? p.digest ?? ''})` : 'none'}`);
  if (r.final?.cloudwatch) console.log(`  CloudWatch AI/Agent sums: ${JSON.stringify(r.final.cloudwatch)}`);
  if (r.traffic) console.log(`  Traffic generated: ${JSON.stringify(r.traffic)}; write errors ${r.final?.trafficWriteErrors ?? '?'}`);
  console.log('\nCanary traffic as the generator saw it:');
  const t0 = r.timeline?.[0]?.at ?? 0;
  for (const e of r.timeline ?? []) console.log(`  +${s(e.at - t0).padStart(7)}  canary ${String(e.share).padStart(3)}%${e.modelVersion ? ` (${e.modelVersion})` : ''}`);
  console.log('\nWall time per stage:');
  console.log(`  ${'sandbox check/up'.padEnd(50)} ${s(sandboxMs)}`);
  for (const st of r.stages) console.log(`  ${st.name.padEnd(50)} ${s(st.ms)}`);
  console.log(`  ${'total'.padEnd(50)} ${s(totalMs)}`);
  const tts = r.timeToSafety ?? {};
  console.log('\nBad canary: first bad traffic -> all traffic on stable: ' + (tts.allStableMs === undefined ? 'not observed' : `${s(tts.allStableMs)}`) +
    `; -> canary removed: ${tts.canaryGoneMs === undefined ? 'not observed' : s(tts.canaryGoneMs)} (generator tick ${tts.tickMs} ms)`);
}
