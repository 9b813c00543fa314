import type { CsvRecord } from './csvTable';
import { shorten } from './skipLog';

export interface CsvColumns {
  features: readonly string[];
  featureIndices: readonly number[];
  label: string;
  labelIndex: number;
  /** Fields in the header: a row with another count is shifted (an unquoted delimiter in a value) or cut short. */
  fieldCount: number;
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
 * Converts CSV records to numbers. A row with another number of fields than the header, a missing
 * or non-numeric feature, an empty label, or (regression) a non-numeric label is left out and
 * reported with its line and column.
 */
export function readCsvRows(records: readonly CsvRecord[], columns: CsvColumns, task: 'classification' | 'regression'): CsvRows {
  const featureCount = columns.features.length;
  const features = new Float32Array(records.length * featureCount);
  const classLabels: string[] = [];
  const numericLabels = new Float32Array(records.length);
  const bad: BadRow[] = [];
  let good = 0;
  for (const record of records) {
    const { cells, line } = record;
    const widthProblem = fieldCountProblem(record, columns.fieldCount);
    if (widthProblem !== undefined) {
      // Its cells may sit in the wrong columns, so not even its label is trusted.
      bad.push({ line, label: '', reason: `line ${line}: ${widthProblem}` });
      continue;
    }
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

export function fieldCountProblem(record: CsvRecord, fieldCount: number): string | undefined {
  const count = record.fieldCount ?? record.cells.length;
  const fields = `${count.toLocaleString('en-US')} field${count === 1 ? '' : 's'} where the header has ${fieldCount}`;
  if (count > fieldCount) return `${fields}: quote a value that holds the delimiter`;
  return count < fieldCount ? fields : undefined;
}

/**
 * A decimal number as a spreadsheet writes it: `Number()` alone would also take `0x10`, `0b1`,
 * `0o7` and `Infinity`, reading a code or an id as a value. Each digit can match in one way only,
 * so a cell of a million digits is checked in linear time.
 */
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;

export function numberProblem(text: string | undefined, column: string): string | undefined {
  if (text === undefined || text === '') return emptyProblem(text, column);
  return DECIMAL.test(text) && Number.isFinite(Number(text)) ? undefined : `column "${shorten(column, 40)}" is not a number (${quoted(text)})`;
}

/** A cell as a reason quotes it: enough to find it, never the whole of a huge cell. */
function quoted(text: string): string {
  return JSON.stringify(shorten(text, 40));
}

function emptyProblem(text: string | undefined, column: string): string {
  const name = shorten(column, 40);
  return text === undefined ? `column "${name}" is missing` : `column "${name}" is empty`;
}
