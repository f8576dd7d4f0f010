import * as core from '@actions/core';
import { ConfigurationError, errorMessage } from '../../shared/errors.js';
import { setOutputs } from '../../shared/action/outputs.js';
import { phase } from '../../shared/action/phase.js';
import { parseSuiteName } from '../../shared/registry/names.js';
import { ModelRegistry } from '../../shared/registry/registry.js';
import { createS3Client } from '../../shared/registry/s3-client.js';
import { uploadReport } from '../../shared/validation/artifacts.js';
import { redactSecretsIn } from '../../shared/action/secrets.js';
import { compareWithBaseline } from '../../shared/validation/baseline.js';
import { compareDatasets, loadDataset } from '../../shared/validation/drift.js';
import { mergeShardReports } from '../../shared/validation/merge.js';
import { headline } from '../../shared/validation/render.js';
import { buildReport, type ValidationReport } from '../../shared/validation/report.js';
import { fileDigest, prepareValidation, runValidation, type ValidationPlan } from '../../shared/validation/validate.js';
import { loadBaseline, type Baseline } from './baseline.js';
import type { Inputs } from './inputs.js';
import { loadModel, type ModelUnderTest } from './model.js';
import { reportToGitHub, writeReportFile, writeSummary } from './reporting.js';
import { readShardReports } from './shard-reports.js';

function planFrom(inputs: Inputs): ValidationPlan {
  return {
    suiteFile: inputs.suite.file,
    suiteDisplayPath: inputs.suite.display,
    endpoint: { url: inputs.endpoint, apiKey: inputs['api-key'], timeoutMs: inputs.timeout, retries: inputs.retries },
    judge: { url: inputs['judge-endpoint'], apiKey: inputs['judge-api-key'], model: inputs['judge-model'] },
    repeats: inputs.repeats,
    maxRepeats: inputs['max-repeats'],
    threshold: inputs.threshold,
    concurrency: inputs.concurrency,
    confidence: inputs.confidence,
    method: inputs.interval,
    shard: inputs.shard,
    drift: inputs.reference && inputs.current ? { reference: inputs.reference, current: inputs.current, limit: inputs['drift-limit'] } : undefined,
  };
}

/** Merge mode: the shard reports combined, judged as one run over the whole suite. */
async function mergedReport(inputs: Inputs, baseline: (suite: string) => Promise<Baseline | undefined>): Promise<ValidationReport> {
  const parts = mergeShardReports(await readShardReports(inputs['shard-reports'], inputs['artifact-name']));
  const digest = await fileDigest(inputs.suite.file).catch(() => {
    throw new ConfigurationError(`Cannot read \`suite\` '${inputs.suite.display}'.`);
  });
  if (digest !== parts.suite.digest) {
    throw new ConfigurationError(`The shard reports ran suite ${parts.suite.path} ${parts.suite.digest}, but \`suite\` '${inputs.suite.display}' is ${digest}: merge the shards of this very suite.`);
  }
  const b = await baseline(parts.suite.name);
  const drift =
    inputs.reference && inputs.current
      ? compareDatasets(await loadDataset(inputs.reference, 'reference'), await loadDataset(inputs.current, 'current'), inputs['drift-limit'])
      : undefined;
  return buildReport({ ...parts, drift, baseline: b && compareWithBaseline(parts.cases, b.results, b.label, b.margin, parts.settings.confidence) });
}

