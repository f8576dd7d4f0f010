import { addMask } from './commands.js';

const registered = new Set<string>();

/** Masks a secret in all later log output and remembers it, so state and reports can refuse it. */
export function maskSecret(value: string | undefined): void {
  if (!value) return;
  for (const piece of [value, ...value.split(/\r?\n/)]) {
    const p = piece.trim();
    if (p.length < 4 || registered.has(p)) continue;
    registered.add(p);
    addMask(p);
  }
}

/**
 * Every credential value in a kubeconfig (tokens, keys, certificate data, passwords) is masked. Its
 * other lines (`kind: Config`, `current-context: ...`) are not: masking them would blank the same
 * words wherever they appear in the log. The whole text is still refused in state and reports.
 */
export function maskKubeconfig(contents: string): void {
  registered.add(contents);
  const credential = /^\s*(token|client-key-data|client-certificate-data|password|id-token|refresh-token|access-token)\s*:\s*["']?([^"'\s]+)/gm;
  for (const match of contents.matchAll(credential)) maskSecret(match[2]);
}

/** True when the text contains any secret masked in this run. */
export function containsSecret(text: string): boolean {
  for (const secret of registered) if (text.includes(secret)) return true;
  return false;
}
