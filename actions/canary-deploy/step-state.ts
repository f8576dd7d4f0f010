import { StepState } from '../../shared/action/state.js';

/** What canary-deploy's main step hands its post step (never the kubeconfig). */
export interface CanaryStepState {
  namespace: string;
  deployment: string;
  /** The run identity recorded on the cluster as the canary's owner. */
  owner: string;
  /** Set once main finished: the canary is left for the next step. */
  finished: boolean;
  /** This run's lease nonce (./shared/canary/lease.ts): not a secret, but only ever stored, never logged. */
  nonce?: string;
}

export const canaryStepState = new StepState<CanaryStepState>('canary');

/** This run's identity: the same for re-runs of one attempt, different across workflow runs. */
export function runOwner(): string {
  const { GITHUB_RUN_ID, GITHUB_RUN_ATTEMPT, GITHUB_JOB } = process.env;
  return GITHUB_RUN_ID ? `${GITHUB_RUN_ID}.${GITHUB_RUN_ATTEMPT ?? '1'}.${GITHUB_JOB ?? ''}` : `local-${process.pid}-${Date.now()}`;
}
