/**
 * The work done at each epoch end, after the epoch's record is written, as ordered hooks (as Keras
 * callbacks and Lightning's loop hooks are): first the balancer (its move or its suggestion), then a learning-rate
 * reduction on a plateau, then early stopping, then the checkpoint, so a checkpoint holds the suggestion it proposed (a resumed run does not
 * propose it again) and the epoch early stopping ends on is checkpointed as the last.
 * A hook added here runs at every epoch end, in the place the list gives it.
 */
import type { Experiment } from '../../shared/experiment/schema';
import type { RunEvent } from '../../shared/runs/format';
import type { JointModel } from '../model/jointModel';
import type { CommandInbox } from '../runs/commandInbox';
import type { RunFolder } from '../runs/runFolder';
import { saveOptimizer } from '../runs/trainerState';
import type { EpochRecord } from '../trainingReporter';
import type { EpochWeights } from './datasetWeights';
import { monitorOf } from './epochRecord';
import type { RunControl } from './runControl';
import type { TrainerParts } from './trainerParts';
import type { DatasetEvidence, Verdict } from '../balancing/samplingBalance';
import { samplingMoveReason, verdictReason } from '../balancing/samplingReason';
import { diagnosticsSuggestion, lossSuggestion, samplingSuggestion, starvedSuggestion } from './proposedChanges';

const now = () => new Date().toISOString();

/** Where the run is at an epoch end. */
export interface EpochEnd {
  epoch: number;
  /** The steps the epoch ran (fewer than planned when a stop cut it short). */
  step: number;
  record: EpochRecord;
  weights: EpochWeights;
  /** The last epoch the run will train: the configured last one, or the one a stop ends (read when a hook runs: an earlier hook may stop the run). */
  readonly lastOne: boolean;
}

export type EpochEndHook = (end: EpochEnd) => void | Promise<void>;

interface HookContext {
  model: JointModel;
  run: RunFolder;
  inbox: CommandInbox;
  control: RunControl;
  emit: (event: RunEvent) => void;
  monitor: Experiment['training']['checkpoint']['monitor'];
  /** What early stopping watches, when the experiment asks for it. */
  earlyStoppingMonitor: Experiment['training']['checkpoint']['monitor'] | undefined;
  lrSchedule: Experiment['training']['lr_schedule'];
  lastEpoch: number;
}

export function epochEndHooks(parts: TrainerParts, context: HookContext): EpochEndHook[] {
  return [balance(parts, context), reduceOnPlateau(parts, context), stopEarly(parts, context), saveCheckpoint(parts, context)];
}

/** reduce_on_plateau watches its metric; a reduction takes effect as the next epoch starts. */
function reduceOnPlateau(parts: TrainerParts, { lrSchedule }: HookContext): EpochEndHook {
  return ({ record }) => {
    if (lrSchedule?.type === 'reduce_on_plateau') parts.learningRate.epochEnd(monitorOf(record, lrSchedule.monitor));
  };
}

/** Early stopping decides before the checkpoint, so that the epoch it stops after is checkpointed as the last. */
function stopEarly(parts: TrainerParts, { control, earlyStoppingMonitor }: HookContext): EpochEndHook {
  return ({ epoch, record }) => {
    if (earlyStoppingMonitor === undefined) return;
    const reason = parts.earlyStopping.observe(epoch, monitorOf(record, earlyStoppingMonitor));
    if (reason !== undefined) control.requestStop(reason);
  };
}

/**
 * The balancer reads the epoch. A dataset declaring `augment: auto` that is memorised gets its
 * augmentation (the `sampling` balancer in `auto` mode decides this itself, holding the dataset's
 * share as it starts). In `auto` mode a `sampling` move takes effect and is recorded; in `suggest`
 * mode a proposal becomes a suggestion. A dataset starved of samples (see `starvedSuggestion`) is
 * proposed more share before any loss-weight proposal; where the balancer proposes nothing, the
 * balance warnings may (diagnostics). After the last epoch nothing is proposed.
 */
