/**
 * Deterministic generator for the bundled example's data (`examples/digits.jointrain.yaml`).
 *
 *   npm run example:data, or `jointrain example` (which also trains it)
 *
 * It writes three image datasets that share one label space ("digits" 0–9, 28×28 greyscale PNG,
 * one subfolder per class) but differ in look and, above all, in size — plus a small CSV dataset
 * for a second head:
 *
 *   digits-clean/     300 per class  white strokes on black, mild jitter, little noise
 *   digits-scanned/    30 per class  strong rotation, blur, speckle noise, low contrast, thick strokes
 *   digits-inverted/   15 per class  dark thin italic strokes on a light background
 *   sensors.csv       600 rows       5 numeric features, label column `kind` (idle / walk / run)
 *
 * Everything comes from a seeded PRNG (mulberry32, inline below), one stream per sample, so the
 * output is byte-identical from run to run, and a smaller `scale` yields a subset of the full set.
 * The data is written to a temporary sibling folder that is renamed into place at the end, with a
 * `.complete` marker inside, so an interrupted run never leaves a half dataset that looks complete.
 * It lives with the scaffolding code because `jointrain example` writes it; examples/generate-data.ts
 * is the command-line entry.
 */
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';

/** Bump when the output changes, so that old data folders are regenerated. */
export const GENERATOR_VERSION = 1;
export const MARKER_FILE = '.complete';
export const IMAGE_SIZE = 28;
export const DIGIT_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;
export const SENSOR_CLASSES = ['idle', 'walk', 'run'] as const;
export const SENSOR_FEATURES = ['accel_mean', 'accel_std', 'step_hz', 'heart_rate', 'gyro_energy'] as const;

export type ImageStyle = 'clean' | 'scanned' | 'inverted';

/** The image datasets: folder name, drawing style and images per class at scale 1. */
export const IMAGE_DATASETS: ReadonlyArray<{ folder: string; style: ImageStyle; perClass: number }> = [
  { folder: 'digits-clean', style: 'clean', perClass: 300 },
  { folder: 'digits-scanned', style: 'scanned', perClass: 30 },
  { folder: 'digits-inverted', style: 'inverted', perClass: 15 },
];
export const SENSORS_FILE = 'sensors.csv';
/** Rows per class of sensors.csv at scale 1. */
export const SENSOR_ROWS_PER_CLASS = 200;

export interface GenerateOptions {
  /** Multiplies every count (default 1); each class keeps at least one sample. */
  scale?: number;
  /** Called with progress lines; the script prints them. */
  log?: (line: string) => void;
}

export interface GeneratedDataset {
  name: string;
  type: 'images' | 'csv';
  /** Relative to outDir. */
  path: string;
  /** Samples per class name. */
  counts: Record<string, number>;
  total: number;
}

export interface GeneratedSummary {
  outDir: string;
  version: number;
  scale: number;
  /** True when outDir already held a complete generation of this version and scale. */
  skipped: boolean;
  datasets: GeneratedDataset[];
  /** Wall time of this call in milliseconds. */
  elapsedMs: number;
}

interface Marker {
  generator: 'jointrain-example';
  version: number;
  scale: number;
  datasets: GeneratedDataset[];
}

/** Number of samples per class for a base count at a scale. */
export function scaledCount(base: number, scale: number): number {
  return Math.max(1, Math.round(base * scale));
}

// ---------------------------------------------------------------------------------------------
// Seeded randomness

/** mulberry32: a tiny 32-bit PRNG, good enough for synthetic data. Returns floats in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a hash of a string, used to derive one independent seed per sample. */
function hashSeed(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

class Rng {
  private readonly next: () => number;
  private spare: number | undefined;
  constructor(key: string) {
    this.next = mulberry32(hashSeed(key));
  }
  float(): number {
    return this.next();
  }
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}

// ---------------------------------------------------------------------------------------------
// Digit drawing

/**
 * Seven-segment-like skeleton on a 1 × 2 grid of six vertices:
 *
 *   0 ── 1        a: 0-1   b: 1-3   c: 3-5   d: 4-5
 *   │    │        e: 2-4   f: 0-2   g: 2-3
 *   2 ── 3
 *   │    │
 *   4 ── 5
 */
const VERTICES: ReadonlyArray<readonly [number, number]> = [
  [0, 0],
  [1, 0],
  [0, 1],
  [1, 1],
  [0, 2],
  [1, 2],
];
type Seg = 'a' | 'b' | 'c' | 'd' | 'e' | 'f' | 'g';
const SEGMENT_ENDS: Record<Seg, readonly [number, number]> = {
  a: [0, 1],
  b: [1, 3],
  c: [3, 5],
  d: [4, 5],
  e: [2, 4],
  f: [0, 2],
  g: [2, 3],
};
const ALL_SEGMENTS: readonly Seg[] = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];

