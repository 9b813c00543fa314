import type { CsvRecord } from './csvTable';

export interface CsvColumns {
  features: readonly string[];
  featureIndices: readonly number[];
  label: string;
  labelIndex: number;
}

export interface BadRow {
  line: number;
  /** The row's label when it could be read (classification), else ''. */
  label: string;
  reason: string;
}

/** The usable rows of a CSV file: row-major features and one label per row. */
export interface CsvRows {
  features: Float32Array;
  /** Class names (classification) or numeric targets (regression). */
  labels: string[] | Float32Array;
  bad: BadRow[];
  /** Data records in the file, good and bad. */
  total: number;
}

/**
 * Converts CSV records to numbers. A row with a missing or non-numeric feature, an empty label,
 * or (regression) a non-numeric label is left out and reported with its line and column.
 */
export function readCsvRows(records: readonly CsvRecord[], columns: CsvColumns, task: 'classification' | 'regression'): CsvRows {
  const featureCount = columns.features.length;
  const features = new Float32Array(records.length * featureCount);
  const classLabels: string[] = [];
  const numericLabels = new Float32Array(records.length);
  const bad: BadRow[] = [];
  let good = 0;
  for (const { cells, line } of records) {
    const labelText = cells[columns.labelIndex];
    const featureProblem = columns.featureIndices
      .map((index, f) => numberProblem(cells[index], columns.features[f] as string))
      .find((problem) => problem !== undefined);
    const problem = featureProblem ?? labelProblem(labelText, columns.label, task);
    if (problem !== undefined) {
      bad.push({ line, label: task === 'classification' ? (labelText ?? '') : '', reason: `line ${line}: ${problem}` });
      continue;
    }
    columns.featureIndices.forEach((index, f) => (features[good * featureCount + f] = Number(cells[index])));
    if (task === 'classification') classLabels.push(labelText as string);
    else numericLabels[good] = Number(labelText);
    good++;
  }
  return {
    features: features.slice(0, good * featureCount),
    labels: task === 'classification' ? classLabels : numericLabels.slice(0, good),
    bad,
    total: records.length,
  };
}

function labelProblem(text: string | undefined, column: string, task: 'classification' | 'regression'): string | undefined {
  if (task === 'regression') return numberProblem(text, column);
  return text === undefined || text === '' ? emptyProblem(text, column) : undefined;
}

function numberProblem(text: string | undefined, column: string): string | undefined {
  if (text === undefined || text === '') return emptyProblem(text, column);
  return Number.isFinite(Number(text)) ? undefined : `column "${column}" is not a number (${JSON.stringify(text)})`;
}

function emptyProblem(text: string | undefined, column: string): string {
  return text === undefined ? `column "${column}" is missing` : `column "${column}" is empty`;
}
