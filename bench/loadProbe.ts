/**
 * Child process of the input-pipeline benchmark (see loadProbeClient.ts): loads one image folder
 * through the decode cache, reads every sample once, and prints one JSON line with the timings
 * and the memory before and after. Run with `--expose-gc` so the readings follow a full GC.
 */
import path from 'node:path';
import { DatasetSchema } from '../src/shared/experiment/schema';
import { loadDataset } from '../src/trainer/data/loadDataset';
import type { DataSplit } from '../src/trainer/data/types';
import { ProbeRequestSchema, type LoadProbeResult, type MemoryReading } from './loadProbeClient';

const READ_BATCH = 64;

function settledMemory(): MemoryReading {
  if (gc === undefined) throw new Error('loadProbe.ts needs node --expose-gc');
  gc();
  gc();
  const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
  return { rss, heapUsed, external, arrayBuffers };
}

function readEverySample(split: DataSplit): number {
  let checksum = 0;
  for (let start = 0; start < split.size; start += READ_BATCH) {
    const indices = Array.from({ length: Math.min(READ_BATCH, split.size - start) }, (_, i) => start + i);
    checksum += split.readBatch(indices)[0] ?? 0;
  }
  return checksum;
}

/** Samples the JS heap every few milliseconds while awaiting, to catch the peak between collections. */
function watchPeakHeap(): { stop(): number } {
  let peak = process.memoryUsage().heapUsed;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }, 2);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage().heapUsed);
    },
  };
}

function maxRssBytes(): number {
  return process.resourceUsage().maxRSS * 1024;
}

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

async function main(): Promise<void> {
  const request = ProbeRequestSchema.parse(JSON.parse(process.argv[2] ?? 'null'));
  const spec = DatasetSchema.parse({
    name: 'probe',
    type: 'images',
    path: request.imagesDir,
    image: { size: [28, 28], channels: 1, scale: 'unit' },
  });
  const before = settledMemory();
  const peakHeap = watchPeakHeap();
  const loadStarted = performance.now();
  const cpuStarted = cpuMs();
  const dataset = await loadDataset(spec, {
    experimentDir: path.dirname(request.imagesDir),
    cacheDir: request.cacheDir,
    seed: 1,
    task: 'classification',
    place: (field) => `probe ${field}`,
  });
  const loadMs = performance.now() - loadStarted;
  const loadCpuMs = cpuMs() - cpuStarted;
  const maxRssAfterLoad = maxRssBytes();
  const readStarted = performance.now();
  readEverySample(dataset.train);
  readEverySample(dataset.validation);
  const readMs = performance.now() - readStarted;
  const peakHeapUsed = peakHeap.stop();
  const after = settledMemory();
  const result: LoadProbeResult = {
    images: dataset.train.size + dataset.validation.size,
    fromCache: dataset.report.fromCache,
    loadMs,
    loadCpuMs,
    readMs,
    before,
    after,
    maxRssAfterLoad,
    maxRss: maxRssBytes(),
    peakHeapUsed,
  };
  dataset.close();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
