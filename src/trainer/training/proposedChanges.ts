/**
 * Turns what a balancer proposes, or what the balance warnings say, into one suggestion: the
 * change, the dataset it is about, the numbers behind it and what it should do.
 */
import { balanceAdvice, balanceWarnings } from '../../shared/panel/balanceWarnings';
import type { EpochDatasetMetrics } from '../../shared/runs/format';
import type { Proposal } from '../balancing/loopBalancer';
import type { DatasetEvidence } from '../balancing/samplingBalance';
import { AUTO_AUGMENT_WORDS, moveWords, subjectOf, verdictReason } from '../balancing/samplingReason';
import { largestChange, suggestionReason } from '../balancing/suggestionReason';
import type { Weights } from '../loop/weightSchedule';
import type { Suggestion } from './suggestions';

const round = (value: number) => Math.round(value * 1000) / 1000;
const percent = (value: number) => `${(100 * value).toFixed(0)}%`;
/** A dataset's loss share is lowered to this by a "takes most of the loss" suggestion. */
const TARGET_LOSS_SHARE = 0.5;

/** Each dataset's share of the weighted loss once its weight is multiplied by `factors[d]`. */
export function lossSharesAfter(shares: readonly number[], factors: readonly number[]): number[] {
  const raw = shares.map((share, d) => share * (factors[d] ?? 1));
  const total = raw.reduce((a, b) => a + b, 0);
  return total > 0 ? raw.map((share) => share / total) : [...shares];
}

/** dwa, gradnorm: the loss weights in force × the balancer's multipliers; undefined when nothing would change. */
export function lossSuggestion(
  names: readonly string[],
  source: string,
  proposal: Proposal,
  currentLoss: Weights,
  lossShares: readonly number[],
): Suggestion | undefined {
  const loss = Object.fromEntries(names.map((name, d) => [name, round((currentLoss[name] ?? 1) * (proposal.multipliers[d] ?? 1))]));
  if (names.every((name) => Math.abs((loss[name] ?? 0) - (currentLoss[name] ?? 0)) < 1e-3)) return undefined;
  const current = names.map((name) => currentLoss[name] ?? 0);
  const proposed = names.map((name) => loss[name] ?? 0);
  const reason = suggestionReason([...names], current, proposed, proposal.lossRatios, proposal.gradNorms ? { gradNorms: proposal.gradNorms } : {});
  const subject = largestChange(current, proposed);
  const after = lossSharesAfter(
    lossShares,
    proposed.map((p, d) => ((current[d] as number) > 0 ? p / (current[d] as number) : 1)),
  );
  const name = names[subject] as string;
  return {
    change: { loss },
    source,
    dataset: name,
    reason,
    expected: `${name}'s share of the weighted loss ${percent(lossShares[subject] ?? 0)} → ${percent(after[subject] ?? 0)}, so the shared layers follow its gradient ${(after[subject] ?? 0) > (lossShares[subject] ?? 0) ? 'more' : 'less'}`,
  };
}

/** The `sampling` balancer in `suggest` mode: the sampling weights in force × its multipliers, and augmentation to switch on. */
export function samplingSuggestion(
  names: readonly string[],
  proposal: Proposal,
  evidence: readonly DatasetEvidence[],
  currentSampling: Weights,
): Suggestion | undefined {
  const move = proposal.sampling;
  if (move === undefined) return undefined;
  const sampling = Object.fromEntries(names.map((name, d) => [name, round((currentSampling[name] ?? 1) * (move.multipliers[d] ?? 1))]));
  const changed = names.some((name) => Math.abs((sampling[name] ?? 0) - (currentSampling[name] ?? 0)) >= 1e-3);
  const augment = names.filter((_, d) => move.augment[d]);
  if (!changed && augment.length === 0) return undefined;
  const d = subjectOf(move);
  const name = names[d] as string;
  const verdict = move.verdicts[d];
  const subject = evidence[d];
  if (verdict === undefined || subject === undefined) return undefined;
  const { action, expected } = moveWords(move, d, currentSampling[name] ?? 1, sampling[name] ?? 1);
  return {
    change: { ...(changed ? { sampling } : {}), ...(augment.length ? { augment } : {}) },
    source: 'sampling',
    dataset: name,
    reason: `${verdictReason(subject, verdict)}: ${action}`,
    expected,
  };
}

/**
 * From the balance warnings, the one to act on first (see `balanceAdvice`): a memorised image dataset
 * without augmentation gets augmentation switched on, any other memorised one a lower sampling weight; a
 * dataset that takes most of the weighted loss gets a loss weight that brings it to half.
 */
export function diagnosticsSuggestion(
  names: readonly string[],
  latest: Readonly<Record<string, EpochDatasetMetrics>>,
  sizes: Readonly<Record<string, number>>,
  /** Augmentation may be proposed for dataset d. */
  canAugment: (d: number) => boolean,
  current: { sampling: Weights; loss: Weights },
  maxStep = 1.25,
): Suggestion | undefined {
  const advice = balanceAdvice(balanceWarnings(latest, sizes), latest);
  const warning = advice.recommended?.warning;
  if (warning === undefined) return undefined;
  const name = warning.dataset;
  const d = names.indexOf(name);
  const metrics = latest[name];
  if (d < 0 || metrics === undefined) return undefined;
  if (warning.kind === 'likely-memorised') {
    const seen = `${name} has been seen ${metrics.epochsSeen.toFixed(1)} times (${sizes[name] ?? '?'} training samples)`;
    const gap =
      metrics.trainAccuracy !== undefined && metrics.valAccuracy !== undefined
        ? `, training accuracy ${percent(metrics.trainAccuracy)} against ${percent(metrics.valAccuracy)} on validation`
        : '';
    if (canAugment(d)) {
      return {
        change: { augment: [name] },
        source: 'diagnostics',
        dataset: name,
        reason: `${seen}${gap}: it is likely memorised and has no augmentation — switch on its augmentation (${AUTO_AUGMENT_WORDS})`,
        expected: 'its repeated samples vary from epoch to epoch, so the gap between training and validation accuracy should narrow',
      };
    }
    const from = current.sampling[name] ?? 1;
    const to = round(from / maxStep);
    const share = metrics.realizedShare;
    const after = share / maxStep / (share / maxStep + (1 - share));
    return {
      change: { sampling: { ...current.sampling, [name]: to } },
      source: 'diagnostics',
      dataset: name,
      reason: `${seen}${gap}: it is likely memorised — lower its sampling weight ${from.toFixed(2)} → ${to.toFixed(2)}`,
      expected: `its share of each batch ${percent(share)} → about ${percent(after)}, so it is repeated less often; add augment: auto or data to it if its validation accuracy falls`,
    };
  }
  const share = metrics.lossShare;
  const from = current.loss[name] ?? 1;
  // w' such that share·r / (share·r + 1 − share) = target.
  const factor = (TARGET_LOSS_SHARE * (1 - share)) / (share * (1 - TARGET_LOSS_SHARE));
  const to = round(from * factor);
  return {
    change: { loss: { ...current.loss, [name]: to } },
    source: 'diagnostics',
    dataset: name,
    reason: `${name} takes ${percent(share)} of the weighted loss — lower its loss weight ${from.toFixed(2)} → ${to.toFixed(2)}`,
    expected: `its share of the weighted loss ${percent(share)} → about ${percent(TARGET_LOSS_SHARE)}, so the other datasets steer the shared layers too`,
  };
}
