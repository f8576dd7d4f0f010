import { beforeAll, describe, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { V1Deployment } from '@kubernetes/client-node';
import { runInProcess } from '../support/run-step.js';
import { freshRegistry, modelFolder, rawGet, s3Endpoint } from '../registry/support.js';
import { pushBaseImage, registries, skopeoDigest, tempDir, uniqueRepository, type TestRegistry } from '../image/support.js';
import { run as canaryDeploy } from '../../actions/canary-deploy/main.js';
import { run as promote } from '../../actions/promote/main.js';
import { deploymentRef } from '../../shared/k8s/objects.js';
import type { ModelRegistry } from '../../shared/registry/registry.js';
import { createStable, sandboxKubeconfig, deploymentSnapshot, useSandboxNamespaces } from '../k8s/support/sandbox-cluster.js';

const { cluster, ns } = useSandboxNamespaces();
const kube = () => ({ kubeconfig: sandboxKubeconfig() });
const get = (namespace: string, name: string) => cluster().find<V1Deployment>(deploymentRef(namespace, name));
const aws = () => ({ AWS_ENDPOINT_URL: s3Endpoint(), AWS_ACCESS_KEY_ID: 'sandbox', AWS_SECRET_ACCESS_KEY: 'sandbox', AWS_REGION: 'us-east-1' });

async function startCanary(namespace: string, inputs: Record<string, string>) {
  const r = await runInProcess(canaryDeploy, { ...kube(), deployment: 'model', namespace, ...inputs });
  expect(r.errors).toEqual([]);
}

/** Every history object under the environment, key -> exact bytes (to prove entries are never rewritten). */
async function historyObjects(s3: S3Client, bucket: string): Promise<Map<string, string>> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'team/models/models/sentiment/environments/production/history/' }));
  const out = new Map<string, string>();
  for (const o of listed.Contents ?? []) out.set(o.Key!, (await rawGet(s3, bucket, o.Key!)).toString('utf8'));
  return out;
}

