/**
 * Runs one experiment end to end: selects the backend, loads the datasets, builds the joint model
 * and trains it epoch by epoch, writing everything to a new run folder. Controllers (the CLI's
 * stdin, the run folder's control.jsonl, hosts on the run's channel) steer it through `CommandInbox`.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { removeStaleTemporaries } from '../node/staleTemporaries';
import { isLoadedModel } from '../shared/experiment/schema';
import { channelPath } from '../shared/protocol/trainerMessages';
import { configuredShares } from '../shared/mixing/shares';
import { Random } from '../shared/random';
import {
  RUN_FILES,
  type DatasetReport,
  type EpochGradientSummary,
  type GradientDiagnostics,
  type RunEvent,
  type RunRecord,
  type RunStatus,
} from '../shared/runs/format';
import { selectBackend, type ModuleLoader } from './backend/selectBackend';
import { GradientSummary, type gradientDiagnostics } from './balancing/gradientMath';
import { LoopBalancer, type Proposal } from './balancing/loopBalancer';
import { suggestionReason } from './balancing/suggestionReason';
import { combineReporters, type EpochRecord, type StepRecord, type TrainingReporter } from './trainingReporter';
import { UserError } from './errors';
import type { LoadedExperiment } from './config/loadExperiment';
import { loadDataset } from './data/loadDataset';
import type { LoadedDataset } from './data/types';
import { datasetBatch, disposeBatch } from './loop/batchTensors';
import { planTraining, routeDatasets, type TrainingPlan } from './loop/datasetPlan';
import { EpochSchedules } from './loop/epochSchedules';
import { EpochTally } from './loop/epochTally';
import { evaluateDataset } from './loop/evaluate';
import { divergenceCause, explosionCause, type DivergenceCause } from './loop/divergenceCause';
import { LossExplosionWatch } from './loop/lossExplosion';
import { createOptimizer } from './loop/optimizer';
import { perDatasetStep, type SeparateGradients } from './loop/perDatasetStep';
import { trainStep, type StepOutcome } from './loop/trainStep';
import { WeightSchedule } from './loop/weightSchedule';
import { MixingSampler } from './mixing/mixingSampler';
import { buildDeclaredModel, wrapLoadedModel, type JointModel } from './model/jointModel';
import { channelReporter, helloMessage } from './runs/channelReporter';
import { CheckpointKeeper } from './runs/checkpoints';
import { CommandInbox } from './runs/commandInbox';
import { fileLoadHandler, folderSaveHandler } from './runs/modelFiles';
import { findResumableCheckpoint, restoreOptimizer, saveOptimizer, type ResumableCheckpoint } from './runs/trainerState';
import { isWriteFault, RunFolder, type RunFolderIo } from './runs/runFolder';
import { TrainerChannel } from './runs/trainerChannel';

export interface RunOptions {
  experiment: LoadedExperiment;
  runsDir: string;
  cacheDir: string;
  reporter?: TrainingReporter;
  /** Also read commands from this stream (JSON lines). */
  commands?: Readable;
  /** The run folder's name, when the caller chose it (the extension does); by default a new one. */
  runId?: string;
  /** Listen on the run's local channel for hosts to attach to (recorded in run.json → `channel`). */
  channel?: boolean;
  /** Aborting it asks the run to stop as a `stop` command does (the CLI aborts on SIGTERM/SIGINT). */
  stop?: AbortSignal;
  /** How backend packages are required; tests substitute it. */
  loadModule?: ModuleLoader;
  /** How the run folder is written; tests inject write failures through it. */
  io?: RunFolderIo;
  /** Fault injection for tests: this dataset's inputs become NaN at this step. */
  injectNaN?: { dataset: string; epoch: number; step: number };
  /**
   * Resume this run folder from its newest complete checkpoint instead of starting a new run;
   * `experiment` must be the run's own snapshot.
   */
  resume?: string;
}

export interface RunResult {
  runDir: string;
  record: RunRecord;
  lastEpoch: EpochRecord | undefined;
}

const now = () => new Date().toISOString();

