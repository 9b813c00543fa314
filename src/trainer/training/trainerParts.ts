/**
 * The stateful parts of a training run — sampler, augmentation streams, balancer, dataset weights,
 * open suggestions, early stopping's count, the learning rate in force — built in one place and kept in one record, which `state()` saves and
 * `restore()` puts back by walking it (see `resumable.ts`): a part added to the record is resumed
 * too. The optimizer (its slots are files), the checkpoint keeper and the step count are resumed
 * beside them.
 */
import type * as tf from '@tensorflow/tfjs';
import { configuredShares } from '../../shared/mixing/shares';
import { Random, type RandomState } from '../../shared/random';
import { RUN_FILES, type RunEvent } from '../../shared/runs/format';
import { LoopBalancer } from '../balancing/loopBalancer';
import type { LoadedExperiment } from '../config/loadExperiment';
import { lossKind, type TrainingPlan } from '../loop/datasetPlan';
import { createOptimizer } from '../loop/optimizer';
import { MixingSampler } from '../mixing/mixingSampler';
import { CheckpointKeeper } from '../runs/checkpoints';
import type { RunFolder } from '../runs/runFolder';
import { restoreOptimizer, type CheckpointState, type ResumableCheckpoint, type SavedTrainerState } from '../runs/trainerState';
import { DatasetWeights, type EpochWeights } from './datasetWeights';
import { restoreAll, statesOf, type Resumable, type StatesOf } from './resumable';
import { EarlyStopping } from './earlyStopping';
import { LearningRate, type LearningRateState } from './learningRate';
import { Suggestions } from './suggestions';
import { Augmentation } from './augmentation';

/** Random streams saved and restored together (one per dataset). */
const streamsOf = (streams: readonly Random[]): Resumable<RandomState[]> => ({
  state: () => streams.map((stream) => stream.state()),
  restore: (states) => streams.forEach((stream, d) => states[d] && stream.restore(states[d])),
});

type Parts = ReturnType<TrainerParts['resumable']>;
/** What a checkpoint saves of the trainer: every part's state, the best checkpoint, and how much of control.jsonl was obeyed. */
export type TrainerState = StatesOf<Parts> & { best?: { name: string; value: number }; controlOffset?: number };

export class TrainerParts {
  readonly names: string[];
  readonly weights: DatasetWeights;
  readonly sampler: MixingSampler;
  readonly augmentRandoms: Random[];
  readonly augmentation: Augmentation;
  readonly balancer: LoopBalancer;
  readonly optimizer: tf.Optimizer;
  readonly checkpoints: CheckpointKeeper;
  readonly suggestions: Suggestions;
  readonly earlyStopping: EarlyStopping;
  readonly learningRate: LearningRate;
  globalStep = 0;
  /** Milliseconds spent training over the run, resumes included (for `max_minutes`). */
  readonly trainingTime = new TrainingTime();
  private readonly sizes: number[];
  /** Per dataset, what its loss measures (see `lossKind`). */
  readonly lossKinds: string[];

  constructor(
    private readonly loaded: LoadedExperiment,
    plan: TrainingPlan,
    run: RunFolder,
    emit: (event: RunEvent) => void,
  ) {
    const { training, mixing } = loaded.experiment;
    this.names = plan.datasets.map(({ spec }) => spec.name);
    this.sizes = plan.datasets.map(({ data }) => data.train.size);
    this.lossKinds = plan.datasets.map(({ route }) => lossKind(route));
    const random = new Random(training.seed);
    this.balancer = new LoopBalancer(training.balancer, training.diagnostics.every, this.names.length, random.fork('balancer'));
    this.weights = new DatasetWeights(loaded.experiment, this.names, (d) => this.balancer.multiplier(d), emit);
    this.sampler = new MixingSampler(
      this.sizes,
      this.sharesFor(this.weights.current.sampling, this.weights.firstTemperature()),
      mixing.epoch_end,
      training.batch_size,
      random.fork('mixing'),
    );
    this.augmentRandoms = this.names.map((name) => random.fork(`augment/${name}`));
    this.augmentation = new Augmentation(
      plan.datasets.map(({ spec }) => spec),
      emit,
    );
    this.optimizer = createOptimizer(training.optimizer);
    this.checkpoints = new CheckpointKeeper(run.path(RUN_FILES.checkpoints), training.checkpoint);
    this.suggestions = new Suggestions(emit);
    this.earlyStopping = new EarlyStopping(training.early_stopping);
    this.learningRate = new LearningRate(training, emit);
  }

