import * as core from '@actions/core';
import { containsSecret } from './secrets.js';

/**
 * Typed state handed from a main step to its post step. Values are JSON; a value that contains a
 * masked secret is refused, because the runner stores state in plain files.
 */
export class StepState<T extends object> {
  constructor(private readonly key: string) {}

  save(value: T): void {
    const text = JSON.stringify(value);
    if (containsSecret(text)) throw new Error(`Refusing to store a secret in step state \`${this.key}\`.`);
    core.saveState(this.key, text);
  }

  read(): T | undefined {
    const text = core.getState(this.key);
    if (text === '') return undefined;
    return JSON.parse(text) as T;
  }
}
