import { ConfigurationError, invalidInput } from '../errors.js';
import type { CanaryState } from './state.js';

/**
 * A live shadow canary becomes a weighted canary in place when canary-deploy runs again on it with
 * `strategy: canary` and everything else as it was (image, model version, router, route; no `match`,
 * `session-affinity` or `baseline` added): its Deployment stays (resized for the weight, no restart), and
 * one write of the route object removes the mirror and gives it `weight` percent of real traffic.
 * Recorded in between as `strategy: canary`, phase `starting` (monitor-canary and promote wait for `ready`;
 * a rollback removes the mirror and any weight alike; a re-run finishes the conversion).
 */

/** What the run asks for, as far as the conversion cares (from the plan, resolved against the stable container). */
export interface ConversionTarget {
  strategy: CanaryState['strategy'];
  router: CanaryState['router'];
  canaryImage: string;
  modelVersion?: string;
  baseline: boolean;
}

/** True when `wanted` turns the recorded shadow canary `recorded` into a weighted canary (see above). */
export function convertsShadow(recorded: CanaryState, wanted: ConversionTarget): boolean {
  return recorded.strategy === 'shadow' && recorded.phase === 'ready' && wanted.strategy === 'canary' && !refusal(recorded, wanted);
}

/** The recorded state once converted: weighted strategy, no mirror, real traffic 0% until the route write. */
export function convertedState(recorded: CanaryState, router: CanaryState['router']): CanaryState {
  const { shadow: _mirrored, ...weighted } = router;
  return { ...recorded, strategy: 'canary', router: weighted, phase: 'starting', weight: 0 };
}

/**
 * Called before anything changes, when a shadow canary is recorded and the run asks for another strategy:
 * throws naming the input that does not fit a conversion (a different image is a new canary, not this one).
 */
export function requireConvertible(recorded: CanaryState, wanted: ConversionTarget): void {
  if (wanted.strategy === 'blue-green') {
    throw invalidInput('strategy', 'blue-green', `\`canary\` (with \`weight\`) to turn the shadow canary ${recorded.canary} into a weighted canary, or \`shadow\`; a shadow canary does not become a blue-green preview`);
  }
  if (recorded.phase !== 'ready') {
    throw new ConfigurationError(
      `The shadow canary ${recorded.canary} is not ready yet (its canary-deploy did not finish): re-run it with \`strategy: shadow\`, or roll it back, before turning it into a weighted canary.`,
    );
  }
  const why = refusal(recorded, wanted);
  if (why) throw why;
}

/** `strategy: shadow` on a weighted canary (one turned from a shadow, say, when a whole workflow is re-run): never taken back to a mirror. */
export function refuseBackToShadow(recorded: CanaryState): never {
  throw invalidInput(
    'strategy',
    'shadow',
    `no \`strategy: shadow\` while the weighted canary ${recorded.canary} (image ${recorded.canaryImage}, ${recorded.weight}% of real traffic) is in progress: real traffic is never taken back to a mirror. Let monitor-canary and promote carry it on, or roll it back (auto-rollback, mode: canary) and start the shadow again`,
  );
}

function refusal(recorded: CanaryState, wanted: ConversionTarget): ConfigurationError | undefined {
  const what = `to turn the shadow canary ${recorded.canary} into a weighted canary`;
  const other = 'or roll the shadow canary back (auto-rollback, mode: canary) before starting a different one';
  if (wanted.canaryImage !== recorded.canaryImage) return invalidInput('image', wanted.canaryImage, `${inline(recorded.canaryImage)} (the image the shadow canary runs) ${what}, ${other}`);
  if (wanted.modelVersion !== recorded.modelVersion) {
    return invalidInput('model-version', wanted.modelVersion ?? '', `${recorded.modelVersion ? inline(recorded.modelVersion) : 'none'} (the model version the shadow canary runs) ${what}, ${other}`);
  }
  const r = recorded.router;
  if (wanted.router.kind !== r.kind) return invalidInput('traffic-router', wanted.router.kind, `${inline(r.kind)} (the router the shadow canary mirrors through, route ${inline(r.route ?? '')}) ${what}`);
  if (wanted.router.route !== r.route) return invalidInput('route', wanted.router.route ?? '', `${inline(r.route ?? '')} (the route the shadow canary mirrors on) ${what}`);
  if (wanted.router.match?.length) return new ConfigurationError(`\`match\` cannot be added while turning the shadow canary ${recorded.canary} into a weighted canary: convert it first, or roll it back and start a canary with \`match\`.`);
  if (wanted.router.affinity) return new ConfigurationError(`\`session-affinity: cookie\` cannot be added while turning the shadow canary ${recorded.canary} into a weighted canary: roll it back and start a canary with it.`);
  if (wanted.baseline) return new ConfigurationError(`\`baseline: true\` cannot be added while turning the shadow canary ${recorded.canary} into a weighted canary (it has no baseline Deployment): roll it back and start a canary with a baseline.`);
  return undefined;
}

const inline = (s: string) => `\`${s}\``;