describe('promote with the S3 model registry (moto)', () => {
  let registry: ModelRegistry;
  let s3: S3Client;
  let bucket: string;
  const digests: Record<string, string> = {};
  beforeAll(async () => {
    ({ registry, s3, bucket } = await freshRegistry('team/models'));
    for (const version of ['2.0.0', '3.0.0']) {
      const folder = await modelFolder({ 'weights/model.onnx': `weights of ${version}`, 'config.json': '{"labels": 2}' });
      const published = await registry.publish({ model: 'sentiment', version, folder, framework: 'onnx', createdBy: 'test' });
      digests[version] = published.manifestDigest;
    }
  });
  const registryInputs = () => ({ registry: `s3://${bucket}/team/models`, model: 'sentiment', environment: 'production' });

  it('writes the pointer and appends history; a second promotion appends another entry and never rewrites the first; a re-run writes nothing', async () => {
    const namespace = await ns('reg');
    await createStable(cluster(), namespace, 'model', { replicas: 1, modelVersion: '1.0.0' });
    await startCanary(namespace, { image: 'r.example/model:2', 'model-version': '2.0.0' });

    const first = await runInProcess(promote, { ...kube(), deployment: 'model', namespace, ...registryInputs() }, { env: aws() });
    expect(first.errors).toEqual([]);
    expect(first.stdout).toMatch(/Registry: sentiment 2.0.0 is now 'production'/);
    expect(await registry.pointer('sentiment', 'production')).toMatchObject({ version: '2.0.0', manifestDigest: digests['2.0.0'], previousVersion: null, note: `${namespace}/model runs r.example/model:2` });
    const afterFirst = await historyObjects(s3, bucket);
    expect([...afterFirst.keys()]).toEqual([expect.stringMatching(/history\/\d{4}-\d\d-\d\dT[\d-]+Z-2\.0\.0\.json$/)]);

    await startCanary(namespace, { image: 'r.example/model:3', 'model-version': '3.0.0' });
    const second = await runInProcess(promote, { ...kube(), deployment: 'model', namespace, ...registryInputs(), version: 'v3.0.0' }, { env: aws() });
    expect(second.errors).toEqual([]);
    expect(await registry.pointer('sentiment', 'production')).toMatchObject({ version: '3.0.0', manifestDigest: digests['3.0.0'], previousVersion: '2.0.0' });
    const afterSecond = await historyObjects(s3, bucket);
    expect(afterSecond.size).toBe(2);
    for (const [key, bytes] of afterFirst) expect(afterSecond.get(key)).toBe(bytes); // the first entry, byte for byte
    expect((await registry.history('sentiment', 'production')).map((h) => h.version)).toEqual(['2.0.0', '3.0.0']);

    // Run again: nothing in progress, the stable runs 3.0.0, the pointer already names it.
    const again = await runInProcess(promote, { ...kube(), deployment: 'model', namespace, ...registryInputs() }, { env: aws() });
    expect(again.errors).toEqual([]);
    expect(again.stdout).toMatch(/Registry: 'production' already points at sentiment 3.0.0/);
    expect((await historyObjects(s3, bucket)).size).toBe(2);
  });

  it('an unknown version fails before the cluster changes, naming the versions that exist', async () => {
    const namespace = await ns('reg-unknown');
    await createStable(cluster(), namespace, 'model', { replicas: 1 });
    await startCanary(namespace, { image: 'r.example/model:9', 'model-version': '9.9.9' });
    const before = await deploymentSnapshot(cluster(), namespace, 'model');
    const pointerBefore = await registry.pointer('sentiment', 'production');

    const r = await runInProcess(promote, { ...kube(), deployment: 'model', namespace, ...registryInputs() }, { env: aws() });
    expect(r.failed).toBe(true);
    expect(r.errors).toEqual([expect.stringMatching(/Invalid `version`: model 'sentiment' has no version 9.9.9 in s3:\/\/.*\(versions: .*3\.0\.0.*2\.0\.0/)]);
    expect(await deploymentSnapshot(cluster(), namespace, 'model')).toEqual(before);
    expect(await get(namespace, 'model-canary')).toBeDefined();
    expect(await registry.pointer('sentiment', 'production')).toEqual(pointerBefore);
  });

  it('a failing pre-promote hook moves no pointer', async () => {
    const namespace = await ns('reg-hook');
    await createStable(cluster(), namespace, 'model', { replicas: 1 });
    await startCanary(namespace, { image: 'r.example/model:2', 'model-version': '2.0.0' });
    const { registry: empty, bucket: other } = await freshRegistry('team/models');
    const folder = await modelFolder({ 'weights/model.onnx': 'w' });
    await empty.publish({ model: 'sentiment', version: '2.0.0', folder, framework: 'onnx', createdBy: 'test' });
    const r = await runInProcess(
      promote,
      { ...kube(), deployment: 'model', namespace, registry: `s3://${other}/team/models`, model: 'sentiment', hooks: 'pre-promote:\n  - {name: gate, kind: http, url: "http://127.0.0.1:9/nothing-listens", retries: 0, timeout: 2s}\n' },
      { env: aws() },
    );
    expect(r.errors[0]).toMatch(/pre-promote hook `gate` \(http\) failed/);
    expect(await empty.pointer('sentiment', 'production')).toBeUndefined();
    expect(await empty.history('sentiment', 'production')).toEqual([]);
  });
});

describe('promote with image-tag (sandbox OCI registries)', () => {
  const { open, auth } = registries();

  async function promoteTagged(registry: TestRegistry, env: Record<string, string> = {}) {
    const repo = uniqueRepository('promote-tag');
    pushBaseImage(registry, repo, 'build-1');
    const built = skopeoDigest(registry, `${repo}:build-1`);
    const namespace = await ns('tag');
    await createStable(cluster(), namespace, 'model', { replicas: 1 });
    await startCanary(namespace, { image: `${registry.host}/${repo}:build-1` });
    const r = await runInProcess(promote, { ...kube(), deployment: 'model', namespace, 'image-tag': 'prod' }, { env });
    return { r, repo, built };
  }

  it('points <repo>:<image-tag> at the promoted digest, registry-side', async () => {
    const { r, repo, built } = await promoteTagged(open);
    expect(r.errors).toEqual([]);
    expect(r.stdout).toContain(`Tagged ${open.host}/${repo}:prod -> ${built}.`);
    expect(skopeoDigest(open, `${repo}:prod`)).toBe(built);
  });

  it('uses the login stored in the auth file for a registry that needs one, and never prints the password', async () => {
    const dir = tempDir('promote-auth-');
    const file = join(dir, 'auth.json');
    const { username, password } = auth.credentials;
    writeFileSync(file, JSON.stringify({ auths: { [auth.host]: { auth: Buffer.from(`${username}:${password}`).toString('base64') } } }));
    const { r, repo, built } = await promoteTagged(auth, { REGISTRY_AUTH_FILE: file });
    expect(r.errors).toEqual([]);
    expect(skopeoDigest(auth, `${repo}:prod`)).toBe(built);
    expect(r.stdout.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n')).not.toContain(password);
  });
});
