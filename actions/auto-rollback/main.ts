import { getInputs } from './inputs.js';
import { notBuiltYet } from '../../shared/action/not-built.js';

export async function run(): Promise<void> {
  getInputs();
  notBuiltYet('auto-rollback');
}
