import { describe, expect, it } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import { buildHookJob } from '../../shared/hooks/job-object.js';
import { jobState } from '../../shared/hooks/job-hook.js';
import { apiErrorLine } from '../../shared/k8s/errors.js';
import { parseHooks } from '../../shared/hooks/parse.js';
import { runHooks } from '../../shared/hooks/run.js';
import { startDuringHooks } from '../../shared/hooks/during.js';
import { serviceProxyPath, serviceProxyUrl } from '../../shared/hooks/service-proxy.js';
import type { JobHook } from '../../shared/hooks/types.js';
import { captureStdoutAsync } from './capture.js';

const workspace = fileURLToPath(new URL('./fixtures', import.meta.url));

describe('service proxy URLs', () => {
  it('reach a Service port through the API server, keeping the path and query', () => {
    expect(serviceProxyPath('models', { service: 'sentiment-canary', port: '8080', scheme: 'http' }, '/v1/models/sentiment:predict?x=1')).toBe(
      '/api/v1/namespaces/models/services/sentiment-canary:8080/proxy/v1/models/sentiment:predict?x=1',
    );
  });

  it('name an https backend and a named port the way the API server expects', () => {
    expect(serviceProxyPath('prod', { service: 'web', port: 'metrics', scheme: 'https' }, '/')).toBe('/api/v1/namespaces/prod/services/https:web:metrics/proxy/');
  });

  it('join the cluster server without doubling the slash', () => {
    expect(serviceProxyUrl('https://10.0.0.1:6443/', 'ns', { service: 's', port: '80', scheme: 'http' }, '/healthz')).toBe(
      'https://10.0.0.1:6443/api/v1/namespaces/ns/services/s:80/proxy/healthz',
    );
  });
});

describe('the Job a job hook creates', () => {
  const plan = parseHooks('pre-traffic:\n  - {name: smoke, kind: job, manifest: jobs/succeeds.yaml, timeout: 90s}\n  - {name: load, kind: job, manifest: jobs/hangs.yaml}\n', {
    allowedStages: ['pre-traffic'],
    workspace,
  });
  const [smoke, load] = plan['pre-traffic'] as JobHook[];
  const context = { namespace: 'models', values: { image: 'registry.local/sentiment@sha256:abc', 'model-version': 'v7' }, labels: { 'ai-deploy.dev/deployment': 'sentiment' } };

  it('fills in template values, moves into the action namespace and gets a generated name from the manifest', () => {
    const job = buildHookJob(smoke, context, 'pre-traffic');
    expect(job.metadata).toEqual({
      generateName: 'smoke-check-',
      namespace: 'models',
      labels: { 'ai-deploy.dev/deployment': 'sentiment', 'app.kubernetes.io/managed-by': 'ai-deploy', 'ai-deploy.dev/hook-stage': 'pre-traffic', 'ai-deploy.dev/hook': 'smoke' },
    });
    expect(job.spec?.template.spec?.containers[0]).toEqual({
      name: 'check',
      image: 'registry.local/sentiment@sha256:abc',
      args: ['--model-version', 'v7', '--namespace', 'models'],
    });
    expect(job.spec?.template.metadata?.labels).toMatchObject({ 'ai-deploy.dev/hook': 'smoke' });
    expect(job.spec?.template.metadata?.annotations).toEqual({ 'ai-deploy.test/job-duration': '1s' });
  });

  it('gets safe defaults (no pod retries, a deadline a minute past the timeout, Never restart, removal after an hour), unless the manifest sets them', () => {
    const job = buildHookJob(smoke, context, 'pre-traffic');
    expect(job.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 150, ttlSecondsAfterFinished: 3600 });
    expect(job.spec?.template.spec?.restartPolicy).toBe('Never');
    expect(buildHookJob(load, context, 'pre-traffic').spec?.backoffLimit).toBe(2);
  });

  it('leaves the parsed manifest untouched, so a second run renders afresh', () => {
    buildHookJob(smoke, context, 'pre-traffic');
    expect(JSON.stringify(smoke.job)).toContain('{{image}}');
  });
});

describe('reading Job status and API errors', () => {
  const job = (conditions: { type: string; status: string; reason?: string; message?: string }[]) => ({ status: { conditions } });

  it('a Job is over only with a true terminal condition', () => {
    expect(jobState(job([]))).toEqual({ phase: 'running' });
    expect(jobState(job([{ type: 'Complete', status: 'False' }]))).toEqual({ phase: 'running' });
    expect(jobState(job([{ type: 'SuccessCriteriaMet', status: 'True' }]))).toEqual({ phase: 'succeeded' });
    expect(jobState(job([{ type: 'FailureTarget', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }]))).toEqual({
      phase: 'failed',
      reason: 'BackoffLimitExceeded: Job has reached the specified backoff limit',
    });
  });

  it('an API error becomes one line with its status and message', () => {
    const error = Object.assign(new Error('HTTP-Code: 403\nMessage: Forbidden\nBody: {...}\nHeaders: {...}'), {
      code: 403,
      body: JSON.stringify({ kind: 'Status', message: 'jobs.batch is forbidden: User "ci" cannot create resource "jobs"' }),
    });
    expect(apiErrorLine(error)).toBe('403: jobs.batch is forbidden: User "ci" cannot create resource "jobs"');
    expect(apiErrorLine(new Error('connect ECONNREFUSED 127.0.0.1:6443\nmore'))).toBe('connect ECONNREFUSED 127.0.0.1:6443');
  });
});

describe('hooks that need the cluster', () => {
  it('fail naming the hook when the action passed no Kubernetes clients', async () => {
    const plan = parseHooks('pre-promote:\n  - {name: migrate, kind: job, manifest: jobs/succeeds.yaml}\n', { allowedStages: ['pre-promote'], workspace });
    const { value: report } = await captureStdoutAsync(() => runHooks('pre-promote', plan, { namespace: 'models' }));
    expect(report.failure).toBe('pre-promote hook `migrate` (job) failed: could not run: Hook `migrate` runs a Job, and needs Kubernetes clients in its context.');
  });

  it('in `during`, are reported failed when stopped instead of breaking the analysis', async () => {
    const plan = parseHooks('during:\n  - {name: warm, kind: http, service: web, port: 80}\n', { allowedStages: ['during'], workspace });
    const { value: during, text } = await captureStdoutAsync(() => startDuringHooks(plan, { namespace: 'models' }));
    expect(text).toContain('::warning::during hook `warm` failed: could not run: Hook `warm` reaches a Service, and needs Kubernetes clients in its context.');
    expect((await during.stop()).results.map((r) => [r.name, r.outcome])).toEqual([['warm', 'failed']]);
  });
});
