import { parse } from 'csv-parse/sync';
import { readFile, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import sharp from 'sharp';
import { scanImageFolder } from '../data/imageFolder';
import { UserError } from '../errors';

/** What the scaffolder learned about one data source picked by the user. */
export type InspectedSource =
  | { kind: 'images'; path: string; name: string; classes: string[]; images: number; size: [number, number]; channels: 1 | 3 }
  | { kind: 'csv'; path: string; name: string; columns: string[]; label: string; task: 'classification' | 'regression'; rows: number };

/** The label column is the one named like a label, else the last one. */
const LABEL_NAMES = ['label', 'class', 'target', 'y', 'kind', 'category'];
/** Rows read to decide whether a CSV label is numeric. */
const SAMPLE_ROWS = 200;

export async function inspectSource(path: string): Promise<InspectedSource> {
  const entry = await stat(path).catch(() => undefined);
  if (!entry) throw new UserError(`data source not found: ${path}`, 'pick an image folder (one subfolder per class) or a CSV file');
  return entry.isDirectory() ? inspectImageFolder(path) : inspectCsv(path);
}

async function inspectImageFolder(path: string): Promise<InspectedSource> {
  const folder = await scanImageFolder(path);
  const first = folder.images[0];
  if (!first) throw new UserError(`no images in class subfolders of ${path}`, 'put each class’s images (png, jpeg, webp) in a subfolder named after the class');
  const metadata = await sharp(join(path, first.file)).metadata();
  const size: [number, number] = [metadata.height ?? 32, metadata.width ?? 32];
  const channels = (metadata.channels ?? 3) <= 2 ? 1 : 3;
  return { kind: 'images', path, name: basename(path), classes: folder.classes, images: folder.images.length, size, channels };
}

async function inspectCsv(path: string): Promise<InspectedSource> {
  if (extname(path).toLowerCase() !== '.csv') throw new UserError(`${path} is neither a folder nor a .csv file`, 'pick an image folder (one subfolder per class) or a CSV file');
  const text = (await readFile(path, 'utf8')).replace(/^\uFEFF/, '');
  const records = parse(text, { skip_empty_lines: true, relax_column_count: true, to: SAMPLE_ROWS + 1 }) as string[][];
  const [columns, ...rows] = records;
  if (!columns?.length) throw new UserError(`${path} is empty`, 'a CSV dataset needs a header row and data rows');
  const label = columns.find((column) => LABEL_NAMES.includes(column.trim().toLowerCase())) ?? columns[columns.length - 1] ?? '';
  const labelIndex = columns.indexOf(label);
  const values = rows.map((row) => row[labelIndex]?.trim() ?? '').filter((value) => value !== '');
  const numeric = values.length > 0 && values.every((value) => Number.isFinite(Number(value)));
  const task = numeric && values.some((value) => !Number.isInteger(Number(value))) ? 'regression' : 'classification';
  return { kind: 'csv', path, name: basename(path, extname(path)), columns, label, task, rows: text.split('\n').filter((line) => line.trim()).length - 1 };
}
