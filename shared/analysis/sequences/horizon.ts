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
 * The signed root `r` of a count's likelihood ratio, taken at the count moved half an event toward the null,
 * turned into the normal deviate of the exact tail probability of the count (to about three digits, against
 * some 15% off for `r` alone): Barndorff-Nielsen's r* = r + log(u/r)/r with Daniels' second continuity
 * correction u = 2·sinh(tilt/2)·sqrt(information) (Daniels 1987; Butler, Saddlepoint Approximations with
 * Applications, 2007, §1.2.5). `tilt`: how far the canonical parameter (the log-odds of a proportion, the log of
 * a rate ratio) moves from the tested value to the fit of the moved count; `information`: the Fisher information
 * about it at that fit. `r` and `information` come divided by the dispersion, which leaves the correction's
 * log(u/r) as it is. `r` is kept where the correction cannot be trusted: at the edge of the parameter's range (no
 * events, or all), and for |r| < CORRECTED_FROM, where log(u/r)/r divides the rounding of both roots by a small r
 * (a grid's rounding there once made a z of 60 from two events).
 */
export function exactTailRoot(r: number, tilt: number, information: number): number {
  const u = 2 * Math.sinh(tilt / 2) * Math.sqrt(information);
  if (!(Math.abs(r) >= CORRECTED_FROM) || !Number.isFinite(u) || !(u / r > 0)) return r;
  return r + Math.log(u / r) / r;
}

/**
 * Below this |r| exactTailRoot keeps r: no decision is taken there (a boundary is at least the z of its alpha, above
 * 1 for any alpha under 16%). Keeping r where r* would be larger only delays a decision.
 */
const CORRECTED_FROM = 1;

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
