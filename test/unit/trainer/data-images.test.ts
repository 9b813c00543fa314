import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { loadImageDataset } from '../../../src/trainer/data/loadImageDataset';
import { UserError } from '../../../src/trainer/errors';
import type { DataSplit } from '../../../src/trainer/data/types';
import { encodePixels, encodeSolid, imageSpec, loadContext, makeTempDir, writeFile, writeGreyFolder } from './data-fixtures';

/** The first pixel of each sample of a split, back in 0–255 for 'unit' scaling. */
function firstPixels(split: DataSplit): number[] {
  const sampleLength = split.sampleShape.reduce((a, b) => a * b, 1);
  const indices = Array.from({ length: split.size }, (_, i) => i);
  const values = split.readBatch(indices);
  return indices.map((i) => Math.round((values[i * sampleLength] as number) * 255));
}

test('classes are the sorted subfolder names and labels index them', async () => {
  const dir = makeTempDir();
  await writeGreyFolder(path.join(dir, 'train'), { zebra: { count: 3, base: 200 }, ant: { count: 2, base: 10 } });
  const dataset = await loadImageDataset(imageSpec({ validation: { path: 'train' } }), loadContext(dir));
  try {
    assert.deepEqual(dataset.classes, ['ant', 'zebra']);
    assert.deepEqual(Array.from(dataset.train.labels), [0, 0, 1, 1, 1]);
    assert.deepEqual(firstPixels(dataset.train), [10, 11, 200, 201, 202]);
    assert.deepEqual(dataset.report.train, { size: 5, classes: { ant: 2, zebra: 3 } });
  } finally {
    dataset.close();
  }
});

test('a solid grey png decodes to the grey value under each pixel scale', async () => {
  const dir = makeTempDir();
  writeFile(dir, 'train/grey/a.png', await encodeSolid({ width: 8, height: 8, colour: [51] }));
  const expected = { unit: 51 / 255, symmetric: 51 / 127.5 - 1, none: 51 };
  for (const [scale, value] of Object.entries(expected)) {
    const dataset = await loadImageDataset(imageSpec({ validation: { path: 'train' }, image: { size: [8, 8], channels: 1, scale } }), loadContext(dir));
    const pixels = dataset.train.readBatch([0]);
    dataset.close();
    assert.equal(pixels.length, 64);
    for (const pixel of pixels) assert.ok(Math.abs(pixel - value) < 1e-6, `${scale}: ${pixel} ≠ ${value}`);
  }
});

test('images are resized to cover the target size, centre-cropped, and converted to the configured channels', async () => {
  const dir = makeTempDir();
  // 20×10: left half red, right half blue. Cover-resized to 10×10 it keeps the middle 10 columns.
  const pixels: number[] = [];
  for (let y = 0; y < 10; y++) for (let x = 0; x < 20; x++) pixels.push(...(x < 10 ? [255, 0, 0] : [0, 0, 255]));
  writeFile(dir, 'train/wide/a.png', await encodePixels(pixels, 20, 10, 3));
  const rgb = await loadImageDataset(imageSpec({ validation: { path: 'train' }, image: { size: [10, 10], channels: 3, scale: 'none' } }), loadContext(dir));
  const grey = await loadImageDataset(imageSpec({ validation: { path: 'train' }, image: { size: [5, 5], channels: 1, scale: 'none' } }), loadContext(dir));
  try {
    assert.deepEqual(rgb.report.sampleShape, [10, 10, 3]);
    assert.deepEqual(rgb.train.sampleShape, [10, 10, 3]);
    const image = rgb.train.readBatch([0]);
    assert.equal(image.length, 300);
    const at = (x: number, y: number) => Array.from(image.subarray((y * 10 + x) * 3, (y * 10 + x) * 3 + 3));
    assert.deepEqual(at(0, 5), [255, 0, 0]);
    assert.deepEqual(at(3, 0), [255, 0, 0]);
    assert.deepEqual(at(6, 9), [0, 0, 255]);
    assert.deepEqual(at(9, 5), [0, 0, 255]);
    assert.deepEqual(grey.report.sampleShape, [5, 5, 1]);
    const greyImage = grey.train.readBatch([0]);
    assert.equal(greyImage.length, 25);
    assert.equal(greyImage[0], Math.round(0.299 * 255));
    assert.equal(greyImage[4], Math.round(0.114 * 255));
  } finally {
    rgb.close();
    grey.close();
  }
});

