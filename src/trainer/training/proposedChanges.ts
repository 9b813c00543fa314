/**
 * Turns what a balancer proposes, or what the balance warnings say, into one suggestion: the
 * change, the dataset it is about, the numbers behind it and what it should do.
 */
import { balanceAdvice, balanceWarnings } from '../../shared/panel/balanceWarnings';
import type { EpochDatasetMetrics } from '../../shared/runs/format';
import type { Proposal } from '../balancing/loopBalancer';
import { samplingMove, type DatasetEvidence, type SamplingBounds, type Verdict } from '../balancing/samplingBalance';
import { AUTO_AUGMENT_WORDS, moveWords, subjectOf, verdictReason } from '../balancing/samplingReason';
import { largestChange, suggestionReason } from '../balancing/suggestionReason';
import type { Weights } from '../loop/weightSchedule';
import type { Suggestion } from './suggestions';

const round = (value: number) => Math.round(value * 1000) / 1000;
const percent = (value: number) => `${(100 * value).toFixed(0)}%`;
/** Small shares need their tenths: a 3.4% share is not "3%". */
const percentTenths = (value: number) => `${(100 * value).toFixed(1)}%`;
/** A dataset's loss share is lowered to this by a "takes most of the loss" suggestion. */
const TARGET_LOSS_SHARE = 0.5;
/** A dataset drawn at less than this fraction of an equal share of each batch is starved of samples (and a suggestion brings it here). */
export const STARVED_SHARE_OF_EQUAL = 0.5;

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

/**
 * Under any balancer but `sampling` (which moves sampling itself): a dataset that the sampling rule
 * reads as lagging — validation loss above the datasets' mean and still falling — while it gets
 * less than half an equal share of each batch. A loss weight cannot make up for samples it never
 * sees, so this comes before a loss-weight proposal, and proposes in one step the sampling weight
 * that brings it to half an equal share, no further than the cap on repeats allows (a suggestion is
 * accepted by hand, so it names the weight that clears the finding, not one balancer step). A
 * dataset the balance warnings call likely memorised is left to that warning, so that the panel
 * never says "lower" and "raise" about one dataset.
 */
export function starvedSuggestion(
  names: readonly string[],
  evidence: readonly DatasetEvidence[],
  latest: Readonly<Record<string, EpochDatasetMetrics>>,
  sizes: Readonly<Record<string, number>>,
  currentSampling: Weights,
  bounds: SamplingBounds,
): Suggestion | undefined {
  const memorised = new Set(
    balanceWarnings(latest, sizes)
      .filter((warning) => warning.kind === 'likely-memorised')
      .map((warning) => warning.dataset),
  );
  const target = STARVED_SHARE_OF_EQUAL / names.length;
  // The configured share (mixing strategy × sampling weight): what a sampling weight changes exactly.
  const shareOf = (name: string) => evidence[names.indexOf(name)]?.baseShare;
  const { verdicts } = samplingMove(
    evidence,
    evidence.map(() => 1),
    bounds,
  );
  let chosen: { d: number; ratio: number } | undefined;
  verdicts.forEach((verdict, d) => {
    const name = names[d] as string;
    const share = shareOf(name);
    if (verdict.kind !== 'lagging' || share === undefined || !(share > 0) || share >= target || memorised.has(name)) return;
    if (chosen === undefined || verdict.ratio > chosen.ratio) chosen = { d, ratio: verdict.ratio };
  });
  if (chosen === undefined) return undefined;
  const { d } = chosen;
  const name = names[d] as string;
  const share = shareOf(name) as number;
  // w·f such that share·f / (share·f + 1 − share) = target.
  const wanted = (target * (1 - share)) / (share * (1 - target));
  // Its samples may be drawn at most max_repeat_ratio times as often as the least-drawn other dataset's.
  const drawRate = (n: string) => (shareOf(n) ?? 0) / Math.max(1, sizes[n] ?? 0);
  const leastOther = Math.min(...names.filter((n) => n !== name && drawRate(n) > 0).map(drawRate));
  const allowed = Number.isFinite(leastOther) ? (bounds.maxRepeatRatio * leastOther) / drawRate(name) : wanted;
  const factor = Math.min(wanted, allowed);
  const from = currentSampling[name] ?? 1;
  const to = round(from * factor);
  if (to - from < 1e-3) return undefined;
  const after = (share * factor) / (share * factor + 1 - share);
  const capped = allowed < wanted ? ` (the cap on repeats, max_repeat_ratio ${bounds.maxRepeatRatio}, stops it there)` : ', half an equal share';
  return {
    change: { sampling: { ...currentSampling, [name]: to } },
    source: 'diagnostics',
    dataset: name,
    reason: `${verdictReason(evidence[d] as DatasetEvidence, verdicts[d] as Verdict)}, yet it gets ${percentTenths(share)} of each batch, under half an equal share (${percentTenths(target)}): raise its sampling weight ${from.toFixed(2)} → ${to.toFixed(2)}`,
    expected: `its share of each batch ${percentTenths(share)} → about ${percentTenths(after)}${capped}, so it learns from more of its own samples — a loss weight cannot make up for samples it never sees`,
  };
}
