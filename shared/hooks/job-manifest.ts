import { readFileSync } from 'node:fs';
import { LineCounter, parseAllDocuments } from 'yaml';
import { describeYamlError, yamlToJs } from '../parse/yaml.js';
import { ConfigurationError } from '../errors.js';
import { confinedPath, workspaceDir } from '../action/workspace.js';
import { HookFields, isMapping } from './hook-fields.js';
import { allStrings, unknownPlaceholders } from './placeholders.js';

const EXPECTED = 'a file in the repository holding one Kubernetes Job (`apiVersion: batch/v1`, `kind: Job`)';

/** Where manifest paths are read from: the checked-out repository, else the working directory. */
export const defaultWorkspace = workspaceDir;

/**
 * Reads and checks a hook's Job manifest at parse time, so a missing file or a manifest that is not
 * a Job fails before anything in the cluster changes.
 */
export function loadJobManifest(f: HookFields, path: string, workspace: string): Record<string, unknown> {
  // Inside the workspace or RUNNER_TEMP, symlinks followed, before it is opened.
  const file = confinedPath('manifest', path, { kind: 'file', base: workspace, where: f.where('manifest') });
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw f.error('manifest', path, `${EXPECTED}; nothing readable at ${file}`);
  }
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { uniqueKeys: true, prettyErrors: false, lineCounter });
  if (!Array.isArray(documents)) throw f.error('manifest', path, `${EXPECTED}; the file is empty`);
  const filled = documents.filter((d) => d.contents !== null);
  for (const d of filled) {
    const [problem] = d.errors;
    if (problem) {
      throw f.error('manifest', path, `${EXPECTED}; it is not valid YAML at ${describeYamlError(problem, lineCounter)}`);
    }
  }
  if (filled.length !== 1) throw f.error('manifest', path, `${EXPECTED}; it holds ${filled.length} documents`);
  const job: unknown = yamlToJs(filled[0], `${f.where('manifest')}: ${path}`);
  if (!isMapping(job)) throw f.error('manifest', path, `${EXPECTED}; it holds no mapping`);
  if (job.kind !== 'Job' || job.apiVersion !== 'batch/v1') {
    throw f.error('manifest', path, `${EXPECTED}; it holds \`kind: ${String(job.kind)}\`, \`apiVersion: ${String(job.apiVersion)}\``);
  }
  checkPodTemplate(f, path, job);
  for (const text of allStrings(job)) {
    const [problem] = unknownPlaceholders(text, false);
    if (problem) throw f.error('manifest', path, `placeholders ${problem.expected}; it uses ${problem.placeholder}`);
  }
  return job;
}

function checkPodTemplate(f: HookFields, path: string, job: Record<string, unknown>): void {
  const spec = isMapping(job.spec) ? job.spec : {};
  const template = isMapping(spec.template) ? spec.template : {};
  const podSpec = isMapping(template.spec) ? template.spec : {};
  if (!Array.isArray(podSpec.containers) || podSpec.containers.length === 0) {
    throw f.error('manifest', path, `${EXPECTED} with containers under \`spec.template.spec.containers\``);
  }
  const policy = podSpec.restartPolicy;
  if (policy !== undefined && policy !== 'Never' && policy !== 'OnFailure') {
    throw new ConfigurationError(
      `${f.where('manifest')}: ${path} sets \`restartPolicy: ${String(policy)}\`. Expected \`Never\` or \`OnFailure\` (a Job's pods must end).`,
    );
  }
}