/** A stroke in skeleton units (x in [0, 1], y in [0, 2]) before the per-sample transform. */
type Stroke = readonly [x0: number, y0: number, x1: number, y1: number];

function segmentsToStrokes(segs: readonly Seg[], verts: ReadonlyArray<readonly [number, number]>): Stroke[] {
  return segs.map((s) => {
    const [i, j] = SEGMENT_ENDS[s];
    const p = verts[i]!;
    const q = verts[j]!;
    return [p[0], p[1], q[0], q[1]] as const;
  });
}

/** The strokes of one digit, with the class's usual handwriting variants chosen at random. */
function digitStrokes(digit: number, rng: Rng, verts: ReadonlyArray<readonly [number, number]>): Stroke[] {
  const v = (i: number): readonly [number, number] => verts[i]!;
  switch (digit) {
    case 0:
      return segmentsToStrokes(['a', 'b', 'c', 'd', 'e', 'f'], verts);
    case 1: {
      // A vertical bar on the right or in the middle, sometimes with a flag and a foot.
      const x = rng.chance(0.5) ? (v(1)[0] + v(5)[0]) / 2 : 0.55;
      const strokes: Stroke[] = [[x, v(1)[1], x, v(5)[1]]];
      if (rng.chance(0.6)) strokes.push([x, v(1)[1], x - 0.4, v(1)[1] + 0.35]);
      if (rng.chance(0.3)) strokes.push([x - 0.3, v(5)[1], x + 0.3, v(5)[1]]);
      return strokes;
    }
    case 2:
      return segmentsToStrokes(['a', 'b', 'g', 'e', 'd'], verts);
    case 3: {
      // The middle bar often starts short of the left edge.
      const strokes = segmentsToStrokes(['a', 'b', 'c', 'd'], verts);
      const g = segmentsToStrokes(['g'], verts)[0]!;
      strokes.push(rng.chance(0.5) ? [g[0] + 0.3 * (g[2] - g[0]), g[1], g[2], g[3]] : g);
      return strokes;
    }
    case 4: {
      // Closed (f-g-b-c) or open with a diagonal from the top of the bar down to the middle.
      if (rng.chance(0.6)) return segmentsToStrokes(['f', 'g', 'b', 'c'], verts);
      return [[v(1)[0], v(1)[1], v(2)[0], v(2)[1]], ...segmentsToStrokes(['g', 'b', 'c'], verts)];
    }
    case 5:
      return segmentsToStrokes(['a', 'f', 'g', 'c', 'd'], verts);
    case 6:
      return segmentsToStrokes(rng.chance(0.75) ? ['a', 'f', 'g', 'e', 'd', 'c'] : ['f', 'g', 'e', 'd', 'c'], verts);
    case 7: {
      const strokes = segmentsToStrokes(['a'], verts);
      // The descender: straight down the right side, or a diagonal to the bottom middle.
      if (rng.chance(0.5)) strokes.push(...segmentsToStrokes(['b', 'c'], verts));
      else strokes.push([v(1)[0], v(1)[1], (v(4)[0] + v(5)[0]) / 2 - 0.1, v(5)[1]]);
      return strokes;
    }
    case 8:
      return segmentsToStrokes(ALL_SEGMENTS, verts);
    case 9:
      return segmentsToStrokes(rng.chance(0.75) ? ['a', 'b', 'c', 'd', 'f', 'g'] : ['a', 'b', 'c', 'f', 'g'], verts);
    default:
      throw new RangeError(`not a digit: ${digit}`);
  }
}

interface StyleParams {
  jitter: number; // per-vertex jitter in skeleton units
  width: [number, number]; // glyph width in pixels
  height: [number, number]; // glyph height in pixels
  thickness: [number, number]; // stroke thickness in pixels
  slant: [number, number]; // horizontal shear (x += slant * up)
  rotationDeg: number; // ± rotation
  offset: number; // ± translation in pixels
  dropSegment: number; // probability that a stroke is left out
  extraSegment: number; // probability of one spurious stroke
  shorten: number; // probability that a stroke is drawn only partly
  blurPasses: [number, number];
  background: [number, number]; // grey levels 0–255
  ink: [number, number];
  noiseSigma: number; // additive gaussian noise (grey levels)
  speckle: number; // fraction of pixels replaced by salt or pepper
}