  /** Every part whose state a checkpoint saves, by the name it is saved under. */
  private resumable() {
    return {
      sampler: this.sampler,
      augment: streamsOf(this.augmentRandoms),
      augmentation: this.augmentation,
      balancer: this.balancer,
      weights: this.weights,
      suggestions: this.suggestions,
      earlyStopping: this.earlyStopping,
      learningRate: this.learningRate,
      trainingTime: this.trainingTime,
    };
  }

  /** Each dataset's share of the next epoch's samples, by the mixing strategy and the `sampling` balancer's multipliers. */
  sharesFor(sampling: Readonly<Record<string, number>>, temperature: number): number[] {
    return this.baseShares(sampling, temperature, (d) => this.balancer.samplingMultiplier(d));
  }

  /** The shares the mixing strategy gives, each sampling weight times `multiplier` (none: the weights as they are). */
  baseShares(sampling: Readonly<Record<string, number>>, temperature: number, multiplier: (d: number) => number = () => 1): number[] {
    const { mixing } = this.loaded.experiment;
    const samplingWeights = this.names.map((name, d) => (sampling[name] ?? 0) * multiplier(d));
    return configuredShares({ strategy: mixing.strategy, temperature, sizes: this.sizes, samplingWeights });
  }

  /** Samples in each dataset's training split. */
  get trainSizes(): readonly number[] {
    return this.sizes;
  }

  /** What a checkpoint of `epoch` saves: where the run is, and every part's state. */
  state(epoch: number, weights: EpochWeights, monitor: CheckpointState['monitor'], controlOffset: number): CheckpointState {
    const trainer: TrainerState = { ...statesOf(this.resumable()), controlOffset };
    return { epoch, globalStep: this.globalStep, samplingWeights: weights.sampling, lossWeights: weights.loss, monitor, trainer };
  }

  /** Puts every part back as `checkpoint` saved it; resolves with the first epoch still to train. */
  async restore(checkpoint: ResumableCheckpoint): Promise<number> {
    const trainer = trainerStateOf(checkpoint.state, this.learningRate.state());
    restoreAll(this.resumable(), trainer);
    this.checkpoints.restore(trainer.best);
    await restoreOptimizer(checkpoint.dir, this.optimizer);
    this.globalStep = checkpoint.state.globalStep;
    return checkpoint.state.epoch + 1;
  }

  dispose(): void {
    this.optimizer.dispose();
    this.balancer.dispose();
  }
}

/** Time spent in training steps, summed across the trainer processes of a run. */
export class TrainingTime {
  private before = 0;
  private since: number | undefined;

  /** Starts (or continues) counting now. */
  start(now = Date.now()): void {
    this.since ??= now;
  }

  elapsedMs(now = Date.now()): number {
    return this.before + (this.since === undefined ? 0 : now - this.since);
  }

  state(): { ms: number } {
    return { ms: this.elapsedMs() };
  }

  restore(state: { ms: number }): void {
    this.before = state.ms;
    this.since = undefined;
  }
}

/** The fields checkpoints of version 0.1 wrote before the weights and suggestions were parts of their own. */
interface StateBeforeParts {
  schedulesEnded: string[];
  lastTemperature: number;
  pendingWeights?: DatasetWeightsPending;
  openSuggestions: Array<[string, Record<string, number>]>;
}
type DatasetWeightsPending = TrainerState['weights']['pending'];

/** A checkpoint's trainer state, with the layout of older checkpoints read into today's. */
function trainerStateOf(state: CheckpointState & { trainer: SavedTrainerState }, freshLearningRate: LearningRateState): TrainerState {
  const saved = state.trainer as Partial<TrainerState> & Partial<StateBeforeParts>;
  // Parts added since a checkpoint was written start as a new run's would.
  const earlyStopping = saved.earlyStopping ?? { best: null, bestEpoch: 0, since: 0 };
  const learningRate = saved.learningRate ?? freshLearningRate;
  const trainingTime = saved.trainingTime ?? { ms: 0 };
  const augmentation = saved.augmentation ?? { on: [] };
  if (saved.weights !== undefined) return { ...(saved as TrainerState), earlyStopping, learningRate, trainingTime, augmentation };
  const old = saved as TrainerState & StateBeforeParts;
  return {
    ...old,
    weights: {
      sampling: state.samplingWeights,
      loss: state.lossWeights,
      ...(old.pendingWeights ? { pending: old.pendingWeights } : {}),
      schedulesEnded: old.schedulesEnded,
      temperature: old.lastTemperature,
    },
    suggestions: old.openSuggestions,
    earlyStopping,
    learningRate,
    trainingTime,
    augmentation,
  };
}
