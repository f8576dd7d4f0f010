// Reads the six action.yml files: the one place scripts and tests learn the actions' public contract.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export const root = new URL('..', import.meta.url).pathname;
export const ACTIONS = ['build-image', 'model-validate', 'canary-deploy', 'monitor-canary', 'auto-rollback', 'promote'];

/** @returns {{name: string, description: string, inputs: Record<string, any>, outputs: Record<string, any>, runs: any, branding: any}} */
export function readAction(action) {
  return parse(readFileSync(join(root, action, 'action.yml'), 'utf8'));
}
