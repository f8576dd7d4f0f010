/** Intercepts what a step prints (workflow commands, info lines) until `restore()`. */
export function interceptStdout(): { text: () => string; restore: () => void } {
  const writes: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    writes.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  }) as typeof process.stdout.write;
  return { text: () => writes.join(''), restore: () => void (process.stdout.write = write) };
}