const STYLES: Record<ImageStyle, StyleParams> = {
  clean: {
    jitter: 0.14,
    width: [10, 14],
    height: [17, 21],
    thickness: [1.7, 2.6],
    slant: [-0.08, 0.18],
    rotationDeg: 6,
    offset: 2,
    dropSegment: 0.03,
    extraSegment: 0.03,
    shorten: 0.08,
    blurPasses: [0, 0],
    background: [0, 12],
    ink: [215, 255],
    noiseSigma: 4,
    speckle: 0,
  },
  scanned: {
    jitter: 0.16,
    width: [10, 14],
    height: [16, 20],
    thickness: [2.8, 4.0],
    slant: [-0.1, 0.2],
    rotationDeg: 35,
    offset: 2,
    dropSegment: 0.03,
    extraSegment: 0.03,
    shorten: 0.08,
    blurPasses: [1, 2],
    background: [55, 95],
    ink: [145, 195],
    noiseSigma: 22,
    speckle: 0.07,
  },
  inverted: {
    jitter: 0.08,
    width: [10, 12],
    height: [18, 20],
    thickness: [1.3, 1.8],
    slant: [0.28, 0.4],
    rotationDeg: 3,
    offset: 1,
    dropSegment: 0.03,
    extraSegment: 0.03,
    shorten: 0.08,
    blurPasses: [0, 0],
    background: [215, 245],
    ink: [15, 60],
    noiseSigma: 6,
    speckle: 0,
  },
};

/** Draws one digit into a 28×28 greyscale buffer (row-major, 0 = black). */
function drawDigit(digit: number, style: ImageStyle, rng: Rng): Uint8Array {
  const p = STYLES[style];
  const verts = VERTICES.map(([x, y]) => [x + rng.uniform(-p.jitter, p.jitter), y + rng.uniform(-p.jitter, p.jitter)] as const);
  let strokes = digitStrokes(digit, rng, verts);

  // Imperfections that make some samples genuinely ambiguous.
  if (strokes.length > 2) strokes = strokes.filter(() => !rng.chance(p.dropSegment));
  strokes = strokes.map((s) => {
    if (!rng.chance(p.shorten)) return s;
    const t = rng.uniform(0.45, 0.8);
    return rng.chance(0.5)
      ? ([s[0], s[1], s[0] + (s[2] - s[0]) * t, s[1] + (s[3] - s[1]) * t] as const)
      : ([s[2] + (s[0] - s[2]) * t, s[3] + (s[1] - s[3]) * t, s[2], s[3]] as const);
  });
  if (rng.chance(p.extraSegment)) {
    const seg = ALL_SEGMENTS[Math.floor(rng.float() * ALL_SEGMENTS.length)]!;
    strokes.push(...segmentsToStrokes([seg], verts));
  }

  // Skeleton units → pixels: size, slant, rotation and offset around the image centre.
  const w = rng.uniform(p.width[0], p.width[1]);
  const h = rng.uniform(p.height[0], p.height[1]);
  const slant = rng.uniform(p.slant[0], p.slant[1]);
  const angle = (rng.uniform(-p.rotationDeg, p.rotationDeg) * Math.PI) / 180;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const cx = IMAGE_SIZE / 2 + rng.uniform(-p.offset, p.offset);
  const cy = IMAGE_SIZE / 2 + rng.uniform(-p.offset, p.offset);
  const toPixel = (x: number, y: number): [number, number] => {
    let px = (x - 0.5) * w;
    const py = (y - 1) * (h / 2);
    px -= slant * py; // italic: the top leans right
    return [cx + px * cos - py * sin, cy + px * sin + py * cos];
  };
  const segs = strokes.map((s) => [...toPixel(s[0], s[1]), ...toPixel(s[2], s[3])] as const);
  const radius = rng.uniform(p.thickness[0], p.thickness[1]) / 2;
  const pressure = rng.uniform(0.85, 1);

  // Coverage by distance to the nearest stroke: a thick, anti-aliased line.
  const n = IMAGE_SIZE;
  const cover = new Float32Array(n * n);
  for (let yy = 0; yy < n; yy++) {
    const py = yy + 0.5;
    for (let xx = 0; xx < n; xx++) {
      const px = xx + 0.5;
      let best = Infinity;
      for (const [x0, y0, x1, y1] of segs) {
        const dx = x1 - x0;
        const dy = y1 - y0;
        const len2 = dx * dx + dy * dy;
        const t = len2 > 0 ? Math.min(1, Math.max(0, ((px - x0) * dx + (py - y0) * dy) / len2)) : 0;
        const ex = px - (x0 + t * dx);
        const ey = py - (y0 + t * dy);
        const d2 = ex * ex + ey * ey;
        if (d2 < best) best = d2;
      }
      cover[yy * n + xx] = Math.min(1, Math.max(0, radius + 0.5 - Math.sqrt(best))) * pressure;
    }
  }

  const passes = Math.round(rng.uniform(p.blurPasses[0], p.blurPasses[1]));
  for (let i = 0; i < passes; i++) blur121(cover, n);

  const bg = rng.uniform(p.background[0], p.background[1]);
  const ink = rng.uniform(p.ink[0], p.ink[1]);
  const out = new Uint8Array(n * n);
  for (let i = 0; i < n * n; i++) {
    let value = bg + (ink - bg) * cover[i]! + p.noiseSigma * rng.normal();
    if (p.speckle > 0 && rng.chance(p.speckle)) value = rng.chance(0.5) ? rng.uniform(0, 40) : rng.uniform(200, 255);
    out[i] = Math.min(255, Math.max(0, Math.round(value)));
  }
  return out;
}

