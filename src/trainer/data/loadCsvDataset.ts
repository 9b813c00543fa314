import fs from 'node:fs';
import path from 'node:path';
import type { CsvDatasetSpec } from '../../shared/experiment/schema';
import { Random } from '../../shared/random';
import { UserError } from '../errors';
import { readCsvRows, type CsvColumns, type CsvRows } from './csvRows';
import { findColumns, readCsvTable } from './csvTable';
import { MemorySplit } from './memorySplit';
import { shorten, SkipLog, tooManyBad } from './skipLog';
import { splitRandom, splitStratified, type SplitIndices } from './split';
import { splitReport } from './splitReport';
import { featureStats, standardizeInPlace } from './standardize';
import type { LoadContext, LoadedDataset } from './types';

/** A table in memory: row-major features and labels (class indices or targets). */
interface Table {
  features: Float32Array;
  labels: Int32Array | Float32Array;
}

/**
 * Loads a CSV dataset into memory: a header row, numeric feature columns and a label column (a
 * class name or a number, by the task of its head). Bad rows are skipped and reported.
 */
export async function loadCsvDataset(spec: CsvDatasetSpec, ctx: LoadContext): Promise<LoadedDataset> {
  const skips = new SkipLog();
  const trainRows = readSource(spec, ctx, 'path', spec.path, undefined, skips);
  const classes = ctx.task === 'classification' ? [...new Set(trainRows.labels as string[])].sort() : [];
  const columns = trainRows.columns;
  const all = toTable(trainRows, classes, spec, ctx, 'path');

  let train: Table;
  let validation: Table;
  if ('path' in spec.validation) {
    train = all;
    validation = toTable(readSource(spec, ctx, 'validation.path', spec.validation.path, columns.features, skips), classes, spec, ctx, 'validation.path');
  } else {
    const random = new Random(ctx.seed).fork(`split:${spec.name}`);
    const indices =
      ctx.task === 'classification'
        ? splitStratified(all.labels, classes.length, spec.validation.split, random)
        : splitRandom(all.labels.length, spec.validation.split, random);
    ({ train, validation } = pickRows(all, indices, columns.features.length));
  }
  if (ctx.heldOut !== undefined) {
    validation = toTable(readSource(spec, ctx, 'validation.path', ctx.heldOut, columns.features, skips), classes, spec, ctx, 'validation.path');
  }
  if (validation.labels.length === 0) {
    throw new UserError(
      `${ctx.place('path' in spec.validation ? 'validation.path' : 'validation.split')}: dataset "${spec.name}" has no validation rows`,
      'Add rows, or raise validation.split.',
    );
  }
  const stats = spec.csv.standardize ? featureStats(train.features, columns.features.length) : undefined;
  if (stats) {
    standardizeInPlace(train.features, stats);
    standardizeInPlace(validation.features, stats);
  }
  return {
    name: spec.name,
    classes,
    train: new MemorySplit(train.features, train.labels, columns.features.length),
    validation: new MemorySplit(validation.features, validation.labels, columns.features.length),
    report: {
      name: spec.name,
      type: 'csv',
      train: splitReport(train.labels, classes),
      validation: splitReport(validation.labels, classes),
      skipped: skips.toReport(),
      sampleShape: [columns.features.length],
      fromCache: false,
      features: { columns: [...columns.features], ...(stats ? { mean: [...stats.mean], std: [...stats.std] } : {}) },
    },
    close() {
      // Everything is in memory; there is nothing to release.
    },
  };
}

/**
 * Reads one CSV file. `features` is undefined for the training file (they come from the spec or
 * the header) and the training file's feature columns for a validation file.
 */