/** Publishes the candidate (gate passed, `publish: true`) and stores the report beside the version it judged. */
async function recordInRegistry(inputs: Inputs, registry: ModelRegistry, model: ModelUnderTest, report: ValidationReport): Promise<void> {
  let version = model.resolved?.version;
  let digest = model.resolved?.manifestDigest;
  if (inputs.publish && inputs['model-path'] && inputs.version?.kind === 'version') {
    if (report.verdict !== 'pass') {
      core.info(`Not publishing ${inputs.model} ${inputs.version.version}: the verdict is ${report.verdict}.`);
      return;
    }
    const server = process.env.GITHUB_SERVER_URL || 'https://github.com';
    const run = process.env.GITHUB_RUN_ID ? ` via ${server}/${process.env.GITHUB_REPOSITORY}/actions/runs/${process.env.GITHUB_RUN_ID}` : '';
    const published = await registry.publish({
      model: inputs.model!,
      version: inputs.version.version,
      folder: inputs['model-path'],
      framework: inputs.framework,
      createdBy: `${process.env.GITHUB_ACTOR || 'model-validate'}${run}`,
      metrics: { 'pass-rate': report.passRate },
    });
    version = inputs.version.version;
    digest = published.manifestDigest;
    report.model = { name: inputs.model, version, checksum: digest };
    core.info(`Published ${inputs.model} ${version} (${digest}) to ${registry.url}.`);
  }
  if (!version || !digest) return;
  await registry.storeValidation({ model: inputs.model!, version, suite: report.suite.name, manifestDigest: digest, report });
  core.info(`Stored the '${report.suite.name}' results beside ${inputs.model} ${version}.`);
}

/** The gate, from checked inputs: suite, model, evaluation, registry, reports, verdict. */
export async function validateModel(inputs: Inputs): Promise<void> {
  // Everything that can be checked without the registry or the endpoint, first: suite, endpoint, datasets.
  const prepared = inputs.merge ? undefined : await phase('Check the suite', () => prepareValidation(planFrom(inputs)));
  if (prepared && inputs.registry) parseSuiteName(prepared.suite.name, 'suite');
  const registry = inputs.registry ? new ModelRegistry(await createS3Client(), inputs.registry) : undefined;
  if (registry && inputs.publish && inputs.version?.kind === 'version' && (await registry.versions(inputs.model!)).includes(inputs.version.version)) {
    throw new ConfigurationError(`Invalid \`version\`: ${inputs.model} ${inputs.version.version} already exists in ${registry.url}; versions are immutable, publish a new version.`);
  }
  const model = await phase('Model', () => loadModel(inputs, registry));
  const baseline = async (suite: string) =>
    inputs.baseline && registry ? loadBaseline(registry, inputs.model!, inputs.baseline, suite, inputs.margin) : undefined;

  // An endpoint that echoes the request (the `api-key` in an Authorization header) must not put it in the report,
  // the artifact, the registry's stored results, the summary, the check run or the PR comment.
  const report = redactSecretsIn(
    prepared
      ? await phase('Evaluate', async () => runValidation(prepared, model.identity, await baseline(prepared.suite.name)))
      : await phase('Merge shard reports', () => mergedReport(inputs, baseline)),
  );
  if (!prepared && model.identity.checksum && report.model.checksum !== model.identity.checksum) {
    throw new ConfigurationError(`The shard reports validated ${report.model.checksum ?? 'no model'}, not ${model.identity.name} ${model.identity.version} (${model.identity.checksum}).`);
  }
  core.info(headline(report));

  const sharded = report.shard !== undefined && report.shard.count > 1;
  let registryError: unknown;
  if (registry && !sharded) {
    await phase('Registry', () => recordInRegistry(inputs, registry, model, report)).catch((error) => (registryError = error));
  }
  const file = await writeReportFile(report);
  setOutputs({ verdict: report.verdict, 'pass-rate': Number(report.passRate.toFixed(6)), report: file, checksum: report.model.checksum, version: report.model.version, 'model-dir': model.dir });
  await phase('Report', async () => {
    const markdown = await writeSummary(report);
    const shardName = sharded ? `${inputs['artifact-name']}-shard-${report.shard!.index}-of-${report.shard!.count}` : inputs['artifact-name'];
    await uploadReport(shardName, file).catch((error) => core.warning(`Could not upload the report artifact: ${errorMessage(error)}`));
    if (!sharded) await reportToGitHub(report, markdown, inputs['github-token'], { checkName: inputs['check-name'], comment: inputs.comment });
  });
  if (registryError !== undefined) throw registryError;
  if (sharded) {
    core.info(`Shard ${report.shard!.index}/${report.shard!.count} done; the merge run (merge: true) gives the verdict.`);
    return;
  }
  if (report.verdict !== 'pass') throw new Error(`The gate did not pass: ${headline(report).replace(/^\S+ /, '')}`);
}
