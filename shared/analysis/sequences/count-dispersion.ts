/**
 * The overdispersion of counts (extra noise between intervals: pods differ, a flaky minute), from Pearson residuals
 * of groups of consecutive intervals rather than of single intervals.
 *
 * Why groups: a Pearson residual (x - E)²/V has mean 1 when the counts are binomial, but with an expected count E
 * well below 1 (a canary at 15 requests a minute and a 1% error rate: 0.15 errors a minute) it is about 0.1 most
 * minutes and about 8 in a minute with an error: its variance is near 1/E instead of the 2 of a chi-squared
 * variable, so 30 such minutes say almost nothing about extra noise, yet max(1, ·) turned their spread into a
 * dispersion above 1 about half the time, which weakened every test for nothing. The textbook remedy for the
 * Pearson statistic on sparse counts (Cochran 1954; McCullagh & Nelder 1989, §4.4.5) is to pool cells until each
 * expects at least MIN_EXPECTED counts: consecutive intervals are pooled until the group expects at least
 * MIN_EXPECTED events and MIN_EXPECTED non-events; the intervals after the last full group join it. Each group gives
 * one residual, and the fit takes one degree of freedom: one group (all the data) says nothing about extra noise,
 * and the dispersion stays 1. Pooling keeps the dispersion that per-interval noise gives: with independent extra
 * variance c·E² in an interval expecting E (negative binomial), a group of m such intervals has variance
 * m(E + cE²) = mE(1 + cE), the factor 1 + cE of one interval. Where every interval already expects MIN_EXPECTED
 * counts, a group is one interval, as before.
 */

/** Events and non-events a group of intervals must expect before it is a residual of its own (Cochran's rule). */
export const MIN_EXPECTED = 5;

/** One interval's count against its expectation under the current fit. */
export interface CountTerm {
  /** Observed minus expected events. */
  deviation: number;
  /** The binomial variance of the events. */
  variance: number;
  /** Expected events and expected non-events. */
  events: number;
  nonEvents: number;
}

interface Group {
  deviation: number;
  variance: number;
  events: number;
  nonEvents: number;
}

const empty = (): Group => ({ deviation: 0, variance: 0, events: 0, nonEvents: 0 });
const pearson = (g: Group) => (g.variance > 0 ? g.deviation ** 2 / g.variance : 0);

/**
 * Pearson residuals of groups of consecutive intervals around the current fit, regrouped and recomputed as the fit
 * moves (residuals around early, poor estimates would overstate the noise): every interval for the first 100,
 * then every 10th, the intervals in between joining the groups as they come (long traces stay linear in time).
 */
export class GroupedPearson<T> {
  private readonly items: T[] = [];
  /** The full groups before the last one: their residuals' sum and count. */
  private before = 0;
  private full = 0;
  /** The last full group, and the intervals after it (which join it until they fill a group of their own). */
  private last = empty();
  private open = empty();

  /** `term`: an interval's count against the current fit (undefined: it says nothing, e.g. a fit at 0). */
  constructor(private readonly term: (item: T) => CountTerm | undefined) {}

  add(item: T): void {
    this.items.push(item);
    const n = this.items.length;
    if (n <= 100 || n % 10 === 0) this.regroup();
    else this.join(this.term(item));
  }

  /** Adds many intervals at once: grouped once, around the fit they all give. */
  addAll(items: T[]): void {
    this.items.push(...items);
    this.regroup();
  }

  /** The sum of the groups' Pearson residuals (the intervals after the last full group counted in it). */
  get total(): number {
    if (this.full === 0) return 0;
    const merged = { deviation: this.last.deviation + this.open.deviation, variance: this.last.variance + this.open.variance, events: 0, nonEvents: 0 };
    return this.before + pearson(merged);
  }

  /** How many residuals `total` sums (the groups). */
  get groups(): number {
    return this.full;
  }

  private regroup(): void {
    this.before = 0;
    this.full = 0;
    this.last = empty();
    this.open = empty();
    for (const it of this.items) this.join(this.term(it));
  }

  private join(t: CountTerm | undefined): void {
    if (!t || !(t.variance > 0)) return;
    const g = this.open;
    g.deviation += t.deviation;
    g.variance += t.variance;
    g.events += t.events;
    g.nonEvents += t.nonEvents;
    if (g.events < MIN_EXPECTED || g.nonEvents < MIN_EXPECTED) return;
    if (this.full > 0) this.before += pearson(this.last);
    this.full++;
    this.last = g;
    this.open = empty();
  }
}
