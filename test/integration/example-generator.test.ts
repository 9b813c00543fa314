import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import {
  DIGIT_CLASSES,
  GENERATOR_VERSION,
  IMAGE_DATASETS,
  MARKER_FILE,
  SENSOR_CLASSES,
  SENSOR_FEATURES,
  SENSOR_ROWS_PER_CLASS,
  SENSORS_FILE,
  generateExampleData,
  scaledCount,
} from '../../src/trainer/scaffold/exampleData';

const SCALE = 0.1;
const root = mkdtempSync(path.join(os.tmpdir(), 'jointrain-example-'));
const dirA = path.join(root, 'a');
const dirB = path.join(root, 'b');

test.after(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

async function listPngs(dir: string): Promise<string[]> {
  return (await fs.readdir(dir)).filter((f) => f.endsWith('.png')).sort();
}

async function meanPixel(files: string[]): Promise<number> {
  let sum = 0;
  for (const file of files) sum += (await sharp(file).stats()).channels[0]!.mean;
  return sum / files.length;
}

test('generates the image folders, the CSV and the marker', async () => {
  const summary = await generateExampleData(dirA, { scale: SCALE });
  assert.equal(summary.skipped, false);
  assert.equal(summary.version, GENERATOR_VERSION);
  assert.equal(summary.outDir, path.resolve(dirA));

  const entries = (await fs.readdir(dirA)).sort();
  assert.deepEqual(entries, [MARKER_FILE, ...IMAGE_DATASETS.map((d) => d.folder), SENSORS_FILE].sort());
  // Nothing is left behind next to the output (the temporary folder was renamed into place).
  assert.deepEqual(await fs.readdir(root), ['a']);

  for (const { folder, perClass } of IMAGE_DATASETS) {
    const expected = scaledCount(perClass, SCALE);
    assert.deepEqual((await fs.readdir(path.join(dirA, folder))).sort(), [...DIGIT_CLASSES]);
    for (const label of DIGIT_CLASSES) {
      const files = await listPngs(path.join(dirA, folder, label));
      assert.equal(files.length, expected, `${folder}/${label}`);
    }
    const reported = summary.datasets.find((d) => d.name === folder);
    assert.equal(reported?.total, expected * DIGIT_CLASSES.length);
  }
  assert.equal(scaledCount(300, SCALE), 30);
  assert.equal(scaledCount(15, SCALE), 2);
});

test('images are 28×28 single-channel PNGs', async () => {
  for (const { folder } of IMAGE_DATASETS) {
    for (const label of ['0', '7']) {
      const dir = path.join(dirA, folder, label);
      const file = path.join(dir, (await listPngs(dir))[0]!);
      const meta = await sharp(file).metadata();
      assert.equal(meta.format, 'png');
      assert.equal(meta.width, 28);
      assert.equal(meta.height, 28);
      assert.equal(meta.channels, 1, `${folder}/${label} should be greyscale`);
      assert.equal(meta.hasAlpha, false);
    }
  }
});

test('sensors.csv has the header, the row count and the classes', async () => {
  const lines = (await fs.readFile(path.join(dirA, SENSORS_FILE), 'utf8')).trimEnd().split('\n');
  assert.deepEqual(lines[0]!.split(','), [...SENSOR_FEATURES, 'kind']);
  const rows = lines.slice(1).map((line) => line.split(','));
  const perClass = scaledCount(SENSOR_ROWS_PER_CLASS, SCALE);
  assert.equal(rows.length, perClass * SENSOR_CLASSES.length);
  for (const row of rows) {
    assert.equal(row.length, SENSOR_FEATURES.length + 1);
    for (const value of row.slice(0, -1)) assert.ok(Number.isFinite(Number(value)), `not a number: ${value}`);
  }
  for (const kind of SENSOR_CLASSES) {
    assert.equal(rows.filter((row) => row.at(-1) === kind).length, perClass, kind);
  }
  // Classes are interleaved, not in blocks.
  assert.notEqual(new Set(rows.slice(0, 10).map((row) => row.at(-1))).size, 1);
});

test('the inverted dataset is light, clean and scanned are dark', async () => {
  const means: Record<string, number> = {};
  for (const { folder } of IMAGE_DATASETS) {
    const files: string[] = [];
    for (const label of DIGIT_CLASSES) {
      const dir = path.join(dirA, folder, label);
      files.push(...(await listPngs(dir)).map((f) => path.join(dir, f)));
    }
    means[folder] = await meanPixel(files);
  }
  assert.ok(means['digits-inverted']! > 170, `inverted mean ${means['digits-inverted']}`);
  assert.ok(means['digits-clean']! < 60, `clean mean ${means['digits-clean']}`);
  assert.ok(means['digits-scanned']! < 140, `scanned mean ${means['digits-scanned']}`);
});

test('generation is deterministic: byte-identical files in another folder', async () => {
  const summary = await generateExampleData(dirB, { scale: SCALE });
  assert.equal(summary.skipped, false);
  const sample = [
    SENSORS_FILE,
    ...IMAGE_DATASETS.flatMap(({ folder }) => DIGIT_CLASSES.map((label) => path.join(folder, label, `${label}_0000.png`))),
    path.join('digits-clean', '3', '3_0029.png'),
    path.join('digits-inverted', '9', '9_0001.png'),
  ];
  for (const rel of sample) {
    assert.ok((await fs.readFile(path.join(dirA, rel))).equals(await fs.readFile(path.join(dirB, rel))), rel);
  }
  // Different classes and different samples of a class do differ.
  const a = await fs.readFile(path.join(dirA, 'digits-clean', '3', '3_0000.png'));
  assert.ok(!a.equals(await fs.readFile(path.join(dirA, 'digits-clean', '3', '3_0001.png'))));
  assert.ok(!a.equals(await fs.readFile(path.join(dirA, 'digits-clean', '8', '8_0000.png'))));
});

test('re-running on a complete folder does nothing', async () => {
  const marker = path.join(dirA, MARKER_FILE);
  const file = path.join(dirA, 'digits-clean', '0', '0_0000.png');
  const before = [(await fs.stat(marker)).mtimeMs, (await fs.stat(file)).mtimeMs];
  const summary = await generateExampleData(dirA, { scale: SCALE });
  assert.equal(summary.skipped, true);
  assert.equal(summary.datasets.length, IMAGE_DATASETS.length + 1);
  assert.deepEqual([(await fs.stat(marker)).mtimeMs, (await fs.stat(file)).mtimeMs], before);
});

test('the script says so when the data is already there', () => {
  const script = path.join(__dirname, '..', '..', 'examples', 'generate-data.ts');
  const result = spawnSync(process.execPath, ['--import', 'tsx', script, dirA, '--scale', String(SCALE)], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /nothing to do/);
});

test('a folder without the marker is regenerated; a foreign folder is refused', async () => {
  await fs.rm(path.join(dirB, MARKER_FILE));
  await fs.rm(path.join(dirB, 'digits-scanned'), { recursive: true });
  const summary = await generateExampleData(dirB, { scale: SCALE });
  assert.equal(summary.skipped, false);
  assert.equal((await listPngs(path.join(dirB, 'digits-scanned', '5'))).length, scaledCount(30, SCALE));
  await fs.access(path.join(dirB, MARKER_FILE));

  const foreign = path.join(root, 'foreign');
  await fs.mkdir(foreign);
  await fs.writeFile(path.join(foreign, 'notes.txt'), 'keep me');
  await assert.rejects(generateExampleData(foreign, { scale: SCALE }), /did not write \(notes\.txt\)/);
  assert.equal(await fs.readFile(path.join(foreign, 'notes.txt'), 'utf8'), 'keep me');
  assert.deepEqual((await fs.readdir(root)).sort(), ['a', 'b', 'foreign']);
});
