import { ConfigurationError, invalidInput } from '../../shared/errors.js';
import { booleanInput, choiceInput, durationInput, optionalInput, percentageInput, yamlInput } from '../../shared/action/inputs.js';
import { getKubernetesTarget, parseObjectName, type KubernetesTarget } from '../../shared/action/kubernetes-inputs.js';
import { STRATEGIES, type Strategy } from '../../shared/canary/state.js';
import { ROUTER_KINDS, type RouterKind } from '../../shared/traffic/kinds.js';
import { parseMatch, requireSupportedMatch, type MatchCondition } from '../../shared/traffic/match.js';
import { parseCookieName, unsupportedAffinity } from '../../shared/traffic/affinity.js';
import { MIRROR_ROUTERS, shadowRouters } from '../../shared/traffic/mirror.js';
import { parseImageInput } from '../../shared/image/reference.js';
import { inexactWeight } from '../../shared/traffic/router.js';
import { parseHooks } from '../../shared/hooks/parse.js';
import { parseDuration } from '../../shared/parse/duration.js';
import type { HookPlan } from '../../shared/hooks/types.js';

export interface Inputs extends KubernetesTarget {
  image?: string;
  'model-version'?: string;
  strategy: Strategy;
  'traffic-router': RouterKind;
  route?: string;
  /** Conditions that always send a request to the canary, whatever the weight. */
  match: MatchCondition[];
  'session-affinity': 'none' | 'cookie';
  'session-cookie-name': string;
  /** Milliseconds. */
  'session-cookie-max-age': number;
  weight: number;
  baseline: boolean;
  /** Milliseconds. */
  timeout: number;
  /** `pre-traffic` hooks: run once the canary is rolled out, before it gets any traffic. */
  hooks: HookPlan;
  /** Milliseconds the canary may go without a heartbeat from this run before another run may take it over. */
  lease: number;
}

const MODEL_VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/;

export function parseModelVersion(value: string, input = 'model-version'): string {
  if (!MODEL_VERSION.test(value)) throw invalidInput(input, value, 'a model version of letters, digits, `.`, `_`, `+` or `-` (at most 128), such as `1.4.0`');
  return value;
}

const LEASE_EXPECTED = 'a duration of at least `1s` such as `15m`: how long the canary may go without a heartbeat from this run before another run may take it over (a canary always has a bound)';

/** `lease`: never zero, negative or unbounded (`forever`); at least a second. */
export function parseLease(value: string): number {
  let ms: number;
  try {
    ms = parseDuration(value, 'lease');
  } catch {
    throw invalidInput('lease', value, LEASE_EXPECTED);
  }
  if (ms < 1000) throw invalidInput('lease', value, LEASE_EXPECTED);
  return ms;
}

export function getInputs(): Inputs {
  const target = getKubernetesTarget();
  const rawImage = optionalInput('image');
  if (rawImage !== undefined) parseImageInput(rawImage, 'image');
  const rawModel = optionalInput('model-version');
  const modelVersion = rawModel === undefined ? undefined : parseModelVersion(rawModel);
  if (rawImage === undefined && modelVersion === undefined) {
    throw new ConfigurationError('Give `image`, `model-version` or both: the canary needs something new to run.');
  }
  const strategy = choiceInput('strategy', STRATEGIES, 'canary');
  const router = choiceInput('traffic-router', ROUTER_KINDS, 'replicas');
  const rawRoute = optionalInput('route');
  const route = rawRoute === undefined ? undefined : parseObjectName(rawRoute, 'route');
  const match = parseMatch(yamlInput('match'));
  if (match.length) requireSupportedMatch(router, match, optionalInput('match') ?? '');
  const affinity = choiceInput('session-affinity', ['none', 'cookie'] as const, 'none');
  const noAffinity = affinity === 'cookie' ? unsupportedAffinity(router) : undefined;
  if (noAffinity) throw invalidInput('session-affinity', affinity, noAffinity);
  const cookieName = parseCookieName(optionalInput('session-cookie-name') ?? 'ai-deploy-track');
  const cookieMaxAge = durationInput('session-cookie-max-age', '24h');
  if (cookieMaxAge < 1000) throw invalidInput('session-cookie-max-age', optionalInput('session-cookie-max-age') ?? '', 'a duration of at least `1s`, such as `24h`');
  const rawMirror = optionalInput('mirror-percent');
  if (strategy !== 'shadow' && rawMirror !== undefined) throw invalidInput('mirror-percent', rawMirror, 'no `mirror-percent` unless `strategy: shadow` (remove it, or set `strategy: shadow`)');
  const mirrorPercent = percentageInput('mirror-percent', 100, { allowZero: false });
  if (strategy === 'shadow') {
    if (!MIRROR_ROUTERS.includes(router)) throw invalidInput('strategy', strategy, shadowRouters(router));
    if (!Number.isInteger(mirrorPercent)) throw invalidInput('mirror-percent', rawMirror ?? '', 'a whole percentage from 1 to 100');
    if (match.length) throw new ConfigurationError('`match` sends user requests to the canary; `strategy: shadow` gives it none. Use one or the other.');
    if (affinity === 'cookie') throw new ConfigurationError('`session-affinity: cookie` keeps users on the canary; `strategy: shadow` gives it none. Use one or the other.');
  }
  const weight = strategy === 'shadow' ? mirrorPercent : percentageInput('weight', 10, { allowZero: false, allowHundred: false });
  const baseline = booleanInput('baseline', false);
  const timeout = durationInput('timeout', '5m');
  const lease = parseLease(optionalInput('lease') ?? '15m');

  if (router === 'replicas' && route !== undefined) {
    throw new ConfigurationError('`route` is not used with `traffic-router: replicas` (the canary shares the stable Service); remove it or choose a mesh router.');
  }
  if (router !== 'replicas' && route === undefined) {
    throw new ConfigurationError(`Input \`route\` is required with \`traffic-router: ${router}\`: the name of the route object to weigh.`);
  }
  if (strategy === 'blue-green' && router === 'replicas') {
    throw new ConfigurationError('`strategy: blue-green` needs a router that can hold the preview at 0% traffic (`gateway-api`, `istio`, `smi` or `nginx`), not `replicas`.');
  }
  if (baseline && strategy === 'shadow') throw new ConfigurationError('`baseline: true` is for `strategy: canary`; a shadow canary gets mirrored requests only, with no user traffic to compare a baseline on.');
  if (baseline && strategy === 'blue-green') throw new ConfigurationError('`baseline: true` is for `strategy: canary`; a blue-green preview takes no traffic to compare.');
  if (baseline && router === 'nginx') throw new ConfigurationError('`baseline: true` is not possible with `traffic-router: nginx`: an nginx canary Ingress carries one canary backend only.');
  if (baseline && router === 'alb') throw new ConfigurationError('`baseline: true` is not supported with `traffic-router: alb` yet: its forward action weighs stable and the canary only.');
  const hooks = parseHooks(optionalInput('hooks'), { allowedStages: ['pre-traffic'] });
  if (baseline && weight > 50) throw invalidInput('weight', String(weight), 'at most 50 with `baseline: true` (the baseline gets as much traffic as the canary)');
  const inexact = inexactWeight(weight, router);
  if (inexact) throw invalidInput('weight', optionalInput('weight') ?? String(weight), inexact);
  return {
    ...target,
    image: rawImage,
    'model-version': modelVersion,
    strategy,
    'traffic-router': router,
    route,
    match,
    'session-affinity': affinity,
    'session-cookie-name': cookieName,
    'session-cookie-max-age': cookieMaxAge,
    weight,
    baseline,
    timeout,
    hooks,
    lease,
  };
}
