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
 * Quickselect (Hoare partition, median-of-three pivot; Numerical Recipes' `select`) of rank `k` within
 * a[left..right]: afterwards a[k] holds that rank, everything before it in the range is <= it and everything
 * after it is >=.
 */
function selectRank(a: Float64Array, k: number, left: number, right: number): void {
  let l = left;
  let r = right;
  while (r > l + 1) {
    swap(a, (l + r) >> 1, l + 1);
    if (a[l] > a[r]) swap(a, l, r);
    if (a[l + 1] > a[r]) swap(a, l + 1, r);
    if (a[l] > a[l + 1]) swap(a, l, l + 1);
    // a[l] <= pivot <= a[r]: both ends stop the scans below
    const pivot = a[l + 1];
    let i = l + 1;
    let j = r;
    for (;;) {
      do i++;
      while (a[i] < pivot);
      do j--;
      while (a[j] > pivot);
      if (j < i) break;
      swap(a, i, j);
    }
    a[l + 1] = a[j];
    a[j] = pivot;
    if (j >= k) r = j - 1;
    if (j <= k) l = i;
  }
  if (r === l + 1 && a[r] < a[l]) swap(a, l, r);
}

/**
 * The values of ranks `from`..`to` (0-based, inclusive) of `values` as an ascending sort would place them:
 * result[i] is rank from + i. Expected O(n): both end ranks are selected, then only the ranks between them
 * are put in order. `values` must be finite numbers (every provider and the trace parser check that).
 */
export function orderStatistics(values: ArrayLike<number>, from: number, to: number): Float64Array {
  const n = values.length;
  if (!(0 <= from && from <= to && to < n)) throw new RangeError(`ranks ${from}..${to} of ${n} values`);
  if (work.length < n) work = new Float64Array(n);
  const a = work;
  for (let i = 0; i < n; i++) a[i] = values[i];
  selectRank(a, from, 0, n - 1);
  if (to > from) selectRank(a, to, from + 1, n - 1);
  const out = a.slice(from, to + 1);
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