export async function runExperiment(options: RunOptions): Promise<RunResult> {
  const { experiment: loaded } = options;
  const spec = loaded.experiment;
  const training = spec.training;
  let channel: TrainerChannel | undefined;
  const reporter = options.channel
    ? combineReporters([options.reporter ?? {}, channelReporter((message) => channel?.send(message))])
    : (options.reporter ?? {});
  const checkpoint = options.resume === undefined ? undefined : findResumableCheckpoint(join(options.resume, RUN_FILES.checkpoints));
  if (options.resume !== undefined && checkpoint === undefined) {
    throw new UserError(
      `${options.resume} has no complete checkpoint to resume from`,
      'a run writes its first checkpoint at the end of its first epoch; start it again with `jointrain run`',
    );
  }
  const onStatusChange = (status: RunStatus) => reporter.onStatus?.(status);
  const run =
    options.resume !== undefined && checkpoint !== undefined
      ? RunFolder.resume(options.resume, checkpoint.state.epoch, onStatusChange, options.io)
      : RunFolder.create({
          runsDir: options.runsDir,
          ...(options.runId !== undefined ? { id: options.runId } : {}),
          experimentPath: loaded.file,
          experimentText: loaded.text,
          experimentName: loaded.name,
          seed: training.seed,
          totalEpochs: training.epochs,
          onStatusChange,
          ...(options.io ? { io: options.io } : {}),
        });
  reporter.onRunCreated?.(run.dir);
  // The decode cache's temporaries of a killed trainer (the run folder's own are gone already).
  if (checkpoint !== undefined) removeStaleTemporaries(options.cacheDir);
  // Checkpoints older than the offset could not say which commands they obeyed: skip them all.
  const inbox = new CommandInbox(
    run.path(RUN_FILES.control),
    checkpoint === undefined ? undefined : (checkpoint.state.trainer.controlOffset ?? Number.POSITIVE_INFINITY),
  );
  if (options.commands) inbox.listen(options.commands);
  const requestStop = () => inbox.submit({ type: 'stop' });
  if (options.stop?.aborted) requestStop();
  options.stop?.addEventListener('abort', requestStop);
  const emit = (event: RunEvent) => {
    run.appendEvent(event);
    reporter.onEvent?.(event);
  };
  const datasets: LoadedDataset[] = [];
  let model: JointModel | undefined;
  try {
    if (options.channel) {
      // Before anything slow (backend, data): a host attaches as soon as run.json names the channel.
      channel = await TrainerChannel.open({
        path: channelPath(run.id, process.platform, tmpdir()),
        hello: () => helloMessage(run.id, process.pid, run.record.status),
        onConnection: (socket) => inbox.listen(socket, 'channel'),
      });
      run.update({ channel: { path: channel.path } });
    }
    const backend = await selectBackend(training.backend, options.loadModule);
    run.update({ backend });
    // A resumed run announces itself once, as a resume: `started` stays the run's first event.
    if (checkpoint === undefined) emit({ kind: 'started', time: now(), backend: backend.name });
    else {
      run.update({ resumes: [...(run.record.resumes ?? []), { at: now(), checkpoint: checkpoint.name, skipped: checkpoint.skipped }] });
      emit({
        kind: 'resumed-from-checkpoint',
        time: now(),
        epoch: checkpoint.state.epoch,
        checkpoint: checkpoint.name,
        skipped: checkpoint.skipped,
        backend: backend.name,
      });
      checkpoint.skipped.forEach((reason) => reporter.onWarning?.(`checkpoint ${reason}: resuming from ${checkpoint.name}`));
    }

    const dataStarted = Date.now();
    const routes = routeDatasets(spec);
    for (const [d, dataset] of spec.datasets.entries()) {
      datasets.push(
        await loadDataset(dataset, {
          experimentDir: loaded.dir,
          cacheDir: options.cacheDir,
          seed: training.seed,
          task: routes[d]?.task ?? 'classification',
          place: (field) => loaded.place(['datasets', d, field]),
          onProgress: (done, total) => reporter.onDataProgress?.(dataset.name, done, total),
        }),
      );
    }
    const plan = planTraining(spec, datasets, loaded.place);
    run.update({
      datasets: plan.datasets.map(({ data, route }): DatasetReport => ({ ...data.report, ...route })),
      timings: { ...run.record.timings, dataMs: Date.now() - dataStarted },
    });

    model = await buildModel(loaded, plan);
    if (checkpoint !== undefined) await restoreWeights(model, checkpoint.dir);
    run.update({ heads: headsRecord(plan, model) });
    const built = model;
    reporter.onStart?.(run.record);

    const trainStarted = Date.now();
    const status = await trainEpochs({ loaded, plan, model: built, run, inbox, reporter, emit, checkpoint, injectNaN: options.injectNaN });
    await saveFinalModel(built, run, status.badSince);
    // The closing event first, then the status: on the channel, the final status is the last word.
    if (status.final === 'completed') emit({ kind: 'completed', time: now() });
    run.update({ status: status.final, timings: { ...run.record.timings, trainMs: Date.now() - trainStarted, endedAt: now() } });
    return { runDir: run.dir, record: run.record, lastEpoch: status.lastEpoch };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    emit({ kind: 'failed', time: now(), message });
    run.update({ status: 'failed', error: message, timings: { ...run.record.timings, endedAt: now() } });
    throw error;
  } finally {
    options.stop?.removeEventListener('abort', requestStop);
    if (model) disposeModel(model);
    datasets.forEach((dataset) => dataset.close());
    inbox.close();
    run.close();
    // Last: connected clients have been sent the final event and status, even of a failed run.
    await channel?.close();
  }
}

