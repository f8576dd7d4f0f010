import type { WeightSplit } from './router.js';

/** The backend names a router weighs: the user's stable Service and the suite's track Services. */
export interface BackendNames {
  stable: string;
  canary: string;
  baseline?: string;
}

type Entry = Record<string, any>;

/**
 * Weighs a list of weighted backends (HTTPRoute backendRefs, TrafficSplit backends): the stable entry
 * gets `split.stable`, the canary and baseline entries (added from `make` when missing) theirs.
 * Other entries are left alone. Returns a new list; `nameOf` reads an entry's Service name.
 * Without `make`, missing canary/baseline entries are not added (resetting never adds routing), and a list
 * without any is returned as it is.
 */
export function applySplit<T extends Entry>(
  entries: T[],
  nameOf: (e: T) => string,
  names: BackendNames,
  split: WeightSplit,
  make?: (name: string, stableEntry: T) => T,
): T[] {
  const stableEntry = entries.find((e) => nameOf(e) === names.stable);
  if (!stableEntry) return entries;
  // Resetting a list the canary is not in (cleaned up already) leaves the user's weights alone.
  if (!make && !hasTracks(entries, nameOf, names)) return entries;
  const wanted = new Map<string, number>([
    [names.stable, split.stable],
    [names.canary, split.canary],
  ]);
  if (names.baseline) wanted.set(names.baseline, split.baseline);
  const out = entries.map((e) => (wanted.has(nameOf(e)) ? { ...e, weight: wanted.get(nameOf(e)) } : e));
  for (const [name, weight] of wanted) {
    if (make && !out.some((e) => nameOf(e) === name)) out.push({ ...make(name, stableEntry), weight });
  }
  return out;
}

/**
 * The list without the suite's canary and baseline entries; the stable entry keeps all traffic, at `stableWeight`
 * (its weight before the canary; null: no weight field, as it had none).
 */
export function removeTracks<T extends Entry>(entries: T[], nameOf: (e: T) => string, names: BackendNames, stableWeight: number | null = 100): T[] {
  const ours = new Set([names.canary, names.baseline].filter(Boolean));
  if (!entries.some((e) => ours.has(nameOf(e)))) return entries;
  return entries.filter((e) => !ours.has(nameOf(e))).map((e) => {
    if (nameOf(e) !== names.stable) return e;
    const { weight: _w, ...rest } = e;
    return (stableWeight === null ? rest : { ...rest, weight: stableWeight }) as T;
  });
}

/** The stable entry's weight in a list (null: no stable entry, or no weight field). */
export function stableWeightOf<T extends Entry>(entries: T[], nameOf: (e: T) => string, names: BackendNames): number | null {
  const weight = entries.find((e) => nameOf(e) === names.stable)?.weight;
  return typeof weight === 'number' ? weight : null;
}

/** Whether the list has a canary or baseline entry of the suite. */
export function hasTracks<T extends Entry>(entries: T[], nameOf: (e: T) => string, names: BackendNames): boolean {
  return entries.some((e) => nameOf(e) === names.canary || (names.baseline !== undefined && nameOf(e) === names.baseline));
}

/** The canary's percent of the weight among stable, canary and baseline entries (0 when absent), to 4 decimals (21:179 is 10.5). */
export function canaryShare<T extends Entry>(entries: T[], nameOf: (e: T) => string, names: BackendNames): number {
  const weightOf = (name?: string) => {
    const e = name ? entries.find((x) => nameOf(x) === name) : undefined;
    return e ? Number(e.weight ?? 1) : 0;
  };
  // A list that does not reach stable (a match rule's, all canary) is not part of the weighted split.
  if (!entries.some((x) => nameOf(x) === names.stable)) return 0;
  const canary = weightOf(names.canary);
  const total = weightOf(names.stable) + canary + weightOf(names.baseline);
  return total === 0 ? 0 : Math.round((1e6 * canary) / total) / 1e4;
}
