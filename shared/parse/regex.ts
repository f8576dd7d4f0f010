/**
 * A regular expression compiled now rather than at its first match: V8 builds the matcher lazily,
 * so a pattern too large or too deeply nested for it ("Regular expression too large", "Stack
 * overflow") passes `new RegExp` and fails later, in the middle of a run. One match of the empty
 * string builds it. Throws an Error whose message is the engine's reason alone, without the pattern
 * (which can be 40,000 characters).
 */
export function compileRegex(source: string, flags = ''): RegExp {
  let re: RegExp;
  try {
    re = new RegExp(source, flags);
    re.test('');
  } catch (error) {
    throw new Error(reasonOf(error, source, flags));
  }
  re.lastIndex = 0;
  return re;
}

function reasonOf(error: unknown, source: string, flags: string): string {
  const message = error instanceof Error ? error.message : String(error);
  // V8: `Invalid regular expression: /<source>/<flags>: <reason>`, or `Invalid flags supplied to RegExp constructor '<flags>'`.
  const prefix = `Invalid regular expression: /${source}/${flags}: `;
  return message.startsWith(prefix) ? message.slice(prefix.length) : message;
}
