import { readdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonProblem } from '../../shared/parse/json.js';
import { ConfigurationError } from '../../shared/errors.js';
import { downloadReports } from '../../shared/validation/artifacts.js';
import type { ValidationReport } from '../../shared/validation/report.js';

async function jsonFilesUnder(path: string): Promise<string[]> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new ConfigurationError(`Invalid \`shard-reports\`: '${path}' does not exist.`);
  if (info.isFile()) return [path];
  const entries = await readdir(path, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.json')).map((e) => join(e.parentPath, e.name)).sort();
}

/** Shard reports from a folder of report files, or else from this run's artifacts named `<artifact-name>-shard-*`. */
export async function readShardReports(folder: string | undefined, artifactName: string): Promise<ValidationReport[]> {
  const roots = folder ? [folder] : await downloadReports(`${artifactName}-shard-`, join(process.env.RUNNER_TEMP || tmpdir(), 'ai-deploy-shards'));
  const files = (await Promise.all(roots.map(jsonFilesUnder))).flat();
  if (files.length === 0) throw new ConfigurationError(`No shard reports found${folder ? ` in '${folder}'` : ` in artifacts named '${artifactName}-shard-*'`}.`);
  return Promise.all(
    files.map(async (f) => {
      const text = await readFile(f, 'utf8');
      try {
        return JSON.parse(text) as ValidationReport;
      } catch (error) {
        // Not the parser's message: it quotes the file.
        const at = jsonProblem(text, (error as Error).message);
        throw new ConfigurationError(`Invalid \`shard-reports\`: shard report '${f}' is not valid JSON: ${at.what} at line ${at.line}, column ${at.column}.`);
      }
    }),
  );
}
