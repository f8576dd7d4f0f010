/**
 * What a sequence offers for a known horizon (a group-sequential test, see spending.ts): at a bound `value`,
 * the standardized statistics of the two one-sided tests and the information behind them.
 */
export interface HorizonScore {
  /** Large when the truth is above `value`: the test of "theta <= value" rejects when this reaches the boundary. */
  above: number;
  /** Very negative when the truth is below `value`: the test of "theta >= value" rejects at minus the boundary. */
  below: number;
  /** Fisher information about the parameter at `value` (before dividing by any dispersion). */
  information: number;
}

/** Signed root of a log-likelihood ratio: sign(estimate - value) * sqrt(2 * (max log-lik - log-lik at value)). */
export function signedRoot(sign: number, gain: number): number {
  return Math.sign(sign) * Math.sqrt(Math.max(0, 2 * gain));
}

/**
 * The values a group-sequential test at z boundary `c` does not reject, by bisection between `lo` and `hi`
 * (on whatever scale `at` maps to the parameter): the smallest value whose "above" statistic is below c and
 * the largest whose "below" statistic is above -c. The statistics fall as the value rises.
 */
export function invertScore(score: (x: number) => HorizonScore | undefined, c: number, lo: number, hi: number): [number, number] {
  if (!Number.isFinite(c)) return [lo, hi];
  const solve = (f: (x: number) => boolean): number => {
    // f is true at lo and false at hi (or true throughout / false throughout)
    if (!f(lo)) return lo;
    if (f(hi)) return hi;
    let [a, b] = [lo, hi];
    // 30 halvings of the span reach 1e-8 of it: far below the 3 digits shown.
    for (let i = 0; i < 30; i++) {
      const mid = (a + b) / 2;
      if (f(mid)) a = mid;
      else b = mid;
    }
    return (a + b) / 2;
  };
  const lower = solve((x) => (score(x)?.above ?? -Infinity) >= c);
  const upper = solve((x) => (score(x)?.below ?? Infinity) > -c);
  return [lower, upper];
}
