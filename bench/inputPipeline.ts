/**
 * Benchmark 2, the input pipeline: (a) first-pass decode rate and (b) cached reload, here; (c) data
 * time as a share of a training step (dataShare.ts) and (d) memory against image count
 * (memoryGrowth.ts). Loads that are timed or weighed run in fresh child processes (loadProbe.ts);
 * the step share runs in this process, on the benchmark backend.
 */
import os from 'node:os';
import { dataShare } from './dataShare';
import type { FolderSize } from './digitFolders';
import { probeLoad, type LoadProbeResult } from './loadProbeClient';
import { table, verdict, type BenchSection } from './markdown';
import { memoryGrowth } from './memoryGrowth';
import { fixed, median, whole } from './stats';
import { freshWorkDir } from './workDir';

const DECODE_REPEATS = 3;
const DECODE_RATE_GOAL = 2000;

export interface PipelineOptions {
  folders: Record<FolderSize, string>;
  /** Decode cache shared with the loop benchmark (filled by whoever loads first). */
  sharedCacheDir: string;
  backend: string;
}

export async function inputPipeline({ folders, sharedCacheDir, backend }: PipelineOptions): Promise<BenchSection> {
  const decode = await decodeAndReload(folders[4000]);
  const share = await dataShare({ imagesDir: folders[4000], cacheDir: sharedCacheDir, backend });
  const memory = await memoryGrowth(folders[1000], folders[8000]);
  return {
    title: '2. Input pipeline',
    body: [...decode, '', ...share, '', ...memory],
  };
}

/** Parts (a) and (b): a cold-cache load (decoding every image), then a cached reload, in fresh processes. */
async function decodeAndReload(imagesDir: string): Promise<string[]> {
  const cold: LoadProbeResult[] = [];
  const cached: LoadProbeResult[] = [];
  for (let repeat = 0; repeat < DECODE_REPEATS; repeat++) {
    const cacheDir = freshWorkDir('cache', `decode-${repeat}`);
    cold.push(await probeLoad({ imagesDir, cacheDir }));
    cached.push(await probeLoad({ imagesDir, cacheDir }));
  }
  if (cold.some((r) => r.fromCache) || cached.some((r) => !r.fromCache)) throw new Error('decode benchmark: the cache was not cold, then warm, as planned');
  const images = cold[0]?.images ?? 0;
  const rate = (r: LoadProbeResult) => images / (r.loadMs / 1000);
  const cpuRate = (r: LoadProbeResult) => images / (r.loadCpuMs / 1000);
  const coldRate = median(cold.map(rate));
  const busyCores = median(cold.map((r) => r.loadCpuMs / r.loadMs));
  const row = (label: string, runs: LoadProbeResult[]) => [
    label,
    runs.map((r) => whole(r.loadMs)).join(', '),
    whole(median(runs.map((r) => r.loadMs))),
    whole(median(runs.map(rate))),
    whole(median(runs.map((r) => r.loadCpuMs))),
    whole(median(runs.map(cpuRate))),
  ];
  return [
    `#### (a) First-pass decode and (b) cached reload — ${whole(images)} PNGs, 28×28 grey, fresh process each`,
    '',
    'A load is `loadDataset` whole: folder scan, read and hash of every file (the cache key), decoding into the cache blob when it is cold, split.',
    '',
    ...table(
      ['load', `wall ms (${DECODE_REPEATS} runs)`, 'median wall ms', 'images/s', 'median CPU ms', 'images per CPU-second'],
      [row('cold cache (decode)', cold), row('cached reload', cached)],
    ),
    '',
    `(a) first-pass decode: ${whole(coldRate)} images/s — ${verdict(coldRate >= DECODE_RATE_GOAL, `≥ ${whole(DECODE_RATE_GOAL)}/s`)}. ` +
      `CPU time / wall time: ${fixed(busyCores, 2)} of the ${os.availableParallelism()} cores busy on average during the decode.`,
    `(b) cached reload: ${whole(median(cached.map((r) => r.loadMs)))} ms, ${fixed(median(cold.map((r) => r.loadMs)) / median(cached.map((r) => r.loadMs)), 1)}× faster than decoding.`,
  ];
}
