/**
 * Which datasets a user means by the folders and files they picked. Real data comes laid out in a
 * few common ways, and each must give the datasets a person would name:
 *
 *   data/                       a parent of datasets       → one dataset per child
 *     mnist/                    a dataset with splits      → `mnist`, train from train/, validation from val/
 *       train/ 0/ 1/ …          a split of class folders
 *       val/   0/ 1/ …
 *     optdigits/ 0/ 1/ …        a dataset of class folders → `optdigits`, validation split off
 *     sensors.csv               a table                    → `sensors`
 *   picked `mnist/train`        a split folder             → `mnist` (named after the dataset, not the split)
 *   picked `optdigits/3`        a class folder             → `optdigits`
 *
 * Split folders are recognised by name, in any case: train/training, val/valid/validation/dev, and
 * test/testing (CSV files too: train.csv, val.csv). A folder that mixes class folders and dataset
 * folders is not guessed at: it is reported (`AmbiguousLayoutError`) unless the caller chooses to
 * leave the class folders out (`ignoreClassFolders`: the CLI's flag, the editor's quick pick).
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { UserError } from '../errors';

export type Split = 'train' | 'validation' | 'test';

/** A folder that can be read two ways; the caller chooses (`findDatasets(paths, { mixed })`). */
export class AmbiguousLayoutError extends UserError {
  constructor(
    readonly path: string,
    /** Its subfolders that hold images directly: class folders, but of no dataset folder. */
    readonly classes: string[],
    /** Its entries that look like datasets (folders of folders, CSV files). */
    readonly datasets: string[],
  ) {
    super(
      `${path} holds both class folders of images (${shortList(classes)}) and folders or files that look like datasets (${shortList(datasets)})`,
      `pick the dataset folders themselves, or pass --ignore-class-folders to use ${shortList(datasets)} and leave ${shortList(classes)} out; to train on ${shortList(classes)}, move them into a dataset folder of their own`,
    );
    this.name = 'AmbiguousLayoutError';
  }
}

export interface FindOptions {
  /**
   * In a folder of class folders beside datasets, use the datasets and leave the class folders out
   * (they cannot be one dataset: the dataset folders would be read as its classes). Without it
   * such a folder is an `AmbiguousLayoutError`.
   */
  ignoreClassFolders?: boolean;
}

export interface FoundDataset {
  /** Named after the dataset folder or file, never after a split. */
  name: string;
  kind: 'images' | 'csv';
  /** The training source: a folder of class folders, or a CSV file. */
  train: string;
  validation?: string;
  test?: string;
  /** Stray entries seen where the dataset's folders are, which the dataset ignores. */
  ignored: string[];
}

const SPLIT_NAMES: Record<Split, readonly string[]> = {
  train: ['train', 'training'],
  validation: ['val', 'valid', 'validation', 'dev'],
  test: ['test', 'testing'],
};
const IMAGE_FILE = /\.(png|jpe?g|webp)$/i;

/** The split a folder or CSV file is named after, if any: `Train`, `val.csv`, `validation`. */
export function splitOf(name: string): Split | undefined {
  const stem = name.toLowerCase().replace(/\.csv$/, '');
  return (Object.keys(SPLIT_NAMES) as Split[]).find((split) => SPLIT_NAMES[split].includes(stem));
}

interface Entry {
  name: string;
  path: string;
  kind: 'folder' | 'image' | 'csv' | 'other';
}

async function entriesOf(dir: string): Promise<Entry[]> {
  const names = (await readdir(dir)).filter((name) => !name.startsWith('.')).sort();
  return Promise.all(
    names.map(async (name): Promise<Entry> => {
      const path = join(dir, name);
      const info = await stat(path).catch(() => undefined);
      const kind = info?.isDirectory()
        ? 'folder'
        : info?.isFile()
          ? IMAGE_FILE.test(name)
            ? 'image'
            : extname(name).toLowerCase() === '.csv'
              ? 'csv'
              : 'other'
          : 'other';
      return { name, path, kind };
    }),
  );
}

/** What a folder looks like from its entries (and its subfolders' entries). */
type FolderShape =
  | { shape: 'splits'; splits: Partial<Record<Split, Entry>>; others: Entry[] }
  | { shape: 'classes'; classes: Entry[]; others: Entry[] }
  | { shape: 'images' }
  | { shape: 'parent'; children: Entry[]; others: Entry[] }
  | { shape: 'mixed'; classes: Entry[]; datasets: Entry[] }
  | { shape: 'empty' };