async function buildModel(loaded: LoadedExperiment, plan: TrainingPlan): Promise<JointModel> {
  const model = loaded.experiment.model;
  if (isLoadedModel(model)) {
    const layers = await tf.loadLayersModel(fileLoadHandler(join(loaded.dir, model.from)));
    return wrapLoadedModel(layers, model.inputs, model.outputs, plan.heads, plan.paths);
  }
  return buildDeclaredModel(model, plan.stemShapes, plan.heads, plan.paths, loaded.experiment.training.seed);
}

/**
 * Saves the trained model as the run's `model/`. A diverged run's weights are not the model: the
 * newest checkpoint saved before the divergence began is loaded and saved instead, or, when there
 * is none, no model is written; run.json's error says which.
 */
async function saveFinalModel(model: JointModel, run: RunFolder, badSince: TrainedEpochs['badSince']): Promise<void> {
  const save = () => model.model.save(folderSaveHandler(run.path(RUN_FILES.model), { jointrain: { heads: run.record.heads } }));
  if (badSince === undefined) {
    await save();
    return;
  }
  const good = await restoreLastGoodCheckpoint(model, run.path(RUN_FILES.checkpoints), badSince.epoch);
  if (run.record.best !== undefined && run.record.best.epoch >= badSince.epoch) {
    // The "best" checkpoint was saved after the loss ran away: it is no model to pick.
    const record = { ...run.record };
    delete record.best;
    run.record = record;
  }
  const note =
    good === undefined
      ? 'No checkpoint was saved before the divergence, so no model was written.'
      : `The model (model/) is the last good checkpoint, ${good} (saved before the divergence), not the diverged weights.`;
  run.update({ error: `${run.record.error ?? 'the run diverged'}. ${note}` });
  if (good !== undefined) await save();
}

/** Loads the newest checkpoint of an epoch before `badEpoch` whose weights are all finite; returns its name. */
async function restoreLastGoodCheckpoint(model: JointModel, dir: string, badEpoch: number): Promise<string | undefined> {
  if (!existsSync(dir)) return undefined;
  const candidates = readdirSync(dir)
    .filter((name) => /^epoch-\d+$/.test(name) && Number(name.slice(6)) < badEpoch)
    .sort()
    .reverse();
  for (const name of candidates) {
    try {
      await restoreWeights(model, join(dir, name));
    } catch {
      continue; // A torn checkpoint: an older one may still be whole.
    }
    if (weightsAreFinite(model)) return name;
  }
  return undefined;
}

function weightsAreFinite(model: JointModel): boolean {
  return model.model.getWeights().every((weight) => (weight.dataSync() as Float32Array).every(Number.isFinite));
}

/** Frees the weights: an in-process caller (tests, the benchmarks) may run many experiments. */
function disposeModel(model: JointModel): void {
  // A layer shared by several stems (the trunk) counts one reference per use, so disposing the
  // model can leave its weights alive: free whatever remains explicitly.
  const variables = model.model.weights.map((weight) => weight.read());
  model.model.dispose();
  variables.filter((variable) => !variable.isDisposed).forEach((variable) => variable.dispose());
}

function headsRecord(plan: TrainingPlan, model: JointModel): RunRecord['heads'] {
  return Object.fromEntries(
    Object.entries(plan.heads).map(([head, info]) => [
      head,
      {
        task: info.task,
        classes: info.classes,
        outputs: Object.fromEntries(model.paths.filter((path) => path.key.head === head).map((path) => [path.key.stem, path.outputName])),
      },
    ]),
  );
}

interface TrainingContext {
  loaded: LoadedExperiment;
  plan: TrainingPlan;
  model: JointModel;
  run: RunFolder;
  inbox: CommandInbox;
  reporter: TrainingReporter;
  emit: (event: RunEvent) => void;
  /** The checkpoint a resumed run continues from. */
  checkpoint: ResumableCheckpoint | undefined;
  injectNaN: RunOptions['injectNaN'];
}

/** The model's weights (trainable or not) as the checkpoint saved them. */
async function restoreWeights(model: JointModel, dir: string): Promise<void> {
  const saved = await tf.loadLayersModel(fileLoadHandler(join(dir, 'model.json')));
  model.model.setWeights(saved.getWeights());
  saved.dispose();
}

