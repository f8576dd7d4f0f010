/**
 * Splits a list written as lines or commas (`a, b` or one per line); empty items are dropped,
 * items are trimmed. `#` starts a comment line, so lists can be annotated in workflow YAML.
 */
export function parseList(value: string): string[] {
  return value
    .split(/\r?\n/)
    .filter((line) => !line.trim().startsWith('#'))
    .flatMap((line) => line.split(','))
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}
