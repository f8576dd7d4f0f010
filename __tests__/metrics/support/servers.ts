import { sandboxEnv } from '../../../sandbox/env.mjs';

/**
 * Addresses of the real servers the metrics tests use: the sandbox's (sandbox/env.mjs), unless
 * PROMETHEUS_URL / AWS_ENDPOINT_URL point elsewhere for a run by hand.
 */
export async function prometheusUrl(): Promise<string> {
  return process.env.PROMETHEUS_URL ?? sandboxEnv().prometheusUrl;
}

export async function awsEndpointUrl(): Promise<string> {
  return process.env.AWS_ENDPOINT_URL ?? sandboxEnv().awsEndpointUrl;
}
