import { createServer } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { stringify } from 'yaml';
import { containsSecret, maskKubeconfig, maskSecret, redactSecrets } from '../../shared/action/secrets.js';
import { getKubernetesTarget } from '../../shared/action/kubernetes-inputs.js';
import { loadKubeConfig } from '../../shared/k8s/client.js';
import { LoopbackServer } from '../support/loopback-server.js';
import { runInProcess } from '../support/run-step.js';

const dir = mkdtempSync(join(tmpdir(), 'ai-deploy-secrets-'));
const pem = (label: string, body: string) => `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;

/**
 * One kubeconfig with every kind of credential, its values tagged by `form` (a secret is announced to the
 * runner once per run, so each form brings its own values). Returns the config and the values that must be masked.
 */
function kubeconfig(form: string) {
  const tokenFile = join(dir, `token-${form}`);
  writeFileSync(tokenFile, `file-token-${form}-0123456789\n`);
  const key = pem('RSA PRIVATE KEY', `MIIEkeybody${form}AAAAAAAAAAAAAAAAAAAAAAAAAAAA`);
  const cert = pem('CERTIFICATE', `MIIDcertbody${form}BBBBBBBBBBBBBBBBBBBBBBBBBBB`);
  const secrets = {
    token: `bearer-token-${form}-abcdef`,
    tokenFile: `file-token-${form}-0123456789`,
    keyData: Buffer.from(key).toString('base64'),
    keyBody: `MIIEkeybody${form}AAAAAAAAAAAAAAAAAAAAAAAAAAAA`,
    certData: Buffer.from(cert).toString('base64'),
    password: `basic-pass-${form}-xyz`,
    idToken: `oidc-id-token-${form}-123`,
    refreshToken: `oidc-refresh-${form}-456`,
    clientSecret: `oidc-client-secret-${form}`,
    execEnv: `aws-secret-${form}-789`,
  };
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'ci',
    clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:6443' } }],
    contexts: [{ name: 'ci', context: { cluster: 'c', user: 'token-user' } }],
    users: [
      { name: 'token-user', user: { token: secrets.token } },
      { name: 'file-user', user: { tokenFile } },
      { name: 'cert-user', user: { 'client-certificate-data': secrets.certData, 'client-key-data': secrets.keyData } },
      { name: 'basic-user', user: { username: 'admin', password: secrets.password } },
      {
        name: 'oidc-user',
        user: {
          'auth-provider': {
            name: 'oidc',
            config: { 'id-token': secrets.idToken, 'refresh-token': secrets.refreshToken, 'client-secret': secrets.clientSecret, 'client-id': 'kube' },
          },
        },
      },
      {
        name: 'exec-user',
        user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'aws', env: [{ name: 'AWS_SECRET_ACCESS_KEY', value: secrets.execEnv }] } },
      },
    ],
  };
  return { config, secrets };
}

const FORMS: Array<[string, (config: object) => string]> = [
  ['block YAML', (c) => stringify(c)],
  ['YAML with quoted keys and values', (c) => stringify(c, { defaultKeyType: 'QUOTE_DOUBLE', defaultStringType: 'QUOTE_SINGLE' })],
  ['flow-style YAML', (c) => stringify(c, { collectionStyle: 'flow' })],
  ['JSON as `kubectl config view --raw -o json` prints it', (c) => JSON.stringify(c, null, 4)],
  ['JSON on one line', (c) => JSON.stringify(c)],
];

function masks(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('::add-mask::'))
    .map((l) => l.slice('::add-mask::'.length));
}

describe('masking a kubeconfig', () => {
  it.each(FORMS)('masks every credential of every user in %s, and prints none of them', async (form, render) => {
    const { config, secrets } = kubeconfig(form.replace(/\W+/g, '-'));
    const text = render(config);
    const result = await runInProcess(async () => {
      getKubernetesTarget();
      await loadKubeConfig(text);
    }, { deployment: 'agent', kubeconfig: text });
    expect(result.failed).toBe(false);
    const masked = masks(result.stdout);
    expect(masked).toEqual(expect.arrayContaining(Object.values(secrets)));
    // Ordinary words of the config are not masked (that would blank them all over the log).
    for (const word of ['Config', 'ci', 'admin', 'kube', 'oidc', 'aws', 'https://127.0.0.1:6443']) expect(masked).not.toContain(word);
    const rest = result.stdout.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n');
    for (const output of [rest, result.summary, JSON.stringify(result.outputs), JSON.stringify(result.state)]) {
      for (const secret of Object.values(secrets)) expect(output).not.toContain(secret);
    }
  });

  it('masks the token of an inline flow map such as `user: {token: abcdefgh12345}`', async () => {
    const text = 'apiVersion: v1\nusers:\n- name: u\n  user: {token: abcdefgh12345}\n';
    const result = await runInProcess(async () => maskKubeconfig(text), {});
    expect(masks(result.stdout)).toEqual(['abcdefgh12345']);
  });

  it('still masks credentials of a kubeconfig that does not parse', async () => {
    const text = '"users": [ {"user": {"client-key-data": "S0VZLXVucGFyc2VkLWRhdGE="}}\n  bad: [';
    const result = await runInProcess(async () => maskKubeconfig(text), {});
    expect(masks(result.stdout)).toContain('S0VZLXVucGFyc2VkLWRhdGE=');
  });
});

describe('masking credentials that plugins issue at run time', () => {
  const server = new LoopbackServer(createServer());
  let seenBeforeRequest: string[] = [];
  let captured = '';
  beforeAll(async () => {
    server.server.on('request', (req, res) => {
      // What the step had printed when the request carrying the credential arrived.
      seenBeforeRequest = masks(captured);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ kind: 'NamespaceList', apiVersion: 'v1', metadata: {}, items: [], auth: req.headers.authorization }));
    });
    await server.listen();
  });
  afterAll(() => server.close());

  function pluginConfig(user: object): string {
    return JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'ci',
      clusters: [{ name: 'c', cluster: { server: server.url, 'insecure-skip-tls-verify': true } }],
      contexts: [{ name: 'ci', context: { cluster: 'c', user: 'u' } }],
      users: [{ name: 'u', user }],
    });
  }

  async function listNamespaces(text: string): Promise<string> {
    captured = '';
    const result = await runInProcess(async () => {
      const inner = process.stdout.write;
      process.stdout.write = ((chunk: string) => ((captured += chunk), inner.call(process.stdout, chunk))) as typeof process.stdout.write;
      try {
        const kc = await loadKubeConfig(text);
        const { CoreV1Api } = await import('@kubernetes/client-node');
        await kc.makeApiClient(CoreV1Api).listNamespace();
      } finally {
        process.stdout.write = inner;
      }
    }, {});
    expect(result.errors).toEqual([]);
    return result.stdout;
  }

  it('masks the token an exec plugin returns before the request that carries it is sent', async () => {
    const token = 'exec-issued-token-5f1c9a';
    const credential = { apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token } };
    const text = pluginConfig({
      exec: { apiVersion: 'client.authentication.k8s.io/v1', command: process.execPath, args: ['-e', `console.log(${JSON.stringify(JSON.stringify(credential))})`], interactiveMode: 'Never' },
    });
    const stdout = await listNamespaces(text);
    expect(seenBeforeRequest).toContain(token);
    expect(masks(stdout)).toContain(token);
  });

  it('masks the token an auth-provider reads from its token file before the request that carries it is sent', async () => {
    const tokenFile = join(dir, 'provider-token');
    writeFileSync(tokenFile, 'provider-file-token-77aa');
    await listNamespaces(pluginConfig({ 'auth-provider': { name: 'file', config: { tokenFile } } }));
    expect(seenBeforeRequest).toContain('provider-file-token-77aa');
  });
});

describe('redacting masked secrets from answers', () => {
  it('replaces each masked secret in a text with *** and leaves other text alone', async () => {
    await runInProcess(async () => maskSecret('sk-live-echoed-key-1234'), {});
    expect(containsSecret('{"echo":"Bearer sk-live-echoed-key-1234"}')).toBe(true);
    expect(redactSecrets('{"echo":"Bearer sk-live-echoed-key-1234"}')).toBe('{"echo":"Bearer ***"}');
    expect(redactSecrets('nothing secret here')).toBe('nothing secret here');
  });
});
