/**
 * Runs one experiment end to end — the training session: creates (or reopens, to resume) the run
 * folder, opens the channel, selects the backend, loads the datasets, builds the joint model, hands
 * them to the epoch loop (training/epochLoop.ts), saves the model and closes everything, whatever
 * happens. Controllers (the CLI's stdin, the run folder's control.jsonl, hosts on the run's channel)
 * steer it through `CommandInbox`.
 */
import { availableParallelism, tmpdir } from 'node:os';
import { realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { removeStaleTemporaries } from '../node/staleTemporaries';
import { channelPath } from '../shared/protocol/trainerMessages';
import { RUN_FILES, type DatasetReport, type RunEvent, type RunRecord, type RunStatus } from '../shared/runs/format';
import { selectBackend, type ModuleLoader } from './backend/selectBackend';
import { batchWideLayerNames, multiplyAddsPerSample } from './parallel/dataParallelStep';
import { planThreads } from './parallel/threadPlan';
import type { LoadedExperiment } from './config/loadExperiment';
import { datasetContext } from './data/experimentData';
import { loadDataset } from './data/loadDataset';
import type { LoadedDataset } from './data/types';
import { UserError } from './errors';
import { planTraining, routeDatasets } from './loop/datasetPlan';
import type { JointModel } from './model/jointModel';
import { channelReporter, helloMessage } from './runs/channelReporter';
import { CommandInbox } from './runs/commandInbox';
import { RunFolder, type RunFolderIo } from './runs/runFolder';
import { TrainerChannel } from './runs/trainerChannel';
import { findResumableCheckpoint } from './runs/trainerState';
import { evaluateSplits, testSources } from './evaluation/evaluateSplits';
import { recordedConfusion } from '../shared/metrics/classMetrics';
import { trainEpochs, type TrainingContext } from './training/epochLoop';
import { buildModel, disposeModel, headsRecord, restoreWeights, saveFinalModel } from './training/modelLifecycle';
import { combineReporters, type EpochRecord, type TrainingReporter } from './trainingReporter';

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
  /** Test-only: changes a batch before its step (fault injection, e.g. NaN inputs). */
  transformBatch?: TrainingContext['transformBatch'];
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
  let inbox: CommandInbox;
  try {
    // The decode cache's temporaries of a killed trainer (the run folder's own are gone already).
    if (checkpoint !== undefined) removeStaleTemporaries(options.cacheDir);
    // Checkpoints older than the offset could not say which commands they obeyed: skip them all.
    inbox = new CommandInbox(
      run.path(RUN_FILES.control),
      checkpoint === undefined ? undefined : (checkpoint.state.trainer.controlOffset ?? Number.POSITIVE_INFINITY),
    );
  } catch (error) {
    // Failing before training must still release the run: its status, its lock, its exit hook.
    const message = error instanceof Error ? error.message : String(error);
    run.appendEvent({ kind: 'failed', time: now(), message });
    run.update({ status: 'failed', error: message, timings: { ...run.record.timings, endedAt: now() } });
    run.close();
    throw error;
  }
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
    const device = { ...(backend.adapter !== undefined ? { adapter: backend.adapter } : {}), ...(backend.usingGpu ? { usingGpu: true as const } : {}) };
    if (checkpoint === undefined) emit({ kind: 'started', time: now(), backend: backend.name, ...device });
    else {
      run.update({ resumes: [...(run.record.resumes ?? []), { at: now(), checkpoint: checkpoint.name, skipped: checkpoint.skipped }] });
      emit({
        kind: 'resumed-from-checkpoint',
        time: now(),
        epoch: checkpoint.state.epoch,
        checkpoint: checkpoint.name,
        skipped: checkpoint.skipped,
        backend: backend.name,
        ...device,
      });
      checkpoint.skipped.forEach((reason) => reporter.onWarning?.(`checkpoint ${reason}: resuming from ${checkpoint.name}`));
    }

    const dataStarted = Date.now();
    const routes = routeDatasets(spec);
    for (const [d, dataset] of spec.datasets.entries()) {
      datasets.push(
        await loadDataset(
          dataset,
          datasetContext(loaded, d, dataset, routes[d], {
            cacheDir: options.cacheDir,
            onProgress: (name, done, total) => reporter.onDataProgress?.(name, done, total),
          }),
        ),
      );
    }
    const plan = planTraining(spec, datasets, loaded.place);
    run.update({
      datasets: plan.datasets.map(({ data, route, spec: dataset }): DatasetReport => ({
        ...data.report,
        ...route,
        source: realSource(loaded.dir, dataset.path),
      })),
      timings: { ...run.record.timings, dataMs: Date.now() - dataStarted },
    });

    model = await buildModel(loaded, plan);
    if (checkpoint !== undefined) await restoreWeights(model, checkpoint.dir);
    run.update({ heads: headsRecord(plan, model) });
    const built = model;
    const threads = planThreads({
      requested: training.threads,
      cores: availableParallelism(),
      backend: backend.name,
      batchSize: training.batch_size,
      multiplyAdds: multiplyAddsPerSample(built.model),
      batchWideLayers: batchWideLayerNames(built.model),
      balancer: training.balancer.type,
      balancerVariables: training.balancer.type === 'uncertainty',
    });
    run.update({ backend: { ...backend, threads } });
    if (threads.reason !== undefined && training.threads !== 'auto')
      reporter.onWarning?.(`training.threads: ${training.threads} asked for, ${threads.used} used: ${threads.reason}`);
    reporter.onStart?.(run.record);

    const trainStarted = Date.now();
    const status = await trainEpochs({
      loaded,
      plan,
      model: built,
      run,
      inbox,
      reporter,
      emit,
      checkpoint,
      threads: { used: threads.used, backend: backend.name },
      transformBatch: options.transformBatch,
    });
    await saveFinalModel(built, run, status.badSince);
    // The test splits, once, with model/'s weights (saveFinalModel left them in `built`).
    const tests = testSources(loaded);
    if (Object.keys(tests).length > 0 && run.record.model !== undefined) {
      const results = await evaluateSplits(loaded, built, tests, {
        cacheDir: options.cacheDir,
        onProgress: (name, done, total) => reporter.onDataProgress?.(name, done, total),
        reports: run.record.datasets,
      });
      // run.json keeps a large head's scores but not its matrix (see MAX_RECORDED_CONFUSION_CLASSES).
      const recorded: NonNullable<RunRecord['test']> = {};
      for (const { dataset, confusion, ...result } of results) recorded[dataset] = { ...result, ...(recordedConfusion(confusion) ? { confusion } : {}) };
      run.update({ test: recorded });
    }
    // The closing event first, then the status: on the channel, the final status is the last word.
    if (status.final === 'completed') emit({ kind: 'completed', time: now(), ...(status.ended ?? {}) });
    run.update({ status: status.final, timings: { ...run.record.timings, trainMs: Date.now() - trainStarted, endedAt: now() } });
    return { runDir: run.dir, record: run.record, lastEpoch: status.lastEpoch };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    emit({ kind: 'failed', time: now(), message });
    const at = error instanceof UserError ? loaded.placedField(message) : undefined;
    run.update({
      status: 'failed',
      error: message,
      ...(at !== undefined ? { errorAt: { ...at, field: [...at.field], ...(error instanceof UserError && error.hint ? { hint: error.hint } : {}) } } : {}),
      timings: { ...run.record.timings, endedAt: now() },
    });
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

/** Where a dataset is really read from: its path from the experiment's folder, links resolved. */
function realSource(experimentDir: string, path: string): string {
  const absolute = resolve(experimentDir, path);
  try {
    return realpathSync(absolute);
  } catch {
    return absolute;
  }
}
