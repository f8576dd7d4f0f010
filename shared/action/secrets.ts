import * as core from '@actions/core';

const registered = new Set<string>();

/** Masks a secret in all later log output and remembers it, so state and reports can refuse it. */
export function maskSecret(value: string | undefined): void {
  if (!value) return;
  for (const piece of [value, ...value.split(/\r?\n/)]) {
    const p = piece.trim();
    if (p.length < 4 || registered.has(p)) continue;
    registered.add(p);
    core.setSecret(p);
  }
}

/**
 * A kubeconfig's whole text is secret, and so is every credential value in it (tokens, keys,
 * certificate data, passwords), which the runner would otherwise only mask as whole lines.
 */
export function maskKubeconfig(contents: string): void {
  maskSecret(contents);
  const credential = /^\s*(token|client-key-data|client-certificate-data|password|id-token|refresh-token|access-token)\s*:\s*["']?([^"'\s]+)/gm;
  for (const match of contents.matchAll(credential)) maskSecret(match[2]);
}

/** True when the text contains any secret masked in this run. */
export function containsSecret(text: string): boolean {
  for (const secret of registered) if (text.includes(secret)) return true;
  return false;
}
