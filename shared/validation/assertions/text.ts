import { distance } from 'fastest-levenshtein';
import { ConfigurationError } from '../../errors.js';
import { cutToLength } from '../../text-limit.js';
import { compileRegex } from '../../parse/regex.js';
import { excerpt, type AssertionSite, type Check, type CompiledAssertion, type RunContext } from './types.js';
import type { AssertionSpec } from '../suite.js';

type Build = (spec: AssertionSpec, site: AssertionSite) => Omit<CompiledAssertion, 'type' | 'metric' | 'scope'> & { scope?: 'run' | 'case' };

function stringValue(spec: AssertionSpec, site: AssertionSite): string {
  if (typeof spec.value === 'string' || typeof spec.value === 'number') return String(spec.value);
  throw new ConfigurationError(`${site.where}: \`${spec.type}\` needs a string value, got ${JSON.stringify(spec.value ?? null)}.`);
}

function stringList(spec: AssertionSpec, site: AssertionSite): string[] {
  const v = spec.value;
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string' || typeof x === 'number')) return v.map(String);
  if (typeof v === 'string') return [v];
  throw new ConfigurationError(`${site.where}: \`${spec.type}\` needs a non-empty list of strings.`);
}

function numberOption(spec: AssertionSpec, site: AssertionSite, key: string, fallback: number, max = Infinity): number {
  const v = spec[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > max) {
    throw new ConfigurationError(`${site.where}: \`${spec.type}\` option \`${key}\` must be a number from 0${max === Infinity ? '' : ` to ${max}`}, got ${JSON.stringify(v)}.`);
  }
  return v;
}

function positive(spec: AssertionSpec, site: AssertionSite, unit: string): number {
  if (typeof spec.value === 'number' && spec.value > 0 && Number.isFinite(spec.value)) return spec.value;
  throw new ConfigurationError(`${site.where}: \`${spec.type}\` needs a positive number of ${unit}, got ${JSON.stringify(spec.value ?? null)}.`);
}

const ok: Check = { pass: true };
const fail = (reason: string): Check => ({ pass: false, reason });

