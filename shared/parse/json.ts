/** Where and why a JSON text does not parse, without quoting it: `{line, column, what}` (1-based). */
export interface JsonProblem {
  line: number;
  column: number;
  what: string;
}

const positionIn = (message: string): number | undefined => {
  const m = /at position (\d+)/.exec(message);
  return m ? Number(m[1]) : undefined;
};

/** An error of a text that ended too soon: V8 says so, or points at the end ("Expected ',' or '}' ... at position <length>"). */
const endsEarly = (message: string, length: number) => /^Unexpected end of JSON input|^Unterminated string/.test(message) || (positionIn(message) ?? -1) >= length;

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
 * is not valid JSON" quotes the text instead): then the first bad character is found as the shortest prefix of
 * the text that fails for a reason other than ending early (a bad character stays bad in every longer prefix).
 */
export function jsonProblem(text: string, message: string): JsonProblem {
  let offset = positionIn(message);
  const early = endsEarly(message, text.length);
  if (early) {
    offset = text.length;
  } else if (offset === undefined) {
    let [lo, hi] = [1, text.length];
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const m = parseError(text.slice(0, mid));
      if (m !== undefined && !endsEarly(m, mid)) hi = mid;
      else lo = mid + 1;
    }
    offset = lo - 1;
  }
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  const what = early
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
