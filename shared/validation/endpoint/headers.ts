/** Headers the HTTP client sets itself (framing and connection handling); a suite may not set them. */
const RESERVED = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'expect', 'te', 'trailer']);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Why a header cannot be sent as given, or undefined when it can. */
export function headerProblem(name: string, value: string): string | undefined {
  if (!TOKEN.test(name)) return `header name ${JSON.stringify(name)} is not a valid HTTP header name`;
  if (RESERVED.has(name.toLowerCase())) return `header \`${name}\` is set by the client itself`;
  if (/[\r\n\0]/.test(value)) return `header \`${name}\` has a line break or NUL in its value`;
  return undefined;
}
