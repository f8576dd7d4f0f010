import { describe, expect, it } from '@jest/globals';
import { ConfigurationError } from '../../shared/errors.js';
import { parseRegistryLocation, registryUrl } from '../../shared/registry/location.js';
import { parseEnvironmentName, parseModelName, parseVersion, parseVersionRef } from '../../shared/registry/names.js';
import { orderVersions } from '../../shared/registry/versions.js';

describe('registry location', () => {
  it.each([
    ['s3://models', { bucket: 'models', prefix: '' }],
    ['s3://models/', { bucket: 'models', prefix: '' }],
    ['s3://my.models-1/team/a', { bucket: 'my.models-1', prefix: 'team/a' }],
    ['s3://models/team/a/', { bucket: 'models', prefix: 'team/a' }],
  ])('reads %s as bucket and prefix', (value, expected) => {
    expect(parseRegistryLocation(value)).toEqual(expected);
    expect(registryUrl(expected)).toBe(value.replace(/\/$/, ''));
  });

  it.each(['models', 'https://bucket/x', 's3://', 's3://Bad_Bucket', 's3://ab', 's3://models//x', 's3://models/a/../b', 's3://models/a\\b', 's3://a..b/x'])(
    'refuses %s naming the `registry` input and the expected form',
    (value) => {
      expect(() => parseRegistryLocation(value)).toThrow(ConfigurationError);
      expect(() => parseRegistryLocation(value)).toThrow(/Invalid `registry`: '.*'\. Expected an S3 location `s3:\/\/<bucket>`/);
    },
  );
});

describe('names and version references', () => {
  it('reads a version reference as a version, `latest`, or an environment', () => {
    expect(parseVersionRef('1.4.0')).toEqual({ kind: 'version', version: '1.4.0' });
    expect(parseVersionRef('v2.0.0-rc.1')).toEqual({ kind: 'version', version: '2.0.0-rc.1' });
    expect(parseVersionRef('latest')).toEqual({ kind: 'latest' });
    expect(parseVersionRef('production')).toEqual({ kind: 'environment', environment: 'production' });
  });

  it('refuses a reference that is none of them, naming the input', () => {
    expect(() => parseVersionRef('1.4')).toThrow("Invalid `version`: '1.4'. Expected a semantic version (`1.4.0`), `latest`, or an environment name (`production`).");
    expect(() => parseVersionRef('Prod/us')).toThrow(ConfigurationError);
  });

  it('stores versions in canonical form and refuses non-semantic ones', () => {
    expect(parseVersion('v1.2.3')).toBe('1.2.3');
    expect(() => parseVersion('2024-06-01')).toThrow(/Invalid `version`: '2024-06-01'/);
  });

  it('refuses model and environment names that cannot be one key segment', () => {
    expect(parseModelName('sentiment-v2')).toBe('sentiment-v2');
    expect(() => parseModelName('../etc')).toThrow(/Invalid `model`/);
    expect(() => parseModelName('a/b')).toThrow(/Invalid `model`/);
    expect(() => parseEnvironmentName('latest')).toThrow(/Invalid `environment`/);
    expect(() => parseEnvironmentName('Prod')).toThrow(/Invalid `environment`/);
  });

  it('orders versions semantically, leaves out non-semantic folders, and prefers releases to pre-releases', () => {
    expect(orderVersions(['1.9.0', '1.10.0', 'junk', 'v3.0.0', '2.0.0-rc.1', '1.2.0'])).toEqual(['1.10.0', '1.9.0', '1.2.0']);
    expect(orderVersions(['2.0.0-rc.1', '2.0.0-rc.2', 'junk'])).toEqual(['2.0.0-rc.2', '2.0.0-rc.1']);
  });
});
