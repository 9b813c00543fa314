/**
 * `jointrain` — the headless trainer: `run`, `resume`, `evaluate`, `predict`, `validate`, `compare`, `example`, `scaffold`.
 * Progress goes to stderr; results (tables, JSON) to stdout.
 */
import { modelChoiceText } from '../shared/runs/modelChoice';
import { evaluateCommand, type EvaluateOptions } from './cli/evaluateCommand';
import { predictCommand, type PredictOptions } from './cli/predictCommand';
import { Command, InvalidArgumentError, Option } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { isProcessAlive } from '../node/processLiveness';
import { distinguishingLabels, experimentDifferences } from '../shared/experiment/experimentDiff';
import { TrainerLock } from '../node/trainerLock';
import { formatIssue } from '../shared/experiment/issues';
import { BACKENDS, type Experiment } from '../shared/experiment/schema';
import { lastEpochRecord, parseEvents, parseMetrics } from '../shared/runs/readRecords';
import { isLiveStatus, isValidRunId, RUN_FILES, RUNS_DIR } from '../shared/runs/format';
import { eventSummaryLines } from './cli/eventSummary';
import { userErrorLines, wrapParts } from './cli/format';
import { compareTable, differencesTable, perClassLines, runSummaryTable, type ComparedRun } from './cli/summaryTable';
import { createProgressReporter } from './cli/progressReporter';
import { stopOnSignals } from './cli/stopOnSignals';
import { loadExperiment, validateExperimentFile, type ExperimentOverride } from './config/loadExperiment';
import { readExperimentData } from './data/experimentData';
import { dataProblems, datasetReadingLine } from './cli/dataReadingLines';
import { ExperimentError, UserError } from './errors';
import { describeSystemError, runSystemError } from './systemErrors';
import { findResumableCheckpoint } from './runs/trainerState';
import { runExperiment } from './runExperiment';
import { loadRunRecord, lockRefusal } from './runs/runFolder';
import { experimentTemplate } from './scaffold/experimentTemplate';
import { AmbiguousLayoutError, findDatasets } from './scaffold/findDatasets';
import { inspectDataset } from './scaffold/inspectSources';
import { generateExampleData } from './scaffold/exampleData';
import { version } from '../../package.json';

interface RunCommandOptions {
  runsDir: string;
  cacheDir?: string;
  set: ExperimentOverride[];
  backend?: string;
  epochs?: number;
  quiet: boolean;
  stdinCommands: boolean;
  json: boolean;
  runId?: string;
  channel?: boolean;
}

function parseOverride(text: string, previous: ExperimentOverride[]): ExperimentOverride[] {
  const equals = text.indexOf('=');
  if (equals <= 0) throw new InvalidArgumentError(`expected key=value (e.g. mixing.strategy=uniform), got "${text}"`);
  return [...previous, { path: text.slice(0, equals), value: text.slice(equals + 1) }];
}

function parseRunId(text: string): string {
  if (!isValidRunId(text)) throw new InvalidArgumentError('use letters, digits, ".", "-" and "_" (at most 120 characters), starting with a letter or digit');
  return text;
}

function parsePositiveInt(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new InvalidArgumentError(`expected a positive integer, got "${text}"`);
  return value;
}

