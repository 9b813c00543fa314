/**
 * The experiment's balancer as the training loop sees it: per-dataset multipliers on the loss
 * weights (dwa, gradnorm), learned log-variances (uncertainty), which steps keep the datasets'
 * gradients apart (diagnostics, gradnorm, pcgrad), and in `suggest` mode a proposal at each epoch
 * end instead of a change. The update rules themselves are the pure functions next to it.
 */
import * as tf from '@tensorflow/tfjs';
import type { BalancerSpec } from '../../shared/experiment/schema';
import type { Random, RandomState } from '../../shared/random';
import { dwaWeights } from './dwa';
import { gradnormUpdate } from './gradnorm';
import { norm } from './gradientMath';
import { samplingMove, type DatasetEvidence, type SamplingBounds, type SamplingMove } from './samplingBalance';

/** GradNorm updates on the steps that keep gradients apart; with diagnostics off, this often. */
const GRADNORM_DEFAULT_EVERY = 10;

export interface BalancerState {
  multipliers: number[];
  shadow: number[];
  lossHistory: number[][];
  initialLosses: (number | null)[];
  logVariances: number[];
  random: RandomState;
  /** The `sampling` balancer's multipliers on the sampling weights, and the validation losses of the last epoch end (absent in older checkpoints). */
  sampling?: number[];
  valLosses?: (number | null)[];
}

export interface StepPlan {
  /** Take the step from each dataset's gradient computed apart (gradnorm, pcgrad). */
  perDataset: boolean;
  combine: 'sum' | 'pcgrad';
  /** Write a diagnostics record for this step. */
  diagnostics: boolean;
}

export interface Proposal {
  /** Multipliers on the base loss weights, per dataset. */
  multipliers: number[];
  /** This epoch's mean loss over the previous epoch's, per dataset (undefined after the first epoch). */
  lossRatios?: number[];
  /**
   * GradNorm's own evidence, averaged over the epoch's GradNorm steps, as multiples of the mean
   * weighted gradient norm: each dataset's weighted norm and its target. A weight goes down where
   * the norm is above its target — what the suggestion's reason must say, not the loss trend.
   */
  gradNorms?: { norm: number[]; target: number[] };
  /** The `sampling` balancer: the move it proposes (suggest) or made (auto), with its reasons. */
  sampling?: SamplingMove;
}

/** What an epoch end gives the balancer, per dataset. */
export interface EpochEvidence {
  /** Mean training loss of the epoch. */
  trainLosses: readonly number[];
  /** What the `sampling` balancer reads; every balancer keeps the validation losses, for the next epoch's trend. */
  datasets: readonly Omit<DatasetEvidence, 'previousValLoss'>[];
}

/** Sums over an epoch's GradNorm steps, per dataset: norm / mean norm, target / mean norm, steps. */
interface GradNormTally {
  norm: number[];
  target: number[];
  steps: number[];
}

export class LoopBalancer {
  private multipliers: number[];
  private readonly logVariances: tf.Variable[] = [];
  private readonly lossHistory: number[][] = [];
  private readonly initialLosses: (number | undefined)[];
  /** GradNorm's weights in suggest mode: they evolve, but only a proposal reaches the loss. */
  private shadow: number[];
  /** Emptied at each epoch end, before any checkpoint: never part of the saved state. */
  private gradNormTally: GradNormTally;
  /** The `sampling` balancer's multipliers on the sampling weights (in force in `auto`, proposed in `suggest`). */
  private sampling: number[];
  private valLosses: (number | undefined)[];
  /** The learned log-variances as numbers, as `readBack` last read them: reports and checkpoints use these. */
  private logVarianceValues: number[] = [];

  constructor(
    private readonly spec: BalancerSpec,
    private readonly diagnosticsEvery: number,
    private readonly datasets: number,
    private readonly random: Random,
  ) {
    this.multipliers = Array.from({ length: datasets }, () => 1);
    this.shadow = [...this.multipliers];
    this.sampling = [...this.multipliers];
    this.valLosses = Array.from({ length: datasets }, () => undefined);
    this.gradNormTally = emptyTally(datasets);
    this.initialLosses = Array.from({ length: datasets }, () => undefined);
    if (spec.type === 'uncertainty') {
      for (let d = 0; d < datasets; d++) this.logVariances.push(tf.variable(tf.scalar(0), true, `jointrain_log_variance_${d}`));
      this.logVarianceValues = this.logVariances.map(() => 0);
    }
  }

  get type(): BalancerSpec['type'] {
    return this.spec.type;
  }

  get mode(): BalancerSpec['mode'] {
    return this.spec.mode;
  }