interface TrainedEpochs {
  final: RunStatus;
  lastEpoch: EpochRecord | undefined;
  /** A diverged run: the step from which its weights are bad; checkpoints of earlier epochs are good. */
  badSince?: { epoch: number; step: number };
}

async function trainEpochs(context: TrainingContext): Promise<TrainedEpochs> {
  const { loaded, plan, model, run, inbox, reporter, emit, checkpoint, injectNaN } = context;
  const { training, mixing } = loaded.experiment;
  const names = plan.datasets.map(({ spec }) => spec.name);
  const schedule = new WeightSchedule(
    Object.fromEntries(plan.datasets.map(({ spec }) => [spec.name, spec.sampling_weight])),
    Object.fromEntries(plan.datasets.map(({ spec }) => [spec.name, spec.loss_weight])),
  );
  const sizes = plan.datasets.map(({ data }) => data.train.size);
  const schedules = new EpochSchedules(loaded.experiment);
  const sharesFor = (sampling: Record<string, number>, temperature: number) =>
    configuredShares({ strategy: mixing.strategy, temperature, sizes, samplingWeights: names.map((name) => sampling[name] ?? 0) });
  const random = new Random(training.seed);
  const sampler = new MixingSampler(
    sizes,
    sharesFor(schedule.current.sampling, schedules.temperatureFor(1)),
    mixing.epoch_end,
    training.batch_size,
    random.fork('mixing'),
  );
  const augmentRandoms = names.map((name) => random.fork(`augment/${name}`));
  const balancer = new LoopBalancer(training.balancer, training.diagnostics.every, names.length, random.fork('balancer'));
  const optimizer = createOptimizer(training.optimizer);
  const variables = [...model.trainableVariables.map((weight) => weight.read() as tf.Variable), ...balancer.variables];
  const kernels = model.kernels.map((weight) => weight.read() as tf.Variable);
  const checkpoints = new CheckpointKeeper(run.path(RUN_FILES.checkpoints), training.checkpoint);
  const suggestions = new OpenSuggestions();
  const explosions = new LossExplosionWatch(names.length);
  const control = new RunControl(inbox, schedule, run, emit, suggestions, (message) => reporter.onWarning?.(message));
  const baseLoss = Object.fromEntries(plan.datasets.map(({ spec }) => [spec.name, spec.loss_weight]));
  let globalStep = 0;
  let lastEpoch: EpochRecord | undefined;
  let lastTemperature = mixing.temperature;
  let firstEpoch = 1;
  if (checkpoint !== undefined) {
    const { trainer } = checkpoint.state;
    sampler.restore(trainer.sampler);
    augmentRandoms.forEach((stream, d) => trainer.augment[d] && stream.restore(trainer.augment[d]));
    balancer.restore(trainer.balancer);
    schedules.restoreEnded(trainer.schedulesEnded);
    schedule.restore({ sampling: checkpoint.state.samplingWeights, loss: checkpoint.state.lossWeights }, trainer.pendingWeights);
    Object.assign(baseLoss, trainer.baseLoss);
    trainer.openSuggestions.forEach(([id, loss]) => suggestions.open(id, loss));
    checkpoints.restore(trainer.best);
    await restoreOptimizer(checkpoint.dir, optimizer);
    lastTemperature = trainer.lastTemperature;
    globalStep = checkpoint.state.globalStep;
    firstEpoch = checkpoint.state.epoch + 1;
  }

  try {
    for (let epoch = firstEpoch; epoch <= training.epochs; epoch++) {
      await control.handleCommands(epoch, 0);
      if (control.stopRequested) return { final: finishStopped(epoch - 1), lastEpoch };
      const scheduledWeights = schedules.weightsFor(epoch);
      Object.assign(baseLoss, scheduledWeights.loss);
      const scheduled = schedule.setScheduled(scheduledWeights);
      const temperature = schedules.temperatureFor(epoch);
      if (scheduled.sampling || scheduled.loss || temperature !== lastTemperature) {
        emit({ kind: 'weights-scheduled', time: now(), epoch, ...scheduled, ...(temperature !== lastTemperature ? { temperature } : {}) });
      }
      lastTemperature = temperature;
      const applied = schedule.applyPending();
      const weights = schedule.current;
      if (applied) {
        schedules.endByHand(applied.change);
        Object.assign(baseLoss, applied.change.loss);
        for (const requestId of applied.requestIds.length ? applied.requestIds : [undefined]) {
          emit({ kind: 'weights-applied', time: now(), epoch, sampling: weights.sampling, loss: weights.loss, ...(requestId ? { requestId } : {}) });
        }
      }
      const shares = sharesFor(weights.sampling, temperature);
      sampler.startEpoch(shares);
      reporter.onEpochStart?.(epoch, training.epochs, sampler.stepsPerEpoch());
      const tally = new EpochTally(names.length);
      const gradientSummary = new GradientSummary(names.length);
      const epochStarted = Date.now();
      let step = 0;
      for (let mixed = sampler.next(); mixed !== undefined; mixed = sampler.next()) {
        step++;
        globalStep++;
        const active = mixed.perDataset.map((indices, d) => ({ indices, d })).filter(({ indices }) => indices.length > 0);
        const batches = active.map(({ indices, d }) => {
          const planned = plan.datasets[d] as TrainingPlan['datasets'][number];
          const batch = datasetBatch(planned, model, plan.heads[planned.route.head]?.units ?? 0, {
            split: planned.data.train,
            indices,
            lossWeight: (weights.loss[planned.spec.name] ?? 0) * balancer.multiplier(d),
            logVariance: balancer.logVariance(d),
            augmentWith: augmentRandoms[d],
          });
          if (injectNaN?.dataset !== planned.spec.name || injectNaN.epoch !== epoch || injectNaN.step !== step) return batch;
          const poisoned = tf.mul(batch.x, Number.NaN);
          batch.x.dispose();
          return { ...batch, x: poisoned };
        });
        const stepPlan = balancer.plan(globalStep);
        const outcome: StepOutcome & { gradients?: SeparateGradients } = stepPlan.perDataset
          ? perDatasetStep(batches, training.batch_size, optimizer, variables, kernels, training.l2, {
              combine: stepPlan.combine,
              order: balancer.order(batches.length),
            })
          : trainStep(batches, training.batch_size, optimizer, variables, kernels, training.l2);
        if (outcome.gradients !== undefined) {
          const indices = active.map(({ d }) => d);
          balancer.afterSeparateStep(
            indices,
            outcome.gradients.shared,
            outcome.datasets.map((result) => result.lossSum / Math.max(1, result.samples)),
            batches.map((batch) => batch.lossWeight),
          );
          if (stepPlan.diagnostics) {
            const diagnostics = spreadDiagnostics(outcome.gradients.diagnostics, indices, names, outcome.gradients.sharedParameters);
            gradientSummary.add(diagnostics);
            run.appendMetric({ kind: 'diagnostics', epoch, step, globalStep, time: now(), ...diagnostics });
          }
        }
        batches.forEach(disposeBatch);
        const stepDatasets: StepRecord['datasets'] = {};
        outcome.datasets.forEach((result, i) => {
          const d = (active[i] as { d: number }).d;
          tally.add(d, result);
          stepDatasets[names[d] as string] = {
            samples: result.samples,
            loss: result.lossSum / result.samples,
            ...(plan.datasets[d]?.route.task === 'classification' ? { accuracy: result.outcomeSum / result.samples } : {}),
          };
        });
        if (!Number.isFinite(outcome.totalLoss)) {
          const terms = {
            names: active.map(({ d }) => names[d] as string),
            lossWeights: batches.map((batch) => batch.lossWeight),
            l2: training.l2,
            learningRate: training.optimizer.learning_rate,
          };
          return diverge(epoch, step, divergenceCause(outcome, terms), { epoch, step });
        }
        const record: StepRecord = { kind: 'step', epoch, step, globalStep, time: now(), totalLoss: outcome.totalLoss, datasets: stepDatasets };
        run.appendMetric(record);
        reporter.onStep?.(record, (tally.totalSamples * 1000) / Math.max(1, Date.now() - epochStarted));
        const explosion = outcome.datasets
          .map((result, i) => explosions.observe((active[i] as { d: number }).d, result.lossSum / Math.max(1, result.samples), { epoch, step }))
          .find((found) => found !== undefined);
        if (explosion)
          return diverge(epoch, step, explosionCause(explosion, names[explosion.dataset] as string, training.optimizer.learning_rate), explosion.since);
        await control.handleCommands(epoch, step);
        await control.holdWhileUnwritable(epoch, step);
        if (control.stopRequested) break;
      }
      const trainMs = Date.now() - epochStarted;
      const record = epochRecord(plan, model, tally, {
        epoch,
        steps: step,
        trainMs,
        shares,
        realized: sampler.realizedShares(),
        totalDrawn: sampler.accounting.totalDrawn,
        weights,
        temperature,
        gradients: gradientSummary.summary().steps > 0 ? { names, ...gradientSummary.summary() } : undefined,
        balancerWeights: balancer.reportedWeights(),
      });
      run.appendMetric(record);
      reporter.onEpochEnd?.(record);
      lastEpoch = record;
      const proposal = balancer.epochEnd(names.map((name) => record.datasets[name]?.trainLoss ?? Number.NaN));
      if (proposal !== undefined && epoch < training.epochs) suggest(epoch, proposal, weights.loss);
      const lastOne = epoch === training.epochs || control.stopRequested;
      if (checkpoints.shouldSave(epoch, lastOne)) {
        const monitorValue = monitorOf(record, training.checkpoint.monitor);
        const saved = await control.retryingWrites(epoch, step, () =>
          checkpoints.save(
            model.model,
            {
              epoch,
              globalStep,
              samplingWeights: weights.sampling,
              lossWeights: weights.loss,
              monitor: { name: training.checkpoint.monitor, value: monitorValue },
              trainer: {
                sampler: sampler.state(),
                augment: augmentRandoms.map((stream) => stream.state()),
                balancer: balancer.state(),
                schedulesEnded: schedules.ended(),
                lastTemperature,
                baseLoss: { ...baseLoss },
                pendingWeights: schedule.pendingState(),
                openSuggestions: suggestions.entries(),
                controlOffset: inbox.consumedControlBytes,
              },
            },
            (dir) => saveOptimizer(dir, optimizer),
          ),
        );
        emit({ kind: 'checkpoint', time: now(), epoch, name: saved.name, best: saved.best });
        const best = checkpoints.bestCheckpoint;
        if (best) run.update({ best: { epoch: Number(best.name.slice(6)), monitor: training.checkpoint.monitor, value: best.value, checkpoint: best.name } });
      }
      run.update({ epochs: { total: training.epochs, completed: epoch } });
      if (control.stopRequested) return { final: finishStopped(epoch), lastEpoch };
    }
    return { final: 'completed', lastEpoch };
  } finally {
    optimizer.dispose();
    balancer.dispose();
  }

  /** A balancer in suggest mode proposes loss weights; an older open proposal is superseded. */
  function suggest(epoch: number, proposal: Proposal, current: Record<string, number>): void {
    const loss = Object.fromEntries(names.map((name, d) => [name, round((baseLoss[name] ?? 1) * (proposal.multipliers[d] ?? 1))]));
    // Proposing the weights in force would only ask the user to click for nothing.
    if (names.every((name) => Math.abs((loss[name] ?? 0) - (current[name] ?? 0)) < 1e-3)) return;
    for (const open of suggestions.drain()) emit({ kind: 'suggestion-decided', time: now(), epoch, suggestionId: open, decision: 'superseded' });
    const suggestionId = `suggestion-${epoch}`;
    suggestions.open(suggestionId, loss);
    const reason = suggestionReason(
      names,
      names.map((name) => current[name] ?? 0),
      names.map((name) => loss[name] ?? 0),
      proposal.lossRatios,
    );
    emit({ kind: 'weights-suggested', time: now(), epoch, suggestionId, balancer: balancer.type, loss, reason });
  }

  function finishStopped(epoch: number): RunStatus {
    emit({ kind: 'stopped', time: now(), epoch });
    return 'stopped';
  }

  function diverge(epoch: number, step: number, cause: DivergenceCause, badSince: TrainedEpochs['badSince']): TrainedEpochs {
    const message = `${cause.message} at epoch ${epoch}, step ${step}`;
    emit({ kind: 'diverged', time: now(), epoch, step, ...(cause.dataset !== undefined ? { dataset: cause.dataset } : {}), message });
    run.update({ error: `${message}: ${cause.advice}` });
    return { final: 'diverged', lastEpoch, badSince };
  }
}

