/**
 * Part (d) of the input-pipeline benchmark: memory after loading 1,000 and 8,000 images through
 * the decode cache, each in a fresh process, and the growth per image between the two.
 */
import type { LoadProbeResult } from './loadProbeClient';
import { probeLoad } from './loadProbeClient';
import { table, verdict } from './markdown';
import { mebibytes, whole } from './stats';
import { freshWorkDir } from './workDir';

/** Pixels of one decoded 28×28 greyscale image: what an in-memory dataset would hold per image. */
const DECODED_IMAGE_BYTES = 28 * 28;

interface MemoryRun {
  size: number;
  mode: 'cold cache' | 'cached';
  result: LoadProbeResult;
}

/** Growth over the reading taken just before `loadDataset`, bytes. */
interface Growth {
  /** JS heap + external (Buffers, typed arrays) after a full GC: what the process still holds. */
  retained: number;
  rss: number;
  peakRssLoad: number;
  peakRssRead: number;
  peakHeap: number;
}

const GROWTH_COLUMNS: ReadonlyArray<readonly [keyof Growth, string]> = [
  ['retained', 'retained JS (heap + external)'],
  ['rss', 'RSS after GC'],
  ['peakRssLoad', 'peak RSS, load'],
  ['peakRssRead', 'peak RSS, load + read all'],
  ['peakHeap', 'peak JS heap'],
];

function growth({ before, after, maxRssAfterLoad, maxRss, peakHeapUsed }: LoadProbeResult): Growth {
  return {
    retained: after.heapUsed + after.external - before.heapUsed - before.external,
    rss: after.rss - before.rss,
    peakRssLoad: maxRssAfterLoad - before.rss,
    peakRssRead: maxRss - before.rss,
    peakHeap: peakHeapUsed - before.heapUsed,
  };
}

export async function memoryGrowth(smallDir: string, largeDir: string): Promise<string[]> {
  const runs: MemoryRun[] = [];
  for (const [size, imagesDir] of [
    [1000, smallDir],
    [8000, largeDir],
  ] as const) {
    const cacheDir = freshWorkDir('cache', `memory-${size}`);
    runs.push({ size, mode: 'cold cache', result: await probeLoad({ imagesDir, cacheDir }) });
    runs.push({ size, mode: 'cached', result: await probeLoad({ imagesDir, cacheDir }) });
  }
  const growthOf = (size: number, mode: MemoryRun['mode']) => growth((runs.find((r) => r.size === size && r.mode === mode) as MemoryRun).result);
  const perImage = (mode: MemoryRun['mode'], key: keyof Growth) => (growthOf(8000, mode)[key] - growthOf(1000, mode)[key]) / 7000;
  const modes = ['cold cache', 'cached'] as const;
  const retainedPerImage = Math.max(...modes.map((mode) => perImage(mode, 'retained')));
  const bytes = (value: number) => `${whole(value)} B`;
  return [
    '#### (d) Memory against image count — fresh process each, readings after a full GC',
    '',
    'Growth over the reading just before `loadDataset`; "read all" then reads every sample once through `readBatch`, 64 at a time, with the dataset still open.',
    '',
    ...table(
      ['images', 'load', 'ms', ...GROWTH_COLUMNS.map(([, label]) => label)],
      runs.map(({ size, mode, result }) => {
        const g = growth(result);
        return [whole(size), mode, whole(result.loadMs), ...GROWTH_COLUMNS.map(([key]) => mebibytes(g[key]))];
      }),
    ),
    '',
    ...table(
      ['bytes per image: (8,000 − 1,000) / 7,000', ...GROWTH_COLUMNS.map(([, label]) => label)],
      modes.map((mode) => [mode, ...GROWTH_COLUMNS.map(([key]) => bytes(perImage(mode, key)))]),
    ),
    '',
    `(d) retained per image: at most ${bytes(retainedPerImage)}, against ${bytes(DECODED_IMAGE_BYTES)} for the decoded pixels of one image — ` +
      `${verdict(retainedPerImage < DECODED_IMAGE_BYTES / 10, `does not grow with image count: < ${bytes(DECODED_IMAGE_BYTES / 10)} per image`)}.`,
  ];
}
