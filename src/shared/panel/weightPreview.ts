/**
 * What a proposed weight change would do to each dataset's share of the next epoch's samples and
 * of the loss. Sample shares come from `configuredShares`, the function the trainer uses, so the
 * preview and the trainer agree.
 */
import type { MixingStrategy } from '../experiment/schema';
import { configuredShares } from '../mixing/shares';
import { weightChangeProblem } from '../mixing/weightChange';

export interface PreviewDataset {
  name: string;
  trainSize: number;
  /** Mean unweighted training loss of the last epoch; undefined before the first epoch. */
  meanLoss?: number;
}

export interface WeightProposal {
  sampling: Record<string, number>;
  loss: Record<string, number>;
}

/**
 * A weight change the panel sends: whichever kinds of weight it changes, each as a full set (every
 * dataset of the run named), and the image datasets whose `augment: auto` it switches on.
 */
export interface WeightChangeRequest {
  sampling?: Record<string, number>;
  loss?: Record<string, number>;
  augment?: string[];
}

export interface SharePreview {
  name: string;
  sampleShare: number;
  /** Undefined until an epoch has reported losses. */
  lossShare?: number;
}

export type PreviewResult = { ok: true; shares: SharePreview[] } | { ok: false; problem: string };

/**
 * Why a proposal cannot be sent, or undefined when it can: every dataset of the run needs both
 * weights (the panel always proposes them all), and the weights follow `weightChangeProblem`.
 */
export function proposalProblem(datasets: readonly PreviewDataset[], proposal: WeightProposal): string | undefined {
  for (const kind of ['sampling', 'loss'] as const) {
    const missing = datasets.find(({ name }) => !Object.hasOwn(proposal[kind], name));
    if (missing) return `${missing.name}: ${kind} weight must be a number`;
  }
  const names = Object.fromEntries(datasets.map(({ name }) => [name, 1]));
  return weightChangeProblem(proposal, { sampling: names, loss: names });
}

/**
 * Why a change that names only some kinds of weight cannot be sent, or undefined when it can: each
 * kind it names follows `proposalProblem` (every dataset named, the weights' rule), the
 * augmentation names datasets of the run, each once, and it changes something.
 */
export function partialProposalProblem(datasets: readonly PreviewDataset[], change: WeightChangeRequest): string | undefined {
  const augment = change.augment ?? [];
  if (change.sampling === undefined && change.loss === undefined && augment.length === 0) return 'the change names no weights and no augmentation';
  for (const kind of ['sampling', 'loss'] as const) {
    const weights = change[kind];
    if (weights === undefined) continue;
    const missing = datasets.find(({ name }) => !Object.hasOwn(weights, name));
    if (missing) return `${missing.name}: ${kind} weight must be a number`;
  }
  const names = Object.fromEntries(datasets.map(({ name }) => [name, 1]));
  const unknown = augment.find((name) => !Object.hasOwn(names, name));
  if (unknown !== undefined) return `augmentation for unknown dataset '${unknown}' (datasets: ${datasets.map((d) => d.name).join(', ') || 'none'})`;
  if (new Set(augment).size !== augment.length) return 'augmentation names a dataset twice';
  return weightChangeProblem(
    { ...(change.sampling ? { sampling: change.sampling } : {}), ...(change.loss ? { loss: change.loss } : {}) },
    { sampling: names, loss: names },
  );
}

/**
 * The loss share assumes each dataset adds (its mean loss) × (its loss weight) per sample drawn, so
 * it moves with both the sample share and the loss weight; the last epoch's mean losses stand in
 * for the next epoch's.
 */
export function previewShares(
  mixing: { strategy: MixingStrategy; temperature: number },
  datasets: readonly PreviewDataset[],
  proposal: WeightProposal,
  /** The `sampling` balancer's multipliers in force (auto mode): the trainer draws with each sampling weight times its multiplier. */
  multipliers: Readonly<Record<string, number>> = {},
): PreviewResult {
  const problem = proposalProblem(datasets, proposal);
  if (problem !== undefined) return { ok: false, problem };
  let sampleShares: number[];
  try {
    sampleShares = configuredShares({
      ...mixing,
      sizes: datasets.map((d) => d.trainSize),
      samplingWeights: datasets.map((d) => (proposal.sampling[d.name] ?? 0) * (multipliers[d.name] ?? 1)),
    });
  } catch (error) {
    return { ok: false, problem: (error as Error).message };
  }
  const contributions = datasets.map((d, i) => (d.meanLoss === undefined ? undefined : d.meanLoss * (proposal.loss[d.name] ?? 0) * (sampleShares[i] ?? 0)));
  const known = contributions.every((c): c is number => c !== undefined && Number.isFinite(c));
  const total = known ? contributions.reduce<number>((sum, c) => sum + (c ?? 0), 0) : 0;
  return {
    ok: true,
    shares: datasets.map((d, i) => ({
      name: d.name,
      sampleShare: sampleShares[i] ?? 0,
      ...(known && total > 0 ? { lossShare: (contributions[i] ?? 0) / total } : {}),
    })),
  };
}
