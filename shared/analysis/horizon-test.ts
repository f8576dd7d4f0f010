import { CountBoundary } from './sequences/count-boundary.js';
import type { HorizonScore } from './sequences/horizon.js';
import type { ConfidenceSequence } from './sequences/sequence.js';
import { SpendingBoundary } from './sequences/spending.js';

/**
 * One one-sided group-sequential test of a check at a tested value (the fail point, or the limit for a pass),
 * advanced one look per interval: its z boundary at the latest look, which the sequence's score at that value is
 * compared with. Count sequences get a boundary worked out on their counts (count-boundary.ts), the others the
 * Gaussian one (spending.ts).
 */
export interface HorizonTest {
  /** One more look, with the sequence and its score at the tested value now. */
  look(seq: ConfidenceSequence | undefined, score: HorizonScore | undefined): void;
  /** The z boundary at the latest look (Infinity when the look spends nothing). */
  readonly c: number;
  /** The latest finite boundary (for the interval shown when a look spends nothing). */
  readonly shown: number;
}

export interface HorizonTestSpec {
  horizon: number;
  alpha: number;
  /** The value tested, and the side that rejects it ('above': "truth <= value" rejected). */
  value: number;
  side: 'above' | 'below';
  power?: number;
}

/** The test for a check's sequence: on counts when the sequence offers them. */
export function horizonTest(spec: HorizonTestSpec, seq: ConfidenceSequence | undefined): HorizonTest {
  return seq?.countCells ? new CountTest(spec) : new GaussianTest(spec);
}

abstract class BoundaryTest implements HorizonTest {
  c = Infinity;
  shown = Infinity;

  protected abstract next(seq: ConfidenceSequence | undefined, score: HorizonScore | undefined): number;

  look(seq: ConfidenceSequence | undefined, score: HorizonScore | undefined): void {
    this.c = this.next(seq, score);
    if (Number.isFinite(this.c)) this.shown = this.c;
  }
}

/** The Gaussian boundary, for the information the scores report (never decreasing). */
class GaussianTest extends BoundaryTest {
  private readonly boundary: SpendingBoundary;
  private information = 0;

  constructor({ horizon, alpha, power }: HorizonTestSpec, after?: { looks: number; spent: number }) {
    super();
    this.boundary = new SpendingBoundary(horizon, alpha, power, after);
  }

  next(_seq: ConfidenceSequence | undefined, score: HorizonScore | undefined): number {
    if (score && score.information > this.information) this.information = score.information;
    return this.boundary.look(this.information);
  }
}

/**
 * A count spread over this many events (one standard deviation under the null) is handed to the Gaussian boundary:
 * one event is then a fiftieth of a standard deviation, which whole events cannot waste much of, while the law of
 * the count, carried event by event, costs time in proportion to its spread squared (a canary exactly at its `max`
 * at 100,000 requests a minute took 104 s to replay 300 minutes).
 */
export const COUNTS_UP_TO = 50;

/**
 * The boundary on the counts the sequence has added since the last look, until the count's spread would pass
 * COUNTS_UP_TO events; from that look on, the Gaussian boundary for the information the scores report, spending what
 * the counts left (count-boundary.ts, spending.ts).
 */
class CountTest extends BoundaryTest {
  private readonly boundary: CountBoundary;
  private gaussian: GaussianTest | undefined;
  private seen = 0;

  constructor(private readonly spec: HorizonTestSpec) {
    super();
    this.boundary = new CountBoundary(spec.horizon, spec.alpha, spec.side, spec.power);
  }

  protected next(seq: ConfidenceSequence | undefined, score: HorizonScore | undefined): number {
    if (this.gaussian) return this.gaussian.next(seq, score);
    const cells = seq?.countCells?.(this.spec.value, this.seen) ?? [];
    this.seen += cells.length;
    if (this.boundary.spreadWith(cells) <= COUNTS_UP_TO) return this.boundary.look(cells);
    this.gaussian = new GaussianTest(this.spec, { looks: this.boundary.looks, spent: this.boundary.spent });
    return this.gaussian.next(seq, score);
  }
}
