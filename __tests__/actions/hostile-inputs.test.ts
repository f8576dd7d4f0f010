import { mkdirSync, mkdtempSync, readdirSync, realpathSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { Cluster } from '../../shared/k8s/cluster.js';
import { registries, uniqueRepository } from '../image/support.js';
import { createStable, sandboxKubeconfig, useSandboxNamespaces } from '../k8s/support/sandbox-cluster.js';
import { runInProcess } from '../support/run-step.js';
import { errorRateMetric, TRACE_METRICS } from './monitor-canary-support.js';

const LIVE_METRICS = errorRateMetric('agent', 'max: 0.05');

/**
 * A new user's mistakes and a hostile pull request's inputs, action by action: each is refused with one error that
 * names the input (or the suite and line), and leaves the cluster, the registry and the files outside RUNNER_TEMP
 * as they were. No error quotes a file's contents.
 */

const real = (p: string) => realpathSync(p);
const ws = real(mkdtempSync(join(tmpdir(), 'hostile-ws-')));
const temp = real(mkdtempSync(join(tmpdir(), 'hostile-temp-')));
const outside = real(mkdtempSync(join(tmpdir(), 'hostile-outside-')));
const PASSWD = 'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n';
const SUITE = 'name: qa\ncases:\n  - id: c\n    input: hi\n    assert: [{contains: hi}]\n';
const BOMB = ['a: &a [x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]', 'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]', 'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]', 'e: [*d, *d, *d, *d, *d, *d, *d, *d, *d]'].join('\n');

function files(root: string, tree: Record<string, string>): void {
  for (const [name, text] of Object.entries(tree)) {
    mkdirSync(join(root, name, '..'), { recursive: true });
    writeFileSync(join(root, name), text);
  }
}
files(outside, { 'suite.yml': SUITE, 'secret.txt': PASSWD, 'check.mjs': 'export default () => true;\n', 'Dockerfile': 'FROM scratch\n' });
files(ws, {
  'passwd-copy.json': PASSWD,
  'overflow.json': '1e400',
  'overflow-nested.json': JSON.stringify({ interval: '1m', metrics: { 'error-rate': { canary: [{ t: 60, num: 0, den: 10 }], control: [{ t: 60, num: 0, den: 10 }] } } }).replace('"num":0', '"num":1e400'),
  'cur.csv': 'a\n1\n',
  'broken.yml': 'name: qa\ncases:\n  - id: c\n    input: "unterminated\n',
  'bomb.yml': `${BOMB}\ncases: []\n`,
  'custom.jsonl': `${JSON.stringify({ id: 'c', input: 'hi', assert: [{ custom: `../${basename(outside)}/check.mjs` }] })}\n`,
});
symlinkSync(outside, join(ws, 'linked'));
/** `../hostile-outside-xxx/suite.yml`: out of the workspace by `..`. */
const traversal = join('..', basename(outside), 'suite.yml');

const { open } = registries();
const repository = uniqueRepository('hostile');
const sandbox = useSandboxNamespaces();
let cluster: Cluster;
let namespace: string;
beforeAll(async () => {
  cluster = sandbox.cluster();
  namespace = await sandbox.ns('hostile');
  await createStable(cluster, namespace, 'agent', { replicas: 1 });
});

/** Every object the actions could touch in the test namespace, with what would show a change. */
async function clusterState(): Promise<unknown> {
  const kinds: [string, string][] = [['apps/v1', 'Deployment'], ['v1', 'Service'], ['v1', 'ConfigMap'], ['batch/v1', 'Job'], ['v1', 'Pod']];
  const all = await Promise.all(kinds.map(([v, k]) => cluster.list(v, k, namespace)));
  return all.flat().map((o) => {
    const { name, generation, annotations, labels } = o.metadata ?? {};
    return { kind: o.kind, name, generation, annotations, labels, spec: (o as { spec?: unknown }).spec };
  });
}

async function registryState(): Promise<unknown> {
  const answer = await fetch(`http://${open.host}/v2/${repository}/tags/list`);
  return { status: answer.status, body: await answer.text() };
}

/** Paths, sizes and modification times of every file outside RUNNER_TEMP that a step could write. */
function fileState(): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isSymbolicLink()) continue;
      if (entry.isDirectory()) walk(path);
      else out[path] = `${statSync(path).size}@${statSync(path).mtimeMs}`;
    }
  };
  walk(ws);
  walk(outside);
  return out;
}

