/**
 * The work done at each epoch end, after the epoch's record is written, as ordered hooks (as Keras
 * callbacks and Lightning's loop hooks are): first the balancer's suggestion, then a learning-rate
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
  return [suggestWeights(parts, context.lastEpoch), reduceOnPlateau(parts, context), stopEarly(parts, context), saveCheckpoint(parts, context)];
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

/** A balancer in `suggest` mode proposes loss weights for the next epoch; after the last there is none. */
function suggestWeights(parts: TrainerParts, lastEpoch: number): EpochEndHook {
  return ({ epoch, record, weights }) => {
    const proposal = parts.balancer.epochEnd(parts.names.map((name) => record.datasets[name]?.trainLoss ?? Number.NaN));
    if (proposal !== undefined && epoch < lastEpoch) parts.suggestions.propose(epoch, proposal, weights.loss);
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