test('grey images become RGB by repetition and transparent pixels are flattened onto black', async () => {
  const dir = makeTempDir();
  writeFile(dir, 'train/a/grey.png', await encodeSolid({ width: 4, height: 4, colour: [90] }));
  writeFile(dir, 'train/a/half.png', await encodeSolid({ width: 4, height: 4, colour: [200, 100, 50, 51] }));
  writeFile(dir, 'train/a/photo.jpg', await encodeSolid({ width: 4, height: 4, colour: [30, 60, 90], format: 'jpeg' }));
  writeFile(dir, 'train/a/web.webp', await encodeSolid({ width: 4, height: 4, colour: [7, 8, 9], format: 'webp' }));
  const dataset = await loadImageDataset(imageSpec({ validation: { path: 'train' }, image: { size: [4, 4], channels: 3, scale: 'none' } }), loadContext(dir));
  try {
    const first = (index: number) => Array.from(dataset.train.readBatch([index]).subarray(0, 3));
    assert.deepEqual(first(0), [90, 90, 90]);
    assert.deepEqual(first(1), [40, 20, 10]);
    const jpeg = first(2);
    [30, 60, 90].forEach((value, i) => assert.ok(Math.abs((jpeg[i] as number) - value) <= 2, `jpeg ${[...jpeg].join(', ')}`));
    assert.deepEqual(first(3), [7, 8, 9]);
    assert.equal(dataset.report.skipped.count, 0);
  } finally {
    dataset.close();
  }
});

test('a validation split is stratified, keeps a training sample per class, and depends only on the seed', async () => {
  const dir = makeTempDir();
  await writeGreyFolder(path.join(dir, 'train'), { a: { count: 10, base: 0 }, b: { count: 10, base: 100 }, c: { count: 1, base: 200 } });
  const spec = imageSpec({ validation: { split: 0.3 } });
  const load = async (seed: number) => {
    const dataset = await loadImageDataset(spec, loadContext(dir, { seed }));
    const result = { train: firstPixels(dataset.train), validation: firstPixels(dataset.validation), report: dataset.report };
    dataset.close();
    return result;
  };
  const first = await load(7);
  const again = await load(7);
  const other = await load(8);
  assert.deepEqual(first.report.validation, { size: 6, classes: { a: 3, b: 3, c: 0 } });
  assert.deepEqual(first.report.train, { size: 15, classes: { a: 7, b: 7, c: 1 } });
  assert.deepEqual(again.validation, first.validation);
  assert.notDeepEqual(other.validation, first.validation);
  const everyImage = [...[...Array(10).keys()], ...[...Array(10).keys()].map((i) => 100 + i), 200];
  assert.deepEqual(
    [...first.train, ...first.validation].sort((x, y) => x - y),
    everyImage,
  );
});

test('a separate validation folder may hold a subset of the classes and is labelled by the training classes', async () => {
  const dir = makeTempDir();
  await writeGreyFolder(path.join(dir, 'train'), { a: { count: 2, base: 0 }, b: { count: 2, base: 100 } });
  await writeGreyFolder(path.join(dir, 'val'), { b: { count: 3, base: 150 } });
  const dataset = await loadImageDataset(imageSpec({ validation: { path: 'val' } }), loadContext(dir));
  try {
    assert.equal(dataset.train.size, 4);
    assert.deepEqual(Array.from(dataset.validation.labels), [1, 1, 1]);
    assert.deepEqual(firstPixels(dataset.validation), [150, 151, 152]);
    assert.deepEqual(dataset.report.validation, { size: 3, classes: { a: 0, b: 3 } });
  } finally {
    dataset.close();
  }
});

