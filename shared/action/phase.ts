import * as core from '@actions/core';

/** Runs one phase of an action inside its own collapsible log group. */
export function phase<T>(title: string, fn: () => Promise<T>): Promise<T> {
  return core.group(title, fn);
}
