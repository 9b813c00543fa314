/**
 * The `sampling` balancer's rule: between epochs, each dataset's sampling weight moves by what its
 * held-out data says, the way DoReMi (Xie et al. 2023) moves domain weights towards domains with
 * high excess loss, but without a reference model: a dataset's validation loss is compared with the
 * other datasets' instead. Small-data fine-tuning adds what pretraining mixtures need not fear:
 * a small dataset repeated too often is learnt by heart, so
 * - a dataset whose validation loss is above the others' and still falling gets more share, one
 *   below the others' that stopped falling (saturated) less; one still falling below them keeps its
 *   share (it is still gaining from it);
 * - one that is memorised (training accuracy far above validation) gets augmentation where the
 *   experiment allows it (`augment: auto`); else it keeps its share once its validation loss stops
 *   falling, and loses share once it rises (overfitting);
 * - every move is bounded per epoch (`max_step`) and in total (`range`), and no dataset's samples
 *   may repeat more than `max_repeat_ratio` times as often as the least-drawn dataset's (the cap on
 *   repeats of UniMax, Chung et al. 2023, as a ratio because fine-tuning runs have no token budget).
 * Pure: the loop balancer keeps the state and applies the result.
 */

/** Training accuracy this far above validation accuracy reads as memorised (classification). */
export const MEMORISED_ACCURACY_GAP = 0.1;
/** Regression (no accuracy): a validation loss this many times the training loss reads as memorised. */
export const MEMORISED_LOSS_RATIO = 2;
/** A validation loss must fall by more than this fraction of itself to count as improving. */
export const IMPROVING = 0.01;
/** How strongly the ratio of a dataset's validation loss to the mean moves its weight (an exponent). */
export const RATE = 0.5;

/** What one dataset's last epoch says, as the rule reads it. */
export interface DatasetEvidence {
  name: string;
  /** Samples in its training split. */
  size: number;
  trainLoss: number;
  /** NaN where the dataset has no validation data: its weight then stays where it is. */
  valLoss: number;
  /**
   * What its loss measures (`lossKind`): validation losses are compared only between datasets of
   * one kind — cross-entropy with cross-entropy, a regression loss on the same head with itself —
   * since an MSE in the label's units says nothing against a cross-entropy in nats.
   */
  lossKind: string;
  /** The previous epoch's validation loss (undefined after the first epoch). */
  previousValLoss?: number | undefined;
  trainAccuracy?: number | undefined;
  valAccuracy?: number | undefined;
  /** Its share of the epoch's samples with no balancer multiplier (the mixing strategy's, × its sampling weight). */
  baseShare: number;
  /** Augmentation may be switched on for it (an `augment: auto` not on yet; in `suggest` mode, any image dataset without augmentation). */
  canAugment: boolean;
}

export interface SamplingBounds {
  maxStep: number;
  range: readonly [number, number];
  maxRepeatRatio: number;
}

/** Why a dataset's weight moved (or did not), with the numbers the sentence needs. */
export type Verdict =
  | { kind: 'memorised-augment'; gap: number }
  | { kind: 'memorised' | 'memorised-flat'; gap: number; previous: number; now: number }
  | { kind: 'lagging'; ratio: number; previous: number | undefined; now: number }
  | { kind: 'ahead-improving'; ratio: number; previous: number | undefined; now: number }
  | { kind: 'saturated'; ratio: number }
  | { kind: 'stalled'; ratio: number }
  | { kind: 'no-peer'; lossKind: string }
  | { kind: 'no-validation' };

export interface SamplingMove {
  /** The next multipliers on each dataset's sampling weight. */
  multipliers: number[];
  /** Datasets whose `augment: auto` switches on. */
  augment: boolean[];
  verdicts: Verdict[];
  /** Each dataset's share of the samples before and after the move. */
  shares: { before: number[]; after: number[] };
}

const clamp = (value: number, low: number, high: number) => Math.min(high, Math.max(low, value));

/** Train minus validation, as the gap that says "memorised": accuracy points, or the loss ratio; undefined when not memorised. */
export function memorisedGap(d: Pick<DatasetEvidence, 'trainAccuracy' | 'valAccuracy' | 'trainLoss' | 'valLoss'>): number | undefined {
  if (d.trainAccuracy !== undefined && d.valAccuracy !== undefined && Number.isFinite(d.trainAccuracy) && Number.isFinite(d.valAccuracy)) {
    const gap = d.trainAccuracy - d.valAccuracy;
    return gap >= MEMORISED_ACCURACY_GAP ? gap : undefined;
  }
  if (d.trainAccuracy === undefined && d.trainLoss > 0 && d.valLoss / d.trainLoss >= MEMORISED_LOSS_RATIO) return d.valLoss / d.trainLoss;
  return undefined;
}

function sharesOf(baseShares: readonly number[], multipliers: readonly number[]): number[] {
  const raw = baseShares.map((share, d) => share * (multipliers[d] ?? 1));
  const total = raw.reduce((a, b) => a + b, 0);
  return total > 0 ? raw.map((share) => share / total) : raw;
}

