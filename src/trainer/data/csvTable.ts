import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import { UserError } from '../errors';

export interface CsvRecord {
  cells: string[];
  /** 1-based line of the file where the record ends (its only line unless a quoted field spans lines). */
  line: number;
}

export interface CsvTable {
  header: string[];
  records: CsvRecord[];
}

/** Reads a CSV file whose first record is the header. `place` prefixes error messages. */
export function readCsvTable(file: string, delimiter: string, place: string): CsvTable {
  let parsed: Array<{ record: string[]; info: { lines: number } }>;
  try {
    // With `info: true` csv-parse returns { record, info } objects; its typings only describe plain records.
    parsed = parse(fs.readFileSync(file, 'utf8'), {
      delimiter,
      bom: true,
      trim: true,
      info: true,
      skip_empty_lines: true,
      relax_column_count: true,
    }) as unknown as Array<{ record: string[]; info: { lines: number } }>;
  } catch (error) {
    throw new UserError(`${place}: cannot read ${file} as CSV: ${error instanceof Error ? error.message : String(error)}`);
  }
  const [first, ...rest] = parsed;
  if (!first) throw new UserError(`${place}: ${file} is empty`, 'A CSV dataset needs a header row and at least one data row.');
  return { header: first.record, records: rest.map(({ record, info }) => ({ cells: record, line: info.lines })) };
}

/** Index of each named column in `header`; names missing or present twice are returned as problems. */
export function findColumns(header: readonly string[], names: readonly string[]): { indices: number[]; missing: string[]; duplicated: string[] } {
  const indices: number[] = [];
  const missing: string[] = [];
  const duplicated: string[] = [];
  for (const name of names) {
    const index = header.indexOf(name);
    if (index === -1) missing.push(name);
    else if (header.indexOf(name, index + 1) !== -1) duplicated.push(name);
    indices.push(index);
  }
  return { indices, missing, duplicated };
}