const STEPS = {
  'model-validate': () => import('../../actions/model-validate/main.js'),
  'build-image': () => import('../../actions/build-image/main.js'),
  'canary-deploy': () => import('../../actions/canary-deploy/main.js'),
  'monitor-canary': () => import('../../actions/monitor-canary/main.js'),
} as const;
type Action = keyof typeof STEPS;

const roots = `is outside the workspace (${ws}) and the runner's temporary folder (${temp}). Expected a path inside one of them.`;
const endpoint = 'http://127.0.0.1:9/v1/chat/completions';
const target = () => ({ deployment: 'agent', namespace, kubeconfig: sandboxKubeconfig(), image: 'registry.example/model:2.0.0' });
const image = `${open.host}/${repository}`;

/** [action, input, value, other inputs, the error expected]. */
const CASES: [Action, string, string, () => Record<string, string>, string][] = [
  ['model-validate', 'suite', `${outside}/suite.yml`, () => ({ endpoint }), `Invalid \`suite\`: '${outside}/suite.yml' ${roots}`],
  ['model-validate', 'suite', traversal, () => ({ endpoint }), `Invalid \`suite\`: '${traversal}' ${roots}`],
  ['model-validate', 'suite', 'linked/suite.yml', () => ({ endpoint }), `Invalid \`suite\`: 'linked/suite.yml' (it resolves to ${outside}/suite.yml) ${roots}`],
  ['model-validate', 'suite', 'broken.yml', () => ({ endpoint }), 'Suite broken.yml: not valid YAML at line 4, column 25: Missing closing "quote.'],
  ['model-validate', 'suite', 'bomb.yml', () => ({ endpoint }), 'Suite bomb.yml: its YAML aliases expand to too many nodes (aliases of aliases, more than 100 uses), refused as a resource-exhaustion attack.'],
  ['model-validate', 'suite', 'custom.jsonl', () => ({ endpoint }), `Case \`c\` (custom.jsonl line 1): \`custom\`: '../${basename(outside)}/check.mjs' ${roots}`],
  ['model-validate', 'model-path', 'no-such-model', () => ({ endpoint, suite: 'custom.jsonl' }), `Invalid \`model-path\`: 'no-such-model' does not exist (looked for ${ws}/no-such-model). Expected a folder that exists.`],
  ['model-validate', 'download-path', '/var/tmp/models', () => ({ endpoint, suite: 'custom.jsonl' }), `Invalid \`download-path\`: '/var/tmp/models' ${roots}`],
  ['model-validate', 'reference', '/etc/passwd', () => ({ endpoint, suite: 'custom.jsonl', current: 'cur.csv' }), `Invalid \`reference\`: '/etc/passwd' ${roots}`],
  ['build-image', 'file', '/etc/passwd', () => ({ image, builder: 'buildah' }), `Invalid \`file\`: '/etc/passwd' ${roots}`],
  ['build-image', 'context', '/etc/ssl', () => ({ image, builder: 'buildah' }), `Invalid \`context\`: '/etc/ssl' ${roots}`],
  ['build-image', 'file', 'linked/Dockerfile', () => ({ image, builder: 'buildah' }), `Invalid \`file\`: 'linked/Dockerfile' (it resolves to ${outside}/Dockerfile) ${roots}`],
  ['canary-deploy', 'hooks', 'pre-traffic:\n  - {name: m, kind: job, manifest: /etc/passwd}\n', target, `Invalid \`hooks\`: pre-traffic hook \`m\`, field \`manifest\`: '/etc/passwd' ${roots}`],
  ['canary-deploy', 'hooks', 'pre-traffic:\n  - name: m\n    kind: [job\n', target, 'Invalid `hooks`: not valid YAML at line 3, column 15: Flow sequence in block collection must be sufficiently indented and end with a ].'],
  ['canary-deploy', 'weight', '10.5', () => ({ ...target(), 'traffic-router': 'istio', route: 'model' }), "Invalid `weight`: '10.5'. Expected a whole percentage with `traffic-router: istio` (its weights are whole percents; `gateway-api` and `smi` take fractions exactly)."],
  ['monitor-canary', 'replay', '/etc/passwd', () => ({ metrics: TRACE_METRICS }), `Invalid \`replay\`: '/etc/passwd' ${roots}`],
  ['monitor-canary', 'replay', '/proc/self/environ', () => ({ metrics: TRACE_METRICS }), `Invalid \`replay\`: '/proc/self/environ' (it resolves to /proc/${process.pid}/environ) ${roots}`],
  ['model-validate', 'shard-reports', '/etc', () => ({ endpoint, suite: 'custom.jsonl', merge: 'true' }), `Invalid \`shard-reports\`: '/etc' ${roots}`],
  ['monitor-canary', 'replay', 'passwd-copy.json', () => ({ metrics: TRACE_METRICS }), `Invalid \`replay\`: ${ws}/passwd-copy.json is not JSON: unexpected character at line 1, column 1. Expected a trace such as`],
  ['monitor-canary', 'replay', 'overflow.json', () => ({ metrics: TRACE_METRICS }), `Invalid \`replay\`: ${ws}/overflow.json, (the top level): a number too large for a 64-bit float (it overflows to infinity). Expected finite numbers.`],
  ['monitor-canary', 'replay', 'overflow-nested.json', () => ({ metrics: TRACE_METRICS }), `Invalid \`replay\`: ${ws}/overflow-nested.json, metrics.error-rate.canary[0].num: a number too large for a 64-bit float`],
  ['monitor-canary', 'metrics', BOMB, () => ({}), 'Invalid `metrics`: its YAML aliases expand to too many nodes'],
  ['monitor-canary', 'prometheus-url', 'http://ci:hunter2-pass@prometheus:9090/?q=1', () => ({ metrics: LIVE_METRICS, ...target() }), "Invalid `prometheus-url`: 'http://ci:hunter2-pass@prometheus:9090/?q=1'. Expected an http:// or https:// URL with no query string"],
];

