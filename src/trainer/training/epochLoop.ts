/**
 * The epoch loop: at each epoch boundary the schedules and the weight and learning-rate requests take effect, then
 * the sampler's steps run (one joint step, or one step per dataset for the gradient balancers and
 * diagnostics), each checked for divergence; at each epoch end the record, then the end-of-epoch
 * hooks in order (`epochEndHooks.ts`). Commands are handled between steps.
 */
import type * as tf from '@tensorflow/tfjs';
import type { ResolvedBackend, RunEvent, RunStatus } from '../../shared/runs/format';
import { GradientSummary } from '../balancing/gradientMath';
import type { LoadedExperiment } from '../config/loadExperiment';
import { datasetBatch, disposeBatch } from '../loop/batchTensors';
import type { DatasetBatch } from '../loop/jointLoss';
import type { TrainingPlan } from '../loop/datasetPlan';
import { divergenceCause, explosionCause, type DivergenceCause } from '../loop/divergenceCause';
import { EpochTally } from '../loop/epochTally';
import { LossExplosionWatch } from '../loop/lossExplosion';
import { measureGradients, perDatasetStep, type SeparateGradients } from '../loop/perDatasetStep';
import { trainStep, type StepOutcome, type StepTarget } from '../loop/trainStep';
import { setLearningRate } from '../loop/optimizer';
import { updateRulesFor } from '../loop/updateRules';
import type { JointModel } from '../model/jointModel';
import type { CommandInbox } from '../runs/commandInbox';
import type { RunFolder } from '../runs/runFolder';
import type { ResumableCheckpoint } from '../runs/trainerState';
import type { EpochRecord, StepRecord, TrainingReporter } from '../trainingReporter';
import { epochEndHooks } from './epochEndHooks';
import { epochRecord, spreadDiagnostics } from './epochRecord';
import { modelRecipe, type BadSince } from './modelLifecycle';
import { DataParallelStep } from '../parallel/dataParallelStep';
import { RunControl } from './runControl';
import { TrainerParts } from './trainerParts';

const now = () => new Date().toISOString();

/** Where a batch is in the run, for a test's batch transform. */
export interface BatchPlace {
  dataset: string;
  epoch: number;
  step: number;
}

export interface TrainingContext {
  loaded: LoadedExperiment;
  plan: TrainingPlan;
  model: JointModel;
  run: RunFolder;
  inbox: CommandInbox;
  reporter: TrainingReporter;
  emit: (event: RunEvent) => void;
  /** The checkpoint a resumed run continues from. */
  checkpoint: ResumableCheckpoint | undefined;
  /** Threads the steps run on (`planThreads`), on which backend; absent: one. */
  threads?: { used: number; backend: ResolvedBackend } | undefined;
  /** Test-only: changes a batch before the step (fault injection). */
  transformBatch?: ((batch: DatasetBatch, place: BatchPlace) => DatasetBatch) | undefined;
}

export interface TrainedEpochs {
  final: RunStatus;
  lastEpoch: EpochRecord | undefined;
  /** A diverged run: the step from which its weights are bad; checkpoints of earlier epochs are good. */
  badSince?: BadSince;
  /** Training ended before its last epoch by the trainer's own rule: after which epoch, and why. */
  ended?: { epoch: number; reason: string };
}

/**
 * The data-parallel step for the threads planned, or none for one thread. Threads that cannot start
 * (a worker that fails to load the model, a platform without worker threads) do not fail the run:
 * it trains on one thread, says why, and run.json records it.
 */
async function startThreads(context: TrainingContext): Promise<DataParallelStep | undefined> {
  const { threads, loaded, plan, model, run } = context;
  if (threads === undefined || threads.used <= 1) return undefined;
  try {
    return await DataParallelStep.start({
      threads: threads.used,
      backend: threads.backend,
      recipe: modelRecipe(loaded, plan),
      model,
      batchSize: loaded.experiment.training.batch_size,
      datasets: plan.datasets.length,
    });
  } catch (error) {
    const reason = `the training threads could not start (${error instanceof Error ? error.message : String(error)}), so the run trains on one thread`;
    const backend = run.record.backend;
    if (backend !== undefined) run.update({ backend: { ...backend, threads: { requested: backend.threads?.requested ?? threads.used, used: 1, reason } } });
    context.reporter.onWarning?.(reason);
    return undefined;
  }
}

