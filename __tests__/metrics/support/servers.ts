import { sandboxEnv } from '../../../sandbox/env.mjs';
// @ts-expect-error: a plain ESM module of the sandbox, used for the parts that are up when not all are
import { readEnvFile } from '../../../sandbox/lib/envfile.mjs';

/**
 * The address of one sandbox server: PROMETHEUS_URL / AWS_ENDPOINT_URL when set by hand, else the sandbox's
 * (sandboxEnv() wants every part up; these tests need only Prometheus or moto, so they read the env file then).
 */
function address(key: 'PROMETHEUS_URL' | 'AWS_ENDPOINT_URL'): string {
  if (process.env[key]) return process.env[key]!;
  try {
    const env = sandboxEnv();
    return key === 'PROMETHEUS_URL' ? env.prometheusUrl : env.awsEndpointUrl;
  } catch (error) {
    const value = (readEnvFile() as Record<string, string>)[key];
    if (!value) throw error;
    return value;
  }
}

export async function prometheusUrl(): Promise<string> {
  return address('PROMETHEUS_URL');
}

export async function awsEndpointUrl(): Promise<string> {
  return address('AWS_ENDPOINT_URL');
}