export async function runCommand(file: string, options: RunCommandOptions): Promise<number> {
  const overrides = [
    ...options.set,
    ...(options.backend ? [{ path: 'training.backend', value: options.backend }] : []),
    ...(options.epochs ? [{ path: 'training.epochs', value: String(options.epochs) }] : []),
  ];
  const loaded = await loadExperiment(file, { overrides });
  const reporter = createProgressReporter(process.stderr, options.quiet);
  for (const issue of loaded.issues) {
    if (issue.severity !== 'info') reporter.onWarning?.(formatIssue(issue));
    else if (!options.quiet) process.stderr.write(`note: ${formatIssue(issue)}\n`);
  }
  const runsDir = resolve(options.runsDir);
  // Printed even with --quiet: it explains why the run does not end at once.
  const stop = stopOnSignals((signal) =>
    process.stderr.write(`${signal}: stopping after this step (evaluate, checkpoint, save the model); send it again to exit now\n`),
  );
  let runDir: string | undefined;
  const result = await runExperiment({
    experiment: loaded,
    runsDir,
    cacheDir: resolve(options.cacheDir ?? join(runsDir, '..', 'cache')),
    reporter: { ...reporter, onRunCreated: (dir) => ((runDir = dir), reporter.onRunCreated?.(dir)) },
    stop: stop.signal,
    ...(options.runId !== undefined ? { runId: options.runId } : {}),
    ...(options.channel ? { channel: true } : {}),
    ...(options.stdinCommands ? { commands: process.stdin } : {}),
  })
    .catch((error: unknown) => {
      throw runSystemError(
        error,
        runDir === undefined ? undefined : { dir: runDir, resumable: findResumableCheckpoint(join(runDir, RUN_FILES.checkpoints)) !== undefined },
      );
    })
    .finally(() => stop.dispose());
  if (options.stdinCommands) process.stdin.destroy();
  if (options.json) {
    process.stdout.write(
      `${JSON.stringify({ runDir: result.runDir, status: result.record.status, lastEpoch: result.lastEpoch, model: result.record.model })}\n`,
    );
  } else if (result.lastEpoch) {
    process.stdout.write(`${runSummaryTable(result.record.datasets, result.lastEpoch)}\n`);
    for (const line of perClassLines(result.record.datasets, result.record.heads, result.lastEpoch)) process.stdout.write(`${line}\n`);
    printEvents(result.runDir, loaded.experiment);
    const model = modelChoiceText(result.record.model);
    if (model !== undefined) process.stdout.write(`${model}\n`);
    process.stdout.write(`run ${result.record.status}: ${result.runDir}\n`);
  }
  if (result.record.status === 'diverged') process.stderr.write(`error: ${result.record.error}\n`);
  return result.record.status === 'completed' || result.record.status === 'stopped' ? 0 : 1;
}

/** Continues a run from its newest complete checkpoint, with the experiment it was started with. */
export async function resumeCommand(
  runDir: string,
  options: { channel: boolean; stdinCommands: boolean; quiet: boolean; json: boolean; cacheDir?: string },
): Promise<number> {
  const dir = resolve(runDir);
  const record = loadRunRecord(dir);
  if (record.status === 'completed') throw new UserError(`run ${record.id} has completed: there is nothing to resume`);
  const holder = TrainerLock.holderOf(dir);
  if (holder !== undefined) throw lockRefusal(record.id, dir, holder);
  if (isLiveStatus(record.status) && isProcessAlive(record.pid)) {
    throw new UserError(`run ${record.id} is still training (pid ${record.pid})`, 'stop it first, or attach to it from VS Code');
  }
  const snapshot = readFileSync(join(dir, RUN_FILES.experiment), 'utf8');
  const loaded = await loadExperiment(record.experimentPath, { text: snapshot });
  const reporter = createProgressReporter(process.stderr, options.quiet);
  const stop = stopOnSignals((signal) =>
    process.stderr.write(`${signal}: stopping after this step (evaluate, checkpoint, save the model); send it again to exit now\n`),
  );
  const result = await runExperiment({
    experiment: { ...loaded, name: record.experimentName },
    runsDir: dirname(dir),
    cacheDir: resolve(options.cacheDir ?? join(dirname(dir), '..', 'cache')),
    reporter,
    stop: stop.signal,
    resume: dir,
    ...(options.channel ? { channel: true } : {}),
    ...(options.stdinCommands ? { commands: process.stdin } : {}),
  })
    .catch((error: unknown) => {
      throw runSystemError(error, { dir, resumable: findResumableCheckpoint(join(dir, RUN_FILES.checkpoints)) !== undefined });
    })
    .finally(() => stop.dispose());
  if (options.stdinCommands) process.stdin.destroy();
  if (options.json)
    process.stdout.write(
      `${JSON.stringify({ runDir: result.runDir, status: result.record.status, lastEpoch: result.lastEpoch, model: result.record.model })}\n`,
    );
  else if (result.lastEpoch) {
    process.stdout.write(`${runSummaryTable(result.record.datasets, result.lastEpoch)}\n`);
    for (const line of perClassLines(result.record.datasets, result.record.heads, result.lastEpoch)) process.stdout.write(`${line}\n`);
    printEvents(result.runDir, loaded.experiment);
    const model = modelChoiceText(result.record.model);
    if (model !== undefined) process.stdout.write(`${model}\n`);
    process.stdout.write(`run ${result.record.status}: ${result.runDir}\n`);
  }
  if (result.record.status === 'diverged') process.stderr.write(`error: ${result.record.error}\n`);
  return result.record.status === 'completed' || result.record.status === 'stopped' ? 0 : 1;
}

