/** The metrics of a run as CSV: one row per record and dataset, for spreadsheets and notebooks. */
import type { MetricRecord } from '../runs/format';

const COLUMNS = [
  'kind',
  'epoch',
  'step',
  'globalStep',
  'dataset',
  'samples',
  'loss',
  'accuracy',
  'trainLoss',
  'trainAccuracy',
  'valLoss',
  'valAccuracy',
  'valMae',
  'configuredShare',
  'realizedShare',
  'lossShare',
  'epochsSeen',
  'samplingWeight',
  'lossWeight',
  'balancerWeight',
  'gradNormShare',
] as const;

export function metricsCsv(records: readonly MetricRecord[]): string {
  const rows: string[] = [COLUMNS.join(',')];
  for (const record of records) {
    // Gradient diagnostics are not per-dataset rows of numbers like the rest.
    if (record.kind === 'diagnostics') continue;
    for (const [dataset, metrics] of Object.entries(record.datasets)) {
      const row: Record<string, string | number | null | undefined> = {
        ...(metrics as object as Record<string, number | undefined>),
        kind: record.kind,
        epoch: record.epoch,
        dataset,
      };
      if (record.kind === 'step') Object.assign(row, { step: record.step, globalStep: record.globalStep });
      rows.push(COLUMNS.map((column) => csvCell(row[column])).join(','));
    }
  }
  return `${rows.join('\n')}\n`;
}

/** Quotes text; a cell starting with = + - @ is prefixed with ' so a spreadsheet does not run it as a formula. */
function csvCell(value: string | number | null | undefined): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = String(value);
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) || safe !== text ? `"${safe.replace(/"/g, '""')}"` : safe;
}
