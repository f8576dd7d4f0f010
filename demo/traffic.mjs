// Production traffic for the demo. Synthetic mode (no `gateway`, for tests that need exact seeded
// numbers): the requests are generated from the cluster's real state: every tick the generator reads which model
// version the stable and canary Deployments run and the HTTPRoute's weights, splits ~rps requests by
// weight, draws errors and latencies from each version's behaviour, and writes the counts to Prometheus
// (remote write) and CloudWatch (moto). It also notes when the canary first served bad traffic and when
// all traffic was back on stable: the demo's "time to safety".
//
// With `gateway` ({url, hostname}) the requests are real: each tick sends ~rps*tick HTTP requests to the
// sandbox gateway (Traefik) at `Host: hostname`, at most `concurrency` at a time and never past the next
// tick; the pods that serve answer as their version behaves, and who answered (x-pod-name) tells canary
// from stable. Prometheus then gets Traefik's own series by scraping; nothing is written to it here.
// CloudWatch (moto) still gets the counts the client saw.
import { Agent, request } from 'node:http';
import { pushTimeseries } from 'prometheus-remote-write';

/** Histogram buckets of http_request_duration_seconds (upper bounds, seconds). */
export const BUCKETS = [0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2.5];

/** The tag of an image reference (`reg:5000/agent:1.2.0-bad@sha256:...` -> `1.2.0-bad`), or ''. */
export function imageTag(image = '') {
  const name = image.split('@')[0];
  const colon = name.lastIndexOf(':');
  return colon > name.lastIndexOf('/') ? name.slice(colon + 1) : '';
}

/** How a version behaves under traffic: a `-bad` model version (or a `bad` image tag) errs and is slow. */
export function behaviourOf(serving, badVersions = []) {
  const tag = imageTag(serving.image);
  const bad = /-bad$/.test(serving.modelVersion) || badVersions.includes(serving.modelVersion) || /(^|-)bad($|-)/.test(tag);
  return bad ? { bad, errorRate: 0.08, latencyMs: 240 } : { bad, errorRate: 0.005, latencyMs: 120 };
}

/** Mulberry32: a seeded generator, so a demo run can be repeated draw for draw. */
function seeded(seed) {
  let s = seed >>> 0;
  return () => {
    let t = (s += 0x6d2b79f5);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class TrafficGenerator {
  /**
   * @param {object} o
   * @param {() => Promise<{stable?: {image, modelVersion, ready}, canary?: {image, modelVersion, ready}, canaryShare: number}>} o.readServing
   * @param {string} o.prometheusUrl
   * @param {import('@aws-sdk/client-cloudwatch').CloudWatchClient} [o.cloudwatch]
   * @param {Record<string,string>} [o.labels] extra labels on every series (e.g. namespace)
   */
  constructor({ readServing, prometheusUrl, cloudwatch, labels = {}, rps = 200, tickMs = 500, badVersions = [], seed = 7, log = () => {}, gateway, concurrency = 32 }) {
    Object.assign(this, { readServing, prometheusUrl, cloudwatch, labels, rps, tickMs, badVersions, log, gateway, concurrency });
    if (gateway && new URL(gateway.url).hostname !== '127.0.0.1') throw new Error(`traffic: gateway ${gateway.url} is not on loopback`);
    this.random = seeded(seed);
    /** Cumulative counters and histograms, keyed by their label set. */
    this.series = new Map();
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
    const n = Math.round((this.rps * this.tickMs) / 1000);
    if (this.gateway) return this.wireTick(at, serving, n);
    const canaryN = serving.canaryShare > 0 ? binomial(n, serving.canaryShare, this.random) : 0;
    const last = this.timeline.at(-1);
    const share = Math.round(serving.canaryShare * 100);
    if (!last || last.share !== share || last.modelVersion !== serving.canary?.modelVersion) this.timeline.push({ at, share, modelVersion: serving.canary?.modelVersion });

    const cw = [];
    for (const [role, count] of [['stable', n - canaryN], ['canary', canaryN]]) {
      const target = serving[role];
      if (count === 0) {
        cw.push(...cloudwatchData(role, 0, 0, []));
        continue;
      }
      // Requests routed to a Deployment that is gone or has no ready pod fail (no healthy upstream).
      const b = target?.ready > 0 ? behaviourOf(target, this.badVersions) : { bad: false, errorRate: 1, latencyMs: 5 };
      if (role === 'canary' && b.bad && this.firstBadCanaryAt === undefined) this.firstBadCanaryAt = at;
      const latencies = [];
      let errors = 0;
      for (let i = 0; i < count; i++) {
        const failed = this.random() < b.errorRate;
        errors += failed ? 1 : 0;
        // Log-normal around the version's typical latency; failures answer fast.
        latencies.push(((failed ? 0.3 : 1) * b.latencyMs * Math.exp(0.35 * gaussian(this.random))) / 1000);
      }
      this.record({ version: role, model: target?.modelVersion || 'none' }, count - errors, errors, latencies);
      this.totals[role].requests += count;
      this.totals[role].errors += errors;
      cw.push(...cloudwatchData(role, count, errors, latencies));
    }
    if (this.firstBadCanaryAt !== undefined && at > this.firstBadCanaryAt) {
      if (this.allStableAt === undefined && serving.canaryShare === 0) this.allStableAt = at;
      if (this.canaryGoneAt === undefined && !serving.canary) this.canaryGoneAt = at;
    }
    this.ticks++;
    await Promise.all([this.writePrometheus(at), this.writeCloudWatch(at, cw)]);
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
      if (role === 'canary' && behaviourOf({ modelVersion: version }, this.badVersions).bad && this.firstBadCanaryAt === undefined) this.firstBadCanaryAt = at;
      this.record({ version: role, model: version || 'none' }, latencies.length - errors, errors, latencies);
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

  record(labels, ok, errors, latencies) {
    const add = (name, extra, value) => {
      const all = { __name__: name, app: 'agent', ...this.labels, ...labels, ...extra };
      const key = JSON.stringify(all);
      const s = this.series.get(key) ?? { labels: all, value: 0 };
      s.value += value;
      this.series.set(key, s);
    };
    add('http_requests_total', { code: '200' }, ok);
    add('http_requests_total', { code: '500' }, errors);
    for (const le of [...BUCKETS, Infinity]) add('http_request_duration_seconds_bucket', { le: le === Infinity ? '+Inf' : String(le) }, latencies.filter((l) => l <= le).length);
    add('http_request_duration_seconds_sum', {}, latencies.reduce((a, b) => a + b, 0));
    add('http_request_duration_seconds_count', {}, latencies.length);
  }

  async writePrometheus(at) {
    const timeseries = [...this.series.values()].map((s) => ({ labels: s.labels, samples: [{ value: s.value, timestamp: at }] }));
    try {
      const response = await pushTimeseries(timeseries, { url: `${this.prometheusUrl}/api/v1/write`, fetch: globalThis.fetch, timeout: 2000 });
      if (response?.status >= 300) throw new Error(`HTTP ${response.status} ${response.errorMessage ?? ''}`);
    } catch (error) {
      this.failedWrite('Prometheus', error);
    }
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

function binomial(n, p, random) {
  let k = 0;
  for (let i = 0; i < n; i++) if (random() < p) k++;
  return k;
}

function gaussian(random) {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}
