import { parse } from 'csv-parse/sync';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { scanImageFolder } from '../data/imageFolder';
import { UserError } from '../errors';
import type { FoundDataset } from './findDatasets';

/** Where a split of a dataset is, and how much it holds (images, or CSV rows). */
export interface SplitSource {
  path: string;
  count: number;
}

/** What the scaffolder learned about one dataset found in what the user picked. */
export type InspectedSource =
  | {
      kind: 'images';
      name: string;
      path: string;
      validation?: SplitSource;
      test?: SplitSource;
      ignored: string[];
      classes: string[];
      images: number;
      size: [number, number];
      channels: 1 | 3;
    }
  | {
      kind: 'csv';
      name: string;
      path: string;
      validation?: SplitSource;
      test?: SplitSource;
      ignored: string[];
      columns: string[];
      label: string;
      task: 'classification' | 'regression';
      rows: number;
    };

/** The label column is the one named like a label, else the last one. */
const LABEL_NAMES = ['label', 'class', 'target', 'y', 'kind', 'category'];
/** Rows read to decide whether a CSV label is numeric. */
const SAMPLE_ROWS = 200;
/** Images whose pixels are looked at to tell greyscale stored as RGB from colour. */
const CHANNEL_SAMPLES = 8;
/** JPEG blurs colours a little: a pixel within this of grey still counts as grey. */
const GREY_TOLERANCE = 3;

export async function inspectDataset(found: FoundDataset): Promise<InspectedSource> {
  const base = { name: found.name, path: found.train, ignored: found.ignored };
  if (found.kind === 'csv') {
    const table = await inspectCsv(found.train);
    const validation = found.validation ? { path: found.validation, count: await csvRows(found.validation) } : undefined;
    const test = found.test ? { path: found.test, count: await csvRows(found.test) } : undefined;
    return { kind: 'csv', ...base, ...table, ...(validation ? { validation } : {}), ...(test ? { test } : {}) };
  }
  const folder = await scanImageFolder(found.train);
  const first = folder.images[0];
  if (!first)
    throw new UserError(`no images in class subfolders of ${found.train}`, 'put each class’s images (png, jpeg, webp) in a subfolder named after the class');
  const metadata = await sharp(join(found.train, first.file)).metadata();
  const size: [number, number] = [metadata.height ?? 32, metadata.width ?? 32];
  const samples = folder.images.filter((_, i) => i % Math.max(1, Math.floor(folder.images.length / CHANNEL_SAMPLES)) === 0).slice(0, CHANNEL_SAMPLES);
  const channels = (await Promise.all(samples.map((image) => isGrey(join(found.train, image.file))))).every(Boolean) ? 1 : 3;
  const count = async (path: string) => ({ path, count: (await scanImageFolder(path)).images.length });
  const validation = found.validation ? await count(found.validation) : undefined;
  const test = found.test ? await count(found.test) : undefined;
  return {
    kind: 'images',
    ...base,
    classes: folder.classes,
    images: folder.images.length,
    size,
    channels,
    ...(validation ? { validation } : {}),
    ...(test ? { test } : {}),
  };
}

/** Whether every pixel of an image is grey (R = G = B), whatever channels the file stores. */
async function isGrey(file: string): Promise<boolean> {
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  if (info.channels < 3) return true;
  for (let i = 0; i + 2 < data.length; i += info.channels) {
    const [r, g, b] = [data[i] as number, data[i + 1] as number, data[i + 2] as number];
    if (Math.abs(r - g) > GREY_TOLERANCE || Math.abs(g - b) > GREY_TOLERANCE) return false;
  }
  return true;
}

async function inspectCsv(path: string): Promise<{ columns: string[]; label: string; task: 'classification' | 'regression'; rows: number }> {
  const text = (await readFile(path, 'utf8')).replace(/^\uFEFF/, '');
  let records: string[][];
  try {
    records = parse(text, { skip_empty_lines: true, relax_column_count: true, to: SAMPLE_ROWS + 1 }) as string[][];
  } catch (error) {
    // csv-parse's message names the line ("Quote Not Closed: the parsing is finished with an opening quote at line 3").
    throw new UserError(
      `cannot read ${path} as CSV: ${error instanceof Error ? error.message : String(error)}`,
      'fix the file (a quote opened and never closed, a stray quote inside a field), or move it out of the folder being scaffolded',
    );
  }
  const [columns, ...rows] = records;
  if (!columns?.length) throw new UserError(`${path} is empty`, 'a CSV dataset needs a header row and data rows');
  const label = columns.find((column) => LABEL_NAMES.includes(column.trim().toLowerCase())) ?? columns[columns.length - 1] ?? '';
  const labelIndex = columns.indexOf(label);
  const values = rows.map((row) => row[labelIndex]?.trim() ?? '').filter((value) => value !== '');
  const numeric = values.length > 0 && values.every((value) => Number.isFinite(Number(value)));
  const task = numeric && values.some((value) => !Number.isInteger(Number(value))) ? 'regression' : 'classification';
  return { columns, label, task, rows: countLines(text) - 1 };
}

async function csvRows(path: string): Promise<number> {
  return countLines(await readFile(path, 'utf8')) - 1;
}

function countLines(text: string): number {
  return text.split('\n').filter((line) => line.trim()).length;
}
