import { downloadArtifacts, uploadFileArtifact } from '../action/artifacts.js';

/** model-validate's reports as workflow artifacts (shared/action/artifacts.ts does the work), in its words off a runner. */
export const uploadReport = (name: string, file: string): Promise<number | undefined> =>
  uploadFileArtifact(name, file, { retentionDays: 30, offRunner: `Not on a GitHub runner (no artifact service): the report stays at ${file}.` });

/** Downloads this run's artifacts whose names start with `prefix` into `into`, one folder each; returns the folders. */
export const downloadReports = (prefix: string, into: string): Promise<string[]> =>
  downloadArtifacts(prefix, into, {
    offRunner: 'Shard reports can only be fetched from artifacts on a GitHub runner; pass `shard-reports` (a folder of report files) instead.',
  });
