import * as core from '@actions/core';

export type OutputValue = string | number | boolean | object | undefined;

/** Sets every output at once; objects are written as JSON, undefined ones are skipped. */
export function setOutputs(outputs: Record<string, OutputValue>): void {
  for (const [name, value] of Object.entries(outputs)) {
    if (value === undefined) continue;
    core.setOutput(name, typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
}