  /** The bounds of a sampling move: the `sampling` balancer's, and those of a sampling change suggested under any other. */
  get samplingBounds(): SamplingBounds {
    return { maxStep: this.spec.max_step, range: this.spec.range, maxRepeatRatio: this.spec.max_repeat_ratio };
  }

  /** Each dataset's validation loss at the last epoch end (undefined before the first or without validation data). */
  get previousValLosses(): readonly (number | undefined)[] {
    return this.valLosses;
  }

  /**
   * Reads the learned log-variances back for the epoch's report and checkpoint. Awaited, not
   * `dataSync`: a WebGPU backend in Node cannot read synchronously. Called at each epoch end, after
   * the last step and before anything reads them.
   */
  async readBack(): Promise<void> {
    this.logVarianceValues = await Promise.all(this.logVariances.map(async (s) => (await s.data())[0] as number));
  }

  /** The learned log-variances: trained by the optimizer with the model's variables. */
  get variables(): tf.Variable[] {
    return this.logVariances;
  }

  /** The multiplier applied to dataset d's loss weight in the coming steps. */
  multiplier(d: number): number {
    return this.spec.mode === 'suggest' ? 1 : (this.multipliers[d] ?? 1);
  }

  /** The multiplier on dataset d's sampling weight in the coming epoch (the `sampling` balancer in `auto`). */
  samplingMultiplier(d: number): number {
    return this.spec.type === 'sampling' && this.spec.mode === 'auto' ? (this.sampling[d] ?? 1) : 1;
  }

  logVariance(d: number): tf.Variable | undefined {
    return this.logVariances[d];
  }

  plan(globalStep: number): StepPlan {
    // With one dataset there is nothing to share or conflict with.
    const diagnostics = this.datasets > 1 && this.diagnosticsEvery > 0 && globalStep % this.diagnosticsEvery === 0;
    const gradnormEvery = this.diagnosticsEvery > 0 ? this.diagnosticsEvery : GRADNORM_DEFAULT_EVERY;
    const gradnorm = this.spec.type === 'gradnorm' && globalStep % gradnormEvery === 0;
    const pcgrad = this.spec.type === 'pcgrad';
    // Diagnostics alone do not change how the step is taken: they are measured beside it.
    return { perDataset: gradnorm || pcgrad, combine: pcgrad ? 'pcgrad' : 'sum', diagnostics };
  }

  /** PCGrad's random order of the other datasets, from the run's seeded stream. */
  order(count: number): (d: number) => number[] {
    return (d) => this.random.shuffle(Array.from({ length: count }, (_, k) => k).filter((k) => k !== d));
  }

  /**
   * After a step that kept gradients apart: GradNorm moves its weights towards gradient norms
   * proportional to each dataset's relative inverse training rate. `datasets` are the indices of
   * the step's batches; `effectiveWeights` their loss weight × multiplier, to recover the
   * unweighted gradient norms.
   */
  afterSeparateStep(datasets: readonly number[], shared: readonly Float32Array[], meanLosses: readonly number[], effectiveWeights: readonly number[]): void {
    datasets.forEach((d, i) => {
      if (this.initialLosses[d] === undefined && Number.isFinite(meanLosses[i])) this.initialLosses[d] = meanLosses[i];
    });
    if (this.spec.type !== 'gradnorm' || datasets.length < 2) return;
    const weights = this.spec.mode === 'suggest' ? this.shadow : this.multipliers;
    const gradNorms = datasets.map((_, i) => {
      const weight = effectiveWeights[i] ?? 0;
      return weight > 0 ? norm(shared[i] as Float32Array) / weight : 0;
    });
    const updated = gradnormUpdate({
      weights: datasets.map((d) => weights[d] ?? 1),
      gradNorms,
      initialLosses: datasets.map((d) => this.initialLosses[d] ?? 1),
      currentLosses: [...meanLosses],
      alpha: this.spec.alpha,
      learningRate: this.spec.learning_rate,
    });
    const weightedNorms = datasets.map((d, i) => (weights[d] ?? 1) * (gradNorms[i] as number));
    const meanNorm = weightedNorms.reduce((a, b) => a + b, 0) / weightedNorms.length;
    if (meanNorm > 0) {
      datasets.forEach((d, i) => {
        this.gradNormTally.norm[d] = (this.gradNormTally.norm[d] ?? 0) + (weightedNorms[i] as number) / meanNorm;
        this.gradNormTally.target[d] = (this.gradNormTally.target[d] ?? 0) + (updated.targets[i] as number) / meanNorm;
        this.gradNormTally.steps[d] = (this.gradNormTally.steps[d] ?? 0) + 1;
      });
    }
    // The step's datasets keep their total; the others are untouched.
    const before = datasets.reduce((sum, d) => sum + (weights[d] ?? 1), 0);
    const after = updated.weights.reduce((sum, w) => sum + w, 0);
    datasets.forEach((d, i) => (weights[d] = ((updated.weights[i] ?? 1) * before) / after));
  }

