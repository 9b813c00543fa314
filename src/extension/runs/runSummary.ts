/**
 * What the host knows of one run, read from its folder: the record, the newest step and epoch
 * metrics. Reads only the tail of metrics.jsonl, which grows by a line per step. Asynchronous: the
 * extension host's thread never waits on the disk.
 */
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { readRunRecord } from '../../node/runRecord';
import { parseEvents, parseMetrics } from '../../shared/runs/readRecords';
import { RUN_FILES, type MetricRecord, type RunEvent, type RunRecord } from '../../shared/runs/format';

export type StepRecord = Extract<MetricRecord, { kind: 'step' }>;
export type EpochRecord = Extract<MetricRecord, { kind: 'epoch' }>;

export interface RunSummary {
  dir: string;
  record: RunRecord;
  lastStep?: StepRecord;
  lastEpoch?: EpochRecord;
  /** The newest events (from the tail of events.jsonl), for the Runs view's tooltip. */
  recentEvents?: RunEvent[];
}

const TAIL_BYTES = 256 * 1024;
/** Events are few; their last lines are enough for the few a tooltip shows. */
const EVENT_TAIL_BYTES = 16 * 1024;
const RECENT_EVENTS = 20;

/** Reads a run folder, or undefined when it has no valid run.json (yet). */
export async function readRunSummary(dir: string): Promise<RunSummary | undefined> {
  const read = await readRunRecord(dir);
  if (read.kind !== 'record') return undefined;
  const records = parseMetrics(await tailOf(join(dir, RUN_FILES.metrics)));
  const lastStep = findLast(records, (r): r is StepRecord => r.kind === 'step');
  const lastEpoch = findLast(records, (r): r is EpochRecord => r.kind === 'epoch');
  const recentEvents = parseEvents(await tailOf(join(dir, RUN_FILES.events), EVENT_TAIL_BYTES)).slice(-RECENT_EVENTS);
  return { dir, record: read.record, ...(lastStep ? { lastStep } : {}), ...(lastEpoch ? { lastEpoch } : {}), recentEvents };
}

/** The last whole lines of a file, at most `bytes` of them; '' when it does not exist. */
export async function tailOf(path: string, bytes = TAIL_BYTES): Promise<string> {
  const file = await open(path, 'r').catch(() => undefined);
  if (file === undefined) return '';
  try {
    const { size } = await file.stat();
    const start = Math.max(0, size - bytes);
    const buffer = Buffer.alloc(size - start);
    await file.read(buffer, 0, buffer.length, start);
    const text = buffer.toString('utf8');
    // Starting mid-file, the first line is probably cut: drop it.
    return start > 0 ? text.slice(text.indexOf('\n') + 1) : text;
  } finally {
    await file.close();
  }
}

function findLast<T, S extends T>(items: readonly T[], predicate: (item: T) => item is S): S | undefined {
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i] as T;
    if (predicate(item)) return item;
  }
  return undefined;
}