function epochRecord(
  plan: TrainingPlan,
  model: JointModel,
  tally: EpochTally,
  info: {
    epoch: number;
    steps: number;
    trainMs: number;
    shares: number[];
    realized: number[];
    totalDrawn: number[];
    weights: { sampling: Record<string, number>; loss: Record<string, number> };
    temperature: number;
    gradients: EpochGradientSummary | undefined;
    balancerWeights: number[] | undefined;
  },
): EpochRecord {
  const totalContribution = tally.totalContribution;
  const datasets: EpochRecord['datasets'] = {};
  plan.datasets.forEach((planned, d) => {
    const name = planned.spec.name;
    const sums = tally.of(d);
    const evaluation = evaluateDataset(planned, model, plan.heads[planned.route.head]?.units ?? 0);
    const classification = planned.route.task === 'classification';
    datasets[name] = {
      samples: sums.samples,
      trainLoss: sums.samples > 0 ? sums.lossSum / sums.samples : Number.NaN,
      ...(classification ? { trainAccuracy: sums.samples > 0 ? sums.outcomeSum / sums.samples : Number.NaN } : {}),
      valLoss: evaluation.loss,
      ...(classification ? { valAccuracy: evaluation.outcome } : { valMae: evaluation.outcome }),
      configuredShare: info.shares[d] ?? 0,
      realizedShare: info.realized[d] ?? 0,
      lossShare: totalContribution > 0 ? sums.contribution / totalContribution : 0,
      epochsSeen: (info.totalDrawn[d] ?? 0) / Math.max(1, planned.data.train.size),
      samplingWeight: info.weights.sampling[name] ?? 0,
      lossWeight: info.weights.loss[name] ?? 0,
      ...(info.balancerWeights ? { balancerWeight: info.balancerWeights[d] ?? 1 } : {}),
      ...(typeof info.gradients?.normShare[d] === 'number' ? { gradNormShare: info.gradients.normShare[d] } : {}),
    };
  });
  return {
    kind: 'epoch',
    epoch: info.epoch,
    steps: info.steps,
    time: now(),
    durationMs: info.trainMs,
    samplesPerSecond: (tally.totalSamples * 1000) / Math.max(1, info.trainMs),
    totalLoss: info.steps > 0 ? tally.totalContribution / info.steps : Number.NaN,
    datasets,
    temperature: info.temperature,
    ...(info.gradients ? { gradients: info.gradients } : {}),
  };
}

