import { interceptStdout } from '../support/capture-stdout.js';

/** Captures what @actions/core prints (workflow commands, info lines) while a function runs. */
export function captureStdout<T>(fn: () => T): { value: T; text: string } {
  const out = interceptStdout();
  try {
    return { value: fn(), text: out.text() };
  } finally {
    out.restore();
  }
}

export async function captureStdoutAsync<T>(fn: () => Promise<T>): Promise<{ value: T; text: string }> {
  const out = interceptStdout();
  try {
    return { value: await fn(), text: out.text() };
  } finally {
    out.restore();
  }
}
