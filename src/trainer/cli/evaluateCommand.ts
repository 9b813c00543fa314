/**
 * `jointrain evaluate RUN`: the run's model (model/) on each dataset's validation set, its test
 * split (`--split test`), or any folder or CSV of the same shape (`--data NAME=PATH`): loss,
 * accuracy or MAE, macro-F1, per-class precision/recall/F1 and the confusion matrix.
 */
import Table from 'cli-table3';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { classMetrics } from '../../shared/metrics/classMetrics';
import { RUN_FILES } from '../../shared/runs/format';
import { modelChoiceText } from '../../shared/runs/modelChoice';
import { selectBackend } from '../backend/selectBackend';
import { loadExperiment } from '../config/loadExperiment';
import { UserError } from '../errors';
import { evaluateSplits, testSources, type EvaluationSource, type SplitEvaluation } from '../evaluation/evaluateSplits';
import { loadRunRecord } from '../runs/runFolder';
import { buildModel, restoreWeights } from '../training/modelLifecycle';
import { decimal, integer, percent } from './format';

export interface EvaluateOptions {
  split: 'validation' | 'test';
  /** `NAME=PATH` pairs: evaluate dataset NAME on PATH (relative to the working folder). */
  data: Array<{ name: string; path: string }>;
  json: boolean;
  cacheDir?: string;
}

/** The largest confusion matrix printed as a table; larger ones are in --json. */
const MAX_PRINTED_CLASSES = 12;

export async function evaluateCommand(runDir: string, options: EvaluateOptions): Promise<number> {
  const dir = resolve(runDir);
  const record = loadRunRecord(dir);
  const modelDir = join(dir, RUN_FILES.model);
  if (!existsSync(join(modelDir, 'model.json'))) {
    throw new UserError(
      `run ${record.id} has no model yet (${modelDir})`,
      'a run writes model/ when its training ends: let it finish, or `jointrain resume` it',
    );
  }
  const loaded = await loadExperiment(record.experimentPath, { text: readFileSync(join(dir, RUN_FILES.experiment), 'utf8') });
  const sources = sourcesFor(options, loaded);
  await selectBackend('auto');
  const cacheDir = resolve(options.cacheDir ?? join(dir, '..', '..', 'cache'));
  const results = await evaluateSplits(
    loaded,
    async (plan) => {
      const model = await buildModel(loaded, plan);
      await restoreWeights(model, modelDir);
      return model;
    },
    sources,
    { cacheDir, reports: record.datasets },
  );
  const split = options.data.length > 0 ? 'given' : options.split;
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ runDir: dir, model: record.model, split, datasets: results })}\n`);
    return 0;
  }
  const model = modelChoiceText(record.model);
  process.stdout.write(`${split === 'given' ? 'given data' : split}${model ? ` (${model})` : ''}:\n`);
  for (const result of results) process.stdout.write(`${describe(result)}\n`);
  return 0;
}

function sourcesFor(options: EvaluateOptions, loaded: Awaited<ReturnType<typeof loadExperiment>>): Record<string, EvaluationSource> {
  if (options.data.length > 0) return Object.fromEntries(options.data.map(({ name, path }) => [name, resolve(path)]));
  if (options.split === 'test') {
    const tests = testSources(loaded);
    if (Object.keys(tests).length === 0) {
      throw new UserError(
        `no dataset of ${loaded.file} declares a test split`,
        'add `test: { path: … }` to a dataset, or evaluate other data with --data NAME=PATH',
      );
    }
    return tests;
  }
  return Object.fromEntries(loaded.experiment.datasets.map((spec) => [spec.name, { validation: true as const }]));
}

/** One dataset: its summary line, then per class precision, recall, F1 and support, then its confusion matrix. */
export function describe(result: SplitEvaluation): string {
  const score = result.accuracy !== undefined ? `accuracy ${percent(result.accuracy)}, macro-F1 ${decimal(result.macroF1)}` : `MAE ${decimal(result.mae)}`;
  const lines = [`${result.dataset}: ${integer(result.samples)} samples from ${result.source}: loss ${decimal(result.loss)}, ${score}`];
  if (result.confusion === undefined || result.classes === undefined) return lines.join('\n');
  const style = { head: [], border: [], compact: true, 'padding-left': 0, 'padding-right': 1 };
  const perClass = new Table({ head: ['class', 'precision', 'recall', 'F1', 'support'], style });
  classMetrics(result.confusion).perClass.forEach((entry, c) => {
    if (entry.support > 0 || entry.precision > 0)
      perClass.push([result.classes?.[c] ?? String(c), percent(entry.precision), percent(entry.recall), decimal(entry.f1), integer(entry.support)]);
  });
  lines.push(perClass.toString());
  if (result.classes.length <= MAX_PRINTED_CLASSES) {
    const matrix = new Table({ head: ['true \\ predicted', ...result.classes], style });
    result.confusion.forEach((row, c) => matrix.push([result.classes?.[c] ?? String(c), ...row.map(integer)]));
    lines.push(matrix.toString());
  } else lines.push(`confusion matrix: ${result.classes.length} classes, in --json`);
  return lines.join('\n');
}
