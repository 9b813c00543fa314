/**
 * The stateful parts of a training run — sampler, augmentation streams, balancer, optimizer, weight
 * schedules, the base loss weights, open suggestions, the checkpoint keeper, the mixing temperature
 * in force and the step count — built in one place, saved together by `state()` and restored
 * together by `restore()`. A part added here is added to both, so exact resume cannot forget it.
 */
import type * as tf from '@tensorflow/tfjs';
import { configuredShares } from '../../shared/mixing/shares';
import { Random } from '../../shared/random';
import { RUN_FILES, type RunEvent, type WeightChange } from '../../shared/runs/format';
import { LoopBalancer } from '../balancing/loopBalancer';
import type { LoadedExperiment } from '../config/loadExperiment';
import type { TrainingPlan } from '../loop/datasetPlan';
import { EpochSchedules } from '../loop/epochSchedules';
import { createOptimizer } from '../loop/optimizer';
import { WeightSchedule } from '../loop/weightSchedule';
import { MixingSampler } from '../mixing/mixingSampler';
import { CheckpointKeeper } from '../runs/checkpoints';
import type { RunFolder } from '../runs/runFolder';
import { restoreOptimizer, type CheckpointState, type ResumableCheckpoint } from '../runs/trainerState';
import { Suggestions } from './suggestions';

export class TrainerParts {
  readonly names: string[];
  readonly schedule: WeightSchedule;
  readonly schedules: EpochSchedules;
  readonly sampler: MixingSampler;
  readonly augmentRandoms: Random[];
  readonly balancer: LoopBalancer;
  readonly optimizer: tf.Optimizer;
  readonly checkpoints: CheckpointKeeper;
  readonly suggestions: Suggestions;
  /** Loss weights before the balancer's multiplier: as written, scheduled or set by hand. */
  readonly baseLoss: Record<string, number>;
  lastTemperature: number;
  globalStep = 0;
  private readonly sizes: number[];

  constructor(
    private readonly loaded: LoadedExperiment,
    plan: TrainingPlan,
    run: RunFolder,
    emit: (event: RunEvent) => void,
  ) {
    const { training, mixing } = loaded.experiment;
    this.names = plan.datasets.map(({ spec }) => spec.name);
    const byName = (value: (spec: TrainingPlan['datasets'][number]['spec']) => number) =>
      Object.fromEntries(plan.datasets.map(({ spec }) => [spec.name, value(spec)]));
    this.schedule = new WeightSchedule(
      byName((spec) => spec.sampling_weight),
      byName((spec) => spec.loss_weight),
    );
    this.baseLoss = byName((spec) => spec.loss_weight);
    this.sizes = plan.datasets.map(({ data }) => data.train.size);
    this.schedules = new EpochSchedules(loaded.experiment);
    const random = new Random(training.seed);
    this.sampler = new MixingSampler(
      this.sizes,
      this.sharesFor(this.schedule.current.sampling, this.schedules.temperatureFor(1)),
      mixing.epoch_end,
      training.batch_size,
      random.fork('mixing'),
    );
    this.augmentRandoms = this.names.map((name) => random.fork(`augment/${name}`));
    this.balancer = new LoopBalancer(training.balancer, training.diagnostics.every, this.names.length, random.fork('balancer'));
    this.optimizer = createOptimizer(training.optimizer);
    this.checkpoints = new CheckpointKeeper(run.path(RUN_FILES.checkpoints), training.checkpoint);
    this.suggestions = new Suggestions(this.names, this.balancer.type, emit);
    this.lastTemperature = mixing.temperature;
  }

  /** Each dataset's share of the next epoch's samples, by the mixing strategy. */
  sharesFor(sampling: Readonly<Record<string, number>>, temperature: number): number[] {
    const { mixing } = this.loaded.experiment;
    return configuredShares({ strategy: mixing.strategy, temperature, sizes: this.sizes, samplingWeights: this.names.map((name) => sampling[name] ?? 0) });
  }

  /** What a checkpoint of `epoch` saves: where the run is, and every part's state. */
  state(epoch: number, weights: Required<WeightChange>, monitor: CheckpointState['monitor'], controlOffset: number): CheckpointState {
    return {
      epoch,
      globalStep: this.globalStep,
      samplingWeights: weights.sampling,
      lossWeights: weights.loss,
      monitor,
      trainer: {
        sampler: this.sampler.state(),
        augment: this.augmentRandoms.map((stream) => stream.state()),
        balancer: this.balancer.state(),
        schedulesEnded: this.schedules.ended(),
        lastTemperature: this.lastTemperature,
        baseLoss: { ...this.baseLoss },
        pendingWeights: this.schedule.pendingState(),
        openSuggestions: this.suggestions.entries(),
        controlOffset,
      },
    };
  }

  /** Puts every part back as `checkpoint` saved it; resolves with the first epoch still to train. */
  async restore(checkpoint: ResumableCheckpoint): Promise<number> {
    const { trainer } = checkpoint.state;
    this.sampler.restore(trainer.sampler);
    this.augmentRandoms.forEach((stream, d) => trainer.augment[d] && stream.restore(trainer.augment[d]));
    this.balancer.restore(trainer.balancer);
    this.schedules.restoreEnded(trainer.schedulesEnded);
    this.schedule.restore({ sampling: checkpoint.state.samplingWeights, loss: checkpoint.state.lossWeights }, trainer.pendingWeights);
    Object.assign(this.baseLoss, trainer.baseLoss);
    this.suggestions.restore(trainer.openSuggestions);
    this.checkpoints.restore(trainer.best);
    await restoreOptimizer(checkpoint.dir, this.optimizer);
    this.lastTemperature = trainer.lastTemperature;
    this.globalStep = checkpoint.state.globalStep;
    return checkpoint.state.epoch + 1;
  }

  dispose(): void {
    this.optimizer.dispose();
    this.balancer.dispose();
  }
}