test('a class in the validation folder but not in training is an error that names the class and its place', async () => {
  const dir = makeTempDir();
  await writeGreyFolder(path.join(dir, 'train'), { a: { count: 2, base: 0 } });
  await writeGreyFolder(path.join(dir, 'val'), { a: { count: 1, base: 0 }, bird: { count: 1, base: 50 } });
  await assert.rejects(loadImageDataset(imageSpec({ validation: { path: 'val' } }), loadContext(dir)), (error: unknown) => {
    assert.ok(error instanceof UserError);
    assert.match(error.message, /^exp\.jointrain\.yaml:3:5 datasets\[0\]\.validation\.path: /);
    assert.match(error.message, /class "bird" is in the validation folder but not in the training folder/);
    return true;
  });
});

test('corrupt, truncated, empty and non-image files are skipped and counted per class with their reason', async () => {
  const dir = makeTempDir();
  await writeGreyFolder(path.join(dir, 'train'), { a: { count: 2, base: 0 }, b: { count: 2, base: 100 } });
  // Copies of one good image bring the folder to 400 images, so 3 bad files stay under 1%.
  const good = fs.readFileSync(path.join(dir, 'train/a/000.png'));
  for (let i = 0; i < 396; i++) writeFile(dir, `train/${i % 2 ? 'a' : 'b'}/copy${i}.png`, good);
  writeFile(dir, 'train/a/zero.png', Buffer.alloc(0));
  writeFile(dir, 'train/a/garbage.jpg', Buffer.from('this is not a jpeg at all'));
  writeFile(dir, 'train/b/truncated.png', good.subarray(0, Math.floor(good.length / 2)));
  writeFile(dir, 'train/b/notes.txt', 'labels checked by hand');
  const dataset = await loadImageDataset(imageSpec({ validation: { split: 0.1 } }), loadContext(dir));
  try {
    assert.equal(dataset.train.size + dataset.validation.size, 400);
    const { skipped } = dataset.report;
    assert.equal(skipped.count, 4);
    assert.deepEqual(skipped.byClass, { a: 2, b: 2 });
    const reasons = Object.fromEntries(skipped.items.map((item) => [item.file, item]));
    assert.deepEqual(reasons['a/zero.png'], { file: 'a/zero.png', className: 'a', reason: 'empty file (0 bytes)' });
    assert.match(reasons['a/garbage.jpg']?.reason ?? '', /^cannot decode: /);
    assert.match(reasons['b/truncated.png']?.reason ?? '', /^cannot decode: /);
    assert.deepEqual(reasons['b/notes.txt'], { file: 'b/notes.txt', className: 'b', reason: 'not an image (.txt)' });
  } finally {
    dataset.close();
  }
});

/** A valid PNG that claims `width × height` pixels in its header: sharp refuses it before decoding. */
function pngClaiming(good: Buffer, width: number, height: number): Buffer {
  const png = Buffer.from(good);
  // IHDR: length (4) and type (4) after the 8-byte signature, then width and height; CRC after 13 data bytes.
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  return png;
}

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

test('an image claiming more pixels than the limit (a decompression bomb) is skipped with that reason, without being decoded', async () => {
  const dir = makeTempDir();
  await writeGreyFolder(path.join(dir, 'train'), { a: { count: 2, base: 0 }, b: { count: 2, base: 100 } });
  const good = fs.readFileSync(path.join(dir, 'train/a/000.png'));
  for (let i = 0; i < 196; i++) writeFile(dir, `train/${i % 2 ? 'a' : 'b'}/copy${i}.png`, good);
  writeFile(dir, 'train/a/bomb.png', pngClaiming(good, 100_000, 100_000));
  const dataset = await loadImageDataset(imageSpec({ validation: { split: 0.1 } }), loadContext(dir));
  try {
    const bomb = dataset.report.skipped.items.find((item) => item.file === 'a/bomb.png');
    assert.match(bomb?.reason ?? '', /^over the pixel limit: more than 50,000,000 pixels/);
    assert.equal(dataset.train.size + dataset.validation.size, 200);
  } finally {
    dataset.close();
  }
});

