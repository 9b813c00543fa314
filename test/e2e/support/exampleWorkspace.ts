/**
 * A workspace holding the bundled example (`examples/digits.jointrain.yaml`) over a smaller copy
 * of its data, and a wait for the run folders that training writes into it.
 */
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { generateExampleData } from '../../../src/trainer/scaffold/exampleData';
import type { RunEvent, RunRecord } from '../../../src/shared/runs/format';
import { parseEvents } from '../../../src/shared/runs/readRecords';
import { REPO_ROOT } from './paths';

/** Small, yet every class of every dataset keeps a validation sample (at 0.1 `inverted` has none). */
const DATA_SCALE = 0.4;
/** Generated once and reused: the generator skips a folder that is complete for its scale. */
const DATA_CACHE = join(REPO_ROOT, 'test', '.tmp', `e2e-example-data-${DATA_SCALE}`);
const POLL_MS = 200;

export const EXAMPLE_EXPERIMENT = 'digits.jointrain.yaml';

export async function exampleWorkspace(folder: string): Promise<void> {
  await generateExampleData(DATA_CACHE, { scale: DATA_SCALE });
  cpSync(DATA_CACHE, join(folder, 'data'), { recursive: true });
  cpSync(join(REPO_ROOT, 'examples', EXAMPLE_EXPERIMENT), join(folder, EXAMPLE_EXPERIMENT));
}

/** The run folders in the workspace's `.jointrain/runs/`. */
export function runFolders(workspace: string): string[] {
  const runs = join(workspace, '.jointrain', 'runs');
  return existsSync(runs) ? readdirSync(runs).map((id) => join(runs, id)) : [];
}

/** Waits until some run folder of the workspace contains `file`; returns that folder. */
export async function waitForRunFile(workspace: string, file: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = runFolders(workspace).find((folder) => existsSync(join(folder, file)));
    if (run !== undefined) return run;
    if (Date.now() > deadline) throw new Error(`no run folder with ${file} in ${workspace}/.jointrain/runs within ${timeoutMs} ms`);
    await delay(POLL_MS);
  }
}

/**
 * Waits until `check` holds for something read from a run folder and returns what was read. The
 * views the scenarios watch are proxies: a row may say "running" before the trainer has written the
 * field a scenario asserts on (run.json gains `resumes` only after data and model are loaded), so a
 * scenario waits for the file itself, not for the row. A file that is missing or half-written reads
 * as not yet.
 */
async function waitForRead<T>(read: () => T, check: (value: T) => boolean, what: string, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    try {
      last = read();
      if (check(last)) return last;
    } catch {
      last = undefined;
    }
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms; last read: ${JSON.stringify(last)?.slice(0, 500)}`);
    await delay(POLL_MS);
  }
}

/** Waits until the run's run.json satisfies `check`, e.g. `(r) => r.status === 'paused'`. */
export function waitForRunRecord(runDir: string, check: (record: RunRecord) => boolean, what: string, timeoutMs = 60_000): Promise<RunRecord> {
  return waitForRead(() => JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as RunRecord, check, `run.json: ${what}`, timeoutMs);
}

/** Waits until the run's events.jsonl satisfies `check`; returns every event. */
export function waitForRunEvents(runDir: string, check: (events: RunEvent[]) => boolean, what: string, timeoutMs = 60_000): Promise<RunEvent[]> {
  return waitForRead(() => parseEvents(readFileSync(join(runDir, 'events.jsonl'), 'utf8')), check, `events.jsonl: ${what}`, timeoutMs);
}
