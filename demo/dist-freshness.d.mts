// Types for demo/dist-freshness.mjs.
export function staleDistNotice(root: string, dist: string): string | undefined;
