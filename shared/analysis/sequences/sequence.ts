import type { BinomialCell } from './count-boundary.js';
import type { HorizonScore } from './horizon.js';

/**
 * An anytime-valid confidence sequence for one parameter of one metric (a rate ratio, a proportion, a mean).
 * "Anytime-valid": the probability that the true value is EVER outside the interval, however often it is
 * looked at, is at most alpha. So checking it every interval and stopping as soon as it clears a bound
 * keeps the false-alarm rate at alpha, which a fixed-horizon test checked every interval does not.
 */
export interface ConfidenceSequence {
  /** How many intervals carried evidence into this sequence. */
  readonly intervals: number;
  /** The point estimate, or undefined before any evidence. */
  estimate(): number | undefined;
  /**
   * One-sided tests at `value`, each at level alpha: 'above' when "true value <= value" is rejected (the
   * probability of that while the truth is <= value is at most alpha, however often it is asked), 'below'
   * for the mirror test, 'spans' when neither is rejected.
   */
  side(value: number, alpha: number): 'above' | 'below' | 'spans';
  /** The lower and upper confidence bounds matching `side` (each one-sided at level alpha; may be infinite). */
  interval(alpha: number): [number, number];
  /** For a known horizon (group-sequential tests): the statistics at a bound; see horizon.ts. */
  score?(value: number): HorizonScore | undefined;
  /**
   * For a known horizon, count sequences only: the null law at `value` of the count the scores read, one binomial
   * per interval that added to it, from the `from`-th such interval on (count-boundary.ts works the boundary out
   * on these counts).
   */
  countCells?(value: number, from: number): BinomialCell[];
  /** The values not rejected by the group-sequential tests at z boundary `c`. */
  horizonInterval?(c: number): [number, number];
}

/** Tuning shared by the sequences. Defaults are fixed before seeing any data (they are part of the method). */
export interface SequenceTuning {
  /** Pseudo-intervals of "no extra noise" that the dispersion estimate is shrunk with. */
  dispersionPrior: number;
  /** Spread of the one-sided mixture over log rate ratios, from the bound (0.5: bad canaries near x1.65 the bound). */
  ratioSpread: number;
  /** Spread of the one-sided mixture over the log-odds of a proportion, from the bound. */
  proportionSpread: number;
  /** With a horizon: the share of alpha spent by calendar fraction t is t^spendPower (default SPEND_POWER). */
  spendPower?: number;
  /** `max-increase` is tested for a fail at allowed-ratio^failAtShare (default FAIL_AT_SHARE in metric-evidence.ts). */
  failAtShare?: number;
  /** Weight of an absolute bound's check in the false-alarm split, `max-increase` weighing 1 (default ABSOLUTE_WEIGHT). */
  absoluteWeight?: number;
}

export const DEFAULT_TUNING: SequenceTuning = { dispersionPrior: 4, ratioSpread: 0.5, proportionSpread: 0.5 };
