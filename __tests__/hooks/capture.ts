/** Captures what @actions/core prints (workflow commands, info lines) while a function runs. */
export function captureStdout<T>(fn: () => T): { value: T; text: string } {
  const writes: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    writes.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  }) as typeof process.stdout.write;
  try {
    return { value: fn(), text: writes.join('') };
  } finally {
    process.stdout.write = write;
  }
}

export async function captureStdoutAsync<T>(fn: () => Promise<T>): Promise<{ value: T; text: string }> {
  const writes: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    writes.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  }) as typeof process.stdout.write;
  try {
    return { value: await fn(), text: writes.join('') };
  } finally {
    process.stdout.write = write;
  }
}
