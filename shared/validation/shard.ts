import { createHash } from 'node:crypto';
import { invalidInput } from '../errors.js';

/** `shard: i/n`: this run evaluates the cases whose id hashes to bucket i of n (1-based). */
export interface Shard {
  index: number;
  count: number;
}

export function parseShard(value: string, input = 'shard'): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count || count > 10_000) {
    throw invalidInput(input, value, '`i/n` with 1 <= i <= n, such as `1/4` (shard i of n)');
  }
  return { index, count };
}

/** A stable bucket for a case id: the same on every runner, Node version and file order. */
export function shardOf(caseId: string, count: number): number {
  const digest = createHash('sha1').update(caseId).digest();
  return (digest.readUInt32BE(0) % count) + 1;
}

export function inShard(caseId: string, shard: Shard | undefined): boolean {
  return shard === undefined || shard.count === 1 || shardOf(caseId, shard.count) === shard.index;
}
