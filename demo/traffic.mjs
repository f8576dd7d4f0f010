// Production traffic for the demo, on the wire: each tick sends ~rps*tick real HTTP requests to the
// sandbox gateway (Traefik) at `Host: hostname`, at most `concurrency` at a time and never past the next
// tick (loopback only). The pods that serve answer as their model version behaves (errors, latency), and
// who answered (`x-pod-name`) tells canary from stable. Prometheus gets Traefik's own per-Service series
// by scraping; CloudWatch (moto) gets the counts the client saw. The generator also notes when a bad
// canary first answered and when no request reached a canary any more: the demo's "time to safety".
import { Agent, request } from 'node:http';

/** The tag of an image reference (`reg:5000/agent:1.2.0-bad@sha256:...` -> `1.2.0-bad`), or ''. */
export function imageTag(image = '') {
  const name = image.split('@')[0];
  const colon = name.lastIndexOf(':');
  return colon > name.lastIndexOf('/') ? name.slice(colon + 1) : '';
}

/** Whether a version is the demo's bad model: a `-bad` model version (or a `bad` image tag). How it behaves is the pods' doing. */
export function isBad(serving, badVersions = []) {
  return /-bad$/.test(serving.modelVersion) || badVersions.includes(serving.modelVersion) || /(^|-)bad($|-)/.test(imageTag(serving.image));
}

export class TrafficGenerator {
  /**
   * @param {object} o
   * @param {() => Promise<{stable?: {image, modelVersion, ready}, canary?: {image, modelVersion, ready}, canaryShare: number}>} o.readServing
   * @param {{url: string, hostname: string}} o.gateway the sandbox gateway and the HTTPRoute's hostname
   * @param {import('@aws-sdk/client-cloudwatch').CloudWatchClient} [o.cloudwatch]
   */
  constructor({ readServing, cloudwatch, rps = 100, tickMs = 500, badVersions = [], log = () => {}, gateway, concurrency = 32 }) {
    Object.assign(this, { readServing, cloudwatch, rps, tickMs, badVersions, log, gateway, concurrency });
    if (new URL(gateway.url).hostname !== '127.0.0.1') throw new Error(`traffic: gateway ${gateway.url} is not on loopback`);
    this.ticks = 0;
    this.writeErrors = 0;
    this.lastWriteError = undefined;
    /** Epoch ms of the first tick in which a bad canary served requests. */
    this.firstBadCanaryAt = undefined;
    /** Epoch ms of the first tick after that with no canary traffic at all (weight 0 or canary gone). */
    this.allStableAt = undefined;
    /** Epoch ms of the first tick after that with no canary Deployment left. */
    this.canaryGoneAt = undefined;
    /** Canary weight changes as the generator saw them: {at, share, modelVersion}. */
    this.timeline = [];
    this.totals = { stable: { requests: 0, errors: 0 }, canary: { requests: 0, errors: 0 } };
  }

  start() {
    this.stopped = false;
    this.startedAt = Date.now();
    this.loop = (async () => {
      let next = Date.now();
      while (!this.stopped) {
        await this.tick(next).catch((error) => this.log(`traffic: tick failed: ${error.message}`));
        next += this.tickMs;
        await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
      }
    })();
    return this;
  }

  async stop() {
    this.stopped = true;
    await this.loop;
    this.agent?.destroy();
  }

  async tick(at) {
    const serving = await this.readServing();
    await this.wireTick(at, serving, Math.round((this.rps * this.tickMs) / 1000));
  }

  /** One tick of real requests through the gateway (bounded: n requests, until the next tick is due). */
  async wireTick(at, serving, n) {
    const last = this.timeline.at(-1);
    const share = Math.round(serving.canaryShare * 100);
    if (!last || last.share !== share || last.modelVersion !== serving.canary?.modelVersion) this.timeline.push({ at, share, modelVersion: serving.canary?.modelVersion });
    this.agent ??= new Agent({ keepAlive: true, maxSockets: this.concurrency });
    const url = new URL(this.gateway.url);
    const deadline = at + this.tickMs;
    const seen = { stable: { latencies: [], errors: 0, version: '' }, canary: { latencies: [], errors: 0, version: '' } };
    let sent = 0;
    const one = () => new Promise((resolve) => {
      const t0 = performance.now();
      const req = request({ host: url.hostname, port: url.port, path: '/v1/chat/completions', method: 'POST', agent: this.agent, timeout: 5000, headers: { host: this.gateway.hostname, 'content-type': 'application/json' } }, (res) => {
        res.resume();
        res.on('end', () => {
          const role = /\/agent-canary-/.test(String(res.headers['x-pod-name'] ?? '')) ? 'canary' : 'stable';
          seen[role].latencies.push((performance.now() - t0) / 1000);
          if ((res.statusCode ?? 500) >= 500) seen[role].errors++;
          seen[role].version ||= String(res.headers['x-model-version'] ?? '');
          resolve();
        });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => { seen.stable.errors++; seen.stable.latencies.push((performance.now() - t0) / 1000); resolve(); });
      req.end('{"messages":[{"role":"user","content":"What are your opening hours?"}]}');
    });
    const worker = async () => { while (sent < n && Date.now() < deadline) { sent++; await one(); } };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, n) }, worker));

    const cw = [];
    for (const role of ['stable', 'canary']) {
      const { latencies, errors, version } = seen[role];
      cw.push(...cloudwatchData(role, latencies.length, errors, latencies));
      if (!latencies.length) continue;
      if (role === 'canary' && isBad({ modelVersion: version }, this.badVersions) && this.firstBadCanaryAt === undefined) this.firstBadCanaryAt = at;
      this.totals[role].requests += latencies.length;
      this.totals[role].errors += errors;
    }
    if (this.firstBadCanaryAt !== undefined && at > this.firstBadCanaryAt) {
      if (this.allStableAt === undefined && seen.canary.latencies.length === 0) this.allStableAt = at;
      if (this.canaryGoneAt === undefined && !serving.canary) this.canaryGoneAt = at;
    }
    this.ticks++;
    await this.writeCloudWatch(at, cw);
  }

  async writeCloudWatch(at, data) {
    if (!this.cloudwatch) return;
    try {
      const { PutMetricDataCommand } = await import('@aws-sdk/client-cloudwatch');
      const timestamp = new Date(at);
      await this.cloudwatch.send(new PutMetricDataCommand({ Namespace: 'AI/Agent', MetricData: data.map((d) => ({ ...d, Timestamp: timestamp })) }));
    } catch (error) {
      this.failedWrite('CloudWatch', error);
    }
  }

  failedWrite(where, error) {
    this.writeErrors++;
    if (this.lastWriteError !== error.message) this.log(`traffic: ${where} write failed: ${error.message}`);
    this.lastWriteError = error.message;
  }
}

function cloudwatchData(role, requests, errors, latencies) {
  const Dimensions = [{ Name: 'Version', Value: role }];
  const data = [
    { MetricName: 'Requests', Dimensions, Unit: 'Count', Value: requests },
    { MetricName: 'Errors', Dimensions, Unit: 'Count', Value: errors },
  ];
  if (latencies.length) {
    const ms = latencies.map((l) => l * 1000);
    data.push({ MetricName: 'Latency', Dimensions, Unit: 'Milliseconds', StatisticValues: { SampleCount: ms.length, Sum: ms.reduce((a, b) => a + b, 0), Minimum: Math.min(...ms), Maximum: Math.max(...ms) } });
  }
  return data;
}