/** Phrases with which models decline; matched case-insensitively at word boundaries. */
const REFUSAL = /\b(I can(?:no|')t|I cannot|I am unable|I'm unable|I am not able|I'm not able|I won't|I will not|I must decline|I'm sorry, but|I apologi[sz]e, but|as an AI|cannot (?:help|assist|comply|provide)|can't (?:help|assist|comply|provide)|not able to (?:help|assist|provide))\b/i;

export function isRefusal(output: string): boolean {
  return REFUSAL.test(output);
}

export const TEXT_ASSERTIONS: Record<string, Build> = {
  equals(spec, site) {
    const expected = typeof spec.value === 'object' && spec.value !== null ? JSON.stringify(spec.value) : stringValue(spec, site);
    const asJson = typeof spec.value === 'object' && spec.value !== null;
    return {
      check: ({ output }) => {
        if (asJson) {
          try {
            return JSON.stringify(JSON.parse(output)) === expected ? ok : fail(`expected JSON ${excerpt(expected)}, got ${excerpt(output)}`);
          } catch {
            return fail(`expected JSON ${excerpt(expected)}, got non-JSON ${excerpt(output)}`);
          }
        }
        return output.trim() === expected ? ok : fail(`expected ${excerpt(expected)}, got ${excerpt(output)}`);
      },
    };
  },
  contains(spec, site) {
    const s = stringValue(spec, site);
    return { check: ({ output }) => (output.includes(s) ? ok : fail(`does not contain ${excerpt(s)}: ${excerpt(output)}`)) };
  },
  icontains(spec, site) {
    const s = stringValue(spec, site).toLowerCase();
    return { check: ({ output }) => (output.toLowerCase().includes(s) ? ok : fail(`does not contain ${excerpt(s)} (any case): ${excerpt(output)}`)) };
  },
  'contains-any'(spec, site) {
    const list = stringList(spec, site);
    return { check: ({ output }) => (list.some((s) => output.includes(s)) ? ok : fail(`contains none of ${excerpt(list.join(', '))}: ${excerpt(output)}`)) };
  },
  'contains-all'(spec, site) {
    const list = stringList(spec, site);
    return {
      check: ({ output }) => {
        const missing = list.filter((s) => !output.includes(s));
        return missing.length === 0 ? ok : fail(`missing ${excerpt(missing.join(', '))}: ${excerpt(output)}`);
      },
    };
  },
  'not-contains'(spec, site) {
    const list = stringList(spec, site);
    return {
      check: ({ output }) => {
        const found = list.filter((s) => output.includes(s));
        return found.length === 0 ? ok : fail(`contains forbidden ${excerpt(found.join(', '))}`);
      },
    };
  },
  'starts-with'(spec, site) {
    const s = stringValue(spec, site);
    return { check: ({ output }) => (output.trimStart().startsWith(s) ? ok : fail(`does not start with ${excerpt(s)}: ${excerpt(output)}`)) };
  },
  regex(spec, site) {
    const source = stringValue(spec, site);
    const flags = spec.flags === undefined ? '' : String(spec.flags);
    let re: RegExp;
    try {
      re = compileRegex(source, flags);
    } catch (error) {
      throw new ConfigurationError(`${site.where}: invalid \`regex\` ${excerpt(source)}${source.length > 80 ? ` (${source.length} characters)` : ''}${flags ? ` with flags '${flags}'` : ''}: ${(error as Error).message}.`);
    }
    return {
      check: ({ output }) => {
        re.lastIndex = 0;
        return re.test(output) ? ok : fail(`does not match /${cutToLength(source, 120)}/${flags}: ${excerpt(output)}`);
      },
    };
  },
  levenshtein(spec, site) {
    const expected = stringValue(spec, site);
    const max = numberOption(spec, site, 'threshold', 5);
    return {
      check: ({ output }) => {
        const d = distance(output.trim(), expected);
        const score = 1 - d / Math.max(1, expected.length, output.trim().length);
        return d <= max ? { pass: true, score } : { pass: false, score, reason: `edit distance ${d} > ${max} from ${excerpt(expected)}` };
      },
    };
  },
  topics(spec, site) {
    // Each topic is a word or a list of synonyms; present when any synonym appears (any case).
    const v = spec.value;
    if (!Array.isArray(v) || v.length === 0) throw new ConfigurationError(`${site.where}: \`topics\` needs a non-empty list (each a word or a list of synonyms).`);
    const topics = v.map((t) => (Array.isArray(t) ? t : [t]).map((s) => String(s).toLowerCase()));
    const needed = numberOption(spec, site, 'threshold', 0.5, 1);
    return {
      check: ({ output }) => {
        const lower = output.toLowerCase();
        const present = topics.filter((syn) => syn.some((s) => lower.includes(s)));
        const score = present.length / topics.length;
        if (score >= needed) return { pass: true, score };
        const missing = topics.filter((t) => !present.includes(t)).map((t) => t[0]);
        return { pass: false, score, reason: `${present.length}/${topics.length} topics present (needs ${needed}); missing ${excerpt(missing.join(', '))}` };
      },
    };
  },
  refusal(spec) {
    const expected = spec.value !== false;
    return {
      check: ({ output }) =>
        isRefusal(output) === expected ? ok : fail(expected ? `did not decline: ${excerpt(output)}` : `declined: ${excerpt(output)}`),
    };
  },
  consistent() {
    return {
      scope: 'case',
      check: () => ok,
      checkCase: (distinct) => (distinct <= 1 ? ok : fail(`${distinct} different answers across repeats`)),
    };
  },
  'ttft-ms'(spec, site) {
    const limit = positive(spec, site, 'milliseconds');
    return {
      check: ({ ttftMs }: RunContext) =>
        ttftMs === undefined ? fail('no first token was timed (the answer was not streamed)') : ttftMs <= limit ? ok : fail(`first token after ${Math.round(ttftMs)} ms > ${limit} ms`),
    };
  },
  'tokens-per-second'(spec, site) {
    const floor = positive(spec, site, 'tokens per second');
    return {
      check: ({ tokensPerSecond }: RunContext) =>
        tokensPerSecond === undefined ? fail('no output rate was measured (the answer was not streamed, or empty)') : tokensPerSecond >= floor ? ok : fail(`${tokensPerSecond.toFixed(1)} tokens/s < ${floor}`),
    };
  },
  'latency-ms'(spec, site) {
    const limit = typeof spec.value === 'number' && spec.value > 0 ? spec.value : NaN;
    if (Number.isNaN(limit)) throw new ConfigurationError(`${site.where}: \`latency-ms\` needs a positive number of milliseconds.`);
    return { check: ({ latencyMs }: RunContext) => (latencyMs <= limit ? ok : fail(`took ${Math.round(latencyMs)} ms > ${limit} ms`)) };
  },
};