/**
 * How many times as often each dataset's samples are drawn as the least-drawn dataset's:
 * share / size against the smallest share / size among datasets drawn at all.
 */
export function repeatRatios(shares: readonly number[], sizes: readonly number[]): number[] {
  const rates = shares.map((share, d) => ((sizes[d] ?? 0) > 0 ? share / (sizes[d] as number) : 0));
  const drawn = rates.filter((rate) => rate > 0);
  const least = drawn.length ? Math.min(...drawn) : 0;
  return rates.map((rate) => (least > 0 ? rate / least : 0));
}

/** Lowers the multipliers of datasets that would repeat past the cap, each to the cap exactly (below `range` if need be: the cap is the harder limit). */
function capRepeats(evidence: readonly DatasetEvidence[], multipliers: number[], bounds: SamplingBounds): number[] {
  const sizes = evidence.map((d) => d.size);
  const baseShares = evidence.map((d) => d.baseShare);
  const capped = [...multipliers];
  // Lowering one dataset's share raises every other's a little: a few passes settle it.
  for (let pass = 0; pass < 8; pass++) {
    const ratios = repeatRatios(sharesOf(baseShares, capped), sizes);
    let changed = false;
    ratios.forEach((ratio, d) => {
      if (ratio > bounds.maxRepeatRatio * (1 + 1e-9)) {
        capped[d] = (capped[d] as number) * (bounds.maxRepeatRatio / ratio);
        changed = true;
      }
    });
    if (!changed) break;
  }
  return capped;
}

/**
 * The next multipliers from the current ones and each dataset's last epoch. A dataset's ratio is
 * its validation loss over the mean validation loss of the datasets with one of the same kind.
 */
export function samplingMove(evidence: readonly DatasetEvidence[], current: readonly number[], bounds: SamplingBounds): SamplingMove {
  if (current.length !== evidence.length) throw new RangeError(`samplingMove needs one multiplier per dataset (${evidence.length} datasets)`);
  const validated = evidence.filter((d) => Number.isFinite(d.valLoss) && d.valLoss >= 0);
  const peersOf = (d: DatasetEvidence) => validated.filter((peer) => peer.lossKind === d.lossKind);
  const step = (factor: number, d: number) =>
    clamp((current[d] as number) * clamp(factor, 1 / bounds.maxStep, bounds.maxStep), bounds.range[0], bounds.range[1]);
  const augment = evidence.map(() => false);
  const verdicts: Verdict[] = [];
  const proposed = evidence.map((d, i) => {
    const now = current[i] as number;
    if (!Number.isFinite(d.valLoss) || d.valLoss < 0) {
      verdicts.push({ kind: 'no-validation' });
      return now;
    }
    const peers = peersOf(d);
    const meanValLoss = peers.reduce((sum, peer) => sum + peer.valLoss, 0) / peers.length;
    const ratio = d.valLoss / meanValLoss;
    const improving = d.previousValLoss === undefined || d.valLoss < d.previousValLoss * (1 - IMPROVING);
    const gap = memorisedGap(d);
    if (gap !== undefined && d.canAugment) {
      augment[i] = true;
      verdicts.push({ kind: 'memorised-augment', gap });
      return now;
    }
    // Memorised but still generalising better each epoch: its repeats still help, so the rules below
    // apply as to any dataset. Once its validation loss stops falling it is held; once it rises, lowered.
    if (gap !== undefined && !improving) {
      const rising = d.previousValLoss !== undefined && d.valLoss > d.previousValLoss * (1 + IMPROVING);
      verdicts.push({ kind: rising ? 'memorised' : 'memorised-flat', gap, previous: d.previousValLoss ?? d.valLoss, now: d.valLoss });
      return rising ? step(1 / bounds.maxStep, i) : now;
    }
    if (peers.length < 2 || !(meanValLoss > 0)) {
      // Alone with its kind of loss: nothing to say whether it lags or leads.
      verdicts.push({ kind: 'no-peer', lossKind: d.lossKind });
      return now;
    }
    if (ratio > 1 && !improving) {
      // Behind but no longer learning from its data: more of the same would not help.
      verdicts.push({ kind: 'stalled', ratio });
      return now;
    }
    if (ratio <= 1 && improving) {
      // Ahead but still learning: taking its share away would cost it what it is still gaining.
      verdicts.push({ kind: 'ahead-improving', ratio, previous: d.previousValLoss, now: d.valLoss });
      return now;
    }
    // Behind and still learning: more share; ahead and saturated: less.
    verdicts.push(ratio > 1 ? { kind: 'lagging', ratio, previous: d.previousValLoss, now: d.valLoss } : { kind: 'saturated', ratio });
    return step(ratio ** RATE, i);
  });
  const multipliers = capRepeats(evidence, proposed, bounds);
  const baseShares = evidence.map((d) => d.baseShare);
  return { multipliers, augment, verdicts, shares: { before: sharesOf(baseShares, current), after: sharesOf(baseShares, multipliers) } };
}
