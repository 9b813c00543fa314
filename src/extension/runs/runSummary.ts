/**
 * What the host knows of one run, read from its folder: the record, the newest step and epoch
 * metrics. Reads only the tail of metrics.jsonl, which grows by a line per step.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { parseJsonLines } from '../../shared/runs/readRecords';
import { RUN_FILES, type MetricRecord, type RunRecord } from '../../shared/runs/format';

export type StepRecord = Extract<MetricRecord, { kind: 'step' }>;
export type EpochRecord = Extract<MetricRecord, { kind: 'epoch' }>;

export interface RunSummary {
  dir: string;
  record: RunRecord;
  lastStep?: StepRecord;
  lastEpoch?: EpochRecord;
}

const TAIL_BYTES = 256 * 1024;

/** Reads a run folder, or undefined when it has no readable run.json (yet). */
export function readRunSummary(dir: string): RunSummary | undefined {
  let record: RunRecord;
  try {
    record = JSON.parse(readFileSync(join(dir, RUN_FILES.run), 'utf8')) as RunRecord;
  } catch {
    return undefined;
  }
  if (typeof record.id !== 'string' || typeof record.status !== 'string') return undefined;
  const records = parseJsonLines<MetricRecord>(tailOf(join(dir, RUN_FILES.metrics)));
  const lastStep = findLast(records, (r): r is StepRecord => r.kind === 'step');
  const lastEpoch = findLast(records, (r): r is EpochRecord => r.kind === 'epoch');
  return { dir, record, ...(lastStep ? { lastStep } : {}), ...(lastEpoch ? { lastEpoch } : {}) };
}

/** The last whole lines of a file, at most TAIL_BYTES of them; '' when it does not exist. */
export function tailOf(path: string, bytes = TAIL_BYTES): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return '';
  }
  try {
    const size = fstatSync(fd).size;
    const start = Math.max(0, size - bytes);
    const buffer = Buffer.alloc(size - start);
    readSync(fd, buffer, 0, buffer.length, start);
    const text = buffer.toString('utf8');
    // Starting mid-file, the first line is probably cut: drop it.
    return start > 0 ? text.slice(text.indexOf('\n') + 1) : text;
  } finally {
    closeSync(fd);
  }
}

function findLast<T, S extends T>(items: readonly T[], predicate: (item: T) => item is S): S | undefined {
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i] as T;
    if (predicate(item)) return item;
  }
  return undefined;
}
