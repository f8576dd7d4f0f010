/** Where and why a JSON text does not parse, without quoting it: `{line, column, what}` (1-based). */
export interface JsonProblem {
  line: number;
  column: number;
  what: string;
}

const endsEarly = (message: string) => /^Unexpected end of JSON input|^Unterminated string/.test(message);

function parseError(text: string): string | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * The position of a JSON syntax error. V8 gives it for some errors only ("Unexpected token 'r', "root:x:0:0"...
 * is not valid JSON" quotes the text instead): the first bad character is found as the shortest prefix of the
 * text that fails for a reason other than ending early (a bad character stays bad in every longer prefix).
 */
export function jsonProblem(text: string, message: string): JsonProblem {
  let offset: number;
  if (endsEarly(message)) {
    offset = text.length;
  } else {
    let [lo, hi] = [1, text.length];
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const m = parseError(text.slice(0, mid));
      if (m !== undefined && !endsEarly(m)) hi = mid;
      else lo = mid + 1;
    }
    offset = lo - 1;
  }
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  const what = endsEarly(message)
    ? 'the text ends before the JSON value does'
    : /^Unexpected token|^Unexpected non-whitespace/.test(message)
      ? 'unexpected character'
      : message.replace(/ in JSON at position.*$/s, '').replace(/ at position.*$/s, '').replace(/, ".*$/s, '');
  return { line, column, what };
}

/** The path (`metrics.latency.canary[3].v`) of the first number that overflowed to ±Infinity when parsed (`1e400`). */
export function overflowingNumber(value: unknown, path = ''): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : path || '(the top level)';
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = overflowingNumber(value[i], `${path}[${i}]`);
      if (found) return found;
    }
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, v] of Object.entries(value)) {
      const found = overflowingNumber(v, path ? `${path}.${key}` : key);
      if (found) return found;
    }
  }
  return undefined;
}