/** In-place separable [1 2 1] / 4 blur with clamped edges. */
function blur121(buf: Float32Array, n: number): void {
  const tmp = new Float32Array(n * n);
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      const l = buf[y * n + Math.max(0, x - 1)]!;
      const r = buf[y * n + Math.min(n - 1, x + 1)]!;
      tmp[y * n + x] = (l + 2 * buf[y * n + x]! + r) / 4;
    }
  }
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      const u = tmp[Math.max(0, y - 1) * n + x]!;
      const d = tmp[Math.min(n - 1, y + 1) * n + x]!;
      buf[y * n + x] = (u + 2 * tmp[y * n + x]! + d) / 4;
    }
  }
}

/** Encodes a 28×28 greyscale buffer as PNG. The output depends only on the pixels. */
export function encodePng(pixels: Uint8Array): Promise<Buffer> {
  return sharp(pixels, { raw: { width: IMAGE_SIZE, height: IMAGE_SIZE, channels: 1 } })
    .toColourspace('b-w') // without it sharp writes a 3-channel PNG
    .png({ compressionLevel: 9, adaptiveFiltering: false, palette: false })
    .toBuffer();
}

// ---------------------------------------------------------------------------------------------
// Sensor table

/** Class-conditional means and standard deviations of the five features (overlapping on purpose). */
const SENSOR_MODEL: Record<(typeof SENSOR_CLASSES)[number], { mean: number[]; std: number[] }> = {
  //            accel_mean accel_std step_hz heart_rate gyro_energy
  idle: { mean: [1.0, 0.12, 0.5, 76, 0.6], std: [0.06, 0.09, 0.5, 11, 0.45] },
  walk: { mean: [1.08, 0.32, 1.6, 95, 1.4], std: [0.08, 0.14, 0.55, 13, 0.65] },
  run: { mean: [1.2, 0.58, 2.4, 120, 2.4], std: [0.12, 0.21, 0.6, 18, 0.9] },
};

function sensorCsv(rowsPerClass: number): { text: string; counts: Record<string, number> } {
  const rows: { key: number; line: string }[] = [];
  const counts: Record<string, number> = {};
  for (const kind of SENSOR_CLASSES) {
    counts[kind] = rowsPerClass;
    const { mean, std } = SENSOR_MODEL[kind];
    for (let i = 0; i < rowsPerClass; i++) {
      const rng = new Rng(`sensors/${kind}/${i}`);
      // A shared "effort" factor correlates the features a little, as real readings would be.
      const effort = rng.normal() * 0.35;
      const values = mean.map((m, f) => m + std[f]! * (rng.normal() * 0.94 + effort));
      values[1] = Math.abs(values[1]!);
      values[2] = Math.max(0, values[2]!);
      values[4] = Math.abs(values[4]!);
      const decimals = [3, 3, 2, 1, 3];
      // Sorting by a per-row random key interleaves the classes deterministically.
      rows.push({ key: rng.float(), line: [...values.map((x, f) => x.toFixed(decimals[f])), kind].join(',') });
    }
  }
  rows.sort((x, y) => x.key - y.key || (x.line < y.line ? -1 : 1));
  const text = [[...SENSOR_FEATURES, 'kind'].join(','), ...rows.map((r) => r.line)].join('\n') + '\n';
  return { text, counts };
}

// ---------------------------------------------------------------------------------------------
// Output folder handling

const OWN_ENTRIES = new Set([MARKER_FILE, SENSORS_FILE, ...IMAGE_DATASETS.map((d) => d.folder)]);

