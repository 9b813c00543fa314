import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import { UserError } from '../errors';
import { findWideRecords } from './csvWideRecords';

export interface CsvRecord {
  cells: string[];
  /** 1-based line of the file where the record ends (its only line unless a quoted field spans lines). */
  line: number;
  /** Set for a record too wide to parse (see `findWideRecords`): its field count; `cells` is then empty. */
  fieldCount?: number;
}

export interface CsvTable {
  header: string[];
  records: CsvRecord[];
}

/** The most columns a header may have: far beyond any table trained here, it bounds what parsing one line may hold. */
const MAX_HEADER_COLUMNS = 100_000;

/**
 * Reads a CSV file whose first record is the header. `place` prefixes error messages. Records far
 * wider than the header are not parsed: they are returned with their field count and no cells.
 */
export function readCsvTable(file: string, delimiter: string, place: string): CsvTable {
  const bytes = fs.readFileSync(file);
  const widths = findWideRecords(bytes, delimiter);
  if (widths.headerFields > MAX_HEADER_COLUMNS) {
    throw new UserError(
      `${place}: the header of ${file} has ${widths.headerFields.toLocaleString('en-US')} columns, more than the ${MAX_HEADER_COLUMNS.toLocaleString('en-US')} a CSV dataset may have`,
      'Check the first line of the file and the delimiter (csv.delimiter).',
    );
  }
  const table: { header?: string[]; records: CsvRecord[] } = { records: [] };
  let from = 0;
  let linesBefore = 0;
  for (const wide of [...widths.wide, undefined]) {
    for (const { record, info } of parseRecords(bytes.subarray(from, wide?.start ?? bytes.length), delimiter, file, place)) {
      if (table.header) table.records.push({ cells: record, line: linesBefore + info.lines });
      else table.header = record;
    }
    if (!wide) break;
    table.records.push({ cells: [], line: wide.line, fieldCount: wide.fields });
    from = wide.end;
    linesBefore = wide.line;
  }
  if (!table.header) throw new UserError(`${place}: ${file} is empty`, 'A CSV dataset needs a header row and at least one data row.');
  return { header: table.header, records: table.records };
}

/** The records of `bytes` with the line (counted from the start of `bytes`) where each ends. */
function parseRecords(bytes: Buffer, delimiter: string, file: string, place: string): Array<{ record: string[]; info: { lines: number } }> {
  try {
    // With `info: true` csv-parse returns { record, info } objects; its typings only describe plain records.
    return parse(bytes, {
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
