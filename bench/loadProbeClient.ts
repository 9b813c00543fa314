/**
 * Runs `loadProbe.ts` in a fresh Node process and parses what it reports, so each memory reading
 * starts from a clean heap and each decode-rate reading from a process that has decoded nothing.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';

export const ProbeRequestSchema = z.object({
  imagesDir: z.string(),
  cacheDir: z.string(),
});
export type ProbeRequest = z.infer<typeof ProbeRequestSchema>;

const MemorySchema = z.object({
  rss: z.number(),
  heapUsed: z.number(),
  /** Memory outside the V8 heap owned by JS objects: Buffers and typed arrays. */
  external: z.number(),
  arrayBuffers: z.number(),
});
export type MemoryReading = z.infer<typeof MemorySchema>;

const LoadProbeResultSchema = z.object({
  images: z.number(),
  fromCache: z.boolean(),
  /** Scan, content hashing, decoding (when not cached) and split: `loadDataset` itself. */
  loadMs: z.number(),
  /** CPU time of the whole process (every thread: libvips and libuv included) during `loadDataset`. */
  loadCpuMs: z.number(),
  /** Reading every sample of both splits once through `readBatch`, 64 at a time. */
  readMs: z.number(),
  /** After a full GC, before loading. */
  before: MemorySchema,
  /** After a full GC, with the dataset loaded (still open) and every sample read once. */
  after: MemorySchema,
  /** Peak resident set of the whole process when `loadDataset` returned, bytes. */
  maxRssAfterLoad: z.number(),
  /** Peak resident set of the whole process after reading every sample too, bytes. */
  maxRss: z.number(),
  /** Highest JS heap use seen while loading and reading (sampled every few milliseconds), garbage included. */
  peakHeapUsed: z.number(),
});
export type LoadProbeResult = z.infer<typeof LoadProbeResultSchema>;

const run = promisify(execFile);
const PROBE_SCRIPT = path.join(__dirname, 'loadProbe.ts');

export async function probeLoad(request: ProbeRequest): Promise<LoadProbeResult> {
  const args = ['--expose-gc', '--import', 'tsx', PROBE_SCRIPT, JSON.stringify(request)];
  const { stdout } = await run(process.execPath, args, { maxBuffer: 1 << 20 });
  const lastLine = stdout.trim().split('\n').pop() ?? '';
  return LoadProbeResultSchema.parse(JSON.parse(lastLine));
}