export async function trainEpochs(context: TrainingContext): Promise<TrainedEpochs> {
  const { loaded, plan, model, run, inbox, reporter, emit, checkpoint } = context;
  const { training } = loaded.experiment;
  const parts = new TrainerParts(loaded, plan, run, emit);
  const { names, weights: datasetWeights, sampler, balancer, optimizer } = parts;
  const variables = [...model.trainableVariables.map((weight) => weight.read() as tf.Variable), ...balancer.variables];
  const kernels = model.kernels.map((weight) => weight.read() as tf.Variable);
  const explosions = new LossExplosionWatch(names.length);
  const control = new RunControl(
    inbox,
    datasetWeights,
    run,
    emit,
    parts.suggestions,
    (message) => reporter.onWarning?.(message),
    parts.learningRate,
    parts.augmentation,
  );
  const modelVariables = model.trainableVariables.map((weight) => weight.read() as tf.Variable);
  const rules = updateRulesFor(training.optimizer, modelVariables, () => parts.learningRate.inForce);
  const target: StepTarget = { optimizer, variables, kernels, l2: training.l2, rules };
  const epochEnd = epochEndHooks(parts, {
    model,
    run,
    inbox,
    control,
    emit,
    monitor: training.checkpoint.monitor,
    earlyStoppingMonitor: training.early_stopping?.monitor,
    lrSchedule: training.lr_schedule,
    lastEpoch: training.epochs,
  });
  const augmentationOf = (d: number) => {
    const spec = parts.augmentation.inForce(d);
    const random = parts.augmentRandoms[d];
    return spec === undefined || random === undefined ? undefined : { spec, random };
  };
  let lastEpoch: EpochRecord | undefined;
  const firstEpoch = checkpoint === undefined ? 1 : await parts.restore(checkpoint);
  // Started after the restore: the workers copy the weights the run continues from.
  const parallel = await startThreads(context);
  parts.trainingTime.start();
  /** Why the run's budget (max_steps, max_minutes) ends it after this step, if it does. */
  const budgetSpent = (): string | undefined => {
    if (training.max_steps !== undefined && parts.globalStep >= training.max_steps) return `the step budget is spent (max_steps: ${training.max_steps})`;
    const minutes = parts.trainingTime.elapsedMs() / 60_000;
    if (training.max_minutes !== undefined && minutes >= training.max_minutes)
      return `the time budget is spent (max_minutes: ${training.max_minutes}; trained ${minutes.toFixed(1)} minutes)`;
    return undefined;
  };

  // A stop the trainer decided itself (early stopping, a budget) ends training as planned: completed, with why.
  const finishStopped = (epoch: number): TrainedEpochs => {
    if (control.stopReason !== undefined) return { final: 'completed', lastEpoch, ended: { epoch, reason: control.stopReason } };
    emit({ kind: 'stopped', time: now(), epoch });
    return { final: 'stopped', lastEpoch };
  };
  const diverge = (epoch: number, step: number, cause: DivergenceCause, badSince: BadSince): TrainedEpochs => {
    const message = `${cause.message} at epoch ${epoch}, step ${step}`;
    emit({ kind: 'diverged', time: now(), epoch, step, ...(cause.dataset !== undefined ? { dataset: cause.dataset } : {}), message });
    run.update({ error: `${message}: ${cause.advice}` });
    return { final: 'diverged', lastEpoch, badSince };
  };

  try {
    for (let epoch = firstEpoch; epoch <= training.epochs; epoch++) {
      await control.handleCommands(epoch, 0);
      // A resumed run whose budget was spent trains no step more.
      const spentBefore = budgetSpent();
      if (spentBefore !== undefined) control.requestStop(spentBefore);
      if (control.stopRequested) return finishStopped(epoch - 1);
      const weights = datasetWeights.startEpoch(epoch);
      parts.augmentation.startEpoch(epoch);
      const learningRate = parts.learningRate.startEpoch(epoch);
      setLearningRate(optimizer, learningRate);
      const shares = parts.sharesFor(weights.sampling, weights.temperature);
      sampler.startEpoch(shares);
      reporter.onEpochStart?.(epoch, training.epochs, sampler.stepsPerEpoch());
      const tally = new EpochTally(names.length);
      const gradientSummary = new GradientSummary(names.length);
      const epochStarted = Date.now();
      let step = 0;
      for (let mixed = sampler.next(); mixed !== undefined; mixed = sampler.next()) {
        step++;
        parts.globalStep++;
        model.dropoutSeeds?.beginStep(parts.globalStep);
        const active = mixed.perDataset.map((indices, d) => ({ indices, d })).filter(({ indices }) => indices.length > 0);
        const batches = active.map(({ indices, d }) => {
          const planned = plan.datasets[d] as TrainingPlan['datasets'][number];
          const batch = datasetBatch(planned, model, plan.heads[planned.route.head]?.units ?? 0, {
            split: planned.data.train,
            indices,
            lossWeight: datasetWeights.stepLossWeight(d),
            logVariance: balancer.logVariance(d),
            augment: augmentationOf(d),
          });
          return context.transformBatch ? context.transformBatch(batch, { dataset: planned.spec.name, epoch, step }) : batch;
        });
        const stepPlan = balancer.plan(parts.globalStep);
        // Measured before the step, at the weights the step's gradients are taken at.
        const measured = stepPlan.diagnostics && !stepPlan.perDataset ? await measureGradients(batches, training.batch_size, variables) : undefined;
        const outcome: StepOutcome & { gradients?: SeparateGradients } = stepPlan.perDataset
          ? await perDatasetStep(batches, training.batch_size, target, { combine: stepPlan.combine, order: balancer.order(batches.length) })
          : parallel !== undefined
            ? await parallel.step(batches, training.batch_size, target, model.paths, parts.globalStep)
            : await trainStep(batches, training.batch_size, target);
        const indices = active.map(({ d }) => d);
        if (outcome.gradients !== undefined) {
          balancer.afterSeparateStep(
            indices,
            outcome.gradients.shared,
            outcome.datasets.map((result) => result.lossSum / Math.max(1, result.samples)),
            batches.map((batch) => batch.lossWeight),
          );
        }
        const gradients = outcome.gradients ?? measured;
        if (stepPlan.diagnostics && gradients !== undefined) {
          const diagnostics = spreadDiagnostics(gradients.diagnostics, indices, names, gradients.sharedParameters);
          gradientSummary.add(diagnostics);
          run.appendMetric({ kind: 'diagnostics', epoch, step, globalStep: parts.globalStep, time: now(), ...diagnostics });
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
            learningRate,
          };
          return diverge(epoch, step, divergenceCause(outcome, terms), { epoch, step });
        }
        const record: StepRecord = {
          kind: 'step',
          epoch,
          step,
          globalStep: parts.globalStep,
          time: now(),
          totalLoss: outcome.totalLoss,
          datasets: stepDatasets,
        };
        run.appendMetric(record);
        reporter.onStep?.(record, (tally.totalSamples * 1000) / Math.max(1, Date.now() - epochStarted));
        const explosion = outcome.datasets
          .map((result, i) => explosions.observe((active[i] as { d: number }).d, result.lossSum / Math.max(1, result.samples), { epoch, step }))
          .find((found) => found !== undefined);
        if (explosion) return diverge(epoch, step, explosionCause(explosion, names[explosion.dataset] as string, learningRate), explosion.since);
        const spent = budgetSpent();
        if (spent !== undefined) control.requestStop(spent);
        await control.handleCommands(epoch, step);
        await control.holdWhileUnwritable(epoch, step);
        if (control.stopRequested) break;
      }
      const trainMs = Date.now() - epochStarted;
      await balancer.readBack();
      const record = await epochRecord(plan, model, tally, {
        epoch,
        steps: step,
        trainMs,
        shares,
        realized: sampler.realizedShares(),
        totalDrawn: sampler.accounting.totalDrawn,
        weights,
        learningRate,
        gradients: gradientSummary.summary().steps > 0 ? { names, ...gradientSummary.summary() } : undefined,
        balancerWeights: balancer.reportedWeights(),
      });
      run.appendMetric(record);
      reporter.onEpochEnd?.(record);
      lastEpoch = record;
      const end = {
        epoch,
        step,
        record,
        weights,
        get lastOne() {
          return epoch === training.epochs || control.stopRequested;
        },
      };
      for (const hook of epochEnd) await hook(end);
      run.update({ epochs: { total: training.epochs, completed: epoch } });
      if (control.stopRequested) return finishStopped(epoch);
    }
    return { final: 'completed', lastEpoch };
  } finally {
    parts.dispose();
    await parallel?.close();
  }
}