test('more than 1% undecodable files is an error naming the dataset, the classes and the counts', async () => {
  const dir = makeTempDir();
  await writeGreyFolder(path.join(dir, 'train'), { a: { count: 50, base: 0 }, b: { count: 48, base: 100 } });
  writeFile(dir, 'train/b/bad1.png', Buffer.from('nope'));
  writeFile(dir, 'train/b/bad2.png', Buffer.alloc(0));
  await assert.rejects(loadImageDataset(imageSpec({}), loadContext(dir)), (error: unknown) => {
    assert.ok(error instanceof UserError);
    assert.match(error.message, /^exp\.jointrain\.yaml:3:5 datasets\[0\]\.path: dataset "digits": 2 of 100 image files could not be decoded/);
    assert.match(error.message, /class "b": 2/);
    return true;
  });
});

test('a class left without a readable image is an error naming the class', async () => {
  const dir = makeTempDir();
  await writeGreyFolder(path.join(dir, 'train'), { a: { count: 150, base: 0 } });
  writeFile(dir, 'train/empty/broken.png', Buffer.alloc(0));
  await assert.rejects(
    loadImageDataset(imageSpec({}), loadContext(dir)),
    /datasets\[0\]\.path: dataset "digits": class "empty" has no readable image \(1 file skipped\)/,
  );
});

test('a missing folder is an error with its place', async () => {
  const dir = makeTempDir();
  await assert.rejects(
    loadImageDataset(imageSpec({ path: 'nowhere' }), loadContext(dir)),
    /^UserError: exp\.jointrain\.yaml:3:5 datasets\[0\]\.path: folder not found: /,
  );
});

test('a second load of unchanged files reads the decode cache, and a changed file or channel count decodes again', async () => {
  const dir = makeTempDir();
  await writeGreyFolder(path.join(dir, 'train'), { a: { count: 3, base: 10 }, b: { count: 3, base: 20 } });
  const spec = imageSpec({ validation: { path: 'train' } });
  const load = async (which = spec) => {
    const dataset = await loadImageDataset(which, loadContext(dir));
    const result = { fromCache: dataset.report.fromCache, pixels: Array.from(dataset.train.readBatch([0, 1, 2, 3, 4, 5])) };
    dataset.close();
    return result;
  };
  const first = await load();
  const second = await load();
  assert.equal(first.fromCache, false);
  assert.equal(second.fromCache, true);
  assert.deepEqual(second.pixels, first.pixels);
  assert.ok(fs.readdirSync(path.join(dir, '.jointrain/cache/images')).some((name) => name.endsWith('.bin')));

  writeFile(dir, 'train/b/001.png', await encodeSolid({ width: 8, height: 8, colour: [99] }));
  const changed = await load();
  assert.equal(changed.fromCache, false);
  assert.equal(Math.round((changed.pixels[4 * 64] as number) * 255), 99);

  const rgb = await load(imageSpec({ validation: { path: 'train' }, image: { size: [8, 8], channels: 3 } }));
  assert.equal(rgb.fromCache, false);
  assert.equal(rgb.pixels.length, 6 * 64 * 3);
});

test('decode progress is reported up to the number of image files', async () => {
  const dir = makeTempDir();
  await writeGreyFolder(path.join(dir, 'train'), { a: { count: 3, base: 0 } });
  await writeGreyFolder(path.join(dir, 'val'), { a: { count: 2, base: 0 } });
  const calls: Array<[number, number]> = [];
  const dataset = await loadImageDataset(
    imageSpec({ validation: { path: 'val' } }),
    loadContext(dir, { onProgress: (done, total) => calls.push([done, total]) }),
  );
  dataset.close();
  assert.deepEqual(calls.at(-1), [5, 5]);
  assert.ok(calls.every(([, total]) => total === 5));
});
