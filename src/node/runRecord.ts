/**
 * run.json read from disk and validated (`RunRecordSchema`) before anyone trusts it — by the host's
 * run store and by the trainer's `resume` and `compare` alike.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseRunRecord, RUN_FILES, type RunRecord } from '../shared/runs/format';
import { writeAtomically } from './atomicWrite';

export type RunRecordRead = { kind: 'record'; record: RunRecord } | { kind: 'missing' } | { kind: 'invalid'; error: string };

export async function readRunRecord(runDir: string): Promise<RunRecordRead> {
  const path = join(runDir, RUN_FILES.run);
  return readFile(path, 'utf8').then(
    (text) => fromText(path, text),
    (error: unknown) => fromError(path, error),
  );
}

/** For the trainer's commands, which read one record before anything else happens. */
export function readRunRecordSync(runDir: string): RunRecordRead {
  const path = join(runDir, RUN_FILES.run);
  try {
    return fromText(path, readFileSync(path, 'utf8'));
  } catch (error) {
    return fromError(path, error);
  }
}

function fromText(path: string, text: string): RunRecordRead {
  const parsed = parseRunRecord(text);
  return parsed.ok ? { kind: 'record', record: parsed.record } : { kind: 'invalid', error: `${path}: ${parsed.error}` };
}

function fromError(path: string, error: unknown): RunRecordRead {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing' };
  return { kind: 'invalid', error: `${path}: ${(error as Error).message}` };
}

/**
 * Records that a run's trainer `pid` is gone without finishing: status `failed`, the reason, the
 * end time. Only the host calls it, for a trainer that can no longer write its own record. Nothing
 * is written when the record has moved on meanwhile (another trainer resumed the run, or the
 * trainer finished after all); fields this reader does not know are kept, as the file is the
 * trainer's. Resolves with whether it wrote.
 */
export async function markRunFailed(runDir: string, pid: number, error: string, now: Date = new Date()): Promise<boolean> {
  const path = join(runDir, RUN_FILES.run);
  const raw = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown> & { timings?: Record<string, unknown> };
  if (raw.pid !== pid || (raw.status !== 'running' && raw.status !== 'paused')) return false;
  writeAtomically(path, `${JSON.stringify({ ...raw, status: 'failed', error, timings: { ...raw.timings, endedAt: now.toISOString() } }, null, 2)}\n`);
  return true;
}
