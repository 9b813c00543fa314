/**
 * The one sentence a `weights-suggested` event carries: which loss weight the balancer wants to
 * move most, and the loss trend that argues for it, in words a user can check on the curves.
 */

/** Weights are shown with 2 decimals; a change that would not show there is no change. */
const SHOWN_CHANGE = 0.005;
/** A loss that moved by less than 0.1% over the epoch reads as flat. */
const FLAT_CHANGE = 1e-3;
/** Rates within 5% of each other read as the same: "1.0× slower" would say nothing. */
const SAME_RATE = 1.05;

type Trend = 'falling' | 'rising' | 'flat';

function trendOf(ratio: number): Trend {
  if (Math.abs(1 - ratio) < FLAT_CHANGE) return 'flat';
  return ratio < 1 ? 'falling' : 'rising';
}

/** The first dataset with the largest |proposed − current|. */
export function largestChange(current: number[], proposed: number[]): number {
  let chosen = 0;
  proposed.forEach((p, d) => {
    if (Math.abs(p - (current[d] as number)) > Math.abs((proposed[chosen] as number) - (current[chosen] as number))) chosen = d;
  });
  return chosen;
}

/**
 * The other dataset at the opposite end of the improvement ranking: the fastest-improving one when
 * `subject`'s weight goes up, the slowest-improving one when it goes down.
 */
function counterpart(subject: number, raising: boolean, ratios: number[]): number | undefined {
  let chosen: number | undefined;
  ratios.forEach((ratio, d) => {
    if (d === subject || !Number.isFinite(ratio)) return;
    const best = chosen === undefined ? undefined : (ratios[chosen] as number);
    if (best === undefined || (raising ? ratio < best : ratio > best)) chosen = d;
  });
  return chosen;
}

/** How `subject`'s loss trend compares with `other`'s, e.g. "a's loss is falling 3.0× slower than b's". */
function trendComparison(subjectName: string, otherName: string, subjectRatio: number, otherRatio: number): string {
  const subjectTrend = trendOf(subjectRatio);
  const otherTrend = trendOf(otherRatio);
  if (subjectTrend !== otherTrend || subjectTrend === 'flat') {
    return `${subjectName}'s loss is ${subjectTrend} while ${otherName}'s is ${otherTrend}`;
  }
  const subjectPace = Math.abs(1 - subjectRatio);
  const otherPace = Math.abs(1 - otherRatio);
  const factor = Math.max(subjectPace, otherPace) / Math.min(subjectPace, otherPace);
  if (factor < SAME_RATE) return `${subjectName}'s loss is ${subjectTrend} as fast as ${otherName}'s`;
  return `${subjectName}'s loss is ${subjectTrend} ${factor.toFixed(1)}× ${subjectPace > otherPace ? 'faster' : 'slower'} than ${otherName}'s`;
}

/** What a balancer based its proposal on, beside the loss trend every balancer can show. */
export interface ReasonEvidence {
  /** GradNorm: per dataset, its weighted gradient norm and its target, as multiples of the mean norm. */
  gradNorms?: { norm: number[]; target: number[] };
}

/**
 * GradNorm moves a weight by where the dataset's gradient norm stands against its target, not by
 * its loss trend alone: a dataset whose loss falls slowly but whose gradient dominates is lowered.
 * The reason says that, so that it never contradicts the proposal.
 */
function gradNormReason(name: string, norm: number | undefined, target: number | undefined, raising: boolean, move: string): string | undefined {
  if (norm === undefined || target === undefined || !Number.isFinite(norm) || !Number.isFinite(target)) return undefined;
  const facts = `${name}'s weighted gradient norm on the shared layers averaged ${norm.toFixed(2)}× the mean`;
  const agrees = raising ? norm < target : norm > target;
  if (agrees) return `${facts}, ${raising ? 'below' : 'above'} its target of ${target.toFixed(2)}×: ${move}`;
  // Renormalising to a constant sum moved it against its own step: the others moved further.
  return `${facts} against a target of ${target.toFixed(2)}×, and the other weights moved further: ${move}`;
}

/**
 * `lossRatios[d]` is dataset d's mean loss this epoch over last epoch's; without it (the first
 * epoch, or a balancer that does not look at losses) the sentence names the change alone.
 * `evidence`, where a balancer gives it, is what the sentence is based on instead.
 */
export function suggestionReason(
  names: string[],
  current: number[],
  proposed: number[],
  lossRatios: number[] | undefined,
  evidence: ReasonEvidence = {},
): string {
  if (current.length !== names.length || proposed.length !== names.length || (lossRatios && lossRatios.length !== names.length)) {
    throw new RangeError(`suggestionReason needs one weight and loss ratio per dataset (${names.length} datasets)`);
  }
  const subject = largestChange(current, proposed);
  const from = current[subject];
  const to = proposed[subject];
  if (from === undefined || to === undefined || Math.abs(to - from) < SHOWN_CHANGE) return 'the proposed loss weights are the current ones';
  const raising = to > from;
  const move = `${raising ? 'raise' : 'lower'} its loss weight ${from.toFixed(2)} → ${to.toFixed(2)}`;
  const subjectName = names[subject] as string;
  const gradNorm = evidence.gradNorms && gradNormReason(subjectName, evidence.gradNorms.norm[subject], evidence.gradNorms.target[subject], raising, move);
  if (gradNorm !== undefined) return gradNorm;
  const subjectRatio = lossRatios?.[subject];
  const other = lossRatios && counterpart(subject, raising, lossRatios);
  if (lossRatios === undefined || subjectRatio === undefined || !Number.isFinite(subjectRatio) || other === undefined) {
    return `${subjectName} has the largest proposed change: ${move}`;
  }
  return `${trendComparison(subjectName, names[other] as string, subjectRatio, lossRatios[other] as number)}: ${move}`;
}
