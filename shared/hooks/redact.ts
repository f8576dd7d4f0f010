import { containsSecret } from '../action/secrets.js';

/** A hook's answer as logged or reported: withheld whole when it holds a masked secret (an endpoint echoing a token). */
export function withoutSecrets(text: string): string {
  return containsSecret(text) ? 'the answer is withheld: it contains a secret' : text;
}