/** What happened during the run (weight changes, suggestions, pauses), as the panel's timeline says it. */
function printEvents(runDir: string, experiment: Experiment): void {
  const weights = {
    sampling: Object.fromEntries(experiment.datasets.map((d) => [d.name, d.sampling_weight])),
    loss: Object.fromEntries(experiment.datasets.map((d) => [d.name, d.loss_weight])),
  };
  const lines = eventSummaryLines(parseEvents(readFileSync(join(runDir, RUN_FILES.events), 'utf8')), weights);
  if (lines.length > 0) process.stdout.write(`events:\n${lines.join('\n')}\n`);
}

interface ValidateOptions {
  json: boolean;
  /** Also read every image and CSV row as a run would. */
  data: boolean;
  cacheDir?: string;
}

async function validateCommand(file: string, options: ValidateOptions): Promise<number> {
  const issues = await validateExperimentFile(file);
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ file: resolve(file), issues })}\n`);
    return issues.some((issue) => issue.severity === 'error') ? 1 : 0;
  }
  issues.forEach((issue) => process.stderr.write(`${issue.severity === 'info' ? 'note' : issue.severity}: ${formatIssue(issue)}\n`));
  const count = (severity: string) => issues.filter((issue) => issue.severity === severity).length;
  const errors = count('error');
  if (errors > 0) {
    process.stderr.write(`${errors} error${errors === 1 ? '' : 's'} in ${file}${options.data ? ' (its data was not read: fix these first)' : ''}\n`);
    return 1;
  }
  const warnings = count('warning');
  const notes = count('info');
  const remarks = [...(warnings ? [`${warnings} warning${warnings === 1 ? '' : 's'}`] : []), ...(notes ? [`${notes} note${notes === 1 ? '' : 's'}`] : [])];
  const withRemarks = remarks.length ? ` (${remarks.join(', ')})` : '';
  if (!options.data) {
    process.stdout.write(`${file} is valid${withRemarks}\n`);
    return 0;
  }
  const reporter = createProgressReporter(process.stderr);
  const reading = await readExperimentData(await loadExperiment(file), {
    cacheDir: resolve(options.cacheDir ?? join(RUNS_DIR, '..', 'cache')),
    onProgress: (dataset, done, total) => reporter.onDataProgress?.(dataset, done, total),
  });
  const read = reading.datasets.flatMap((dataset) => ('report' in dataset ? [dataset] : []));
  if (read.length > 0) process.stdout.write(`read as a run reads them:\n${read.map((dataset) => `  ${datasetReadingLine(dataset)}\n`).join('')}`);
  const problems = dataProblems(reading);
  problems.forEach((problem) => process.stderr.write(userErrorLines(problem)));
  if (problems.length > 0) {
    process.stderr.write(`${problems.length} problem${problems.length === 1 ? '' : 's'} a run would stop on in the data of ${file}\n`);
    return 1;
  }
  process.stdout.write(`${file} and its data are valid${withRemarks}\n`);
  return 0;
}

/** Writes a commented experiment for the picked sources to stdout (with `--json`, with what was found in them). */
interface ScaffoldOptions {
  json: boolean;
  relativeTo: string;
  name: string;
  ignoreClassFolders: boolean;
}

async function scaffoldCommand(paths: string[], options: ScaffoldOptions): Promise<number> {
  const found = await findDatasets(
    paths.map((path) => resolve(path)),
    { ignoreClassFolders: options.ignoreClassFolders },
  ).catch((error: unknown) => {
    // The editor asks the user what to do with an ambiguous folder: it needs the facts, not a sentence.
    if (!(error instanceof AmbiguousLayoutError) || !options.json) throw error;
    process.stdout.write(`${JSON.stringify({ ambiguous: { path: error.path, classes: error.classes, datasets: error.datasets } })}\n`);
    return undefined;
  });
  if (found === undefined) return 1;
  const sources = await Promise.all(found.map(inspectDataset));
  const text = experimentTemplate(sources, resolve(options.relativeTo), options.name);
  process.stdout.write(options.json ? `${JSON.stringify({ text, sources })}\n` : text);
  return 0;
}

function compareCommand(runDirs: string[], options: { markdown: boolean }): number {
  const loaded = runDirs.map((dir) => {
    const record = loadRunRecord(dir);
    const epoch = lastEpochRecord(parseMetrics(readFileSync(join(dir, RUN_FILES.metrics), 'utf8')));
    if (epoch === undefined) throw new UserError(`run ${record.id} has no completed epoch yet`);
    return { record, epoch, snapshot: readFileSync(join(dir, RUN_FILES.experiment), 'utf8') };
  });
  const labels = distinguishingLabels(loaded.map(({ record }) => record.id));
  const runs: ComparedRun[] = loaded.map(({ epoch }, i) => ({ label: labels[i] ?? '', epoch }));
  const differences = experimentDifferences(loaded.map(({ snapshot }) => snapshot));
  process.stdout.write(`${compareTable(runs, options.markdown)}\n${differencesTable(labels, differences, options.markdown)}\n`);
  return 0;
}

async function exampleCommand(options: { runsDir: string; quiet: boolean; set: ExperimentOverride[] }): Promise<number> {
  const examples = findExamplesFolder();
  const summary = await generateExampleData(join(examples, 'data'));
  if (!options.quiet) {
    const sizes = summary.datasets.map((dataset) => `${dataset.name} ${dataset.total}`);
    process.stderr.write(`${wrapParts(`example data ${summary.skipped ? 'already present' : `generated in ${summary.elapsedMs} ms`}: `, sizes)}\n`);
  }
  return runCommand(join(examples, 'digits.jointrain.yaml'), {
    runsDir: options.runsDir,
    set: options.set,
    quiet: options.quiet,
    stdinCommands: false,
    json: false,
  });
}

/** The bundled examples folder, found upward from this file (it runs from dist/ or from src/). */
function findExamplesFolder(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'examples', 'digits.jointrain.yaml'))) return join(dir, 'examples');
    if (dirname(dir) === dir) throw new UserError('the bundled examples folder was not found next to the jointrain installation');
  }
}

function parseDataSource(value: string, previous: EvaluateOptions['data']): EvaluateOptions['data'] {
  const at = value.indexOf('=');
  if (at <= 0 || at === value.length - 1) throw new InvalidArgumentError('expected NAME=PATH, e.g. --data digits=data/digits-test');
  return [...previous, { name: value.slice(0, at), path: value.slice(at + 1) }];
}

export function buildProgram(): Command {
  const program = new Command('jointrain')
    .description('Train one TensorFlow.js model jointly on several datasets.')
    .version(version, '-V, --version', 'print the version')
    .showHelpAfterError()
    .exitOverride();
  program
    .command('run')
    .description('train an experiment into a new run folder')
    .argument('<file>', 'experiment file (*.jointrain.yaml)')
    .option('--runs-dir <dir>', 'where run folders are created', RUNS_DIR)
    .option('--cache-dir <dir>', 'decoded-image cache (default: next to the runs folder)')
    .option('--set <key=value>', 'override a field, e.g. --set mixing.strategy=uniform (repeatable)', parseOverride, [])
    .addOption(new Option('--backend <name>', 'override training.backend').choices([...BACKENDS]))
    .option('--epochs <n>', 'override training.epochs', parsePositiveInt)
    .option('--stdin-commands', 'read control commands (JSON lines) from stdin', false)
    .option('--run-id <id>', 'name of the run folder (it may exist if it holds only trainer.log)', parseRunId)
    .option('--channel', 'listen on a local socket for hosts to attach to (recorded in run.json)', false)
    .option('--json', 'print the result as JSON instead of a table', false)
    .option('-q, --quiet', 'no progress output', false)
    .action(async (file: string, options: RunCommandOptions) => {
      process.exitCode = await runCommand(file, options);
    });
  program
    .command('resume')
    .description('continue a stopped, failed or killed run from its newest complete checkpoint')
    .argument('<run-dir>', 'the run folder, e.g. .jointrain/runs/<run-id>')
    .option('--cache-dir <dir>', 'decoded-image cache (default: next to the runs folder)')
    .option('--stdin-commands', 'read control commands (JSON lines) from stdin', false)
    .option('--channel', 'listen on a local socket for hosts to attach to (recorded in run.json)', false)
    .option('--json', 'print the result as JSON instead of a table', false)
    .option('-q, --quiet', 'no progress output', false)
    .action(async (runDir: string, options: { channel: boolean; stdinCommands: boolean; quiet: boolean; json: boolean; cacheDir?: string }) => {
      process.exitCode = await resumeCommand(runDir, options);
    });
  program
    .command('evaluate')
    .description("evaluate a run's model (model/) per dataset: loss, accuracy, macro-F1, per-class precision and recall, confusion matrix")
    .argument('<run-dir>', 'the run folder, e.g. .jointrain/runs/<run-id>')
    .addOption(new Option('--split <split>', "each dataset's validation set, or its test split").choices(['validation', 'test']).default('validation'))
    .option('--data <name=path>', 'evaluate dataset NAME on a folder or CSV of the same shape (repeatable)', parseDataSource, [])
    .option('--cache-dir <dir>', 'decoded-image cache (default: next to the runs folder)')
    .option('--json', 'print {"runDir", "model", "split", "datasets"} as JSON', false)
    .action(async (runDir: string, options: EvaluateOptions) => {
      process.exitCode = await evaluateCommand(runDir, options);
    });
  program
    .command('predict')
    .description("predict with a run's model (model/): each image's or CSV row's class or value, prepared as a dataset's data was")
    .argument('<run-dir>', 'the run folder, e.g. .jointrain/runs/<run-id>')
    .argument('<input>', 'an image file or a folder searched for images (image dataset); a CSV file with its feature columns (CSV dataset)')
    .requiredOption('--dataset <name>', 'the dataset whose preprocessing, stem and head to use')
    .option('--out <file>', 'write the predictions to this file (default: stdout)')
    .addOption(new Option('--format <format>', 'csv, or JSON lines').choices(['csv', 'jsonl']).default('csv'))
    .action(async (runDir: string, input: string, options: PredictOptions) => {
      process.exitCode = await predictCommand(runDir, input, options);
    });
  program
    .command('validate')
    .description('check an experiment file and its data sources without training')
    .argument('<file>', 'experiment file (*.jointrain.yaml)')
    .option('--json', 'print {"file", "issues"} as JSON to stdout', false)
    .addOption(
      new Option('--data', 'also read every image and CSV row as a run would (decoded images are cached for the run), and report what a run would stop on')
        .default(false)
        .conflicts('json'),
    )
    .option('--cache-dir <dir>', 'decoded-image cache for --data (default: .jointrain/cache, where run puts it)')
    .action(async (file: string, options: ValidateOptions) => {
      process.exitCode = await validateCommand(file, options);
    });
  program
    .command('scaffold')
    .description('write a commented experiment for image folders and CSV files to stdout')
    .argument('<paths...>', 'image folders (one subfolder per class) and CSV files')
    .option('--relative-to <dir>', 'folder the experiment will be saved in (dataset paths are relative to it)', '.')
    .option('--name <name>', 'experiment name', 'experiment')
    .option('--json', 'print {"text", "sources"} as JSON (for a folder that is ambiguous: {"ambiguous": {"path", "classes", "datasets"}}, exit 1)', false)
    .option(
      '--ignore-class-folders',
      'in a folder holding dataset folders beside class folders of images, use the datasets and leave the class folders out',
      false,
    )
    .action(async (paths: string[], options: ScaffoldOptions) => {
      process.exitCode = await scaffoldCommand(paths, options);
    });
  program
    .command('compare')
    .description('per-dataset validation accuracy of finished runs, side by side')
    .argument('<runs...>', 'run folders')
    .option('--markdown', 'print a Markdown table', false)
    .action((runs: string[], options: { markdown: boolean }) => {
      process.exitCode = compareCommand(runs, options);
    });
  program
    .command('example')
    .description('generate the bundled example data (if absent) and train the bundled example')
    .option('--runs-dir <dir>', 'where run folders are created', RUNS_DIR)
    .option('--set <key=value>', 'override a field of the example (repeatable)', parseOverride, [])
    .option('-q, --quiet', 'no progress output', false)
    .action(async (options: { runsDir: string; quiet: boolean; set: ExperimentOverride[] }) => {
      process.exitCode = await exampleCommand(options);
    });
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    return reportError(error);
  }
}

function reportError(error: unknown): number {
  const code = (error as { code?: string }).code;
  if (typeof code === 'string' && code.startsWith('commander.')) {
    return code === 'commander.helpDisplayed' || code === 'commander.version' ? 0 : 2;
  }
  if (error instanceof ExperimentError) {
    process.stderr.write(`${error.message}\n`);
    const count = error.issues.filter((issue) => issue.severity === 'error').length;
    process.stderr.write(`${count} error${count === 1 ? '' : 's'}: fix the experiment file and run again\n`);
    return 1;
  }
  if (error instanceof UserError) {
    process.stderr.write(userErrorLines(error));
    return 1;
  }
  const system = describeSystemError(error);
  if (system !== undefined) {
    process.stderr.write(`error: ${system.message}\nhint: ${system.fix}\n`);
    return 1;
  }
  process.stderr.write(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return 70;
}

if (require.main === module) {
  void main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
