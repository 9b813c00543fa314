import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessAlive } from './processLiveness';

/**
 * The temporary names writers use before a rename: `<name>.tmp-<pid>` (atomic writes, checkpoint
 * folders) and the decode cache's `<name>.<pid>.<8 hex>.tmp`. The pid says whose it is.
 */
const TEMPORARY_NAMES = [/\.tmp-(\d+)$/, /\.(\d+)\.[0-9a-f]{8}\.tmp$/];

function writerOf(name: string): number | undefined {
  for (const pattern of TEMPORARY_NAMES) {
    const pid = pattern.exec(name)?.[1];
    if (pid !== undefined) return Number(pid);
  }
  return undefined;
}

/**
 * Removes, under `dir` (recursively), the temporary files and folders of writers that were killed
 * before their rename: those whose pid no longer runs. A live pid's temporaries may be in use (a
 * trainer of another run sharing the decode cache), so they are kept. Returns what was removed.
 */
export function removeStaleTemporaries(dir: string): string[] {
  const removed: string[] = [];
  const visit = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      const writer = writerOf(entry.name);
      if (writer !== undefined && !isProcessAlive(writer)) {
        rmSync(path, { recursive: true, force: true });
        removed.push(path);
      } else if (entry.isDirectory()) visit(path);
    }
  };
  try {
    visit(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return removed;
}