/** A step's diagnostics over its batches, spread over every dataset of the run (absent ones null). */
function spreadDiagnostics(
  diagnostics: ReturnType<typeof gradientDiagnostics>,
  indices: readonly number[],
  names: readonly string[],
  sharedParameters: number,
): GradientDiagnostics {
  const position = new Map(indices.map((d, i) => [d, i]));
  const at = <T>(values: readonly (T | null)[], d: number): T | null => {
    const i = position.get(d);
    return i === undefined ? null : (values[i] ?? null);
  };
  return {
    names: [...names],
    norms: names.map((_, d) => at(diagnostics.norms, d)),
    normShares: names.map((_, d) => at(diagnostics.normShares, d)),
    cosine: names.map((_, a) =>
      names.map((__, b) => {
        const i = position.get(a);
        return i === undefined ? null : at(diagnostics.cosine[i] ?? [], b);
      }),
    ),
    sharedParameters,
  };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** Suggestions awaiting the user's decision. */
class OpenSuggestions {
  private readonly proposals = new Map<string, Record<string, number>>();

  open(id: string, loss: Record<string, number>): void {
    this.proposals.set(id, loss);
  }

  /** Closes one; returns its proposal, or undefined when it is not open. */
  close(id: string): Record<string, number> | undefined {
    const loss = this.proposals.get(id);
    this.proposals.delete(id);
    return loss;
  }

  entries(): Array<[string, Record<string, number>]> {
    return [...this.proposals].map(([id, loss]) => [id, { ...loss }]);
  }

  drain(): string[] {
    const ids = [...this.proposals.keys()];
    this.proposals.clear();
    return ids;
  }
}

/** The checkpoint monitor: means and worst over datasets, each dataset counting once. */
export function monitorOf(record: EpochRecord, monitor: 'val_loss_mean' | 'val_accuracy_mean' | 'val_accuracy_worst'): number {
  const values = Object.values(record.datasets);
  if (monitor === 'val_loss_mean') return values.reduce((sum, d) => sum + d.valLoss, 0) / values.length;
  const accuracies = values.map((d) => d.valAccuracy).filter((value): value is number => value !== undefined);
  if (accuracies.length === 0) return Number.NaN;
  return monitor === 'val_accuracy_worst' ? Math.min(...accuracies) : accuracies.reduce((sum, a) => sum + a, 0) / accuracies.length;
}

/** How many invalid commands an epoch records as events before it records only that there were more. */
export const MAX_REJECTIONS_PER_EPOCH = 100;

/** Applies controller commands between steps: weight requests, pause/resume, stop. */
class RunControl {
  stopRequested = false;
  /** Invalid commands recorded in `rejectionsEpoch`: a flood of them must not flood events.jsonl. */
  private rejections = 0;
  private rejectionsEpoch = 0;

  constructor(
    private readonly inbox: CommandInbox,
    private readonly schedule: WeightSchedule,
    private readonly run: RunFolder,
    private readonly emit: (event: RunEvent) => void,
    private readonly suggestions: OpenSuggestions,
    private readonly warn: (message: string) => void,
  ) {}

  /**
   * The run folder cannot be written (a full disk, lost permissions): pause, say why, and wait for
   * a resume that finds it writable again (or a stop). Nothing is lost meanwhile: records wait in
   * memory. The status still reaches an attached host over the channel, which needs no disk.
   */
  async holdWhileUnwritable(epoch: number, step: number): Promise<void> {
    while (this.run.writeFailure !== undefined && !this.stopRequested) {
      const reason = this.run.writeFailure;
      this.warn(`${reason}: training is paused; free space or fix permissions, then resume the run`);
      this.run.update({ status: 'paused', error: reason });
      this.emit({ kind: 'paused', time: now(), epoch, step, reason });
      await this.handleCommands(epoch, step, () => this.run.retryWrites());
    }
  }

  /** Runs a write (a checkpoint) again after each pause for an unwritable folder, until it succeeds or the run stops. */
  async retryingWrites<T>(epoch: number, step: number, write: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await write();
      } catch (error) {
        if (!isWriteFault(error) || this.stopRequested) throw error;
        this.run.noteWriteFailure(error);
        await this.holdWhileUnwritable(epoch, step);
        if (this.stopRequested) throw error;
      }
    }
  }

  /**
   * Records an invalid command as `weights-rejected`, at most MAX_REJECTIONS_PER_EPOCH per epoch;
   * the one after them says that the rest of the epoch's are not recorded.
   */
  private rejectInvalid(epoch: number, reason: string): void {
    if (epoch !== this.rejectionsEpoch) {
      this.rejectionsEpoch = epoch;
      this.rejections = 0;
    }
    this.rejections++;
    if (this.rejections <= MAX_REJECTIONS_PER_EPOCH) {
      this.emit({ kind: 'weights-rejected', time: now(), reason: `invalid command from ${reason}` });
    } else if (this.rejections === MAX_REJECTIONS_PER_EPOCH + 1) {
      this.emit({
        kind: 'weights-rejected',
        time: now(),
        reason: `more than ${MAX_REJECTIONS_PER_EPOCH} invalid commands in epoch ${epoch}: the rest of this epoch's are skipped without an event`,
      });
    }
  }

  /**
   * Applies what controllers sent. With `writable`, the run starts paused and a `resume` takes
   * only once `writable()` says the run folder accepts writes again.
   */
  async handleCommands(epoch: number, step: number, writable?: () => boolean): Promise<void> {
    // Training steps are synchronous: yield one event-loop turn so stdin lines get read.
    await new Promise((resolve) => setImmediate(resolve));
    let paused = writable !== undefined;
    for (;;) {
      const { commands, invalid } = this.inbox.drain();
      invalid.forEach((reason) => this.rejectInvalid(epoch, reason));
      for (const command of commands) {
        switch (command.type) {
          case 'set-weights': {
            const change = { ...(command.sampling ? { sampling: command.sampling } : {}), ...(command.loss ? { loss: command.loss } : {}) };
            const problem = this.schedule.request(change, command.requestId);
            const requestId = command.requestId ? { requestId: command.requestId } : {};
            if (problem === undefined) {
              this.emit({ kind: 'weights-requested', time: now(), epoch, step, change, ...requestId });
              const proposal = command.requestId === undefined ? undefined : this.suggestions.close(command.requestId);
              if (proposal !== undefined && command.requestId !== undefined) {
                const edited = Object.entries(command.loss ?? {}).some(([name, value]) => proposal[name] !== value) || command.sampling !== undefined;
                this.emit({
                  kind: 'suggestion-decided',
                  time: now(),
                  epoch,
                  suggestionId: command.requestId,
                  decision: edited ? 'edited' : 'accepted',
                  loss: { ...proposal, ...command.loss },
                });
              }
            } else this.emit({ kind: 'weights-rejected', time: now(), reason: problem, ...requestId });
            break;
          }
          case 'reject-suggestion':
            if (this.suggestions.close(command.suggestionId) !== undefined) {
              this.emit({ kind: 'suggestion-decided', time: now(), epoch, suggestionId: command.suggestionId, decision: 'rejected' });
            } else {
              this.emit({
                kind: 'weights-rejected',
                time: now(),
                reason: `no open suggestion '${command.suggestionId}' (it was decided or superseded)`,
                requestId: command.suggestionId,
              });
            }
            break;
          case 'pause':
            if (!paused) {
              paused = true;
              this.run.update({ status: 'paused' });
              this.emit({ kind: 'paused', time: now(), epoch, step });
            }
            break;
          case 'resume':
            if (paused && writable !== undefined && !writable()) {
              this.warn(`${this.run.writeFailure ?? 'the run folder'}: still not writable; the run stays paused`);
            } else if (paused) {
              paused = false;
              const record = { ...this.run.record };
              delete record.error;
              this.run.record = record;
              this.run.update({ status: 'running' });
              this.emit({ kind: 'resumed', time: now(), epoch, step });
            }
            break;
          case 'stop':
            this.stopRequested = true;
            break;
        }
      }
      if (!paused || this.stopRequested) {
        if (paused) this.run.update({ status: 'running' });
        return;
      }
      await this.inbox.waitForInput();
    }
  }
}