async function shapeOf(dir: string): Promise<FolderShape> {
  const entries = await entriesOf(dir);
  const folders = entries.filter((e) => e.kind === 'folder');
  const splits: Partial<Record<Split, Entry>> = {};
  for (const entry of entries) {
    const split = entry.kind === 'folder' || entry.kind === 'csv' ? splitOf(entry.name) : undefined;
    if (split && !splits[split]) splits[split] = entry;
  }
  if (splits.train) return { shape: 'splits', splits, others: entries.filter((e) => !Object.values(splits).includes(e)) };
  if (folders.length === 0)
    return entries.some((e) => e.kind === 'image')
      ? { shape: 'images' }
      : entries.some((e) => e.kind === 'csv')
        ? { shape: 'parent', children: entries.filter((e) => e.kind === 'csv'), others: entries.filter((e) => e.kind !== 'csv') }
        : { shape: 'empty' };
  const holdsImages = await Promise.all(folders.map(async (folder) => (await entriesOf(folder.path)).some((e) => e.kind === 'image')));
  const classes = folders.filter((_, i) => holdsImages[i]);
  const datasets = entries.filter((e) => (e.kind === 'folder' && !classes.includes(e)) || e.kind === 'csv');
  const others = entries.filter((e) => e.kind === 'other' || e.kind === 'image');
  if (classes.length > 0 && datasets.length === 0) return { shape: 'classes', classes, others };
  if (classes.length === 0) return { shape: 'parent', children: datasets, others };
  // Class folders and dataset folders side by side: either reading could be meant.
  return { shape: 'mixed', classes, datasets };
}

/** Resolves everything picked into datasets, once each, in the order picked; problems name the path. */
export async function findDatasets(paths: readonly string[], options: FindOptions = {}): Promise<FoundDataset[]> {
  const found: FoundDataset[] = [];
  for (const path of paths) {
    for (const dataset of await datasetsAt(path, 0, options)) {
      if (!found.some((known) => known.train === dataset.train)) found.push(dataset);
    }
  }
  if (found.length === 0)
    throw new UserError(
      `no images or CSV files found in ${paths.join(', ')}`,
      'pick a dataset folder (one subfolder per class, or train/ and val/ splits of them), a parent of such folders, or a CSV file',
    );
  return found;
}

/** How deep below a picked folder datasets are looked for: data/<dataset>/<split>/<class>/<image>. */
const MAX_PARENT_DEPTH = 2;

async function datasetsAt(path: string, depth: number, options: FindOptions): Promise<FoundDataset[]> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new UserError(`data source not found: ${path}`, 'pick an image folder (one subfolder per class) or a CSV file');
  if (info.isFile()) return [await csvDataset(path)];
  const split = splitOf(basename(path));
  if (split !== undefined && depth === 0) return datasetsAt(dirname(path), depth, options);
  const shape = await shapeOf(path);
  switch (shape.shape) {
    case 'splits':
      return [await splitDataset(path, shape.splits, shape.others)];
    case 'classes':
      return [{ name: basename(path), kind: 'images', train: path, ignored: shape.others.map((e) => e.name) }];
    case 'images': {
      if (depth > 0) return [];
      // A class folder picked: its dataset is the folder above it, or above its split folder.
      const parent = dirname(path);
      return datasetsAt(splitOf(basename(parent)) ? dirname(parent) : parent, 1, options);
    }
    case 'parent': {
      if (depth >= MAX_PARENT_DEPTH) return [];
      const nested = await Promise.all(shape.children.map((child) => datasetsAt(child.path, depth + 1, options)));
      return nested.flat();
    }
    case 'mixed': {
      if (options.ignoreClassFolders && depth < MAX_PARENT_DEPTH) {
        const nested = await Promise.all(shape.datasets.map((child) => datasetsAt(child.path, depth + 1, options)));
        return nested.flat();
      }
      throw new AmbiguousLayoutError(
        path,
        shape.classes.map((e) => e.name),
        shape.datasets.map((e) => e.name),
      );
    }
    case 'empty':
      return [];
  }
}

async function splitDataset(dir: string, splits: Partial<Record<Split, Entry>>, others: Entry[]): Promise<FoundDataset> {
  const train = splits.train as Entry;
  const kind = train.kind === 'csv' ? 'csv' : 'images';
  if (kind === 'images') {
    const shape = await shapeOf(train.path);
    if (shape.shape !== 'classes')
      throw new UserError(
        `${train.path} is a training split but holds no class folders of images`,
        'put each class’s images in a subfolder named after the class',
      );
  }
  return {
    name: basename(dir),
    kind,
    train: train.path,
    ...(splits.validation ? { validation: splits.validation.path } : {}),
    ...(splits.test ? { test: splits.test.path } : {}),
    ignored: others.map((e) => e.name),
  };
}

/** A CSV file; `train.csv` beside `val.csv` is one dataset named after their folder. */
async function csvDataset(path: string): Promise<FoundDataset> {
  if (extname(path).toLowerCase() !== '.csv')
    throw new UserError(`${path} is neither a folder nor a .csv file`, 'pick an image folder (one subfolder per class) or a CSV file');
  if (splitOf(basename(path)) !== 'train') return { name: basename(path, extname(path)), kind: 'csv', train: path, ignored: [] };
  const siblings = await entriesOf(dirname(path));
  const sibling = (split: Split) => siblings.find((e) => e.kind === 'csv' && splitOf(e.name) === split)?.path;
  const validation = sibling('validation');
  const test = sibling('test');
  return { name: basename(dirname(path)), kind: 'csv', train: path, ...(validation ? { validation } : {}), ...(test ? { test } : {}), ignored: [] };
}

function shortList(names: readonly string[]): string {
  const shown = names.slice(0, 4);
  return names.length > 4 ? `${shown.join(', ')}, …` : shown.join(', ');
}
