/**
 * The sentences of the `sampling` balancer: why a dataset's sampling weight moved (or its
 * augmentation switched on), with the numbers the rule read, in words a user can check on the
 * curves. Each says the direction the rule took, so that a reason never argues against its move.
 */
import { AUTO_AUGMENT } from '../../shared/experiment/schema';
import type { DatasetEvidence, SamplingMove, Verdict } from './samplingBalance';

const percent = (value: number) => `${(100 * value).toFixed(1)}%`;
const points = (value: number) => `${(100 * value).toFixed(0)} points`;

export const AUTO_AUGMENT_WORDS = `rotation ±${AUTO_AUGMENT.rotation}°, shifts ±${AUTO_AUGMENT.width_shift}, zoom ±${AUTO_AUGMENT.zoom}`;

/** The dataset a move is mainly about: one switched to augmentation first, else the largest relative change of share. */
export function subjectOf(move: SamplingMove): number {
  const augmented = move.augment.indexOf(true);
  if (augmented >= 0) return augmented;
  let chosen = 0;
  const change = (d: number) => Math.abs(Math.log(((move.shares.after[d] ?? 0) + 1e-12) / ((move.shares.before[d] ?? 0) + 1e-12)));
  move.shares.after.forEach((_, d) => {
    if (change(d) > change(chosen)) chosen = d;
  });
  return chosen;
}

/** Why dataset `d` moved, with its numbers: "inverted's validation loss 1.42 is 2.10× the datasets' mean and fell from 1.60". */
export function verdictReason(evidence: Pick<DatasetEvidence, 'name' | 'trainAccuracy' | 'valAccuracy' | 'valLoss' | 'trainLoss'>, verdict: Verdict): string {
  const { name } = evidence;
  const accuracies =
    evidence.trainAccuracy !== undefined && evidence.valAccuracy !== undefined
      ? `training accuracy ${percent(evidence.trainAccuracy)} against ${percent(evidence.valAccuracy)} on validation`
      : `validation loss ${evidence.valLoss.toFixed(3)} against ${evidence.trainLoss.toFixed(3)} in training`;
  switch (verdict.kind) {
    case 'memorised-augment':
      return `${name} is memorised (${accuracies}, a gap of ${points(verdict.gap)}) and has no augmentation`;
    case 'memorised':
      return `${name} is memorised (${accuracies}) and its validation loss rose (${verdict.previous.toFixed(3)} → ${verdict.now.toFixed(3)})`;
    case 'memorised-flat':
      return `${name} is memorised (${accuracies}) and its validation loss stopped falling (${verdict.previous.toFixed(3)} → ${verdict.now.toFixed(3)})`;
    case 'lagging':
      return verdict.previous === undefined
        ? `${name}'s validation loss ${verdict.now.toFixed(3)} is ${verdict.ratio.toFixed(2)}× the datasets' mean after the first epoch`
        : `${name}'s validation loss ${verdict.now.toFixed(3)} is ${verdict.ratio.toFixed(2)}× the datasets' mean and still falling (${verdict.previous.toFixed(3)} → ${verdict.now.toFixed(3)})`;
    case 'ahead-improving':
      return `${name}'s validation loss ${verdict.now.toFixed(3)} is ${verdict.ratio.toFixed(2)}× the datasets' mean and still falling${verdict.previous === undefined ? '' : ` (${verdict.previous.toFixed(3)} → ${verdict.now.toFixed(3)})`}`;
    case 'saturated':
      return `${name}'s validation loss ${evidence.valLoss.toFixed(3)} is ${verdict.ratio.toFixed(2)}× the datasets' mean and stopped falling`;
    case 'stalled':
      return `${name}'s validation loss ${evidence.valLoss.toFixed(3)} (${verdict.ratio.toFixed(2)}× the mean) stopped falling`;
    case 'no-peer':
      return `${name}'s validation loss (${verdict.lossKind}) has no other dataset's of its kind to be compared with`;
    case 'no-validation':
      return `${name} has no validation loss to go by`;
  }
}

/** What the move does to dataset `d`, e.g. "raise its sampling weight 1.00 → 1.25: its share of each batch 6.1% → 7.5%". */
export function moveWords(move: SamplingMove, d: number, from: number, to: number): { action: string; expected: string } {
  const shares = `its share of each batch ${percent(move.shares.before[d] ?? 0)} → ${percent(move.shares.after[d] ?? 0)}`;
  if (move.augment[d]) {
    return {
      action: `switch on its augmentation (${AUTO_AUGMENT_WORDS})`,
      expected: `its repeated samples vary from epoch to epoch, so the gap between training and validation accuracy should narrow; ${shares}`,
    };
  }
  if (to === from) return { action: `keep its sampling weight at ${from.toFixed(2)}`, expected: shares };
  return {
    action: `${to > from ? 'raise' : 'lower'} its sampling weight ${from.toFixed(2)} → ${to.toFixed(2)}`,
    expected: to > from ? `${shares}, so its validation loss keeps falling faster` : to < from ? `${shares}, leaving more of each batch to the others` : shares,
  };
}

/** One line for a `sampling-balanced` event: the subject's reason and what changed. */
export function samplingMoveReason(evidence: readonly DatasetEvidence[], move: SamplingMove, from: readonly number[]): string {
  const d = subjectOf(move);
  const subject = evidence[d];
  const verdict = move.verdicts[d];
  if (subject === undefined || verdict === undefined) return 'no dataset moved';
  const { action, expected } = moveWords(move, d, from[d] ?? 1, move.multipliers[d] ?? 1);
  return `${verdictReason(subject, verdict)}: ${action} (${expected})`;
}