async function readMarker(dir: string): Promise<Marker | undefined> {
  try {
    const marker = JSON.parse(await fs.readFile(path.join(dir, MARKER_FILE), 'utf8')) as Marker;
    return marker.generator === 'jointrain-example' ? marker : undefined;
  } catch {
    return undefined;
  }
}

/** Only folders that this generator could have written are ever deleted. */
async function assertReplaceable(dir: string): Promise<void> {
  const entries = await fs.readdir(dir);
  const foreign = entries.filter((e) => !OWN_ENTRIES.has(e));
  if (foreign.length > 0) {
    throw new Error(
      `${dir} exists and holds files the example generator did not write (${foreign.slice(0, 5).join(', ')}); ` + 'choose another folder or remove it first',
    );
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes temporary folders that interrupted runs (processes no longer alive) left next to `target`. */
async function removeStaleTemps(target: string): Promise<void> {
  const prefix = `${path.basename(target)}.tmp-`;
  for (const entry of await fs.readdir(path.dirname(target))) {
    if (!entry.startsWith(prefix)) continue;
    const pid = Number(entry.slice(prefix.length).split('-')[0]);
    if (Number.isInteger(pid) && pid > 0 && (pid === process.pid || !isAlive(pid))) {
      await fs.rm(path.join(path.dirname(target), entry), { recursive: true, force: true });
    }
  }
}

/** Runs `fn` over `items` with at most `limit` calls in flight. */
async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Generates the example data into `outDir`. Does nothing (returns `skipped: true`) when `outDir`
 * already holds a complete generation of the same version and scale.
 */
export async function generateExampleData(outDir: string, options: GenerateOptions = {}): Promise<GeneratedSummary> {
  const started = Date.now();
  const scale = options.scale ?? 1;
  if (!(Number.isFinite(scale) && scale > 0)) throw new RangeError(`scale must be a positive number, got ${scale}`);
  const log = options.log ?? (() => undefined);
  const target = path.resolve(outDir);

  const existing = await readMarker(target);
  if (existing && existing.version === GENERATOR_VERSION && existing.scale === scale) {
    return { outDir: target, version: GENERATOR_VERSION, scale, skipped: true, datasets: existing.datasets, elapsedMs: Date.now() - started };
  }
  if (existsSync(target)) await assertReplaceable(target);

  await fs.mkdir(path.dirname(target), { recursive: true });
  await removeStaleTemps(target);
  const tmp = `${target}.tmp-${process.pid}-${Date.now()}`;
  await fs.mkdir(tmp);
  try {
    const datasets: GeneratedDataset[] = [];
    for (const { folder, style, perClass } of IMAGE_DATASETS) {
      const count = scaledCount(perClass, scale);
      const jobs: { file: string; pixels: Uint8Array }[] = [];
      const counts: Record<string, number> = {};
      for (const label of DIGIT_CLASSES) {
        await fs.mkdir(path.join(tmp, folder, label), { recursive: true });
        counts[label] = count;
        for (let i = 0; i < count; i++) {
          const rng = new Rng(`${folder}/${label}/${i}`);
          const name = `${label}_${String(i).padStart(4, '0')}.png`;
          jobs.push({ file: path.join(tmp, folder, label, name), pixels: drawDigit(Number(label), style, rng) });
        }
      }
      await forEachLimited(jobs, 16, async ({ file, pixels }) => fs.writeFile(file, await encodePng(pixels)));
      datasets.push({ name: folder, type: 'images', path: folder, counts, total: count * DIGIT_CLASSES.length });
      log(`${folder}: ${count * DIGIT_CLASSES.length} images (${count} per class)`);
    }

    const csv = sensorCsv(scaledCount(SENSOR_ROWS_PER_CLASS, scale));
    await fs.writeFile(path.join(tmp, SENSORS_FILE), csv.text);
    const rows = Object.values(csv.counts).reduce((a, b) => a + b, 0);
    datasets.push({ name: 'sensors', type: 'csv', path: SENSORS_FILE, counts: csv.counts, total: rows });
    log(`${SENSORS_FILE}: ${rows} rows`);

    const marker: Marker = { generator: 'jointrain-example', version: GENERATOR_VERSION, scale, datasets };
    await fs.writeFile(path.join(tmp, MARKER_FILE), JSON.stringify(marker, null, 2) + '\n');

    // Swap into place: the old (incomplete or outdated) folder goes only once the new one is whole.
    if (existsSync(target)) await fs.rm(target, { recursive: true, force: true });
    await fs.rename(tmp, target);
    return { outDir: target, version: GENERATOR_VERSION, scale, skipped: false, datasets, elapsedMs: Date.now() - started };
  } catch (error) {
    await fs.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    throw error;
  }
}
