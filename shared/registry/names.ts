import semver from 'semver';
import { invalidInput } from '../errors.js';

/** Names that become one key segment: letters, digits, `.`, `_`, `-`, starting with a letter or digit. */
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

function segment(value: string, input: string, what: string): string {
  const v = value.trim();
  if (!SEGMENT.test(v)) throw invalidInput(input, value, `${what}: 1-128 letters, digits, \`.\`, \`_\` or \`-\`, starting with a letter or digit`);
  return v;
}

export function parseModelName(value: string, input = 'model'): string {
  return segment(value, input, 'a model name');
}

export function parseSuiteName(value: string, input = 'suite'): string {
  return segment(value, input, 'a suite name');
}

/** An environment name (`production`, `staging`); never `latest` nor a semantic version, so references stay unambiguous. */
export function parseEnvironmentName(value: string, input = 'environment'): string {
  const v = value.trim();
  if (!/^[a-z][a-z0-9_-]{0,62}$/.test(v) || v === 'latest') {
    throw invalidInput(input, value, 'an environment name: a lowercase letter, then up to 62 lowercase letters, digits, `_` or `-` (not `latest`)');
  }
  return v;
}

/**
 * A published version's canonical folder name: a semantic version without a leading `v` (`1.4.0`, `2.0.0-rc.1`).
 * `v1.4.0` is accepted and stored as `1.4.0`, so one version never has two folders.
 */
export function parseVersion(value: string, input = 'version'): string {
  const v = semver.valid(value.trim());
  if (v === null) throw invalidInput(input, value, 'a semantic version such as `1.4.0` or `2.0.0-rc.1`');
  return v;
}

/** What a `version` input may name: one version, the highest one, or the version an environment points at. */
export type VersionRef =
  | { kind: 'version'; version: string }
  | { kind: 'latest' }
  | { kind: 'environment'; environment: string };

export function parseVersionRef(value: string, input = 'version'): VersionRef {
  const v = value.trim();
  if (v === 'latest') return { kind: 'latest' };
  const version = semver.valid(v);
  if (version !== null) return { kind: 'version', version };
  if (/^[a-z][a-z0-9_-]{0,62}$/.test(v)) return { kind: 'environment', environment: v };
  throw invalidInput(input, value, 'a semantic version (`1.4.0`), `latest`, or an environment name (`production`)');
}

export function describeRef(ref: VersionRef): string {
  if (ref.kind === 'version') return ref.version;
  return ref.kind === 'latest' ? 'latest' : `environment '${ref.environment}'`;
}
