import { invalidInput } from '../errors.js';

/** Where a registry lives: a bucket and a key prefix ('' for the bucket's root, else no leading or trailing '/'). */
export interface RegistryLocation {
  bucket: string;
  prefix: string;
}

const EXPECTED =
  'an S3 location `s3://<bucket>` or `s3://<bucket>/<prefix>`: a bucket name of 3-63 lowercase letters, digits, dots ' +
  'and hyphens, and a prefix without empty, `.` or `..` segments or backslashes';
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Parses the `registry` input, e.g. `s3://models/team-a` -> {bucket: 'models', prefix: 'team-a'}. */
export function parseRegistryLocation(value: string, input = 'registry'): RegistryLocation {
  const match = /^s3:\/\/([^/]*)(?:\/(.*))?$/.exec(value.trim());
  if (!match) throw invalidInput(input, value, EXPECTED);
  const [, bucket, rest = ''] = match;
  if (!BUCKET.test(bucket) || bucket.includes('..')) throw invalidInput(input, value, EXPECTED);
  const prefix = rest.endsWith('/') ? rest.slice(0, -1) : rest;
  if (prefix !== '') {
    const bad = prefix.split('/').some((s) => s === '' || s === '.' || s === '..') || /[\\\u0000-\u001f]/.test(prefix);
    if (bad) throw invalidInput(input, value, EXPECTED);
  }
  return { bucket, prefix };
}

export function registryUrl(location: RegistryLocation): string {
  return `s3://${location.bucket}${location.prefix ? `/${location.prefix}` : ''}`;
}
