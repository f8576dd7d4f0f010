import * as core from '@actions/core';
import type { AssessmentOptions } from '../../shared/analysis/index.js';
import { phase } from '../../shared/action/phase.js';
import { stepJudges } from './engine.js';
import { getInputs, type Inputs } from './inputs.js';
import { monitorLive } from './live-mode.js';
import { publish } from './publish.js';
import { monitorReplay } from './replay-mode.js';
import { runStep } from '../../shared/action/runner.js';

function assessmentOptions(inputs: Inputs): AssessmentOptions {
  return { falseAlarmRate: inputs['false-alarm-rate'], failureLimit: inputs['failure-limit'], onMissingData: inputs['on-missing-data'] };
}

/**
 * monitor-canary: live, it steps the canary's traffic up while judging it against its control and ends
 * with a verdict (the step fails unless it is `pass`, so nothing after it promotes a canary that was not
 * shown healthy); with `replay`, it judges a recorded trace offline and only reports.
 */
export function run(inputs?: Inputs): Promise<void> {
  // The typescript-action contract (`@github/local-action` calls this): never throws, failures end in core.setFailed.
  // `inputs`: parsed by the caller when it already checked them (the bundle entry does), else here.
  return runStep(async () => monitorCanary(inputs ?? getInputs()));
}

async function monitorCanary(inputs: Inputs): Promise<void> {
  const options = assessmentOptions(inputs);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  if (inputs.replay !== undefined) {
    if (inputs.hooks.during?.length) core.notice('`hooks` are not run in replay: a recorded trace needs no load.');
    const report = await phase('Replay', async () => monitorReplay(inputs.replay!, inputs.metrics, options));
    await publish(report, inputs.metrics, `monitor-canary-replay-${stamp}`);
    return;
  }
  // Each step is judged with its horizon (step-duration / interval), as runLive ends it.
  const report = await monitorLive(inputs, stepJudges(inputs.metrics, options, inputs.steps.length));
  await publish(report, inputs.metrics, `monitor-canary-${inputs.kubernetes!.deployment}-${stamp}`);
  if (report.verdict !== 'pass') core.setFailed(`Canary ${report.verdict}: ${report.reason}`);
}