  /** The multipliers in force, for the epoch record (absent where the balancer has none). */
  reportedWeights(): number[] | undefined {
    switch (this.spec.type) {
      case 'uncertainty':
        return this.logVarianceValues.map((s) => Math.exp(-s));
      case 'dwa':
      case 'gradnorm':
        return [...(this.spec.mode === 'suggest' ? this.shadow : this.multipliers)];
      default:
        return undefined;
    }
  }

  /**
   * At an epoch end, with what each dataset's epoch gave: DWA computes the next epoch's loss
   * weights, the `sampling` balancer the next sampling multipliers. In `auto` mode they take
   * effect (the sampling move comes back so that it can be recorded); in `suggest` mode they come
   * back as a proposal and nothing changes.
   */
  epochEnd(evidence: EpochEvidence): Proposal | undefined {
    const meanLosses = evidence.trainLosses;
    this.lossHistory.push([...meanLosses]);
    const datasets = evidence.datasets.map((d, i) => ({ ...d, previousValLoss: this.valLosses[i] }));
    this.valLosses = datasets.map((d) => (Number.isFinite(d.valLoss) ? d.valLoss : undefined));
    if (this.spec.type === 'sampling') return this.moveSampling(datasets);
    if (this.spec.type === 'dwa') {
      const next = dwaWeights(this.lossHistory, this.spec.temperature);
      if (this.spec.mode === 'auto') {
        this.multipliers = next;
        return undefined;
      }
      this.shadow = next;
    }
    const tally = this.gradNormTally;
    this.gradNormTally = emptyTally(this.datasets);
    if (this.spec.mode !== 'suggest' || (this.spec.type !== 'dwa' && this.spec.type !== 'gradnorm')) return undefined;
    const previous = this.lossHistory[this.lossHistory.length - 2];
    const ratios = previous === undefined ? undefined : meanLosses.map((loss, d) => loss / (previous[d] ?? loss));
    const perStep = (sums: number[]) => sums.map((sum, d) => ((tally.steps[d] ?? 0) > 0 ? sum / (tally.steps[d] as number) : Number.NaN));
    const gradNorms =
      this.spec.type === 'gradnorm' && tally.steps.some((steps) => steps > 0) ? { norm: perStep(tally.norm), target: perStep(tally.target) } : undefined;
    return { multipliers: [...this.shadow], ...(ratios ? { lossRatios: ratios } : {}), ...(gradNorms ? { gradNorms } : {}) };
  }

  /** The `sampling` balancer's epoch end: in `auto` the move takes effect, in `suggest` it is proposed from the multipliers in force (1). */
  private moveSampling(datasets: readonly DatasetEvidence[]): Proposal {
    const { spec } = this;
    const current = spec.mode === 'auto' ? this.sampling : datasets.map(() => 1);
    const move = samplingMove(datasets, current, this.samplingBounds);
    if (spec.mode === 'auto') this.sampling = [...move.multipliers];
    return { multipliers: this.multipliers.map(() => 1), sampling: move };
  }

  /** Everything the balancer has learned or accumulated, for a checkpoint. */
  state(): BalancerState {
    return {
      multipliers: [...this.multipliers],
      shadow: [...this.shadow],
      lossHistory: this.lossHistory.map((row) => [...row]),
      initialLosses: this.initialLosses.map((loss) => loss ?? null),
      logVariances: [...this.logVarianceValues],
      random: this.random.state(),
      sampling: [...this.sampling],
      valLosses: this.valLosses.map((loss) => loss ?? null),
    };
  }

  restore(state: BalancerState): void {
    this.multipliers = [...state.multipliers];
    this.shadow = [...state.shadow];
    this.lossHistory.splice(0, this.lossHistory.length, ...state.lossHistory.map((row) => [...row]));
    state.initialLosses.forEach((loss, d) => (this.initialLosses[d] = loss ?? undefined));
    state.logVariances.forEach((value, d) => this.logVariances[d]?.assign(tf.scalar(value)));
    this.logVarianceValues = this.logVariances.map((_, d) => state.logVariances[d] ?? 0);
    this.random.restore(state.random);
    if (state.sampling) this.sampling = [...state.sampling];
    state.valLosses?.forEach((loss, d) => (this.valLosses[d] = loss ?? undefined));
  }

  dispose(): void {
    this.logVariances.forEach((variable) => variable.dispose());
  }
}

function emptyTally(datasets: number): GradNormTally {
  const zeros = () => Array.from({ length: datasets }, () => 0);
  return { norm: zeros(), target: zeros(), steps: zeros() };
}
