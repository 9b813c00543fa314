/** Generated fixtures for the data-pipeline tests: image folders and CSV files in temporary folders. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import sharp from 'sharp';
import { DatasetSchema, type CsvDatasetSpec, type ImageDatasetSpec } from '../../../src/shared/experiment/schema';
import type { LoadContext } from '../../../src/trainer/data/types';

const tempDirs: string[] = [];
after(() => tempDirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** A new temporary folder, removed when the test file finishes. */
export function makeTempDir(prefix = 'jointrain-data-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

export interface SolidImage {
  width: number;
  height: number;
  /** One value per channel: [v] grey, [r, g, b] or [r, g, b, a]. */
  colour: number[];
  format?: 'png' | 'jpeg' | 'webp';
}

export async function encodeSolid(image: SolidImage): Promise<Buffer> {
  const channels = image.colour.length as 1 | 2 | 3 | 4;
  const pixels = Buffer.alloc(image.width * image.height * channels);
  for (let i = 0; i < pixels.length; i++) pixels[i] = image.colour[i % channels] as number;
  const encoder = sharp(pixels, { raw: { width: image.width, height: image.height, channels } });
  const format = image.format ?? 'png';
  return format === 'png'
    ? encoder.png().toBuffer()
    : format === 'jpeg'
      ? encoder.jpeg({ quality: 100 }).toBuffer()
      : encoder.webp({ lossless: true }).toBuffer();
}

/** Encodes raw pixels (row-major, interleaved) as a PNG. */
export function encodePixels(pixels: number[], width: number, height: number, channels: 1 | 3 | 4): Promise<Buffer> {
  return sharp(Buffer.from(pixels), { raw: { width, height, channels } }).png().toBuffer();
}

export function writeFile(root: string, relative: string, bytes: Buffer | string): string {
  const file = path.join(root, relative);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, bytes);
  return file;
}

/**
 * Writes `count` solid grey 8×8 PNGs per class; the image `i` of class `c` has grey value
 * `base[c] + i`, so a decoded pixel tells which file it came from.
 */
export async function writeGreyFolder(root: string, classes: Record<string, { count: number; base: number }>): Promise<void> {
  for (const [className, { count, base }] of Object.entries(classes)) {
    for (let i = 0; i < count; i++) {
      writeFile(root, `${className}/${String(i).padStart(3, '0')}.png`, await encodeSolid({ width: 8, height: 8, colour: [base + i] }));
    }
  }
}

export function imageSpec(fields: Record<string, unknown>): ImageDatasetSpec {
  const spec = DatasetSchema.parse({ type: 'images', name: 'digits', path: 'train', image: { size: [8, 8], channels: 1 }, ...fields });
  if (spec.type !== 'images') throw new Error('not an image spec');
  return spec;
}

export function csvSpec(fields: Record<string, unknown>, csv: Record<string, unknown> = {}): CsvDatasetSpec {
  const spec = DatasetSchema.parse({ type: 'csv', name: 'table', path: 'train.csv', csv: { label: 'y', ...csv }, ...fields });
  if (spec.type !== 'csv') throw new Error('not a csv spec');
  return spec;
}

export function loadContext(dir: string, fields: Partial<LoadContext> = {}): LoadContext {
  return {
    experimentDir: dir,
    cacheDir: path.join(dir, '.jointrain', 'cache'),
    seed: 42,
    task: 'classification',
    place: (field) => `exp.jointrain.yaml:3:5 datasets[0].${field}`,
    ...fields,
  };
}
