import { describe, expect, it } from '@jest/globals';
import { ConfigurationError } from '../../shared/errors.js';
import { booleanInput, durationInput, requiredInput } from '../../shared/action/inputs.js';
import { StepState } from '../../shared/action/state.js';
import { maskKubeconfig, maskSecret } from '../../shared/action/secrets.js';
import { getKubernetesTarget } from '../../shared/action/kubernetes-inputs.js';
import { runInProcess } from '../support/run-step.js';

describe('the step runner', () => {
  it('reports a user mistake as one error line with no stack trace', async () => {
    const result = await runInProcess(async () => {
      throw new ConfigurationError('Invalid `weight`: \'x\'. Expected a number.');
    }, {});
    expect(result.failed).toBe(true);
    expect(result.errors).toEqual(["Invalid `weight`: 'x'. Expected a number."]);
    expect(result.stdout).not.toContain('at ');
  });

  it('reports an unexpected error as a failure with its message, and prints its stack only when step debugging is on', async () => {
    const fails = async () => {
      throw new Error('API server answered 503');
    };
    const plain = await runInProcess(fails, {});
    expect(plain.failed).toBe(true);
    expect(plain.errors).toEqual(['API server answered 503']);
    expect(plain.stdout).not.toContain('at ');
    // ACTIONS_STEP_DEBUG reaches the step as RUNNER_DEBUG=1.
    const debug = await runInProcess(fails, {}, { env: { RUNNER_DEBUG: '1' } });
    expect(debug.errors).toEqual(['API server answered 503']);
    expect(debug.stdout).toMatch(/::debug::Error: API server answered 503%0A\s+at /);
  });

  it('reads typed inputs the way the runner passes them', async () => {
    let seen: unknown;
    const result = await runInProcess(async () => {
      seen = { push: booleanInput('push', false), interval: durationInput('interval', '1m'), image: requiredInput('image') };
    }, { push: 'true', interval: '90s', image: 'ghcr.io/acme/agent:1' });
    expect(result.failed).toBe(false);
    expect(seen).toEqual({ push: true, interval: 90_000, image: 'ghcr.io/acme/agent:1' });
  });

  it('names a missing required input', async () => {
    const result = await runInProcess(async () => void requiredInput('deployment'), {});
    expect(result.errors).toEqual(['Input `deployment` is required and was not given.']);
  });
});

describe('secrets', () => {
  it('masks a kubeconfig and each credential in it, and refuses to store them in step state', async () => {
    const kubeconfig = 'apiVersion: v1\nusers:\n- name: u\n  user:\n    token: s3cr3t-token-value\n';
    const result = await runInProcess(async () => {
      maskKubeconfig(kubeconfig);
      const state = new StepState<{ note: string }>('canary');
      expect(() => state.save({ note: 'token s3cr3t-token-value' })).toThrow('Refusing to store a secret in step state `canary`.');
      state.save({ note: 'fine' });
    }, {});
    expect(result.failed).toBe(false);
    expect(result.stdout).toContain('::add-mask::s3cr3t-token-value');
    expect(result.state).toEqual({ canary: '{"note":"fine"}' });
  });

  it('masks the credential values of a kubeconfig but not its ordinary lines', async () => {
    const kubeconfig = 'apiVersion: v1\nkind: Config\ncurrent-context: prod\nusers:\n- name: ci\n  user:\n    client-key-data: S0VZLWRhdGEtdmFsdWU=\n';
    const result = await runInProcess(async () => maskKubeconfig(kubeconfig), {});
    const masked = result.stdout.split('\n').filter((l) => l.startsWith('::add-mask::'));
    // The key as given and as decoded (what a client might print).
    expect(masked).toEqual(['::add-mask::S0VZLWRhdGEtdmFsdWU=', '::add-mask::KEY-data-value']);
  });

  it('ignores empty and tiny values instead of masking every short word', async () => {
    const result = await runInProcess(async () => {
      maskSecret('');
      maskSecret('ab');
    }, {});
    expect(result.stdout).not.toContain('::add-mask::');
  });
});

describe('Kubernetes target inputs', () => {
  it('defaults the namespace and masks a kubeconfig given as contents', async () => {
    let target: unknown;
    const result = await runInProcess(async () => void (target = getKubernetesTarget()), {
      deployment: 'agent',
      kubeconfig: 'users:\n- user:\n    token: abcdefgh1234\n',
    });
    expect(result.failed).toBe(false);
    expect(target).toMatchObject({ deployment: 'agent', namespace: 'default', container: undefined });
    expect(result.stdout).toContain('::add-mask::abcdefgh1234');
  });

  it.each([
    [{ deployment: 'Agent_1' }, "Invalid `deployment`: 'Agent_1'. Expected a Kubernetes object name"],
    [{ deployment: 'agent', namespace: 'prod ns' }, "Invalid `namespace`: 'prod ns'. Expected a DNS label"],
    [{ deployment: 'agent', container: 'web;rm' }, "Invalid `container`: 'web;rm'. Expected a DNS label"],
  ])('refuses %p naming the input', async (inputs, message) => {
    const result = await runInProcess(async () => void getKubernetesTarget(), inputs);
    expect(result.errors[0]).toContain(message);
  });
});