function readSource(
  spec: CsvDatasetSpec,
  ctx: LoadContext,
  field: string,
  written: string,
  features: readonly string[] | undefined,
  skips: SkipLog,
): CsvRows & { columns: CsvColumns } {
  const file = path.resolve(ctx.experimentDir, written);
  if (!fs.statSync(file, { throwIfNoEntry: false })?.isFile()) {
    throw new UserError(
      `${ctx.place(field)}: file not found: ${file}`,
      `Dataset "${spec.name}" needs a CSV file; the path is relative to the experiment file.`,
    );
  }
  const table = readCsvTable(file, spec.csv.delimiter, ctx.place(field));
  const columns = resolveColumns(table.header, spec, ctx, field, features);
  const rows = readCsvRows(table.records, columns, ctx.task);
  for (const row of rows.bad) skips.add(written, row.label, row.reason);
  if (tooManyBad(rows.bad.length, rows.total)) {
    const first = rows.bad[0]?.reason ?? '';
    throw new UserError(
      `${ctx.place(field)}: dataset "${spec.name}": ${rows.bad.length} of ${rows.total} rows of ${written} cannot be used (more than 1%); first: ${first}`,
      'Fix or remove the rows listed, or choose the feature columns with csv.features.',
    );
  }
  if (rows.total - rows.bad.length === 0) {
    throw new UserError(`${ctx.place(field)}: dataset "${spec.name}": ${written} has no data rows`, 'Add rows below the header.');
  }
  return { ...rows, columns };
}

function resolveColumns(header: readonly string[], spec: CsvDatasetSpec, ctx: LoadContext, field: string, features: readonly string[] | undefined): CsvColumns {
  const label = spec.csv.label;
  const wanted = features ?? spec.csv.features ?? header.filter((name) => name !== label);
  const found = findColumns(header, [label, ...wanted]);
  const columnList = `columns are: ${header.join(', ')}`;
  const [missing] = found.missing;
  if (missing !== undefined) {
    const where = features !== undefined ? field : missing === label ? 'csv.label' : 'csv.features';
    throw new UserError(`${ctx.place(where)}: column "${missing}" is not in the header of ${spec.name}'s CSV (${columnList})`);
  }
  const [duplicated] = found.duplicated;
  if (duplicated !== undefined) {
    throw new UserError(`${ctx.place(field)}: column "${duplicated}" appears more than once in the header (${columnList})`, 'Give every column a unique name.');
  }
  if (wanted.length === 0) {
    throw new UserError(`${ctx.place('csv.features')}: dataset "${spec.name}" has no feature columns besides the label "${label}"`);
  }
  const [labelIndex = -1, ...featureIndices] = found.indices;
  return { label, labelIndex, features: wanted, featureIndices, fieldCount: header.length };
}

/** Turns class-name labels into indices of `classes`; a name outside them (validation file) is an error. */
function toTable(rows: CsvRows, classes: readonly string[], spec: CsvDatasetSpec, ctx: LoadContext, field: string): Table {
  if (rows.labels instanceof Float32Array) return { features: rows.features, labels: rows.labels };
  const index = new Map(classes.map((name, i) => [name, i]));
  const unseen = rows.labels.find((label) => !index.has(label));
  if (unseen !== undefined) {
    throw new UserError(
      `${ctx.place(field)}: dataset "${spec.name}": label "${shorten(unseen)}" in the validation file does not occur in the training file (classes: ${classes.join(', ')})`,
      'Remove those rows or add examples of that class to the training file.',
    );
  }
  return { features: rows.features, labels: Int32Array.from(rows.labels, (label) => index.get(label) ?? -1) };
}

function pickRows(all: Table, indices: SplitIndices, featureCount: number): { train: Table; validation: Table } {
  const pick = (chosen: readonly number[]): Table => {
    const features = new Float32Array(chosen.length * featureCount);
    chosen.forEach((row, i) => features.set(all.features.subarray(row * featureCount, (row + 1) * featureCount), i * featureCount));
    const labels = all.labels instanceof Int32Array ? new Int32Array(chosen.length) : new Float32Array(chosen.length);
    chosen.forEach((row, i) => (labels[i] = all.labels[row] as number));
    return { features, labels };
  };
  return { train: pick(indices.train), validation: pick(indices.validation) };
}
