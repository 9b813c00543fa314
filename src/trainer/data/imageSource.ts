import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors';
import { decodeWithCache } from './decodeCache';
import type { DecodeTarget } from './decodeImage';
import { scanImageFolder, type ImageFolder } from './imageFolder';
import { shorten, tooManyBad, type SkipLog } from './skipLog';
import type { LoadContext } from './types';

/** One class-per-subfolder image folder: the training source or a separate validation folder. */
export interface ImageSourceRef {
  /** The experiment-file field that names the folder, for error places: `path` or `validation.path`. */
  field: string;
  /** The folder as written in the experiment file. */
  written: string;
  /** Prefix of file names in the skip report, so validation files are told apart from training files. */
  reportPrefix: string;
}

export interface ScannedSource extends ImageSourceRef {
  folder: ImageFolder;
}

/** The good samples of a decoded source, in folder order. */
export interface DecodedImages {
  /** Class names of this folder, sorted; `labels` index into them. */
  classes: string[];
  labels: Int32Array;
  /** Blob slot of each sample. */
  slots: Int32Array;
  blobPath: string;
  fromCache: boolean;
}

export async function scanImageSource(ref: ImageSourceRef, datasetName: string, ctx: LoadContext): Promise<ScannedSource> {
  const root = path.resolve(ctx.experimentDir, ref.written);
  const stat = fs.statSync(root, { throwIfNoEntry: false });
  if (!stat?.isDirectory()) {
    throw new UserError(
      `${ctx.place(ref.field)}: ${stat ? 'not a folder' : 'folder not found'}: ${root}`,
      `Dataset "${datasetName}" needs a folder with one subfolder per class; the path is relative to the experiment file.`,
    );
  }
  const folder = await scanImageFolder(root);
  if (folder.classes.length === 0) {
    throw new UserError(
      `${ctx.place(ref.field)}: dataset "${datasetName}": ${root} has no class subfolders`,
      `Put the images of each class in their own subfolder, e.g. ${path.join(ref.written, 'cat', '001.png')}.`,
    );
  }
  return { ...ref, folder };
}

/**
 * Decodes a scanned source through the decode cache and records what was skipped. Throws a
 * UserError when more than 1% of its image files cannot be decoded or a class has no good image.
 */
export async function decodeImageSource(
  source: ScannedSource,
  target: DecodeTarget,
  datasetName: string,
  ctx: LoadContext,
  skips: SkipLog,
  onProgress?: (done: number, total: number) => void,
): Promise<DecodedImages> {
  const { folder } = source;
  for (const other of folder.others) {
    skips.add(source.reportPrefix + other.file, other.className, `not an image (${path.extname(other.file) || 'no extension'})`);
  }
  for (const entry of folder.unread) skips.add(source.reportPrefix + entry.file, entry.className, entry.reason);
  const decoded = await decodeWithCache(folder.root, folder.images, target, ctx.cacheDir, onProgress);
  const badByClass = new Map<string, number>();
  // Decoding finishes in any order; report failures in file order so messages are reproducible.
  const failures = new Map([...decoded.failures].sort(([a], [b]) => a - b));
  for (const [slot, reason] of failures) {
    const image = folder.images[slot];
    if (!image) continue;
    skips.add(source.reportPrefix + image.file, image.className, reason);
    badByClass.set(image.className, (badByClass.get(image.className) ?? 0) + 1);
  }
  checkHealth(source, datasetName, ctx, failures, badByClass);
  const classIndex = new Map(folder.classes.map((name, i) => [name, i]));
  const good = folder.images.map((image, slot) => ({ image, slot })).filter(({ slot }) => !decoded.failures.has(slot));
  return {
    classes: folder.classes,
    labels: Int32Array.from(good, ({ image }) => classIndex.get(image.className) ?? -1),
    slots: Int32Array.from(good, ({ slot }) => slot),
    blobPath: decoded.blobPath,
    fromCache: decoded.fromCache,
  };
}

function checkHealth(
  source: ScannedSource,
  datasetName: string,
  ctx: LoadContext,
  failures: ReadonlyMap<number, string>,
  badByClass: ReadonlyMap<string, number>,
): void {
  const { folder } = source;
  const total = folder.images.length;
  if (tooManyBad(failures.size, total)) {
    const perClass = [...badByClass].map(([name, count]) => `class "${name}": ${count}`).join(', ');
    const [firstSlot, firstReason] = [...failures][0] ?? [];
    const first = firstSlot === undefined ? '' : ` First: ${folder.images[firstSlot]?.file}: ${shorten(firstReason ?? '')}.`;
    throw new UserError(
      `${ctx.place(source.field)}: dataset "${datasetName}": ${failures.size} of ${total} image files could not be decoded ` +
        `(${percent(failures.size, total)}, more than 1%): ${perClass}.${first}`,
      'Fix or remove the files listed, or re-export them as png, jpeg or webp, then run again.',
    );
  }
  const imagesByClass = countByClassName(folder.images);
  const othersByClass = countByClassName([...folder.others, ...folder.unread]);
  for (const className of folder.classes) {
    const bad = badByClass.get(className) ?? 0;
    if ((imagesByClass.get(className) ?? 0) - bad > 0) continue;
    const skipped = bad + (othersByClass.get(className) ?? 0);
    throw new UserError(
      `${ctx.place(source.field)}: dataset "${datasetName}": class "${className}" has no readable image (${skipped} file${skipped === 1 ? '' : 's'} skipped)`,
      `Add png, jpeg or webp images to ${path.join(folder.root, className)} or remove that folder.`,
    );
  }
}

function countByClassName(files: readonly { className: string }[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { className } of files) counts.set(className, (counts.get(className) ?? 0) + 1);
  return counts;
}

function percent(part: number, whole: number): string {
  return `${((100 * part) / whole).toFixed(1)}%`;
}
