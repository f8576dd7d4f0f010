/**
 * The Node version check that runs before anything else in a step. Our SDKs crash on an older Node
 * with errors that never mention Node (undici on Node 20: "Cannot read properties of undefined
 * (reading 'bind')"), so an older Node is refused first, in one line, with nothing else loaded.
 * This module imports nothing: it must run on any Node.
 */
export const NODE_MAJOR_NEEDED = 24;

/** The one-line refusal for `version` (as in `process.version`), or undefined when it is new enough. */
export function nodeTooOld(version: string): string | undefined {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1]);
  if (major >= NODE_MAJOR_NEEDED) return undefined;
  return (
    `ai-deploy needs Node ${NODE_MAJOR_NEEDED} or newer and this step runs on Node ${version}. ` +
    `GitHub's runners run \`using: node${NODE_MAJOR_NEEDED}\` actions on Node ${NODE_MAJOR_NEEDED}; on act or a self-hosted runner, put Node ${NODE_MAJOR_NEEDED} first on PATH.`
  );
}
