import { describe, expect, it } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import { ConfigurationError } from '../../shared/errors.js';
import { parseHooks, type ParseHooksOptions } from '../../shared/hooks/parse.js';
import type { HttpHook, JobHook } from '../../shared/hooks/types.js';
import { captureStdout } from './capture.js';

const workspace = fileURLToPath(new URL('./fixtures', import.meta.url));
const options: ParseHooksOptions = { allowedStages: ['pre-traffic'], workspace, env: {} };

function parse(yaml: string, more: Partial<ParseHooksOptions> = {}) {
  return parseHooks(yaml, { ...options, ...more });
}

/** The ConfigurationError message a bad `hooks` input fails with. */
function failure(yaml: string, more: Partial<ParseHooksOptions> = {}): string {
  try {
    parse(yaml, more);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigurationError, but the input was accepted');
}

describe('parseHooks: accepted input', () => {
  it('returns no hooks for an empty or blank input', () => {
    expect(parse('')).toEqual({});
    expect(parseHooks(undefined, options)).toEqual({});
    expect(parse('  \n')).toEqual({});
  });

  it('reads an http hook with the documented defaults: GET, 2xx, 10s per attempt, 2 retries from 1s', () => {
    const plan = parse('pre-traffic:\n  - name: smoke\n    kind: http\n    url: https://canary.example.com/healthz\n');
    expect(plan['pre-traffic']).toEqual([
      {
        kind: 'http',
        name: 'smoke',
        target: { via: 'url', url: 'https://canary.example.com/healthz' },
        method: 'GET',
        headers: {},
        body: undefined,
        expect: { status: { codes: [], classes: [2] }, bodyContains: undefined, bodyMatches: undefined },
        timeoutMs: 10_000,
        retries: 2,
        backoffMs: 1_000,
      },
    ]);
  });

  it('reads every http field, a YAML body as JSON, and a Service target through the API server', () => {
    const { value: plan } = captureStdout(() => parse(`
pre-traffic:
  - name: predict
    kind: http
    service: model-canary
    port: 8080
    path: /v1/models/{{model-version}}:predict?verbose=1
    method: post
    headers: { X-Api-Key: "{{env.API_KEY}}" }
    body: { instances: [[1, 2]] }
    expect: { status: [200, 3xx], body: '"predictions"', body-matches: '^\\{' }
    timeout: 2s
    retries: 5
    backoff: 250ms
`, { env: { API_KEY: 'key-1234567' } }));
    const hook = plan['pre-traffic']![0] as HttpHook;
    expect(hook.target).toEqual({ via: 'service', service: 'model-canary', port: '8080', path: '/v1/models/{{model-version}}:predict?verbose=1', scheme: 'http' });
    expect(hook.method).toBe('POST');
    expect(hook.headers).toEqual({ 'X-Api-Key': '{{env.API_KEY}}', 'Content-Type': 'application/json' });
    expect(hook.body).toEqual({ text: '{"instances":[[1,2]]}', json: true });
    expect(hook.expect.status).toEqual({ codes: [200], classes: [3] });
    expect(hook.expect.bodyContains).toBe('"predictions"');
    expect(hook.expect.bodyMatches?.test('{"a":1}')).toBe(true);
    expect([hook.timeoutMs, hook.retries, hook.backoffMs]).toEqual([2000, 5, 250]);
  });

  it('reads a job hook and its manifest at parse time; a during Job may run an hour by default', () => {
    const plan = parse('during:\n  - name: load\n    kind: job\n    manifest: jobs/hangs.yaml\n', { allowedStages: ['during'] });
    const hook = plan.during![0] as JobHook;
    expect(hook).toMatchObject({ kind: 'job', name: 'load', manifest: 'jobs/hangs.yaml', timeoutMs: 3_600_000 });
    expect(hook.job).toMatchObject({ kind: 'Job', metadata: { name: 'load' }, spec: { backoffLimit: 2 } });
    const pre = parse('pre-traffic:\n  - {kind: job, manifest: jobs/succeeds.yaml}\n');
    expect(pre['pre-traffic']![0]).toMatchObject({ name: 'job-1', timeoutMs: 300_000 });
  });

  it('reads manifest paths relative to GITHUB_WORKSPACE when no workspace is given', () => {
    const saved = process.env.GITHUB_WORKSPACE;
    process.env.GITHUB_WORKSPACE = workspace;
    try {
      const plan = parseHooks('pre-traffic:\n  - {kind: job, manifest: jobs/fails.yaml}\n', { allowedStages: ['pre-traffic'] });
      expect((plan['pre-traffic']![0] as JobHook).job).toMatchObject({ metadata: { name: 'migrate' } });
    } finally {
      if (saved === undefined) delete process.env.GITHUB_WORKSPACE;
      else process.env.GITHUB_WORKSPACE = saved;
    }
  });

  it('keeps hooks grouped by stage in the order written', () => {
    const plan = parse(
      'pre-promote:\n  - {name: a, kind: http, url: "http://x/a"}\n  - {name: b, kind: http, url: "http://x/b"}\npost-promote:\n  - {name: c, kind: http, url: "http://x/c"}\n',
      { allowedStages: ['pre-promote', 'post-promote'] },
    );
    expect(plan['pre-promote']!.map((h) => h.name)).toEqual(['a', 'b']);
    expect(plan['post-promote']!.map((h) => h.name)).toEqual(['c']);
  });

  it('masks the value of every {{env.NAME}} a hook will send, and prints it nowhere else', () => {
    const secret = 'tok-9f8e7d6c5b4a';
    const out = captureStdout(() =>
      parse('pre-traffic:\n  - {name: s, kind: http, url: "https://x/?t={{env.TOKEN}}", headers: {Authorization: "Bearer {{env.TOKEN}}"}}\n', { env: { TOKEN: secret } }),
    );
    const lines = out.text.split('\n').filter((l) => l.includes(secret));
    expect(lines).toEqual([`::add-mask::${secret}`]);
  });
});

describe('parseHooks: bad input fails with a ConfigurationError naming the input, hook, field, value and what was expected', () => {
  it('an unknown hook kind', () => {
    expect(failure('pre-traffic:\n  - {name: smoke, kind: grpc, url: "http://x"}\n')).toBe(
      "Invalid `hooks`: pre-traffic hook `smoke`, field `kind`: 'grpc'. Expected `http` or `job`.",
    );
  });

  it('a hook without a kind', () => {
    expect(failure('pre-traffic:\n  - {name: smoke, url: "http://x"}\n')).toBe(
      'Invalid `hooks`: pre-traffic hook `smoke`, field `kind`: missing. Expected `http` or `job`.',
    );
  });

  it('an unknown stage, listing the stages this action runs', () => {
    expect(failure('pre-trafic:\n  - {kind: http, url: "http://x"}\n')).toBe('Invalid `hooks`: unknown stage `pre-trafic`. Expected `pre-traffic`.');
  });

  it("another action's stage, saying which action runs it", () => {
    expect(failure('pre-promote:\n  - {kind: http, url: "http://x"}\n', { input: 'hooks' })).toBe(
      'Invalid `hooks`: `pre-promote` hooks run in promote, not in this action. Expected `pre-traffic`.',
    );
  });

  it('a Job manifest that is not a Job', () => {
    expect(failure('pre-traffic:\n  - {name: m, kind: job, manifest: jobs/deployment.yaml}\n')).toBe(
      "Invalid `hooks`: pre-traffic hook `m`, field `manifest`: 'jobs/deployment.yaml'. Expected a file in the repository holding one Kubernetes Job (`apiVersion: batch/v1`, `kind: Job`); it holds `kind: Deployment`, `apiVersion: apps/v1`.",
    );
  });

  it('a missing manifest file, saying where it was looked for', () => {
    const message = failure('pre-traffic:\n  - {name: m, kind: job, manifest: jobs/nope.yaml}\n');
    expect(message).toContain("pre-traffic hook `m`, field `manifest`: 'jobs/nope.yaml'");
    expect(message).toContain(`'jobs/nope.yaml' does not exist (looked for ${workspace}/jobs/nope.yaml)`);
  });

  it.each([
    ['two-jobs.yaml', 'it holds 2 documents'],
    ['broken.yaml', 'it is not valid YAML at line'],
    ['no-containers.yaml', 'with containers under `spec.template.spec.containers`'],
    ['restart-always.yaml', 'sets `restartPolicy: Always`. Expected `Never` or `OnFailure`'],
    ['unknown-placeholder.yaml', "it uses {{imag}}"],
    ['env-in-manifest.yaml', 'environment values are not put in Job manifests: use a Kubernetes Secret'],
  ])('a manifest that cannot become a hook Job: %s', (file, expected) => {
    const message = failure(`pre-traffic:\n  - {name: m, kind: job, manifest: jobs/${file}}\n`);
    expect(message).toMatch(/^Invalid `hooks`: pre-traffic hook `m`, field `manifest`/);
    expect(message).toContain(expected);
  });

  it.each(['canary.example.com/healthz', 'ftp://canary.example.com/x', '/healthz', 'http//x'])('a URL without an http(s) scheme: %s', (url) => {
    expect(failure(`pre-traffic:\n  - {name: smoke, kind: http, url: "${url}"}\n`)).toBe(
      `Invalid \`hooks\`: pre-traffic hook \`smoke\`, field \`url\`: '${url}'. Expected an absolute URL starting with \`http://\` or \`https://\`.`,
    );
  });

  it.each(['10 seconds', '10', '-5s', '0s'])('a bad duration: %s', (timeout) => {
    expect(failure(`pre-traffic:\n  - {name: smoke, kind: http, url: "http://x", timeout: "${timeout}"}\n`)).toBe(
      `Invalid \`hooks\`: pre-traffic hook \`smoke\`, field \`timeout\`: '${timeout}'. Expected a positive duration such as \`30s\`, \`5m\`, \`1h\` or \`1h30m\`.`,
    );
    expect(failure(`pre-traffic:\n  - {name: j, kind: job, manifest: jobs/succeeds.yaml, timeout: "${timeout}"}\n`)).toContain('field `timeout`');
  });

  it.each(['700', '99', '2xz', 'ok', '[]'])('a bad expected status: %s', (status) => {
    expect(failure(`pre-traffic:\n  - {name: smoke, kind: http, url: "http://x", expect: {status: ${status}}}\n`)).toMatch(
      /^Invalid `hooks`: pre-traffic hook `smoke`, field `expect.status`: .*\. Expected an HTTP status from 100 to 599, a class such as `2xx`, or a list of them\.$/,
    );
  });

  it('a misspelt field, listing the fields an http hook has', () => {
    expect(failure('pre-traffic:\n  - {name: smoke, kind: http, url: "http://x", retires: 3}\n')).toMatch(
      /^Invalid `hooks`: pre-traffic hook `smoke`: unknown field `retires`\. Expected only `name`, `kind`, `url`, .*`retries`/,
    );
  });

  it('negative or huge retries', () => {
    expect(failure('pre-traffic:\n  - {name: s, kind: http, url: "http://x", retries: -1}\n')).toBe(
      "Invalid `hooks`: pre-traffic hook `s`, field `retries`: '-1'. Expected an integer at least 0 and at most 20.",
    );
  });

  it('both or neither of url and service', () => {
    expect(failure('pre-traffic:\n  - {name: s, kind: http, url: "http://x", service: web, port: 80}\n')).toContain('Expected exactly one of `url`');
    expect(failure('pre-traffic:\n  - {name: s, kind: http}\n')).toContain('Expected exactly one of `url`');
  });

  it('a Service hook with a bad port, path or scheme', () => {
    const base = 'pre-traffic:\n  - {name: s, kind: http, service: web';
    expect(failure(`${base}}\n`)).toContain('field `port`: missing');
    expect(failure(`${base}, port: 70000}\n`)).toContain("field `port`: '70000'. Expected a port number from 1 to 65535 or a Service port name.");
    expect(failure(`${base}, port: 80, path: healthz}\n`)).toContain("field `path`: 'healthz'. Expected a path starting with `/`.");
    expect(failure(`${base}, port: 80, scheme: grpc}\n`)).toContain("field `scheme`: 'grpc'. Expected `http` or `https`.");
    expect(failure('pre-traffic:\n  - {name: s, kind: http, service: Web_Svc, port: 80}\n')).toContain("pre-traffic hook `s`, field `service`: 'Web_Svc'. Expected a DNS label");
  });

  it('a body pattern that is not a regular expression, or one too large for the engine, when the hooks are read', () => {
    expect(failure('pre-traffic:\n  - {name: s, kind: http, url: "http://x", expect: {body-matches: "(unclosed"}}\n')).toMatch(
      /field `expect.body-matches`: '\(unclosed'\. Expected a regular expression \(Unterminated group\)/,
    );
    expect(failure(`pre-traffic:\n  - {name: s, kind: http, url: "http://x", expect: {body-matches: "${'x'.repeat(40_000)}"}}\n`)).toMatch(
      /field `expect.body-matches`: 'x+\.\.\.'\. Expected a regular expression \(Regular expression too large\)/,
    );
  });

  it('a method that is not HTTP', () => {
    expect(failure('pre-traffic:\n  - {name: s, kind: http, url: "http://x", method: FETCH}\n')).toContain("field `method`: 'FETCH'. Expected one of `GET`");
  });

  it('an unknown placeholder in a URL', () => {
    expect(failure('pre-traffic:\n  - {name: s, kind: http, url: "http://x/{{model}}"}\n')).toContain(
      "field `url`: '{{model}}'. Expected one of `{{image}}`, `{{model-version}}`, `{{namespace}}` or `{{env.NAME}}`.",
    );
  });

  it('an {{env.NAME}} whose variable is not set, saying where to set it', () => {
    expect(failure('pre-traffic:\n  - {name: s, kind: http, url: "http://x", headers: {Authorization: "Bearer {{env.SMOKE_TOKEN}}"}}\n')).toBe(
      "Invalid `hooks`: pre-traffic hook `s`, field `headers.Authorization`: `{{env.SMOKE_TOKEN}}` needs the environment variable `SMOKE_TOKEN`, which is not set. Expected it in the step's `env:` (for example `SMOKE_TOKEN: ${{ secrets.SMOKE_TOKEN }}`).",
    );
  });

  it('a bad header name', () => {
    expect(failure('pre-traffic:\n  - {name: s, kind: http, url: "http://x", headers: {"Bad Header": x}}\n')).toContain("field `headers`: 'Bad Header'");
  });

  it('duplicate and malformed hook names', () => {
    expect(failure('pre-traffic:\n  - {name: a, kind: http, url: "http://x"}\n  - {name: a, kind: http, url: "http://y"}\n')).toBe(
      'Invalid `hooks`: two pre-traffic hooks are named `a`. Expected unique names.',
    );
    expect(failure('pre-traffic:\n  - {name: Smoke Test, kind: http, url: "http://x"}\n')).toMatch(/^Invalid `hooks`: pre-traffic hook name 'Smoke Test'\. Expected lower-case/);
  });

  it('a shape that is not stages of hook lists', () => {
    expect(failure('- kind: http\n')).toMatch(/^Invalid `hooks`: .*Expected a mapping of stage \(`pre-traffic`\) to a list of hooks\.$/);
    expect(failure('pre-traffic: {kind: http}\n')).toMatch(/^Invalid `hooks`: `pre-traffic` is .*Expected a list of hooks\.$/);
    expect(failure('pre-traffic:\n  - just-a-string\n')).toMatch(/hook #1 is 'just-a-string'\. Expected a mapping with `kind`\.$/);
    expect(failure('pre-traffic: [\n')).toMatch(/^Invalid `hooks`: not valid YAML/);
  });

  it('names the input it was given', () => {
    expect(failure('pre-traffic:\n  - {kind: nope}\n', { input: 'smoke-hooks' })).toMatch(/^Invalid `smoke-hooks`: pre-traffic hook `nope-1`/);
  });
});
