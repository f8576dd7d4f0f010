import { beforeAll, describe, expect, it } from '@jest/globals';
import { runScenario, type ScenarioResult } from '../../demo/scenario.mjs';

// The README's demo as a test: the same scenario function `npm run demo` runs, against the sandbox,
// with every action run from its dist bundle the way the runner runs it (AI_DEPLOY_DIST: another bundle).
const lines: string[] = [];
let result: ScenarioResult;
let failure: unknown;

beforeAll(async () => {
  try {
    result = await runScenario({ log: (line) => lines.push(line) });
  } catch (error) {
    failure = error;
  }
  const tts = result?.timeToSafety;
  process.stdout.write(
    `\n[e2e demo] stages: ${(result?.stages ?? []).map((s) => `${s.name} ${(s.ms / 1000).toFixed(1)} s`).join('; ')}\n` +
      `[e2e demo] first bad canary traffic -> all traffic on stable: ${tts?.allStableMs === undefined ? 'not observed' : `${(tts.allStableMs / 1000).toFixed(1)} s`}` +
      `, -> canary removed: ${tts?.canaryGoneMs === undefined ? 'not observed' : `${(tts.canaryGoneMs / 1000).toFixed(1)} s`}\n`,
  );
}, 290_000);

/** On a failed expectation, the step logs and summaries say why. */
function explain(): string {
  return `\n${failure ? `scenario threw: ${(failure as Error).stack}\n` : ''}${lines.join('\n')}`;
}

function check(assertions: () => void): void {
  try {
    expect(failure).toBeUndefined();
    assertions();
  } catch (error) {
    (error as Error).message += explain();
    throw error;
  }
}

describe('demo: a good model is promoted, a bad one is caught and rolled back', () => {
  it('promotes model 1.1.0: stable runs it, production points at it, nothing of the canary is left', () => {
    check(() => {
      const [good] = result.runs;
      expect([good.verdict, good.promoted, good.rolledBack, good.jobFailed]).toEqual(['pass', true, false, false]);
      expect(good.steps.rollback.outcome).toBe('skipped');
      const { cluster, pointer } = good.after;
      expect(cluster.deployments.map((d) => [d.name, d.modelVersion, d.image])).toEqual([['agent', '1.1.0', good.image]]);
      expect(cluster.services).toEqual(['agent']);
      expect(cluster.routeWeights).toEqual({ agent: 100 });
      expect(pointer?.version).toBe('1.1.0');
    });
  });

  it('fails model 1.2.0-bad on its canary metrics and rolls it back: stable keeps 1.1.0 and all traffic', () => {
    check(() => {
      const [good, bad] = result.runs;
      expect([bad.verdict, bad.promoted, bad.rolledBack, bad.jobFailed]).toEqual(['fail', false, true, true]);
      expect(bad.steps.promote.outcome).toBe('skipped');
      expect(bad.reason).toMatch(/error-rate|latency-p95/);
      // The canary ran next to the stable that run 1 promoted.
      expect(bad.steps.canary.outputs['stable-image']).toBe(good.image);
      const { cluster, pointer } = bad.after;
      expect(cluster.deployments.map((d) => [d.name, d.modelVersion, d.image])).toEqual([['agent', '1.1.0', good.image]]);
      expect(cluster.services).toEqual(['agent']);
      expect(cluster.routeWeights).toEqual({ agent: 100 });
      expect(pointer?.version).toBe('1.1.0');
    });
  });

  it('measures the time from the first bad canary traffic to all traffic back on stable', () => {
    check(() => {
      const tts = result.timeToSafety!;
      expect(tts.firstBadCanaryAt).toBeDefined();
      // A sanity bound only (the analysis needs a few 2 s intervals), not a performance test.
      expect(tts.allStableMs).toBeGreaterThan(0);
      expect(tts.allStableMs).toBeLessThan(120_000);
      expect(tts.canaryGoneMs).toBeGreaterThanOrEqual(tts.allStableMs!);
      // The generator wrote what it generated: no failed writes to Prometheus or CloudWatch.
      expect(result.final?.trafficWriteErrors).toBe(0);
      expect(result.final?.cloudwatch.canary.requests).toBeGreaterThan(0);
    });
  });
});
