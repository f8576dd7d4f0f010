// The demo's own reads and resets of the sandbox's stores: the S3 model registry bucket, Prometheus
// series, CloudWatch read-back. (The actions write to them; these only prepare and show.)

async function s3(env) {
  const sdk = await import('@aws-sdk/client-s3');
  return { sdk, client: new sdk.S3Client(env.aws) };
}

/** An empty model registry for the demo (bucket created if missing, old versions deleted): re-runs converge. */
export async function resetModelRegistry(env, bucket) {
  const { sdk, client } = await s3(env);
  await client.send(new sdk.CreateBucketCommand({ Bucket: bucket })).catch((error) => {
    if (!/BucketAlready(OwnedByYou|Exists)/.test(error.name)) throw error;
  });
  let token;
  do {
    const page = await client.send(new sdk.ListObjectsV2Command({ Bucket: bucket, Prefix: 'registry/', ContinuationToken: token }));
    if (page.Contents?.length) await client.send(new sdk.DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: page.Contents.map((c) => ({ Key: c.Key })) } }));
    token = page.NextContinuationToken;
  } while (token);
}

/** The promotion pointer as stored (see shared/registry/README.md), for the final state. */
export async function readPointer(env, bucket, model, environment) {
  const { sdk, client } = await s3(env);
  try {
    const object = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: `registry/models/${model}/environments/${environment}.json` }));
    return JSON.parse(await object.Body.transformToString());
  } catch (error) {
    if (error.name === 'NoSuchKey') return undefined;
    throw error;
  }
}

export async function deleteSeries(prometheusUrl, match) {
  const response = await fetch(`${prometheusUrl}/api/v1/admin/tsdb/delete_series?match[]=${encodeURIComponent(match)}`, { method: 'POST' });
  if (!response.ok) throw new Error(`Prometheus delete_series: HTTP ${response.status}`);
}

/** Requests and errors the generator sent to CloudWatch, per Version dimension (read back from moto). */
export async function cloudwatchTotals(env, since) {
  const { CloudWatchClient, GetMetricStatisticsCommand } = await import('@aws-sdk/client-cloudwatch');
  const client = new CloudWatchClient(env.aws);
  const totals = {};
  for (const version of ['stable', 'canary']) {
    for (const metric of ['Requests', 'Errors']) {
      const out = await client.send(
        new GetMetricStatisticsCommand({
          Namespace: 'AI/Agent',
          MetricName: metric,
          Dimensions: [{ Name: 'Version', Value: version }],
          StartTime: new Date(since),
          EndTime: new Date(Date.now() + 60_000),
          Period: 60,
          Statistics: ['Sum'],
        }),
      );
      totals[version] = { ...totals[version], [metric.toLowerCase()]: (out.Datapoints ?? []).reduce((a, d) => a + (d.Sum ?? 0), 0) };
    }
  }
  return totals;
}