function balance(parts: TrainerParts, { emit, lastEpoch }: HookContext): EpochEndHook {
  return ({ epoch, record, weights }) => {
    const { names, balancer, augmentation } = parts;
    const samplingAuto = balancer.type === 'sampling' && balancer.mode === 'auto';
    const baseShares = parts.baseShares(weights.sampling, weights.temperature);
    const datasets: DatasetEvidence[] = names.map((name, d) => {
      const m = record.datasets[name];
      return {
        name,
        size: parts.trainSizes[d] ?? 0,
        trainLoss: m?.trainLoss ?? Number.NaN,
        valLoss: m?.valLoss ?? Number.NaN,
        lossKind: parts.lossKinds[d] ?? 'cross-entropy',
        trainAccuracy: m?.trainAccuracy,
        valAccuracy: m?.valAccuracy,
        baseShare: baseShares[d] ?? 0,
        canAugment: false,
      };
    });
    if (!samplingAuto) augmentation.switchOnMemorised(datasets, epoch);
    datasets.forEach((d, i) => (d.canAugment = samplingAuto ? augmentation.autoOff(i) : augmentation.canPropose(i)));
    const before = names.map((_, d) => balancer.samplingMultiplier(d));
    const previousValLosses = [...balancer.previousValLosses];
    const proposal = balancer.epochEnd({ trainLosses: datasets.map((d) => d.trainLoss), datasets });
    const move = proposal?.sampling;
    if (move !== undefined && samplingAuto) {
      move.augment.forEach((on, d) => on && augmentation.switchOn(d, epoch, verdictReason(datasets[d] as DatasetEvidence, move.verdicts[d] as Verdict)));
      if (move.multipliers.some((m, d) => Math.abs(m - (before[d] as number)) > 1e-9)) {
        const byName = (values: readonly number[]) => Object.fromEntries(names.map((name, d) => [name, values[d] as number]));
        emit({
          kind: 'sampling-balanced',
          time: now(),
          epoch,
          multipliers: byName(move.multipliers),
          shares: byName(move.shares.after),
          reason: samplingMoveReason(datasets, move, before),
        });
      }
      return;
    }
    if (epoch >= lastEpoch) return;
    const lossShares = names.map((name) => record.datasets[name]?.lossShare ?? 0);
    const suggested =
      proposal === undefined
        ? undefined
        : balancer.type === 'sampling'
          ? samplingSuggestion(names, proposal, datasets, weights.sampling)
          : lossSuggestion(names, balancer.type, proposal, weights.loss, lossShares);
    const sizes = Object.fromEntries(names.map((name, d) => [name, parts.trainSizes[d] ?? 0]));
    const starved =
      balancer.type === 'sampling'
        ? undefined
        : starvedSuggestion(
            names,
            datasets.map((d, i) => ({ ...d, previousValLoss: previousValLosses[i] })),
            record.datasets,
            sizes,
            weights.sampling,
            balancer.samplingBounds,
          );
    const suggestion =
      starved ??
      suggested ??
      (proposal === undefined ? diagnosticsSuggestion(names, record.datasets, sizes, (d) => augmentation.canPropose(d), weights) : undefined);
    if (suggestion !== undefined) parts.suggestions.propose(epoch, suggestion);
  };
}

/** Every `every_epochs` and at the last epoch: the model, the optimizer and every part's state; run.json names the best. */
function saveCheckpoint(parts: TrainerParts, { model, run, inbox, control, emit, monitor: monitorName }: HookContext): EpochEndHook {
  return async ({ epoch, step, record, weights, lastOne }) => {
    const { checkpoints, optimizer } = parts;
    if (!checkpoints.shouldSave(epoch, lastOne)) return;
    const monitor = { name: monitorName, value: monitorOf(record, monitorName) };
    const state = parts.state(epoch, weights, monitor, inbox.consumedControlBytes);
    const saved = await control.retryingWrites(epoch, step, () => checkpoints.save(model.model, state, (dir) => saveOptimizer(dir, optimizer)));
    emit({ kind: 'checkpoint', time: now(), epoch, name: saved.name, best: saved.best });
    const best = checkpoints.bestCheckpoint;
    if (best) run.update({ best: { epoch: best.epoch, monitor: monitorName, value: best.value, checkpoint: best.name } });
  };
}
