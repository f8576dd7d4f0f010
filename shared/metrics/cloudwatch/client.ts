import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';

/**
 * The one place the CloudWatch client is built (lazily: the SDK costs about 100 ms to load).
 * `AWS_ENDPOINT_URL` (e.g. moto_server, LocalStack) is honoured explicitly, whatever the SDK version.
 */
export async function createCloudWatchClient(region: string, endpoint = process.env.AWS_ENDPOINT_URL_CLOUDWATCH ?? process.env.AWS_ENDPOINT_URL): Promise<CloudWatchClient> {
  const { CloudWatchClient } = await import('@aws-sdk/client-cloudwatch');
  return new CloudWatchClient({ region, ...(endpoint ? { endpoint } : {}), maxAttempts: 1 });
}
