/**
 * A few order statistics of a sample without sorting it: a percentile and the ranks around it are all an
 * interval's statistic and its variance need (sample-stats.ts), and sorting 200 latencies twice an interval
 * to read a handful of them was a sixth of the judging time.
 */

/** Working copy, reused between calls (the samples themselves are the caller's and stay as they are). */
let work = new Float64Array(256);

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}

/**
 * Quickselect of rank `k` within a[left..right]: afterwards a[k] holds that rank, everything before it in the
 * range is <= it and everything after it is >=. The partition (Lomuto's, pivot the median of three) moves
 * every element without a branch on its value: which side an element falls is a coin flip the processor
 * cannot predict, and that misprediction was most of the cost. When nothing is below the pivot (ties), the
 * pivot's equals are gathered next to it, so that ties cannot make the search quadratic.
 */
function selectRank(a: Float64Array, k: number, left: number, right: number): void {
  let l = left;
  let r = right;
  while (r > l) {
    const m = (l + r) >> 1;
    if (a[m] < a[l]) swap(a, m, l);
    if (a[r] < a[l]) swap(a, r, l);
    if (a[m] < a[r]) swap(a, m, r);
    const pivot = a[r];
    // a[l..s-1] < pivot <= a[s..i-1]
    let s = l;
    for (let i = l; i < r; i++) {
      const x = a[i];
      a[i] = a[s];
      a[s] = x;
      s += +(x < pivot);
    }
    a[r] = a[s];
    a[s] = pivot;
    // a[s..e] == pivot
    let e = s;
    if (s === l) {
      for (let i = s + 1; i <= r; i++) {
        const x = a[i];
        a[i] = a[e + 1];
        a[e + 1] = x;
        e += +(x <= pivot);
      }
    }
    if (k < s) r = s - 1;
    else if (k > e) l = e + 1;
    else return;
  }
}

/**
 * The values of ranks `from`..`to` (0-based, inclusive) of `values` as an ascending sort would place them:
 * result[i] is rank from + i. Expected O(n): both end ranks are selected, then only the ranks between them
 * are put in order. `values` must be finite numbers (every provider and the trace parser check that).
 */
export function orderStatistics(values: ArrayLike<number>, from: number, to: number): number[] {
  const n = values.length;
  if (!(0 <= from && from <= to && to < n)) throw new RangeError(`ranks ${from}..${to} of ${n} values`);
  if (work.length < n) work = new Float64Array(n);
  const a = work;
  for (let i = 0; i < n; i++) a[i] = values[i];
  selectRank(a, from, 0, n - 1);
  if (to > from) selectRank(a, to, from + 1, n - 1);
  const out: number[] = [];
  for (let i = from; i <= to; i++) out.push(a[i]);
  // the ranks strictly between the two selected ones, by insertion (there are few of them)
  for (let i = 2; i < out.length - 1; i++) {
    const x = out[i];
    let j = i - 1;
    while (j >= 1 && out[j] > x) {
      out[j + 1] = out[j];
      j--;
    }
    out[j + 1] = x;
  }
  return out;
}
