/** The per-dataset table printed at the end of a run and by `jointrain compare`. */
import Table from 'cli-table3';
import { classMetrics, weakestClasses } from '../../shared/metrics/classMetrics';
import type { DatasetReport, MetricRecord, RunRecord } from '../../shared/runs/format';
import { decimal, integer, percent } from './format';
import type { FieldDifference } from '../../shared/experiment/experimentDiff';

type EpochRecord = Extract<MetricRecord, { kind: 'epoch' }>;

export function runSummaryTable(datasets: readonly DatasetReport[], epoch: EpochRecord): string {
  const table = new Table({
    // Short headings and no head column (run.json and the panel have it): the table keeps within a
    // 100-column terminal for the usual dataset names.
    head: ['dataset', 'n train/val', 'share→real', 'loss %', 'seen×', 'tr loss', 'tr acc', 'val loss', 'val acc'],
    style: { head: [], border: [], compact: true, 'padding-left': 0, 'padding-right': 1 },
  });
  for (const report of datasets) {
    const m = epoch.datasets[report.name];
    if (m === undefined) continue;
    table.push([
      report.name,
      `${integer(report.train.size)}/${integer(report.validation.size)}`,
      `${percent(m.configuredShare)}→${percent(m.realizedShare)}`,
      percent(m.lossShare),
      decimal(m.epochsSeen, 1),
      decimal(m.trainLoss),
      percent(m.trainAccuracy),
      decimal(m.valLoss),
      m.valAccuracy !== undefined ? percent(m.valAccuracy) : `mae ${decimal(m.valMae)}`,
    ]);
  }
  return table.toString();
}

/**
 * Per classification dataset, its macro-F1 and the classes it recognises worst on validation —
 * the accuracy column cannot say *which* classes of a small dataset fail.
 */
export function perClassLines(datasets: readonly DatasetReport[], heads: RunRecord['heads'], epoch: EpochRecord, shown = 3): string[] {
  const lines: string[] = [];
  for (const report of datasets) {
    const confusion = epoch.datasets[report.name]?.valConfusion;
    if (confusion === undefined) continue;
    const names = heads[report.head]?.classes ?? [];
    const weakest = weakestClasses(confusion, names, shown).map(({ name, recall, support }) => `${name} ${percent(recall)} of ${integer(support)}`);
    lines.push(`  ${report.name}: macro-F1 ${decimal(classMetrics(confusion).macroF1)}; lowest recall: ${weakest.join(', ')}`);
  }
  return lines.length > 0 ? [`per class (validation, epoch ${epoch.epoch}):`, ...lines] : [];
}

export interface ComparedRun {
  label: string;
  epoch: EpochRecord;
}

/** Validation accuracy (or MAE) per dataset across runs, plus the worst and mean accuracy. */
export function compareTable(runs: readonly ComparedRun[], markdown: boolean): string {
  const names = [...new Set(runs.flatMap((run) => Object.keys(run.epoch.datasets)))];
  const cell = (run: ComparedRun, name: string) => {
    const m = run.epoch.datasets[name];
    return m === undefined ? '—' : m.valAccuracy !== undefined ? percent(m.valAccuracy) : `mae ${decimal(m.valMae)}`;
  };
  const accuracies = (run: ComparedRun) => Object.values(run.epoch.datasets).flatMap((m) => (m.valAccuracy === undefined ? [] : [m.valAccuracy]));
  // A run of regression datasets only has no accuracy to take the worst or the mean of.
  const overAccuracies = (run: ComparedRun, summarize: (values: number[]) => number) => {
    const values = accuracies(run);
    return values.length === 0 ? '—' : percent(summarize(values));
  };
  const rows = [
    ...names.map((name) => [name, ...runs.map((run) => cell(run, name))]),
    ['**worst**', ...runs.map((run) => overAccuracies(run, (values) => Math.min(...values)))],
    ['**mean**', ...runs.map((run) => overAccuracies(run, (values) => values.reduce((sum, a) => sum + a, 0) / values.length))],
  ];
  const head = ['validation accuracy', ...runs.map((run) => run.label)];
  if (markdown) {
    return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
  }
  const table = new Table({ head, style: { head: [], border: [] } });
  rows.forEach((row) => table.push(row.map((text) => text.replace(/\*\*/g, ''))));
  return table.toString();
}

/** What differs between the compared runs' experiments, one row per field, so each column says what it tried. */
export function differencesTable(labels: readonly string[], differences: readonly FieldDifference[], markdown: boolean): string {
  if (differences.length === 0) return 'The experiments are the same in every field.';
  const head = ['field that differs', ...labels];
  const rows = differences.map(({ field, values }) => [field, ...values]);
  if (markdown) return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
  const table = new Table({ head, style: { head: [], border: [] } });
  rows.forEach((row) => table.push(row));
  return table.toString();
}