describe('hostile or mistaken inputs are refused, naming the input, and change nothing', () => {
  it.each(CASES)('%s refuses `%s` %j', async (action, input, value, more, expected) => {
    const before = { cluster: await clusterState(), registry: await registryState(), files: fileState() };
    const { run } = await STEPS[action]();
    const result = await runInProcess(() => run(), { ...more(), [input]: value }, { env: { GITHUB_WORKSPACE: ws, RUNNER_TEMP: temp, ACTIONS_RUNTIME_TOKEN: '' } });

    expect(result.failed).toBe(true);
    expect(result.errors).toEqual([expect.stringContaining(expected)]);
    // No file's contents in any output, and no stack trace.
    for (const output of [result.stdout, result.summary]) {
      expect(output).not.toContain('root:x:0:0');
      expect(output).not.toContain('daemon:x:1:1');
      expect(output).not.toMatch(/\n\s+at .+:\d+:\d+\)/);
    }
    expect({ cluster: await clusterState(), registry: await registryState(), files: fileState() }).toEqual(before);
  });

  it('masks the password of a prometheus-url before the error that quotes it', async () => {
    const result = await runInProcess(() => import('../../actions/monitor-canary/main.js').then(({ run }) => run()), { metrics: LIVE_METRICS, 'prometheus-url': 'http://ci:hunter3-pass@prometheus:9090/?q=1', ...target() }, { env: { GITHUB_WORKSPACE: ws, RUNNER_TEMP: temp } });
    const lines = result.stdout.split('\n');
    expect(result.errors).toEqual([expect.stringMatching(/^Invalid `prometheus-url`/)]);
    expect(lines.indexOf('::add-mask::hunter3-pass')).toBeGreaterThanOrEqual(0);
    expect(lines.findIndex((l) => l.startsWith('::error::'))).toBeGreaterThan(lines.indexOf('::add-mask::hunter3-pass'));
  });
});
