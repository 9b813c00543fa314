/**
 * The image folders the benchmarks read: the example's clean digits (28×28 greyscale PNG, one
 * subfolder per class) at 1,000, 4,000 and 8,000 images. The generator is run once at the largest
 * size; the smaller folders hold the first files of each class as hard links, which is what the
 * generator itself would write at a smaller scale (a smaller scale yields a subset).
 */
import fs from 'node:fs';
import path from 'node:path';
import { DIGIT_CLASSES, generateExampleData } from '../src/trainer/scaffold/exampleData';
import { workPath } from './workDir';

const FOLDER_SIZES = [1000, 4000, 8000] as const;
export type FolderSize = (typeof FOLDER_SIZES)[number];

const CLEAN_PER_CLASS_AT_SCALE_1 = 300;
const COMPLETE_MARKER = '.bench-subset';

export async function prepareDigitFolders(): Promise<Record<FolderSize, string>> {
  const largest = Math.max(...FOLDER_SIZES);
  const generated = workPath('data', 'generated');
  await generateExampleData(generated, { scale: largest / DIGIT_CLASSES.length / CLEAN_PER_CLASS_AT_SCALE_1 });
  const source = path.join(generated, 'digits-clean');
  const folders = {} as Record<FolderSize, string>;
  for (const size of FOLDER_SIZES) folders[size] = linkSubset(source, size);
  return folders;
}

/** A folder with the first `size / 10` files of each class of `source`, hard-linked (copied where links fail). */
function linkSubset(source: string, size: number): string {
  const target = workPath('data', `digits-${size}`);
  if (fs.existsSync(path.join(target, COMPLETE_MARKER))) return target;
  fs.rmSync(target, { recursive: true, force: true });
  for (const className of DIGIT_CLASSES) {
    const files = fs
      .readdirSync(path.join(source, className))
      .sort()
      .slice(0, size / DIGIT_CLASSES.length);
    if (files.length * DIGIT_CLASSES.length !== size) throw new Error(`${source}/${className} has too few images for a folder of ${size}`);
    fs.mkdirSync(path.join(target, className), { recursive: true });
    for (const file of files) linkOrCopy(path.join(source, className, file), path.join(target, className, file));
  }
  // Hidden, so the image-folder scanner ignores it.
  fs.writeFileSync(path.join(target, COMPLETE_MARKER), `${size}\n`);
  return target;
}

function linkOrCopy(from: string, to: string): void {
  try {
    fs.linkSync(from, to);
  } catch {
    fs.copyFileSync(from, to);
  }
}
