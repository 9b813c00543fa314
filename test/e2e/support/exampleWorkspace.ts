/**
 * A workspace holding the bundled example (`examples/digits.jointrain.yaml`) over a smaller copy
 * of its data, and a wait for the run folders that training writes into it.
 */
import { cpSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { generateExampleData } from '../../../examples/generate';
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
